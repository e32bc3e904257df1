"""`carbonms backup` and `carbonms restore`: a consistent snapshot taken while the server runs, and its restoration.

A snapshot is a directory (or a .tar of one):
    manifest.json        written last: format, time, database (file, SHA-256, Alembic revision, row counts per
                         table), blobs (count, bytes, SHA-256 and size of each blob the database refers to),
                         search index schema version (the index itself is rebuilt with `carbonms reindex`)
    database.sqlite3     SQLite: made with the online backup API (one consistent read of a WAL database)
    database.pgdump      PostgreSQL: `pg_dump --format=custom` of a snapshot exported from the transaction that
                         also counts the rows and lists the referenced blobs, so manifest and dump agree exactly
    blobs/ab/cd/<sha>    the content-addressed files, copied from the configured blob store (the local folder or
                         S3, app/blobs) and restored into the configured one, whichever it is then
    trail/anchors.jsonl  the audit trail's signed anchors, copied before the database is read (so every anchor
                         covers a head the snapshot holds); trail/anchor_key.pub, the public half that checks them

The trail's secret keys (`trail_key`, `anchor_key`) are never in a backup: whoever holds them can forge the trail.
They travel separately (the old data folder, a key escrow); `restore --keys-from DIR` copies them in, and restore
refuses a target whose trail key is missing or is not the one the manifest names.

The database is read first and the blobs copied after: blobs are immutable and never deleted while referenced, so
every blob the snapshot refers to is still there; files stored meanwhile are harmless extras. Every blob copied is
re-hashed on the way.

The database files are written and restored by `app.ops.database_snapshot`.
"""

from __future__ import annotations

import json
import shutil
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from app.blobs import store_of
from app.blobs.local import LocalBlobStore
from app.blobs.store import BlobMismatch, BlobNotFound, BlobStore, is_sha256
from app.config import Settings
from app.errors import Conflict, Invalid, NotFound
from app.hashing import sha256_file
from app.ops.database_snapshot import require_empty_database, restore_database, row_counts, snapshot_database
from app.ops.trail_backup import copy_trail, install_trail_keys, restore_trail
from app.ops.verify_retention import destroyed_blobs_at

FORMAT = "carbonms-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
BLOBS = "blobs"


# --------------------------------------------------------------------------- blob files


def _copy_blob(source: BlobStore, target: BlobStore, sha256: str) -> int | None:
    """Copy one blob between stores, streamed and re-hashed on the way in (the target refuses other bytes).

    Returns the size, or None (nothing written) when the bytes do not hash to `sha256`."""
    try:
        size = source.size(sha256)
        with source.open(sha256) as stream:
            return target.put(sha256, stream, size).size
    except BlobMismatch:
        return None


def _index_info(settings: Settings) -> dict[str, Any]:
    try:
        from app.search import index as search_index
    except Exception:  # search is optional for a backup
        return {"schema_version": None, "current": None, "included": False}
    current = None
    with suppress(OSError, ValueError):
        current = json.loads((settings.index_dir / "CURRENT").read_text())
    return {
        "schema_version": getattr(search_index, "SCHEMA_VERSION", None),
        "current": current,
        "included": False,
        "rebuild": "carbonms reindex",
    }


# --------------------------------------------------------------------------- backup


def _prepare_directory(path: Path) -> None:
    if path.exists() and not path.is_dir():
        raise Conflict(f"备份目标已存在且不是目录：{path}", f"The backup target exists and is not a directory: {path}")
    if path.is_dir() and any(path.iterdir()) and not (path / MANIFEST).is_file():
        raise Conflict(
            f"备份目录非空且不是 carbonms 备份：{path}",
            f"The backup directory is not empty and holds no carbonms backup: {path}",
        )
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
            Path(partial).replace(target)
        finally:
            shutil.rmtree(work, ignore_errors=True)
        return manifest
    _prepare_directory(target)
    return _backup_into(target, settings)


def _backup_into(out: Path, settings: Settings) -> dict[str, Any]:
    url = settings.resolved_database_url
    started = datetime.now(UTC)
    trail = copy_trail(out, settings)  # before the database: anchors only vouch for heads the snapshot holds
    # Read before the snapshot: a blob destroyed at the end of its retention is rightly absent, not a problem.
    destroyed = destroyed_blobs_at(url)
    database = snapshot_database(url, out)
    referenced: list[str] = database.pop("referenced")
    database_file = out / database["file"]
    database["sha256"] = sha256_file(database_file)
    database["size_bytes"] = database_file.stat().st_size

    # Blobs after the database: everything the snapshot refers to exists already (files are never altered).
    source = store_of(settings)  # the local folder or S3: the snapshot always holds a local folder
    (out / BLOBS).mkdir(exist_ok=True)
    snapshot = LocalBlobStore(out / BLOBS)
    files: dict[str, int] = {}
    problems: list[dict[str, str]] = []
    for sha in referenced:
        if not is_sha256(sha):
            problems.append({"sha256": sha, "problem": "malformed"})
            continue
        try:
            source_size = source.size(sha)
        except BlobNotFound:
            if sha not in destroyed:
                problems.append({"sha256": sha, "problem": "missing"})
            continue
        if snapshot.exists(sha) and snapshot.size(sha) == source_size:
            files[sha] = source_size  # already in this snapshot from an earlier run
            continue
        try:
            size = _copy_blob(source, snapshot, sha)
        except BlobNotFound:  # disposed of since the database was read
            if sha not in destroyed:
                problems.append({"sha256": sha, "problem": "missing"})
            continue
        if size is None:
            problems.append({"sha256": sha, "problem": "altered"})
            continue
        files[sha] = size
    extras = 0
    wanted = set(referenced)
    for sha in source.iter_keys():
        if sha in wanted:
            continue
        if not snapshot.exists(sha):
            try:
                if _copy_blob(source, snapshot, sha) is None:
                    continue
            except BlobNotFound:  # an orphan removed meanwhile
                continue
        extras += 1
    manifest = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "app_version": _app_version(),
        "started_at": started.isoformat(),
        "finished_at": datetime.now(UTC).isoformat(),
        "database": database,
        "blobs": {
            "count": len(files),
            "total_bytes": sum(files.values()),
            "extra_files": extras,
            "files": dict(sorted(files.items())),
        },
        "index": _index_info(settings),
        "trail": trail,
        "problems": problems,
    }
    partial = out / f".{MANIFEST}.part"
    partial.write_text(json.dumps(manifest, ensure_ascii=False, indent=1))
    Path(partial).replace(out / MANIFEST)
    return manifest


