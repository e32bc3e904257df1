"""Reads of retention other parts use: a type's class in a park, a revision's end date, holds, what is due for
disposition, whether a revision's file was destroyed (downloads answer 410), the destruction register."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlmodel import Session, col

from app.clauses.models import DocType, RetentionClass
from app.documents.models import Document, Revision
from app.errors import Gone
from app.parks.queries import park_time_zone
from app.retention.models import (
    DestructionTombstone,
    DispositionBatch,
    DispositionItem,
    DispositionState,
    HoldScope,
    LegalHold,
    Opinion,
    ParkRetentionSetting,
)
from app.retention.rules import RUNNING_STATES, retention_end

OPEN_BATCH_STATES = (DispositionState.proposed, DispositionState.appraised, DispositionState.approved)
# A keep opinion extends a revision's retention once its batch is approved.
_DECIDED_STATES = (DispositionState.approved, DispositionState.destroyed)


def classes(session: Session, park_id: int, codes: Iterable[str] | None = None) -> dict[str, RetentionClass]:
    """Each type's retention class in this park: the park's own setting, else the clause map's."""
    query = select(col(DocType.code), col(DocType.retention))
    overrides = select(col(ParkRetentionSetting.doc_type), col(ParkRetentionSetting.retention)).where(
        col(ParkRetentionSetting.park_id) == park_id
    )
    if codes is not None:
        wanted = sorted(set(codes))
        query = query.where(col(DocType.code).in_(wanted))
        overrides = overrides.where(col(ParkRetentionSetting.doc_type).in_(wanted))
    result = {code: RetentionClass(value) for code, value in session.execute(query).all()}
    result.update({code: RetentionClass(value) for code, value in session.execute(overrides).all()})
    return result


def overrides(session: Session, park_id: int) -> dict[str, ParkRetentionSetting]:
    rows = session.execute(select(ParkRetentionSetting).where(col(ParkRetentionSetting.park_id) == park_id)).scalars()
    return {row.doc_type: row for row in rows}


def active_holds(session: Session, park_id: int) -> list[LegalHold]:
    return list(
        session.execute(
            select(LegalHold)
            .where(col(LegalHold.park_id) == park_id, col(LegalHold.released_at).is_(None))
            .order_by(col(LegalHold.id))
        ).scalars()
    )


def hold_on(holds: Sequence[LegalHold], document_id: int, doc_type: str) -> LegalHold | None:
    """The first active hold that covers a document (itself, or its type)."""
    for hold in holds:
        if hold.scope == HoldScope.document and hold.document_id == document_id:
            return hold
        if hold.scope == HoldScope.doc_type and hold.doc_type == doc_type:
            return hold
    return None


def tombstones(session: Session, revision_ids: Iterable[int]) -> dict[int, DestructionTombstone]:
    ids = sorted(set(revision_ids))
    if not ids:
        return {}
    rows = session.execute(select(DestructionTombstone).where(col(DestructionTombstone.revision_id).in_(ids)))
    return {row.revision_id: row for row in rows.scalars()}


def is_destroyed(session: Session, revision_id: int) -> bool:
    """Whether the revision's file was destroyed at the end of its retention (it has a tombstone)."""
    return bool(tombstones(session, [revision_id]))


def kept_until(session: Session, revision_ids: Iterable[int]) -> dict[int, date]:
    """The latest date an approved appraisal kept each revision until."""
    ids = sorted(set(revision_ids))
    if not ids:
        return {}
    rows = session.execute(
        select(col(DispositionItem.revision_id), col(DispositionItem.keep_until))
        .join(DispositionBatch, col(DispositionBatch.id) == col(DispositionItem.batch_id))
        .where(
            col(DispositionItem.revision_id).in_(ids),
            col(DispositionItem.opinion) == Opinion.keep,
            col(DispositionBatch.state).in_(_DECIDED_STATES),
        )
    ).all()
    result: dict[int, date] = {}
    for revision_id, until in rows:
        if until is not None and (revision_id not in result or until > result[revision_id]):
            result[revision_id] = until
    return result


