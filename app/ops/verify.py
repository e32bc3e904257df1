"""`carbonms verify`: does the blob store match the database, is every revision consistent, is the audit trail whole?

Errors (exit non-zero): a blob that is missing or whose bytes no longer hash to its name, a revision whose file or
blob row is missing, revisions whose states or dates contradict the lifecycle, a signature over another file than
its revision's, an event without its change (or a change without its event), a broken audit chain (keyed
hashes, sequence and time order, and every signed anchor of the anchor file), an inventory sum that differs from
its activity rows (`verify_inventory.py`).

The blob, copy, orphan and part-file checks are in `verify_files.py`. Blobs are read through the configured store
(app/blobs: the local folder or S3). Cached controlled copies
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

from collections import defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from app.blobs import store_for
from app.documents.models import OPEN_STATES, Document, Revision, RevisionState, Signature
from app.events.models import Event
from app.events.service import verify_trail
from app.ops.verify_files import check_blobs, check_copies, check_disk, check_part_files
from app.ops.verify_inventory import check_inventory_sums
from app.ops.verify_retention import check_tombstones
from app.previews import service as previews

ORPHAN_MIN_AGE_SECONDS = 60

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
        check_part_files(tmp_dir, report, clean=clean_orphans)
    store = store_for(blob_dir)  # the configured store (local folder or S3) for the configured blob_dir
    referenced = check_blobs(session, store, report) | check_copies(session, store, report)
    referenced |= previews.referenced_shas(session)  # page images and thumbnails (derived blobs)
    check_disk(session, store, referenced, report, clean_orphans=clean_orphans, orphan_min_age=orphan_min_age)
    _check_revisions(session, report)
    _check_signatures(session, report)
    _check_events(session, report)
    check_inventory_sums(session, report)
    check_tombstones(session, report)
    return report


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
