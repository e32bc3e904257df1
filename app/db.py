"""Engine, metadata naming convention and the request session that commits once."""

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy import MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DataError, DisconnectionError
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session, SQLModel, create_engine

from app.config import get_settings

# A fixed naming convention so Alembic can name (and later drop) every constraint.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata: MetaData = SQLModel.metadata

_engines: dict[str, Engine] = {}

WRITE_OPTION = "carbonms_write"
_TURN_HELD = "carbonms_writer_turn"


def _has_nul(parameters: Any) -> bool:
    if isinstance(parameters, str):
        return "\x00" in parameters
    if isinstance(parameters, dict):
        return any(_has_nul(value) for value in parameters.values())
    if isinstance(parameters, list | tuple):
        return any(_has_nul(value) for value in parameters)
    return False


def _refuse_nul(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool) -> None:
    # PostgreSQL cannot store NUL in text and its driver raises DataError (a 422 for the user); SQLite would store
    # it silently. One rule for both databases: the same DataError before the statement runs.
    if _has_nul(parameters):
        raise DataError(statement, parameters, ValueError("text cannot contain NUL (0x00) characters"))


def _configure_sqlite(engine: Engine) -> None:
    event.listen(engine, "before_cursor_execute", _refuse_nul)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy emit BEGIN itself so a writing transaction can take the write lock up front.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    # SQLite admits one writer; its busy handler polls with growing sleeps, so under load some writers starve for
    # seconds. Writers of this process queue on a semaphore first (prompt hand-over), then take SQLite's lock.
    writer_turn = threading.BoundedSemaphore(1)

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # Writers start with BEGIN IMMEDIATE: SQLite then serialises them instead of failing on lock upgrade.
        if conn.get_execution_options().get(WRITE_OPTION):
            # Bounded wait: should anything ever nest two writers in one thread, SQLite's own timeout decides.
            conn.info[_TURN_HELD] = writer_turn.acquire(timeout=30)
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            conn.exec_driver_sql("BEGIN")

    def _end_turn(conn: Any) -> None:
        if conn.info.pop(_TURN_HELD, False):
            writer_turn.release()

    event.listen(engine, "commit", _end_turn)
    event.listen(engine, "rollback", _end_turn)


# A pooled connection idle this long is pinged before use. `pool_pre_ping` pinged at every checkout: a round trip
# (SELECT 1) for each of a request's two or three checkouts, under load a tenth of PostgreSQL's statements.
IDLE_PING_SECONDS = 5.0
_CHECKED_IN_AT = "carbonms_checked_in_at"


def _ping_when_idle(engine: Engine) -> None:
    """Pessimistic disconnect handling for connections that sat in the pool (a restarted or failed-over server, an
    idle timeout): ping them at checkout, and have the pool replace one that does not answer. A connection in
    steady use is not pinged; if its server goes away mid-use, SQLAlchemy's disconnect detection invalidates the
    pool on the first error."""

    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_connection: Any, record: Any) -> None:
        record.info[_CHECKED_IN_AT] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        checked_in_at = record.info.get(_CHECKED_IN_AT)
        if checked_in_at is None or time.monotonic() - checked_in_at < IDLE_PING_SECONDS:
            return  # a new connection, or one in steady use
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as exc:  # whatever the driver raises for a dead connection: the pool retries with a new one
            raise DisconnectionError(f"pooled connection failed its ping: {exc}") from exc


def get_engine(url: str | None = None) -> Engine:
    url = url or get_settings().resolved_database_url
    engine = _engines.get(url)
    if engine is None:
        if url.startswith("sqlite"):
            # Enough connections for the server's worker threads (40) plus after-commit work.
            engine = create_engine(
                url,
                connect_args={"check_same_thread": False, "timeout": 30},
                pool_size=32,
                max_overflow=32,
                pool_timeout=30,
            )
            _configure_sqlite(engine)
        else:
            engine = create_engine(url, pool_size=20, max_overflow=30, pool_timeout=30)
            _ping_when_idle(engine)
        _engines[url] = engine
    return engine