def _app_version() -> str:
    try:
        from importlib.metadata import version

        return version("carbonms")
    except Exception:
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
        raise Invalid(
            f"不是 carbonms 备份（目录或 .tar）：{source}", f"Not a carbonms backup (a directory or a .tar): {source}"
        )
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
        raise Invalid(
            "备份缺少可读的 manifest.json（备份可能未完成）",
            "The backup has no readable manifest.json (it may be incomplete)",
        ) from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise Invalid("不是 carbonms 备份", "Not a carbonms backup")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise Invalid(
            f"不支持的备份格式版本：{manifest.get('format_version')}",
            f"Unsupported backup format version: {manifest.get('format_version')}",
        )
    return manifest


def _check_target_empty(settings: Settings, dialect: str) -> None:
    where = settings.blob_url or settings.blob_dir
    if next(iter(store_of(settings).scan()), None) is not None:
        raise Conflict(
            f"目标文件存储不为空，拒绝覆盖：{where}",
            f"The target blob store is not empty; refusing to overwrite it: {where}",
        )
    anchors = settings.resolved_anchor_file
    if anchors.is_file() and anchors.stat().st_size > 0:
        raise Conflict(
            f"目标已有审计锚点文件，拒绝覆盖：{anchors}",
            f"The target already has an audit anchor file; refusing to overwrite it: {anchors}",
        )
    require_empty_database(settings.resolved_database_url, dialect)


def restore(source: Path, settings: Settings, *, keys_from: Path | None = None) -> dict[str, Any]:
    """Restore a snapshot into an empty data folder and an empty database; returns what was restored.

    `keys_from`: a folder holding the trail's secret keys (`trail_key`, `anchor_key`), e.g. the old data folder."""
    url = settings.resolved_database_url
    dialect = "sqlite" if url.startswith("sqlite") else "postgresql" if url.startswith("postgresql") else "?"
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    with _opened(source, settings.data_dir) as snapshot:
        manifest = read_manifest(snapshot)
        database = manifest["database"]
        if database.get("dialect") != dialect:
            raise Invalid(
                f"备份来自 {database.get('dialect')}，目标是 {dialect}：不支持跨数据库恢复",
                f"The backup is of {database.get('dialect')} and the target is {dialect}: "
                "restoring across databases is not supported",
            )
        _check_target_empty(settings, dialect)
        dump = snapshot / database["file"]
        if not dump.is_file() or sha256_file(dump) != database["sha256"]:
            raise Invalid(
                "备份中的数据库文件缺失或已损坏（SHA-256 不符）",
                "The backup's database file is missing or damaged (SHA-256 mismatch)",
            )
        stored = LocalBlobStore(snapshot / BLOBS)
        missing = [sha for sha in manifest["blobs"]["files"] if not stored.exists(sha)]
        if missing:
            raise Invalid(
                f"备份缺少 {len(missing)} 个文件：{', '.join(missing[:5])}",
                f"The backup lacks {len(missing)} blob files: {', '.join(missing[:5])}",
            )
        trail = manifest.get("trail") or {}
        install_trail_keys(settings, trail, keys_from)
        restore_database(dump, url, dialect)
        restore_trail(snapshot, settings, trail)
        # Blobs, into the configured store: every file is re-hashed; one that does not match its name is refused.
        settings.blob_dir.mkdir(parents=True, exist_ok=True)
        settings.tmp_dir.mkdir(parents=True, exist_ok=True)
        target = store_of(settings)
        restored = 0
        total = 0
        altered = []
        for sha in stored.iter_keys():
            size = _copy_blob(stored, target, sha)
            if size is None:
                altered.append(sha)
                continue
            restored += 1
            total += size
    counts = row_counts(url, dialect)
    differ = {t: (n, counts.get(t)) for t, n in database["counts"].items() if counts.get(t) != n}
    problems = [{"sha256": sha, "problem": "altered in the backup"} for sha in altered]
    if differ:
        problems.append({"problem": "row counts differ", "tables": str(differ)})
    return {
        "database": database["file"],
        "tables": len(counts),
        "rows": sum(counts.values()),
        "blobs": restored,
        "bytes": total,
        "index_schema_version": manifest.get("index", {}).get("schema_version"),
        "problems": problems,
    }
