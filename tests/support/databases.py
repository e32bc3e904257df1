"""One way to make a throw-away PostgreSQL database (tests, ops tests and benches all use it)."""

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

PG_ADMIN_URL = os.environ.get("CARBONMS_TEST_PG_ADMIN", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def _admin(admin_url: str, statement: str) -> None:
    import sqlalchemy

    engine = sqlalchemy.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql(statement)
    finally:
        engine.dispose()


def postgres_reachable(admin_url: str = PG_ADMIN_URL) -> bool:
    import sqlalchemy

    try:
        engine = sqlalchemy.create_engine(admin_url, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
        with engine.connect():
            pass
        engine.dispose()
        return True
    except Exception:  # any failure means "not reachable"
        return False


def create_database(admin_url: str = PG_ADMIN_URL, *, prefix: str = "carbonms_test") -> tuple[str, str]:
    """Create an empty database with a unique name (safe across xdist workers); returns (name, URL)."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    _admin(admin_url, f'CREATE DATABASE "{name}"')
    return name, admin_url.rsplit("/", 1)[0] + f"/{name}"


def drop_database(name: str, admin_url: str = PG_ADMIN_URL) -> None:
    _admin(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def temporary_postgres(admin_url: str = PG_ADMIN_URL, *, prefix: str = "carbonms_test") -> Iterator[str]:
    """A new empty database for the block; dropped after it (even when the block fails). Yields its URL."""
    name, url = create_database(admin_url, prefix=prefix)
    try:
        yield url
    finally:
        drop_database(name, admin_url)
