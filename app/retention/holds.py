"""Legal holds (法律保全/冻结) on a document or a whole type: placed and released with a reason, who and when; while
one is active nothing it covers is listed, approved for destruction or destroyed. Services flush, never commit."""

from collections.abc import Sequence

from sqlalchemy import select
from sqlmodel import Session, col

from app.clauses.models import DocType
from app.common import utcnow
from app.documents.models import Document
from app.errors import Conflict, Invalid, NotFound
from app.events import service as events
from app.events.refusals import Rule, refusal
from app.retention import queries
from app.retention.access import HOLDERS, require_role
from app.retention.models import DispositionItem, HoldScope, LegalHold
from app.users.models import User


def place_hold(
    session: Session, *, actor: User, reason: str, document_id: int | None = None, doc_type: str | None = None
) -> LegalHold:
    """法律保全: a document or a whole type may not be destroyed until the hold is released."""
    require_role(
        actor,
        HOLDERS,
        "只有体系管理员或最高管理者可以设置法律保全",
        "Only a coordinator or top management may place a legal hold",
        "legal_hold",
        "",
    )
    reason = reason.strip()
    if not reason:
        raise Invalid("法律保全必须填写原因", "A legal hold needs a reason")
    if (document_id is None) == (doc_type is None):
        raise Invalid("请选择一个文件或一个文件类型", "Name either a document or a document type")
    if document_id is not None:
        document = session.get(Document, document_id)
        if document is None or document.park_id != actor.park_id:
            audit = refusal(actor, Rule.other_park, "document", document_id) if document is not None else None
            raise NotFound("文件不存在", "Document not found", audit=audit)
        scope = HoldScope.document
    else:
        if session.get(DocType, doc_type) is None:
            raise NotFound(f"未知的文件类型：{doc_type}", f"Unknown document type: {doc_type}")
        scope = HoldScope.doc_type
    assert actor.id is not None  # a stored user
    hold = LegalHold(
        park_id=actor.park_id,
        scope=scope,
        document_id=document_id,
        doc_type=doc_type,
        reason=reason,
        placed_by_id=actor.id,
        placed_by_name=actor.full_name,
    )
    session.add(hold)
    session.flush()
    events.record(
        session,
        action="legal_hold.place",
        entity_type="legal_hold",
        entity_id=hold.id,
        park_id=actor.park_id,
        actor=actor,
        after={"scope": str(scope), "document_id": document_id, "doc_type": doc_type, "reason": reason},
    )
    return hold


def release_hold(session: Session, *, actor: User, hold_id: int, reason: str) -> LegalHold:
    require_role(
        actor,
        HOLDERS,
        "只有体系管理员或最高管理者可以解除法律保全",
        "Only a coordinator or top management may release a legal hold",
        "legal_hold",
        hold_id,
    )
    hold = session.execute(select(LegalHold).where(col(LegalHold.id) == hold_id).with_for_update()).scalar()
    if hold is None or hold.park_id != actor.park_id:
        audit = refusal(actor, Rule.other_park, "legal_hold", hold_id) if hold is not None else None
        raise NotFound("法律保全不存在", "Legal hold not found", audit=audit)
    if hold.released_at is not None:
        raise Conflict("该法律保全已解除", "This legal hold was already released")
    reason = reason.strip()
    if not reason:
        raise Invalid("解除法律保全必须填写原因", "Releasing a legal hold needs a reason")
    hold.released_by_id, hold.released_by_name, hold.released_at = actor.id, actor.full_name, utcnow()
    hold.release_reason = reason
    session.add(hold)
    session.flush()
    events.record(
        session,
        action="legal_hold.release",
        entity_type="legal_hold",
        entity_id=hold.id,
        park_id=actor.park_id,
        actor=actor,
        before={"released": False},
        after={"released": True, "reason": reason},
    )
    return hold


def check_not_held(session: Session, park_id: int, items: Sequence[DispositionItem]) -> None:
    """Conflict (409) when an active hold covers any of the items now."""
    holds = queries.active_holds(session, park_id)
    for item in items:
        document = session.get_one(Document, item.document_id)
        hold = queries.hold_on(holds, document.id or 0, document.doc_type)
        if hold is not None:
            raise Conflict(
                f"{document.control_no} 处于法律保全中（{hold.reason}），不能销毁",
                f"{document.control_no} is under a legal hold ({hold.reason}) and may not be destroyed",
            )
