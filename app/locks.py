"""`named_lock(name)`: one holder at a time across every process of the installation (core: imports only core).

- PostgreSQL: a session-level advisory lock (`pg_advisory_lock` / `pg_try_advisory_lock`) on a connection of its
  own, in autocommit so no transaction stays open while it is held; the server releases it if the process dies.
- Otherwise, with `CARBONMS_REDIS_URL` set: a Redis lock (SET NX with an expiry), renewed while held, so a dead
  holder's lock expires instead of staying forever.
- Otherwise (SQLite, one machine): an exclusive `flock` on a file in the data folder; it excludes threads of this
  process and other processes on the machine alike (the only ones that can share a SQLite file), and the kernel
  releases it with its process.

`wait=False` asks once: the block gets False when someone else holds the lock (e.g. "one indexer at a time").
"""

from __future__ import annotations

import fcntl
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from redis import Redis
from sqlalchemy import text

from app.config import get_settings
from app.db import get_engine
from app.hashing import sha256_bytes

# A Redis lock expires this long after its last renewal (renewed every third of it while held).
REDIS_LOCK_SECONDS = 30.0
_SAFE = re.compile(r"[^A-Za-z0-9_.-]")


def lock_key(name: str) -> int:
    """The advisory lock's signed 64-bit key of `name` (stable across processes and versions)."""
    return int(sha256_bytes(f"carbonms:{name}".encode())[:16], 16) - (1 << 63)


@contextmanager
def named_lock(name: str, *, wait: bool = True) -> Iterator[bool]:
    """Hold the lock `name` for the block; yields whether it is held (always True when `wait`)."""
    engine = get_engine()
    if engine.dialect.name == "postgresql":
        with _postgres_lock(engine, name, wait) as held:
            yield held
    elif get_settings().redis_url:
        with _redis_lock(name, wait) as held:
            yield held
    else:
        with _file_lock(name, wait) as held:
            yield held


@contextmanager
def _postgres_lock(engine: Any, name: str, wait: bool) -> Iterator[bool]:
    key = lock_key(name)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        if wait:
            connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": key})
            held = True
        else:
            held = bool(connection.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": key}).scalar())
        try:
            yield held
        finally:
            if held:
                connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})


@contextmanager
def _redis_lock(name: str, wait: bool) -> Iterator[bool]:
    client = Redis.from_url(get_settings().redis_url, socket_timeout=30, socket_connect_timeout=10)
    lock = client.lock(f"carbonms:lock:{name}", timeout=REDIS_LOCK_SECONDS, thread_local=False)
    held = bool(lock.acquire(blocking=wait))
    stop = threading.Event()

    def renew() -> None:
        while not stop.wait(REDIS_LOCK_SECONDS / 3):
            lock.reacquire()

    renewer = threading.Thread(target=renew, name=f"carbonms-lock-{name}", daemon=True) if held else None
    if renewer is not None:
        renewer.start()
    try:
        yield held
    finally:
        stop.set()
        if renewer is not None:
            renewer.join(timeout=5)
            lock.release()
        client.close()


@contextmanager
def _file_lock(name: str, wait: bool) -> Iterator[bool]:
    folder = get_settings().data_dir / "locks"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{_SAFE.sub('_', name)[:80]}-{lock_key(name) & 0xFFFFFFFF:08x}.lock"
    with path.open("a+b") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
            held = True
        except BlockingIOError:
            held = False
        try:
            yield held
        finally:
            if held:
                fcntl.flock(handle, fcntl.LOCK_UN)
