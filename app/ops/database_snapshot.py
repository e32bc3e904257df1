"""The database half of a backup: a consistent copy out (SQLite online backup, pg_dump), the way back in
(SQLite backup API, pg_restore), and the row counts both sides are compared by.

The blob store, the manifest and the snapshot directory are `app.ops.backup`'s business.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine
from sqlalchemy.engine import URL, Connection, make_url

from app.errors import Conflict, Invalid, NotFound, Unsupported

SQLITE_FILE = "database.sqlite3"
PGDUMP_FILE = "database.pgdump"

_REFERENCED_SQL = "SELECT sha256 FROM blob UNION SELECT blob_sha256 FROM revision"
# Cached controlled copies are carried too, so a restored server serves them without stamping again.
_COPIES_SQL = " UNION SELECT sha256 FROM controlled_copy"


def _referenced_sql(tables: list[str]) -> str:
    return _REFERENCED_SQL + (_COPIES_SQL if "controlled_copy" in tables else "")


# --------------------------------------------------------------------------- helpers


def libpq_url(url: str) -> tuple[str, dict[str, str]]:
    """A SQLAlchemy PostgreSQL URL as a libpq URI for pg_dump/pg_restore, the password moved to PGPASSWORD."""
    parsed = make_url(url)
    env = {"PGPASSWORD": parsed.password} if parsed.password else {}
    plain = URL.create(
        "postgresql",
        username=parsed.username,
        host=parsed.host,
        port=parsed.port,
        database=parsed.database,
        query=parsed.query,
    )
    return plain.render_as_string(hide_password=False), env


def require_tool(name: str) -> str:
    """The path of a PostgreSQL client program, or a clear error saying how to install it."""
    path = shutil.which(name)
    if path is None:
        raise Unsupported(
            f"未找到 {name}：请安装 PostgreSQL 客户端工具（postgresql-client）并确保其在 PATH 中",
            f"{name} was not found: install the PostgreSQL client tools (postgresql-client) and put them on PATH",
        )
    return path


def _run_tool(args: list[str], env_extra: dict[str, str]) -> None:
    env = {**os.environ, **env_extra}
    result = subprocess.run(args, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        tool = Path(args[0]).name
        detail = (result.stderr or result.stdout).strip()[-2000:]
        raise Invalid(f"{tool} 失败：{detail}", f"{tool} failed: {detail}")


def _sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise Invalid("SQLite 数据库必须是文件", "The SQLite database must be a file")
    return Path(database)


def _pg_tables(conn: Connection) -> list[str]:
    return list(
        conn.exec_driver_sql(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() "
            "AND table_type = 'BASE TABLE' ORDER BY table_name"
        ).scalars()
    )


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


# --------------------------------------------------------------------------- snapshots


def snapshot_database(url: str, out: Path) -> dict[str, Any]:
    """Write the database file into `out`; returns its manifest entry plus `referenced` (the blobs it refers to)."""
    if url.startswith("sqlite"):
        return _snapshot_sqlite(url, out)
    if url.startswith("postgresql"):
        return _snapshot_postgres(url, out)
    raise Unsupported(
        f"不支持备份此数据库：{make_url(url).drivername}",
        f"Backups of this database are not supported: {make_url(url).drivername}",
    )


def _snapshot_sqlite(url: str, out: Path) -> dict[str, Any]:
    source = _sqlite_path(url)
    if not source.is_file():
        raise NotFound(f"数据库文件不存在：{source}", f"The database file does not exist: {source}")
    target = out / SQLITE_FILE
    partial = out / f".{SQLITE_FILE}.part"
    partial.unlink(missing_ok=True)
    src = sqlite3.connect(str(source), timeout=30)
    dst = sqlite3.connect(str(partial))
    try:
        src.execute("PRAGMA busy_timeout=30000")
        src.backup(dst)  # one step: a single consistent read of the source, writers keep going (WAL)
        dst.execute("PRAGMA journal_mode=DELETE")  # a self-contained file, no -wal beside it
        dst.commit()
    finally:
        dst.close()
        src.close()
    Path(partial).replace(target)
    info = _sqlite_facts(target)
    return {"dialect": "sqlite", "file": SQLITE_FILE, **info}


def _sqlite_facts(path: Path) -> dict[str, Any]:
    conn = sqlite3.connect(str(path))
    try:
        tables = [
            row[0]
            for row in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
            )
        ]
        counts = {table: conn.execute(f"SELECT count(*) FROM {_quote(table)}").fetchone()[0] for table in tables}
        referenced = sorted(row[0] for row in conn.execute(_referenced_sql(tables))) if "blob" in tables else []
        alembic = (
            [row[0] for row in conn.execute("SELECT version_num FROM alembic_version ORDER BY 1")]
            if "alembic_version" in tables
            else []
        )
    finally:
        conn.close()
    return {"counts": counts, "referenced": referenced, "alembic_revision": alembic}


def _snapshot_postgres(url: str, out: Path) -> dict[str, Any]:
    pg_dump = require_tool("pg_dump")
    dsn, env = libpq_url(url)
    target = out / PGDUMP_FILE
    partial = out / f".{PGDUMP_FILE}.part"
    partial.unlink(missing_ok=True)
    engine = create_engine(url)
    try:
        with engine.connect() as raw:
            conn = raw.execution_options(isolation_level="REPEATABLE READ")
            with conn.begin():
                # pg_dump reads the very snapshot this transaction sees: manifest and dump describe the same state.
                snapshot = conn.exec_driver_sql("SELECT pg_export_snapshot()").scalar_one()
                tables = _pg_tables(conn)
                counts = {t: conn.exec_driver_sql(f"SELECT count(*) FROM {_quote(t)}").scalar_one() for t in tables}
                referenced = sorted(conn.exec_driver_sql(_referenced_sql(tables)).scalars()) if "blob" in tables else []
                alembic = (
                    list(conn.exec_driver_sql("SELECT version_num FROM alembic_version ORDER BY 1").scalars())
                    if "alembic_version" in tables
                    else []
                )
                _run_tool(
                    [pg_dump, "--format=custom", f"--snapshot={snapshot}", "--no-password", f"--file={partial}", dsn],
                    env,
                )
    finally:
        engine.dispose()
    Path(partial).replace(target)
    return {
        "dialect": "postgresql",
        "file": PGDUMP_FILE,
        "counts": counts,
        "referenced": referenced,
        "alembic_revision": alembic,
    }


# --------------------------------------------------------------------------- restore


def require_empty_database(url: str, dialect: str) -> None:
    """Refuse (409) to restore over a database that holds any table."""
    if dialect == "sqlite":
        path = _sqlite_path(url)
        if path.exists() and path.stat().st_size > 0:
            conn = sqlite3.connect(str(path))
            try:
                tables = conn.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'").fetchone()[0]
            except sqlite3.DatabaseError:
                tables = -1
            finally:
                conn.close()
            if tables != 0:
                raise Conflict(
                    f"目标数据库不为空，拒绝覆盖：{path}",
                    f"The target database is not empty; refusing to overwrite it: {path}",
                )
        return
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            tables = _pg_tables(connection)
    except Exception as exc:  # e.g. the database does not exist
        raise Invalid(
            f"无法连接目标数据库（请先创建空数据库）：{exc}",
            f"Cannot connect to the target database (create an empty database first): {exc}",
        ) from exc
    finally:
        engine.dispose()
    if tables:
        raise Conflict(
            f"目标数据库不为空（已有 {len(tables)} 张表），拒绝覆盖",
            f"The target database is not empty ({len(tables)} tables); refusing to overwrite it",
        )


def restore_database(dump: Path, url: str, dialect: str) -> None:
    """Load a checked database file of the snapshot into the (empty) target database."""
    if dialect == "sqlite":
        _restore_sqlite(dump, _sqlite_path(url))
        return
    dsn, env = libpq_url(url)
    _run_tool(
        [
            require_tool("pg_restore"),
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--single-transaction",
            "--no-password",
            f"--dbname={dsn}",
            str(dump),
        ],
        env,
    )


def _restore_sqlite(dump: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.restore")
    partial.unlink(missing_ok=True)
    src = sqlite3.connect(str(dump))
    dst = sqlite3.connect(str(partial))
    try:
        src.backup(dst)
        dst.commit()
    finally:
        dst.close()
        src.close()
    for suffix in ("-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    Path(partial).replace(target)


def row_counts(url: str, dialect: str) -> dict[str, int]:
    """Rows per table of the database at `url`, to compare a restore with its manifest."""
    if dialect == "sqlite":
        return _sqlite_facts(_sqlite_path(url))["counts"]
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return {t: conn.exec_driver_sql(f"SELECT count(*) FROM {_quote(t)}").scalar_one() for t in _pg_tables(conn)}
    finally:
        engine.dispose()
