"""`carbonms verify`, retention part: a blob destroyed at the end of its retention is not missing, and its
tombstones must agree with their revisions and with the audit trail."""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

from sqlalchemy import create_engine, select
from sqlmodel import Session, col

from app.documents.models import Revision
from app.events.models import Event
from app.retention.models import DestructionTombstone

if TYPE_CHECKING:
    from app.ops.verify import VerifyReport


def destroyed_blobs(session: Session) -> set[str]:
    """The hashes whose every revision was destroyed: their file is rightly absent."""
    tombstoned = set(session.execute(select(col(DestructionTombstone.revision_id))).scalars())
    by_sha: dict[str, list[int]] = defaultdict(list)
    for revision_id, sha in session.execute(select(col(Revision.id), col(Revision.blob_sha256))).all():
        by_sha[sha].append(revision_id)
    return {sha for sha, ids in by_sha.items() if ids and all(i in tombstoned for i in ids)}


def check_tombstones(session: Session, report: VerifyReport) -> None:
    """Each tombstone names its revision's file (hash and size) and has its `revision.destroy` event."""
    rows = session.execute(
        select(DestructionTombstone, Revision)
        .outerjoin(Revision, col(Revision.id) == col(DestructionTombstone.revision_id))
        .order_by(col(DestructionTombstone.id))
    ).all()
    logged = set(
        session.execute(
            select(col(Event.entity_id)).where(
                col(Event.action) == "revision.destroy", col(Event.entity_type) == "revision"
            )
        ).scalars()
    )
    for tombstone, revision in rows:
        where = {"sha256": tombstone.sha256, "revision_ids": [tombstone.revision_id]}
        if revision is None:
            report._error("tombstone_orphan", "销毁记录所指的版本不存在 / tombstone's revision is missing", **where)
            continue
        if revision.blob_sha256 != tombstone.sha256 or revision.size_bytes != tombstone.size_bytes:
            report._error(
                "tombstone_mismatch",
                "销毁记录的哈希或大小与版本不符 / tombstone's hash or size differs from its revision",
                **where,
            )
        if str(tombstone.revision_id) not in logged:
            report._error(
                "tombstone_without_event",
                "销毁记录没有 revision.destroy 审计事件 / tombstone without its revision.destroy event",
                **where,
            )
    report.counts["tombstones"] = len(rows)


def destroyed_blobs_at(url: str) -> set[str]:
    """`destroyed_blobs` of the database at `url` (for a backup, which reads the database by its URL)."""
    engine = create_engine(url)
    try:
        with Session(engine) as session:
            return destroyed_blobs(session)
    finally:
        engine.dispose()
