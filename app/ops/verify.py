"""`carbonms verify`: does the blob store match the database, is every revision consistent, is the audit trail whole?

Errors (exit non-zero): a blob that is missing or whose bytes no longer hash to its name, a revision whose file or
blob row is missing, revisions whose states or dates contradict the lifecycle, a signature over another file than
its revision's, an event without its change (or a change without its event), a broken audit chain (keyed
hashes, sequence and time order, and every signed anchor of the anchor file), an inventory sum that differs from
its activity rows (`verify_inventory.py`).

Blobs are read through the configured store (app/blobs: the local folder or S3). Cached controlled copies
(app/reports/copy_cache.py) live in the blob store too: they are re-hashed (an altered
one is an error: it would be served), a missing one is a warning (the next download stamps it again), and they are
never orphans.

A blob destroyed at the end of its retention (app/retention) is rightly absent when every revision that refers to it
has a tombstone; each tombstone must match its revision's hash and size and have its `revision.destroy` event
(`verify_retention.py`).

Warnings: part files of killed uploads in `tmp_dir` (no process holds them; removed by `clean_orphans` and at
start-up), and orphan blob files that nothing refers to. An upload killed between placing its file and committing its
transaction leaves one; it is harmless, and `clean_orphans` removes those older than a minute (younger ones may
belong to a transaction that is about to commit).
"""

from __future__ import annotations

import re
import time
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from app.blobs import store_for
from app.blobs.store import BlobStore, is_sha256, rehash
from app.documents.models import OPEN_STATES, Blob, Document, Revision, RevisionState, Signature
from app.documents.storage import leftover_part_files
from app.errors import NotFound
from app.events.models import Event
from app.events.service import verify_trail
from app.hashing import sha256_file
from app.ops.verify_inventory import check_inventory_sums
from app.ops.verify_retention import check_tombstones, destroyed_blobs
from app.previews import service as previews
from app.reports.models import ControlledCopy

ORPHAN_MIN_AGE_SECONDS = 60
_SHA256 = re.compile(r"[0-9a-f]{64}")

S = RevisionState
_NEEDS_APPROVED_AT = {S.approved, S.effective, S.superseded, S.obsolete, S.filed, S.void}
_NEEDS_EFFECTIVE_FROM = {S.effective, S.superseded, S.obsolete, S.filed, S.void}
_NEEDS_ENDED_AT = {S.superseded, S.obsolete, S.void}


@dataclass
class Problem:
    kind: str
    severity: str  # "error" or "warning"
    message: str
    sha256: str | None = None
    revision_ids: list[int] = field(default_factory=list)
    path: str | None = None

    def line(self) -> str:
        where = []
        if self.sha256:
            where.append(f"sha256={self.sha256}")
        if self.revision_ids:
            where.append("revisions=" + ",".join(str(i) for i in self.revision_ids))
        if self.path:
            where.append(f"path={self.path}")
        suffix = f" [{' '.join(where)}]" if where else ""
        return f"{self.severity.upper()} {self.kind}: {self.message}{suffix}"


@dataclass
class VerifyReport:
    problems: list[Problem] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    @property
    def ok(self) -> bool:
        return not self.errors

    def kinds(self) -> set[str]:
        return {p.kind for p in self.problems}

    def as_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "counts": self.counts, "problems": [asdict(p) for p in self.problems]}

    def _error(self, kind: str, message: str, **where: Any) -> None:
        self.problems.append(Problem(kind, "error", message, **where))

    def _warning(self, kind: str, message: str, **where: Any) -> None:
        self.problems.append(Problem(kind, "warning", message, **where))


def file_sha256(path: Path) -> str:
    return sha256_file(path)


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


def missing_state_dates(
    state: RevisionState,
    *,
    submitted_at: object,
    approved_at: object,
    effective_from: object,
    ended_at: object,
) -> list[str]:
    """The dates a revision in `state` must carry but does not (submitted_at, approved_at, effective_from,
    ended_at), per the lifecycle."""
    missing = []
    if state != S.draft and submitted_at is None:
        missing.append("submitted_at")
    if state in _NEEDS_APPROVED_AT and approved_at is None:
        missing.append("approved_at")
    if state in _NEEDS_EFFECTIVE_FROM and effective_from is None:
        missing.append("effective_from")
    if state in _NEEDS_ENDED_AT and ended_at is None:
        missing.append("ended_at")
    return missing


def signature_rows(session: Session, revision_ids: list[int] | None = None) -> list[Any]:
    """(signature id, revision id, signed SHA-256, the revision's blob SHA-256 or None) per signature, in id order;
    only the signatures of `revision_ids` when given."""
    query = (
        select(col(Signature.id), col(Signature.revision_id), col(Signature.file_sha256), col(Revision.blob_sha256))
        .outerjoin(Revision, col(Revision.id) == col(Signature.revision_id))
        .order_by(col(Signature.id))
    )
    if revision_ids is not None:
        query = query.where(col(Signature.revision_id).in_(revision_ids))
    return list(session.execute(query).all())


def verify(
    session: Session,
    blob_dir: Path,
    *,
    clean_orphans: bool = False,
    orphan_min_age: float = ORPHAN_MIN_AGE_SECONDS,
    tmp_dir: Path | None = None,
) -> VerifyReport:
    """Check everything named in the module docstring; with `clean_orphans`, delete orphan files older than
    `orphan_min_age` seconds (re-checked against the database just before each deletion) and the part files of
    killed uploads in `tmp_dir`."""
    report = VerifyReport()
    if tmp_dir is not None:
        _check_part_files(tmp_dir, report, clean=clean_orphans)
    store = store_for(blob_dir)  # the configured store (local folder or S3) for the configured blob_dir
    referenced = _check_blobs(session, store, report) | _check_copies(session, store, report)
    referenced |= previews.referenced_shas(session)  # page images and thumbnails (derived blobs)
    _check_disk(session, store, referenced, report, clean_orphans=clean_orphans, orphan_min_age=orphan_min_age)
    _check_revisions(session, report)
    _check_signatures(session, report)
    _check_events(session, report)
    check_inventory_sums(session, report)
    check_tombstones(session, report)
    return report