def dispose_engines() -> None:
    for engine in _engines.values():
        engine.dispose()
    _engines.clear()


def is_sqlite(session_or_engine: Session | Engine) -> bool:
    bind = session_or_engine.get_bind() if isinstance(session_or_engine, Session) else session_or_engine
    return bind.dialect.name == "sqlite"


def new_session(*, write: bool = True) -> Session:
    engine = get_engine()
    if write:
        engine = engine.execution_options(**{WRITE_OPTION: True})
    return Session(engine, expire_on_commit=False)


@contextmanager
def session_scope(*, write: bool = True) -> Iterator[Session]:
    """A unit of work outside a request (CLI, background jobs): commits once or rolls back."""
    session = new_session(write=write)
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


# Hooks the domains register (core never imports a domain): the events domain appends its queued audit events before
# every commit and records a request's refusal after its rollback.
_before_commit_hooks: list[Callable[[OrmSession], None]] = []
_after_rollback_hooks: list[Callable[[BaseException], None]] = []


def register_before_commit(hook: Callable[[OrmSession], None]) -> None:
    """Run `hook(session)` before every commit of any session (the outermost one and savepoints alike)."""
    if hook not in _before_commit_hooks:
        _before_commit_hooks.append(hook)


def register_after_rollback(hook: Callable[[BaseException], None]) -> None:
    """Run `hook(error)` after a request's session was rolled back and closed because of `error`."""
    if hook not in _after_rollback_hooks:
        _after_rollback_hooks.append(hook)


@event.listens_for(OrmSession, "before_commit")  # every session class, as SQLModel's derives from SQLAlchemy's
def _run_before_commit_hooks(session: OrmSession) -> None:
    for hook in _before_commit_hooks:
        hook(session)


def get_session(request: Request) -> Iterator[Session]:
    """The request's session: commits after the route returns, rolls back on any error.

    Refusals that must stay on record (bad sign-ins, refused access) are written after the rollback,
    in their own transaction, by the after-rollback hooks.
    """
    session = new_session(write=request.method not in ("GET", "HEAD", "OPTIONS"))
    try:
        yield session
        session.commit()
    except BaseException as exc:
        session.rollback()
        session.close()
        for hook in _after_rollback_hooks:
            hook(exc)
        raise
    finally:
        session.close()


SessionDep = Annotated[Session, Depends(get_session, scope="function")]


# Work that must follow the transaction's outcome: moving blobs, updating the search index.
_AFTER_COMMIT = "carbonms_after_commit"
_AFTER_ROLLBACK = "carbonms_after_rollback"


def after_commit(session: OrmSession, callback: Any) -> None:
    session.info.setdefault(_AFTER_COMMIT, []).append(callback)


def after_rollback(session: OrmSession, callback: Any) -> None:
    session.info.setdefault(_AFTER_ROLLBACK, []).append(callback)


def _run_callbacks(session: Session, key: str) -> None:
    callbacks = session.info.pop(key, [])
    session.info.pop(_AFTER_ROLLBACK if key == _AFTER_COMMIT else _AFTER_COMMIT, None)
    for callback in callbacks:
        try:
            callback()
        except Exception:  # a failed follow-up must never undo a committed change
            import logging

            logging.getLogger("carbonms").exception("after-transaction callback failed")


@event.listens_for(Session, "after_commit")
def _session_after_commit(session: Session) -> None:
    if session.in_nested_transaction():  # a released savepoint is not the commit that makes work durable
        return
    _run_callbacks(session, _AFTER_COMMIT)


@event.listens_for(Session, "after_soft_rollback")
def _session_after_rollback(session: Session, previous_transaction: Any) -> None:
    if previous_transaction.parent is None:  # only the outermost transaction decides
        _run_callbacks(session, _AFTER_ROLLBACK)
