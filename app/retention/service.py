"""Retention: a park's class for a type, and disposition batches up to the approval (holds: holds.py). Services flush,
never commit; the destruction itself is in destruction.py."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlmodel import Session, col

from app import timezones
from app.clauses.models import DocType, RetentionClass
from app.documents.models import Document, Revision
from app.errors import Conflict, Invalid, NotFound
from app.events import service as events
from app.events.refusals import Rule, refusal
from app.parks.queries import park_time_zone
from app.retention import holds, lifecycle, queries
from app.retention.access import MANAGERS, require_role
from app.retention.lifecycle import Action
from app.retention.models import (
    DispositionBatch,
    DispositionItem,
    DispositionState,
    Opinion,
    ParkRetentionSetting,
)
from app.users.models import User
from app.users.service import require_signature

MAX_BATCH = 500


def park_today(session: Session, park_id: int) -> date:
    return timezones.today(park_time_zone(session, park_id))


# --------------------------------------------------------------------------- a park's retention class


def set_class(session: Session, *, actor: User, doc_type_code: str, retention: str | None, reason: str) -> None:
    """A park's own class for a type (None: back to the clause map's), with its reason."""
    require_role(
        actor,
        MANAGERS,
        "只有体系管理员可以调整保管期限",
        "Only a coordinator may set a retention class",
        "doc_type",
        doc_type_code,
    )
    doc_type = session.get(DocType, doc_type_code)
    if doc_type is None:
        raise NotFound(f"未知的文件类型：{doc_type_code}", f"Unknown document type: {doc_type_code}")
    if retention is not None and retention not in {item.value for item in RetentionClass}:
        raise Invalid(
            "保管期限只能是永久、30 年或 10 年（国家档案局令第10号）",
            "A retention class is permanent, 30y or 10y (National Archives Administration Order No. 10)",
        )
    reason = reason.strip()
    if retention is not None and not reason:
        raise Invalid("调整保管期限必须填写理由", "Changing a retention class needs a reason")
    row = session.execute(
        select(ParkRetentionSetting).where(
            col(ParkRetentionSetting.park_id) == actor.park_id, col(ParkRetentionSetting.doc_type) == doc_type_code
        )
    ).scalar_one_or_none()
    if retention is None and row is None:
        return  # already the clause map's class: nothing changes, nothing to record
    before = {"retention": row.retention if row else doc_type.retention, "overridden": row is not None}
    if retention is None:
        if row is not None:
            session.delete(row)  # the park's setting only: the clause map's class applies again
    else:
        row = row or ParkRetentionSetting(park_id=actor.park_id, doc_type=doc_type_code, retention=retention)
        row.retention, row.reason, row.set_by_id = retention, reason, actor.id
        session.add(row)
    session.flush()
    events.record(
        session,
        action="retention.set_class",
        entity_type="doc_type",
        entity_id=doc_type_code,
        park_id=actor.park_id,
        actor=actor,
        before=before,
        after={"retention": retention or doc_type.retention, "overridden": retention is not None, "reason": reason},
    )


# --------------------------------------------------------------------------- disposition batches


def get_batch(session: Session, *, batch_id: int, user: User, for_update: bool = False) -> DispositionBatch:
    query = select(DispositionBatch).where(col(DispositionBatch.id) == batch_id)
    if for_update:
        query = query.with_for_update().execution_options(populate_existing=True)
    batch = session.execute(query).scalars().first()
    if batch is None or batch.park_id != user.park_id:
        audit = refusal(user, Rule.other_park, "disposition_batch", batch_id) if batch is not None else None
        raise NotFound("销毁批次不存在", "Disposition batch not found", audit=audit)
    return batch


def batch_items(session: Session, batch_id: int) -> list[DispositionItem]:
    return list(
        session.execute(
            select(DispositionItem).where(col(DispositionItem.batch_id) == batch_id).order_by(col(DispositionItem.id))
        ).scalars()
    )


def list_batches(session: Session, park_id: int) -> list[DispositionBatch]:
    return list(
        session.execute(
            select(DispositionBatch)
            .where(col(DispositionBatch.park_id) == park_id)
            .order_by(col(DispositionBatch.id).desc())
        ).scalars()
    )


def propose(session: Session, *, actor: User, revision_ids: Sequence[int], comment: str = "") -> DispositionBatch:
    """A batch of revisions from the disposition list (each past its retention, not held, not in another batch)."""
    require_role(
        actor,
        MANAGERS,
        "只有体系管理员可以提出销毁",
        "Only a coordinator may propose a disposition",
        "disposition_batch",
        "",
    )
    wanted = sorted(set(revision_ids))
    if not wanted:
        raise Invalid("请至少选择一个到期的版本", "Choose at least one revision past its retention")
    if len(wanted) > MAX_BATCH:
        raise Invalid(f"一个批次最多 {MAX_BATCH} 项", f"A batch holds at most {MAX_BATCH} items")
    due = {row.revision.id: row for row in queries.due(session, actor.park_id, park_today(session, actor.park_id))}
    for revision_id in wanted:
        row = due.get(revision_id)
        if row is None:
            raise Conflict(
                f"版本 {revision_id} 不在销毁清单中（未到期、永久保管、处于法律保全或已销毁）",
                f"Revision {revision_id} is not on the disposition list (not due, permanent, held or destroyed)",
            )
        if row.batch_id is not None:
            raise Conflict(
                f"版本 {revision_id} 已在销毁批次 {row.batch_id} 中",
                f"Revision {revision_id} is already in batch {row.batch_id}",
            )
    assert actor.id is not None  # a stored user
    batch = DispositionBatch(
        park_id=actor.park_id,
        state=DispositionState.proposed,
        comment=comment.strip(),
        proposed_by_id=actor.id,
        proposed_by_name=actor.full_name,
    )
    session.add(batch)
    session.flush()
    assert batch.id is not None  # flushed
    for revision_id in wanted:
        row = due[revision_id]
        assert row.document.id is not None  # a stored row
        session.add(
            DispositionItem(
                batch_id=batch.id,
                park_id=actor.park_id,
                revision_id=revision_id,
                document_id=row.document.id,
                retention_end=row.end,
            )
        )
    session.flush()
    events.record(
        session,
        action="disposition.propose",
        entity_type="disposition_batch",
        entity_id=batch.id,
        park_id=actor.park_id,
        actor=actor,
        after={"state": str(batch.state), "revision_ids": wanted, "comment": batch.comment},
    )
    return batch


@dataclass(frozen=True)
class OpinionInput:
    item_id: int
    opinion: Opinion
    keep_until: date | None = None
    comment: str = ""


def appraise(
    session: Session, *, actor: User, batch_id: int, opinions: Sequence[OpinionInput], comment: str = ""
) -> DispositionBatch:
    """鉴定: an opinion for every item (destroy, or keep until a date after its end and after today)."""
    batch = get_batch(session, batch_id=batch_id, user=actor, for_update=True)
    lifecycle.check(batch, Action.appraise, actor)
    items = {item.id: item for item in batch_items(session, batch_id) if item.id is not None}
    given = {opinion.item_id: opinion for opinion in opinions}
    if set(given) != set(items):
        raise Invalid("鉴定必须对批次中的每一项给出意见", "The appraisal needs an opinion on every item of the batch")
    today = park_today(session, actor.park_id)
    for item_id, item in items.items():
        opinion = given[item_id]
        too_early = opinion.keep_until is None or opinion.keep_until <= max(item.retention_end, today)
        if opinion.opinion == Opinion.keep and too_early:
            raise Invalid(
                "延长保管必须给出晚于原到期日和今天的新到期日",
                "Keeping longer needs a new end date after the old one and after today",
            )
        item.opinion = opinion.opinion
        item.keep_until = opinion.keep_until if opinion.opinion == Opinion.keep else None
        item.opinion_comment = opinion.comment.strip()
        session.add(item)
    batch.appraisal_comment = comment.strip()
    opinions_out = {
        str(item.revision_id): {"opinion": str(item.opinion), "keep_until": str(item.keep_until or "")}
        for item in items.values()
    }
    lifecycle.transition(
        session, batch, Action.appraise, actor=actor, recorded={"opinions": opinions_out, "comment": comment.strip()}
    )
    return batch


def to_destroy(items: Sequence[DispositionItem]) -> list[DispositionItem]:
    return [item for item in items if item.opinion == Opinion.destroy]


def approve(
    session: Session, *, actor: User, batch_id: int, password: str | None, comment: str = "", client_address: str = ""
) -> DispositionBatch:
    """The approval is an electronic signature: the documents' re-authentication, before any other check."""
    require_signature(
        session, actor, password, entity_type="disposition_batch", entity_id=batch_id, client_address=client_address
    )
    batch = get_batch(session, batch_id=batch_id, user=actor, for_update=True)
    lifecycle.check(batch, Action.approve, actor)
    holds.check_not_held(session, batch.park_id, to_destroy(batch_items(session, batch_id)))
    batch.approval_comment = comment.strip()
    signature = {"signer": actor.username, "signer_name": actor.full_name, "meaning": "approve"}
    lifecycle.transition(
        session,
        batch,
        Action.approve,
        actor=actor,
        recorded={"signature": signature, "comment": batch.approval_comment},
    )
    return batch


def reject(session: Session, *, actor: User, batch_id: int, reason: str) -> DispositionBatch:
    batch = get_batch(session, batch_id=batch_id, user=actor, for_update=True)
    lifecycle.check(batch, Action.reject, actor)
    reason = reason.strip()
    if not reason:
        raise Invalid("驳回必须填写原因", "Rejecting needs a reason")
    batch.reject_reason = reason
    lifecycle.transition(session, batch, Action.reject, actor=actor, recorded={"reason": reason})
    return batch


def revisions_of(session: Session, items: Sequence[DispositionItem]) -> dict[int, Revision]:
    ids = [item.revision_id for item in items]
    if not ids:
        return {}
    rows = session.execute(select(Revision).where(col(Revision.id).in_(ids))).scalars()
    return {row.id: row for row in rows if row.id is not None}


def documents_of(session: Session, items: Sequence[DispositionItem]) -> dict[int, Document]:
    ids = sorted({item.document_id for item in items})
    if not ids:
        return {}
    rows = session.execute(select(Document).where(col(Document.id).in_(ids))).scalars()
    return {row.id: row for row in rows if row.id is not None}
