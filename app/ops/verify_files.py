"""`carbonms verify`, the files part: every blob the database refers to is in the store and still hashes to its name
and size, cached controlled copies are whole (a lost one is only a warning), and what the store or the upload folder
holds that nothing refers to (orphan blobs, stray files, part files of killed uploads) is reported and, when asked,
removed. `inspect_blob` is shared with the archival check."""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlmodel import Session, col

from app.blobs.store import BlobStore, is_sha256, rehash
from app.documents.models import Blob, Revision
from app.documents.storage import leftover_part_files
from app.errors import NotFound
from app.ops.verify_retention import destroyed_blobs
from app.previews import service as previews
from app.reports.models import ControlledCopy

if TYPE_CHECKING:
    from app.ops.verify import VerifyReport


@dataclass(frozen=True)
class BlobInspection:
    """What re-hashing one stored blob found: `ok`, `name_invalid`, `missing`, `unreadable` or `altered`."""

    status: str
    path: str | None = None  # where the store keeps it (a file path, or s3://bucket/key)
    actual: str | None = None
    error: str | None = None
    size: int | None = None


def inspect_blob(store: BlobStore, sha: str) -> BlobInspection:
    """Find the blob named `sha` in the store and re-hash it (the check `verify` and the archival check share)."""
    if not is_sha256(sha):
        return BlobInspection("name_invalid")
    path = store.location(sha)
    if not store.exists(sha):
        return BlobInspection("missing", path)
    try:
        actual = rehash(store, sha)
        size = store.size(sha)
    except (OSError, NotFound) as exc:
        return BlobInspection("unreadable", path, error=str(exc))
    return BlobInspection("ok" if actual == sha else "altered", path, actual, size=size)


def check_blobs(session: Session, store: BlobStore, report: VerifyReport) -> set[str]:
    rows = dict(session.execute(select(col(Blob.sha256), col(Blob.size_bytes))).all())
    by_sha: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for revision_id, sha, size in session.execute(
        select(col(Revision.id), col(Revision.blob_sha256), col(Revision.size_bytes)).order_by(col(Revision.id))
    ).all():
        by_sha[sha].append((revision_id, size))
    referenced = set(rows) | set(by_sha)
    destroyed = destroyed_blobs(session)  # destroyed at the end of their retention: absent by design
    checked = 0
    for sha in sorted(referenced):
        revision_ids = [revision_id for revision_id, _ in by_sha.get(sha, [])]
        if sha not in rows:
            report._error(
                "blob_row_missing",
                "版本引用的文件没有 Blob 记录 / revision refers to a blob without a row",
                sha256=sha,
                revision_ids=revision_ids,
            )
        found = inspect_blob(store, sha)
        if found.status == "name_invalid":
            report._error(
                "blob_name_invalid", "文件哈希格式不正确 / malformed SHA-256", sha256=sha, revision_ids=revision_ids
            )
            continue
        path = found.path
        if found.status == "missing" and sha in destroyed:
            continue
        if found.status == "missing":
            report._error(
                "blob_missing",
                "文件在存储中缺失 / blob file missing from the store",
                sha256=sha,
                revision_ids=revision_ids,
                path=path,
            )
            continue
        checked += 1
        if found.status == "unreadable":
            report._error(
                "blob_unreadable",
                f"文件无法读取 / blob file unreadable: {found.error}",
                sha256=sha,
                revision_ids=revision_ids,
                path=path,
            )
            continue
        if found.status == "altered":
            report._error(
                "blob_altered",
                f"文件内容已被改动 / blob content altered (now hashes to {found.actual})",
                sha256=sha,
                revision_ids=revision_ids,
                path=path,
            )
            continue
        size = found.size
        if sha in rows and rows[sha] != size:
            report._error(
                "blob_size",
                f"Blob 记录的大小 {rows[sha]} 与文件 {size} 不符 / blob row size differs",
                sha256=sha,
                revision_ids=revision_ids,
                path=path,
            )
        wrong = [revision_id for revision_id, rev_size in by_sha.get(sha, []) if rev_size != size]
        if wrong:
            report._error(
                "revision_size",
                f"版本记录的大小与文件 {size} 不符 / revision size differs from the file",
                sha256=sha,
                revision_ids=wrong,
            )
    report.counts["blobs_referenced"] = len(referenced)
    report.counts["blobs_destroyed"] = len(destroyed)
    report.counts["blobs_hashed"] = checked
    return referenced