# --------------------------------------------------------------------------- blobs


def _check_blobs(session: Session, store: BlobStore, report: VerifyReport) -> set[str]:
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


def _check_copies(session: Session, store: BlobStore, report: VerifyReport) -> set[str]:
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


def _check_part_files(tmp_dir: Path, report: VerifyReport, *, clean: bool) -> None:
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


def _check_disk(
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


# --------------------------------------------------------------------------- revisions and signatures


def _check_revisions(session: Session, report: VerifyReport) -> None:
    rows = session.execute(
        select(
            col(Revision.id),
            col(Revision.document_id),
            col(Revision.state),
            col(Revision.version),
            col(Revision.submitted_at),
            col(Revision.approved_at),
            col(Revision.effective_from),
            col(Revision.ended_at),
        ).order_by(col(Revision.id))
    ).all()
    documents = set(session.execute(select(col(Document.id))).scalars())
    effective: dict[int, list[int]] = defaultdict(list)
    open_: dict[int, list[int]] = defaultdict(list)
    valid_states = {state.value for state in RevisionState}
    for row in rows:
        if row.document_id not in documents:
            report._error(
                "revision_orphan",
                f"版本所属文件 {row.document_id} 不存在 / revision's document is missing",
                revision_ids=[row.id],
            )
        if row.state not in valid_states:
            report._error("revision_state", f"未知状态 {row.state!r} / unknown state", revision_ids=[row.id])
            continue
        state = RevisionState(row.state)
        if state == S.effective:
            effective[row.document_id].append(row.id)
        if state in OPEN_STATES:
            open_[row.document_id].append(row.id)
        if row.version is None or row.version < 1:
            report._error("revision_version", f"版本号 {row.version} 无效 / invalid version", revision_ids=[row.id])
        missing = missing_state_dates(
            state,
            submitted_at=row.submitted_at,
            approved_at=row.approved_at,
            effective_from=row.effective_from,
            ended_at=row.ended_at,
        )
        if missing:
            report._error(
                "revision_state",
                f"状态为 {state} 但缺少 {', '.join(missing)} / {state} revision without {', '.join(missing)}",
                revision_ids=[row.id],
            )
    for document_id, ids in effective.items():
        if len(ids) > 1:
            report._error(
                "revision_state",
                f"文件 {document_id} 有多个现行版本 / document {document_id} has {len(ids)} effective revisions",
                revision_ids=ids,
            )
    for document_id, ids in open_.items():
        if len(ids) > 1:
            report._error(
                "revision_state",
                f"文件 {document_id} 有多个未完成版本 / document {document_id} has {len(ids)} open revisions",
                revision_ids=ids,
            )
    report.counts["documents"] = len(documents)
    report.counts["revisions"] = len(rows)


def _check_signatures(session: Session, report: VerifyReport) -> None:
    rows = signature_rows(session)
    for signature_id, revision_id, signed_sha, revision_sha in rows:
        if revision_sha is None:
            report._error(
                "signature_orphan",
                f"签名 {signature_id} 的版本不存在 / signature's revision is missing",
                revision_ids=[revision_id],
            )
        elif signed_sha != revision_sha:
            report._error(
                "signature_hash",
                f"签名 {signature_id} 签署的文件 {signed_sha} 与版本文件不同 / "
                f"signature {signature_id} signed another file than the revision's",
                sha256=revision_sha,
                revision_ids=[revision_id],
            )
    report.counts["signatures"] = len(rows)


# --------------------------------------------------------------------------- audit trail


def _check_events(session: Session, report: VerifyReport) -> None:
    """The chain is whole, and every created revision or document has its event and every such event its row."""
    for action, entity_type, model in (
        ("revision.create", "revision", Revision),
        ("document.register", "document", Document),
    ):
        logged = set(
            session.execute(
                select(col(Event.entity_id)).where(col(Event.action) == action, col(Event.entity_type) == entity_type)
            ).scalars()
        )
        existing = {str(i) for i in session.execute(select(col(model.id))).scalars()}
        ghosts = sorted(logged - existing, key=lambda v: (len(v), v))
        unlogged = sorted(existing - logged, key=lambda v: (len(v), v))
        if ghosts:
            report._error(
                "event_without_change",
                f"{action} 事件所指的{entity_type}不存在 / {action} events whose "
                f"{entity_type} does not exist: {', '.join(ghosts[:50])}",
                revision_ids=[int(v) for v in ghosts if v.isdigit()] if model is Revision else [],
            )
        if unlogged:
            report._error(
                "change_without_event",
                f"{entity_type} 没有 {action} 事件 / {entity_type} rows without "
                f"a {action} event: {', '.join(unlogged[:50])}",
                revision_ids=[int(v) for v in unlogged] if model is Revision else [],
            )
    chain = verify_trail(session)
    report.counts["events"] = chain.checked
    report.counts["anchors_checked"] = chain.anchors_checked
    if not chain.ok:
        report._error(
            "audit_chain",
            f"审计链在第 {chain.first_broken_seq} 条断开 [{chain.kind}]：{chain.reason} / audit chain broken "
            f"at event {chain.first_broken_seq} [{chain.kind}]: {chain.reason}",
        )
    for warning in chain.warnings:
        report._warning("audit_anchor_stale", warning)
