"""PostgreSQL connections are pinged at checkout only when they sat idle in the pool (app/db.py `_ping_when_idle`):
a connection the server dropped while it was idle is replaced before a request uses it, and a connection in steady
use costs no extra round trip."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from app import db
from tests.support.databases import PG_ADMIN_URL, temporary_postgres


@pytest.fixture()
def engine() -> Iterator[Engine]:
    with temporary_postgres(PG_ADMIN_URL, prefix="carbonms_ping") as url:
        engine = db.get_engine(url)
        try:
            yield engine
        finally:
            db._engines.pop(url, None)
            engine.dispose()


@pytest.fixture()
def pings(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    counted: list[int] = []
    original = engine.dialect.do_ping

    def counting_ping(dbapi_connection: Any) -> bool:
        counted.append(1)
        return original(dbapi_connection)

    monkeypatch.setattr(engine.dialect, "do_ping", counting_ping)
    return counted


def backend_pid(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(text("SELECT pg_backend_pid()")).scalar_one())


def terminate(pid: int) -> None:
    with psycopg.connect(PG_ADMIN_URL.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (pid,))


def test_connection_in_steady_use_is_not_pinged(engine: Engine, pings: list[int]) -> None:
    first = backend_pid(engine)
    for _ in range(5):
        assert backend_pid(engine) == first
    assert pings == []


def test_idle_connection_dropped_by_the_server_is_replaced(
    engine: Engine, pings: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    dropped = backend_pid(engine)
    terminate(dropped)
    monkeypatch.setattr(db, "IDLE_PING_SECONDS", 0.0)  # the pooled connection counts as idle from now on

    replacement = backend_pid(engine)

    assert replacement != dropped
    assert len(pings) == 1
