"""`carbonms backup` and `carbonms restore`: a consistent snapshot taken while the server runs, and its restoration.

A snapshot is a directory (or a .tar of one):
    manifest.json        written last: format, time, database (file, SHA-256, Alembic revision, row counts per
                         table), blobs (count, bytes, SHA-256 and size of each blob the database refers to),
                         search index schema version (the index itself is rebuilt with `carbonms reindex`)
    database.sqlite3     SQLite: made with the online backup API (one consistent read of a WAL database)
    database.pgdump      PostgreSQL: `pg_dump --format=custom` of a snapshot exported from the transaction that
                         also counts the rows and lists the referenced blobs, so manifest and dump agree exactly
    blobs/ab/cd/<sha>    the content-addressed files

The database is read first and the blobs copied after: blobs are immutable and never deleted while referenced, so
every blob the snapshot refers to is still there; files stored meanwhile are harmless extras. Every blob copied is
re-hashed on the way.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine
from sqlalchemy.engine import URL, Connection, make_url

from app.config import Settings
from app.documents.storage import CHUNK_SIZE, blob_path
from app.errors import Conflict, Invalid, NotFound, Unsupported

FORMAT = "carbonms-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
SQLITE_FILE = "database.sqlite3"
PGDUMP_FILE = "database.pgdump"
BLOBS = "blobs"

_REFERENCED_SQL = "SELECT sha256 FROM blob UNION SELECT blob_sha256 FROM revision"


# --------------------------------------------------------------------------- helpers


def _sha256_file(path: Path) -> str:
    hasher = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK_SIZE):
            hasher.update(chunk)
    return hasher.hexdigest()


def _is_sha(name: str) -> bool:
    return len(name) == 64 and all(c in "0123456789abcdef" for c in name)


def _copy_verified(src: Path, dst: Path, sha256: str) -> int | None:
    """Copy `src` to `dst` (via a temporary file, read-only like the store), hashing on the way.

    Returns the size, or None (nothing written) when the bytes do not hash to `sha256`.
    """
    dst.parent.mkdir(parents=True, exist_ok=True)
    fd, side = tempfile.mkstemp(dir=dst.parent, prefix=f".{dst.name}.", suffix=".part")
    hasher = hashlib.sha256()
    size = 0
    try:
        with open(src, "rb") as fin, os.fdopen(fd, "wb") as fout:
            while chunk := fin.read(CHUNK_SIZE):
                hasher.update(chunk)
                fout.write(chunk)
                size += len(chunk)
            fout.flush()
            os.fsync(fout.fileno())
        if hasher.hexdigest() != sha256:
            Path(side).unlink(missing_ok=True)
            return None
        os.chmod(side, 0o444)
        os.replace(side, dst)
    except BaseException:
        Path(side).unlink(missing_ok=True)
        raise
    return size


def _walk_blobs(blob_dir: Path) -> Iterator[tuple[str, Path]]:
    """(sha256, path) of every file stored in its content-addressed place."""
    if not blob_dir.is_dir():
        return
    for folder, _dirs, names in os.walk(blob_dir):
        for name in names:
            path = Path(folder) / name
            if _is_sha(name) and path == blob_path(blob_dir, name):
                yield name, path


def libpq_url(url: str) -> tuple[str, dict[str, str]]:
    """A SQLAlchemy PostgreSQL URL as a libpq URI for pg_dump/pg_restore, the password moved to PGPASSWORD."""
    parsed = make_url(url)
    env = {"PGPASSWORD": parsed.password} if parsed.password else {}
    plain = URL.create("postgresql", username=parsed.username, host=parsed.host, port=parsed.port,
                       database=parsed.database, query=parsed.query)
    return plain.render_as_string(hide_password=False), env


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise Unsupported(f"未找到 {name}：请安装 PostgreSQL 客户端工具（postgresql-client）并确保其在 PATH 中",
                          f"{name} was not found: install the PostgreSQL client tools (postgresql-client) "
                          "and put them on PATH")
    return path


def _run(args: list[str], env_extra: dict[str, str]) -> None:
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


def _index_info(settings: Settings) -> dict[str, Any]:
    try:
        from app.search import index as search_index
    except Exception:  # noqa: BLE001 - search is optional for a backup
        return {"schema_version": None, "current": None, "included": False}
    current = None
    try:
        current = json.loads((settings.index_dir / "CURRENT").read_text())
    except (OSError, ValueError):
        pass
    return {"schema_version": getattr(search_index, "SCHEMA_VERSION", None), "current": current, "included": False,
            "rebuild": "carbonms reindex"}


def _pg_tables(conn: Connection) -> list[str]:
    return list(conn.exec_driver_sql(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() "
        "AND table_type = 'BASE TABLE' ORDER BY table_name"
    ).scalars())


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


# --------------------------------------------------------------------------- database snapshots


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
    os.replace(partial, target)
    info = _sqlite_facts(target)
    return {"dialect": "sqlite", "file": SQLITE_FILE, **info}


def _sqlite_facts(path: Path) -> dict[str, Any]:
    conn = sqlite3.connect(str(path))
    try:
        tables = [row[0] for row in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
        counts = {table: conn.execute(f"SELECT count(*) FROM {_quote(table)}").fetchone()[0] for table in tables}
        referenced = sorted(row[0] for row in conn.execute(_REFERENCED_SQL)) if "blob" in tables else []
        alembic = ([row[0] for row in conn.execute("SELECT version_num FROM alembic_version ORDER BY 1")]
                   if "alembic_version" in tables else [])
    finally:
        conn.close()
    return {"counts": counts, "referenced": referenced, "alembic_revision": alembic}


def _snapshot_postgres(url: str, out: Path) -> dict[str, Any]:
    pg_dump = _tool("pg_dump")
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
                referenced = sorted(conn.exec_driver_sql(_REFERENCED_SQL).scalars()) if "blob" in tables else []
                alembic = (list(conn.exec_driver_sql("SELECT version_num FROM alembic_version ORDER BY 1").scalars())
                           if "alembic_version" in tables else [])
                _run([pg_dump, "--format=custom", f"--snapshot={snapshot}", "--no-password",
                      f"--file={partial}", dsn], env)
    finally:
        engine.dispose()
    os.replace(partial, target)
    return {"dialect": "postgresql", "file": PGDUMP_FILE, "counts": counts, "referenced": referenced,
            "alembic_revision": alembic}


# --------------------------------------------------------------------------- backup


def _prepare_directory(path: Path) -> None:
    if path.exists() and not path.is_dir():
        raise Conflict(f"备份目标已存在且不是目录：{path}", f"The backup target exists and is not a directory: {path}")
    if path.is_dir() and any(path.iterdir()) and not (path / MANIFEST).is_file():
        raise Conflict(f"备份目录非空且不是 carbonms 备份：{path}",
                       f"The backup directory is not empty and holds no carbonms backup: {path}")
    path.mkdir(parents=True, exist_ok=True)
    # An earlier snapshot here is updated in place: its blobs are kept (immutable), its manifest goes first so an
    # interrupted run never leaves a manifest describing another database file.
    (path / MANIFEST).unlink(missing_ok=True)


def backup(target: Path, settings: Settings) -> dict[str, Any]:
    """Write a snapshot to `target` (a directory, or a .tar file when the name ends with .tar); returns the manifest.

    The manifest's `problems` lists referenced blobs that were missing or altered in the store (not copied).
    """
    target = Path(target)
    if target.name.endswith(".tar"):
        if target.exists():
            raise Conflict(f"备份文件已存在：{target}", f"The backup file already exists: {target}")
        target.parent.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
        try:
            manifest = _backup_into(work, settings)
            partial = target.with_name(f".{target.name}.part")
            with tarfile.open(partial, "w") as tar:
                for child in sorted(work.iterdir()):
                    tar.add(child, arcname=child.name)
            os.replace(partial, target)
        finally:
            shutil.rmtree(work, ignore_errors=True)
        return manifest
    _prepare_directory(target)
    return _backup_into(target, settings)


def _backup_into(out: Path, settings: Settings) -> dict[str, Any]:
    url = settings.resolved_database_url
    started = datetime.now(UTC)
    if url.startswith("sqlite"):
        database = _snapshot_sqlite(url, out)
    elif url.startswith("postgresql"):
        database = _snapshot_postgres(url, out)
    else:
        raise Unsupported(f"不支持备份此数据库：{make_url(url).drivername}",
                          f"Backups of this database are not supported: {make_url(url).drivername}")
    referenced: list[str] = database.pop("referenced")
    database_file = out / database["file"]
    database["sha256"] = _sha256_file(database_file)
    database["size_bytes"] = database_file.stat().st_size

    # Blobs after the database: everything the snapshot refers to exists already (files are never altered).
    source_dir = settings.blob_dir
    out_dir = out / BLOBS
    out_dir.mkdir(exist_ok=True)
    files: dict[str, int] = {}
    problems: list[dict[str, str]] = []
    for sha in referenced:
        try:
            src = blob_path(source_dir, sha)
        except ValueError:
            problems.append({"sha256": sha, "problem": "malformed"})
            continue
        dst = blob_path(out_dir, sha)
        if dst.is_file() and src.is_file() and dst.stat().st_size == src.stat().st_size:
            files[sha] = dst.stat().st_size  # already in this snapshot from an earlier run
            continue
        if not src.is_file():
            problems.append({"sha256": sha, "problem": "missing"})
            continue
        size = _copy_verified(src, dst, sha)
        if size is None:
            problems.append({"sha256": sha, "problem": "altered"})
            continue
        files[sha] = size
    extras = 0
    wanted = set(referenced)
    for sha, src in _walk_blobs(source_dir):
        if sha in wanted:
            continue
        dst = blob_path(out_dir, sha)
        if not dst.is_file() and _copy_verified(src, dst, sha) is None:
            continue
        extras += 1
    manifest = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "app_version": _app_version(),
        "started_at": started.isoformat(),
        "finished_at": datetime.now(UTC).isoformat(),
        "database": database,
        "blobs": {"count": len(files), "total_bytes": sum(files.values()), "extra_files": extras,
                  "files": dict(sorted(files.items()))},
        "index": _index_info(settings),
        "problems": problems,
    }
    partial = out / f".{MANIFEST}.part"
    partial.write_text(json.dumps(manifest, ensure_ascii=False, indent=1))
    os.replace(partial, out / MANIFEST)
    return manifest


def _app_version() -> str:
    try:
        from importlib.metadata import version

        return version("carbonms")
    except Exception:  # noqa: BLE001
        return "unknown"


# --------------------------------------------------------------------------- restore


@contextmanager
def _opened(source: Path, scratch_parent: Path) -> Iterator[Path]:
    """The snapshot directory: `source` itself, or a .tar extracted (safely) into a scratch directory."""
    source = Path(source)
    if source.is_dir():
        yield source
        return
    if not source.is_file():
        raise NotFound(f"备份不存在：{source}", f"The backup does not exist: {source}")
    if not tarfile.is_tarfile(source):
        raise Invalid(f"不是 carbonms 备份（目录或 .tar）：{source}",
                      f"Not a carbonms backup (a directory or a .tar): {source}")
    scratch_parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".restore-", dir=scratch_parent))
    try:
        with tarfile.open(source) as tar:
            tar.extractall(work, filter="data")  # no absolute paths, no .., no links out, no devices
        yield work
    finally:
        shutil.rmtree(work, ignore_errors=True)


def read_manifest(snapshot: Path) -> dict[str, Any]:
    try:
        manifest = json.loads((snapshot / MANIFEST).read_text())
    except (OSError, ValueError) as exc:
        raise Invalid("备份缺少可读的 manifest.json（备份可能未完成）",
                      "The backup has no readable manifest.json (it may be incomplete)") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise Invalid("不是 carbonms 备份", "Not a carbonms backup")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise Invalid(f"不支持的备份格式版本：{manifest.get('format_version')}",
                      f"Unsupported backup format version: {manifest.get('format_version')}")
    return manifest


def _check_target_empty(settings: Settings, dialect: str) -> None:
    blob_dir = settings.blob_dir
    if blob_dir.exists() and any(p.is_file() for p in blob_dir.rglob("*")):
        raise Conflict(f"目标文件目录不为空，拒绝覆盖：{blob_dir}",
                       f"The target blob directory is not empty; refusing to overwrite it: {blob_dir}")
    url = settings.resolved_database_url
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
                raise Conflict(f"目标数据库不为空，拒绝覆盖：{path}",
                               f"The target database is not empty; refusing to overwrite it: {path}")
        return
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            tables = _pg_tables(conn)
    except Exception as exc:  # noqa: BLE001 - e.g. the database does not exist
        raise Invalid(f"无法连接目标数据库（请先创建空数据库）：{exc}",
                      f"Cannot connect to the target database (create an empty database first): {exc}") from exc
    finally:
        engine.dispose()
    if tables:
        raise Conflict(f"目标数据库不为空（已有 {len(tables)} 张表），拒绝覆盖",
                       f"The target database is not empty ({len(tables)} tables); refusing to overwrite it")


def restore(source: Path, settings: Settings) -> dict[str, Any]:
    """Restore a snapshot into an empty data folder and an empty database; returns what was restored."""
    url = settings.resolved_database_url
    dialect = "sqlite" if url.startswith("sqlite") else "postgresql" if url.startswith("postgresql") else "?"
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    with _opened(source, settings.data_dir) as snapshot:
        manifest = read_manifest(snapshot)
        database = manifest["database"]
        if database.get("dialect") != dialect:
            raise Invalid(f"备份来自 {database.get('dialect')}，目标是 {dialect}：不支持跨数据库恢复",
                          f"The backup is of {database.get('dialect')} and the target is {dialect}: "
                          "restoring across databases is not supported")
        _check_target_empty(settings, dialect)
        dump = snapshot / database["file"]
        if not dump.is_file() or _sha256_file(dump) != database["sha256"]:
            raise Invalid("备份中的数据库文件缺失或已损坏（SHA-256 不符）",
                          "The backup's database file is missing or damaged (SHA-256 mismatch)")
        missing = [sha for sha in manifest["blobs"]["files"] if not blob_path(snapshot / BLOBS, sha).is_file()]
        if missing:
            raise Invalid(f"备份缺少 {len(missing)} 个文件：{', '.join(missing[:5])}",
                          f"The backup lacks {len(missing)} blob files: {', '.join(missing[:5])}")
        if dialect == "sqlite":
            _restore_sqlite(dump, _sqlite_path(url))
        else:
            dsn, env = libpq_url(url)
            _run([_tool("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction",
                  "--no-password", f"--dbname={dsn}", str(dump)], env)
        # Blobs: every file is re-hashed; one that does not match its name is refused.
        settings.blob_dir.mkdir(parents=True, exist_ok=True)
        settings.tmp_dir.mkdir(parents=True, exist_ok=True)
        restored = 0
        total = 0
        altered = []
        for sha, src in _walk_blobs(snapshot / BLOBS):
            size = _copy_verified(src, blob_path(settings.blob_dir, sha), sha)
            if size is None:
                altered.append(sha)
                continue
            restored += 1
            total += size
    counts = _restored_counts(settings, dialect)
    differ = {t: (n, counts.get(t)) for t, n in database["counts"].items() if counts.get(t) != n}
    problems = [{"sha256": sha, "problem": "altered in the backup"} for sha in altered]
    if differ:
        problems.append({"problem": "row counts differ", "tables": str(differ)})
    return {"database": database["file"], "tables": len(counts), "rows": sum(counts.values()),
            "blobs": restored, "bytes": total, "index_schema_version": manifest.get("index", {}).get("schema_version"),
            "problems": problems}


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
    os.replace(partial, target)


def _restored_counts(settings: Settings, dialect: str) -> dict[str, int]:
    if dialect == "sqlite":
        return _sqlite_facts(_sqlite_path(settings.resolved_database_url))["counts"]
    engine = create_engine(settings.resolved_database_url)
    try:
        with engine.connect() as conn:
            return {t: conn.exec_driver_sql(f"SELECT count(*) FROM {_quote(t)}").scalar_one()
                    for t in _pg_tables(conn)}
    finally:
        engine.dispose()