def open_batches_of(session: Session, revision_ids: Iterable[int]) -> dict[int, int]:
    """revision id → the open batch (proposed, appraised or approved) it is in."""
    ids = sorted(set(revision_ids))
    if not ids:
        return {}
    rows = session.execute(
        select(col(DispositionItem.revision_id), col(DispositionItem.batch_id))
        .join(DispositionBatch, col(DispositionBatch.id) == col(DispositionItem.batch_id))
        .where(col(DispositionItem.revision_id).in_(ids), col(DispositionBatch.state).in_(OPEN_BATCH_STATES))
    ).all()
    return dict(rows)


@dataclass(frozen=True)
class Facts:
    """What a revision's page line and API fields say of its retention."""

    retention: RetentionClass
    end: date | None
    kept_until: date | None
    hold_id: int | None
    destroyed_at: datetime | None


def facts(session: Session, park_id: int, revisions: Sequence[Revision]) -> dict[int, Facts]:
    """The retention facts of revisions of one park, in a few queries whatever their number."""
    ids = [revision.id for revision in revisions if revision.id is not None]
    if not ids:
        return {}
    zone = park_time_zone(session, park_id)
    by_type = classes(session, park_id, {revision.doc_type for revision in revisions})
    kept = kept_until(session, ids)
    gone = tombstones(session, ids)
    holds = active_holds(session, park_id)
    result = {}
    for revision in revisions:
        assert revision.id is not None  # filtered above
        retention = by_type.get(revision.doc_type, RetentionClass.years_10)
        hold = hold_on(holds, revision.document_id, revision.doc_type)
        end = retention_end(
            retention, revision.state, revision.effective_from, revision.ended_at, zone, kept.get(revision.id)
        )
        tombstone = gone.get(revision.id)
        result[revision.id] = Facts(
            retention,
            end,
            kept.get(revision.id),
            hold.id if hold else None,
            tombstone.destroyed_at if tombstone else None,
        )
    return result


@dataclass(frozen=True)
class DueRow:
    """A revision past its retention, neither permanent, held nor destroyed (the disposition list)."""

    revision: Revision
    document: Document
    retention: RetentionClass
    end: date
    batch_id: int | None  # the open batch it is already in


def due(session: Session, park_id: int, today: date) -> list[DueRow]:
    """Revisions whose retention ended before `today` (the park's date), oldest end first."""
    rows = session.execute(
        select(Revision, Document)
        .join(Document, col(Document.id) == col(Revision.document_id))
        .where(col(Revision.park_id) == park_id, col(Revision.state).in_(sorted(RUNNING_STATES)))
        .order_by(col(Revision.id))
    ).all()
    revisions = [revision for revision, _ in rows]
    known = facts(session, park_id, revisions)
    in_batch = open_batches_of(session, [revision.id for revision in revisions if revision.id is not None])
    result = []
    for revision, document in rows:
        item = known[revision.id]
        if item.end is None or item.end >= today or item.hold_id is not None or item.destroyed_at is not None:
            continue
        result.append(DueRow(revision, document, item.retention, item.end, in_batch.get(revision.id)))
    return sorted(result, key=lambda row: (row.end, row.document.control_no, row.revision.number))


def check_available(session: Session, revision_id: int) -> None:
    """Raise Gone (410) when the revision's file was destroyed at the end of its retention."""
    if session.execute(
        select(col(DestructionTombstone.id)).where(col(DestructionTombstone.revision_id) == revision_id)
    ).first():
        raise Gone(
            "该文件已按保管期限鉴定销毁，版本及其历史仍可查阅",
            "This file was destroyed after appraisal at the end of its retention period; the revision and its "
            "history remain visible",
        )


def register(session: Session, park_id: int) -> list[DestructionTombstone]:
    """The destruction register (销毁清册): every tombstone of the park, in the order of destruction."""
    return list(
        session.execute(
            select(DestructionTombstone)
            .where(col(DestructionTombstone.park_id) == park_id)
            .order_by(col(DestructionTombstone.destroyed_at), col(DestructionTombstone.id))
        ).scalars()
    )
