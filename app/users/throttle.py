"""Throttling of password guesses: sign-in, electronic signatures and password change share one failure store.

Failures within the window are counted per (user name, client address) and per client address. Past the free
failures of a key, each further attempt must wait: `login_backoff_seconds` after the last failure, doubling with every
failure, up to `login_backoff_max_seconds`. The wait applies to that key only, so the rightful owner signing in from
another address is never locked out by someone guessing elsewhere, and guessing many user names from one address is
slowed down as well. A correct password clears the failures of its (user name, address) pair.

The client address is what the ASGI server reports (`request.client.host`); behind a reverse proxy, start uvicorn
with `--forwarded-allow-ips` so it is the browser's address and not the proxy's. An IPv6 client counts per /64, the
network one subscriber is given, so stepping through its own addresses does not reset the count.
"""

import ipaddress
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlmodel import Session, col

from app.common import as_utc, utcnow
from app.config import get_settings
from app.db import after_rollback, session_scope
from app.users.models import PasswordFailure

# The throttle's clock; tests replace it to step through the backoff without sleeping.
clock: Callable[[], datetime] = utcnow


class FailureKind:
    sign_in = "sign_in"
    signature = "signature"
    password_change = "password_change"


@dataclass(frozen=True)
class Wait:
    """How long the next attempt must wait, and which key made it wait ("user_address" or "address")."""

    seconds: float
    key: str = ""

    @property
    def retry_after(self) -> str:
        return str(max(1, math.ceil(self.seconds)))


def backoff_seconds(failures: int, free: int) -> float:
    """The wait after `failures` failures of one key, of which `free` cost nothing."""
    if failures < free:
        return 0.0
    settings = get_settings()
    doublings = min(failures - free, 64)  # beyond this the ceiling has long been reached
    return min(settings.login_backoff_seconds * 2**doublings, settings.login_backoff_max_seconds)


def _key(value: str) -> str:
    return (value or "")[:64]


def address_key(client_address: str) -> str:
    """What an address is counted as: an IPv4 address itself, an IPv6 address its /64 network."""
    try:
        ip = ipaddress.ip_address(client_address)
    except ValueError:
        return _key(client_address)  # e.g. a Unix socket's empty address, or a test client's name
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, 64), strict=False))
    return str(ip)


def wait_for(username: str, client_address: str) -> Wait:
    """The wait before the next password attempt for this user name from this address (0 when it may go ahead).

    Reads in a short session of its own: no write lock is taken before the (slow) password check.
    """
    settings = get_settings()
    now = clock()
    since = now - timedelta(minutes=settings.login_window_minutes)
    username, client_address = _key(username), address_key(client_address)
    with session_scope(write=False) as session:
        pair = session.execute(
            select(func.count(), func.max(col(PasswordFailure.occurred_at))).where(
                col(PasswordFailure.username) == username,
                col(PasswordFailure.client_address) == client_address,
                col(PasswordFailure.occurred_at) >= since,
            )
        ).one()
        address = session.execute(
            select(func.count(), func.max(col(PasswordFailure.occurred_at))).where(
                col(PasswordFailure.client_address) == client_address, col(PasswordFailure.occurred_at) >= since
            )
        ).one()
    longest = Wait(0.0)
    for key, (failures, last_at), free in (
        ("user_address", pair, settings.login_max_failures),
        ("address", address, settings.login_address_max_failures),
    ):
        last_at = as_utc(last_at)
        if last_at is None:
            continue
        remaining = (last_at + timedelta(seconds=backoff_seconds(failures, free)) - now).total_seconds()
        if remaining > longest.seconds:
            longest = Wait(remaining, key)
    return longest


def _store_failure(username: str, client_address: str, kind: str) -> None:
    now = clock()
    window = timedelta(minutes=get_settings().login_window_minutes)
    with session_scope() as session:
        session.add(
            PasswordFailure(
                username=_key(username), client_address=address_key(client_address), kind=kind, occurred_at=now
            )
        )
        # Failures past the window no longer count: keep the table as small as the window.
        session.execute(delete(PasswordFailure).where(col(PasswordFailure.occurred_at) < now - window))


def record_failure(session: Session, *, username: str, client_address: str, kind: str) -> None:
    """Count a wrong password. It must outlive the request's rollback, so it is written in its own transaction:
    after the rollback when the request's transaction is open (it may hold the write lock), at once otherwise."""
    if session.in_transaction():
        after_rollback(session, lambda: _store_failure(username, client_address, kind))
    else:
        _store_failure(username, client_address, kind)


def clear_failures(session: Session, *, username: str, client_address: str) -> None:
    """A correct password: its (user name, address) pair starts afresh (the address's count stays)."""
    session.execute(
        delete(PasswordFailure).where(
            col(PasswordFailure.username) == _key(username),
            col(PasswordFailure.client_address) == address_key(client_address),
        )
    )