def check_copies(session: Session, store: BlobStore, report: VerifyReport) -> set[str]:
    """Cached controlled copies: re-hashed like blobs; a lost one is only a warning (it is stamped again)."""
    copy = ControlledCopy
    rows = session.execute(
        select(col(copy.sha256), col(copy.size_bytes), col(copy.revision_id)).order_by(col(copy.revision_id))
    ).all()
    hashed = 0
    for sha, size, revision_id in rows:
        path = store.location(sha) if is_sha256(sha) else None
        where: dict[str, Any] = {"sha256": sha, "revision_ids": [revision_id], "path": str(path)}
        if path is None or not store.exists(sha):
            missing = "受控副本文件缺失，下次下载时重新生成 / controlled copy missing, stamped again on demand"
            report._warning("copy_missing", missing, **where)
            continue
        hashed += 1
        try:
            actual = rehash(store, sha)
            stored_size = store.size(sha)
        except (OSError, NotFound) as exc:
            report._error("copy_unreadable", f"受控副本无法读取 / controlled copy unreadable: {exc}", **where)
            continue
        if actual != sha or stored_size != size:
            report._error("copy_altered", "受控副本内容已被改动 / controlled copy content altered", **where)
    report.counts["copies_hashed"] = hashed
    return {sha for sha, _, _ in rows}


def _still_unreferenced(session: Session, sha: str) -> bool:
    """Ask a fresh session (not this report's possibly older snapshot) whether anything refers to `sha` now."""
    with Session(session.get_bind()) as fresh:
        if fresh.get(Blob, sha) is not None:
            return False
        copy = ControlledCopy
        if fresh.execute(select(col(copy.stamp_key)).where(col(copy.sha256) == sha).limit(1)).first() is not None:
            return False
        if previews.is_referenced(fresh, sha):
            return False
        return fresh.execute(select(col(Revision.id)).where(col(Revision.blob_sha256) == sha).limit(1)).first() is None


def check_part_files(tmp_dir: Path, report: VerifyReport, *, clean: bool) -> None:
    found = removed = 0
    for path in leftover_part_files(tmp_dir):
        found += 1
        what = "中断的上传留下的临时文件 / part file left by an interrupted upload"
        if clean:
            try:
                path.unlink()
                removed += 1
                what += "; 已删除 / removed"
            except OSError as exc:
                what += f"; 删除失败 / could not remove: {exc}"
        report._warning("part_file", what, path=str(path))
    report.counts["part_files"] = found
    report.counts["part_files_removed"] = removed


def check_disk(
    session: Session,
    store: BlobStore,
    referenced: set[str],
    report: VerifyReport,
    *,
    clean_orphans: bool,
    orphan_min_age: float,
) -> None:
    files = 0
    removed = 0
    now = time.time()
    for entry in store.scan():
        files += 1
        in_place = entry.sha256 is not None
        if entry.sha256 in referenced:
            continue
        age = now - entry.modified
        kind = "orphan_blob" if in_place else "stray_file"
        what = (
            "文件未被任何记录引用 / blob file referenced by nothing"
            if in_place
            else "blob 目录中的多余文件 / unexpected file in the blob directory"
        )
        sha = entry.sha256
        if clean_orphans and age >= orphan_min_age and (sha is None or _still_unreferenced(session, sha)):
            try:
                store.remove(entry)
                removed += 1
                report._warning(kind, f"{what}; 已删除 / removed", sha256=sha, path=entry.location)
                continue
            except OSError as exc:
                what = f"{what}; 删除失败 / could not remove: {exc}"
        elif clean_orphans:
            what = f"{what}; 不足 {int(orphan_min_age)} 秒，保留 / younger than {int(orphan_min_age)} s, kept"
        report._warning(kind, what, sha256=sha, path=entry.location)
    report.counts["blob_files"] = files
    report.counts["orphans_removed"] = removed
