"""Nonconformities and corrective actions (11.2): raise, analyse, plan, act, verify, close. Flush, never commit."""

from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session, col

from app.audits.common import (
    READERS,
    dumps,
    get_audit,
    get_in_park,
    park_documents,
    park_user,
    require_reader,
    require_role,
    stored_id,
    stripped,
)
from app.audits.models import Audit, AuditLine
from app.clauses.models import Clause
from app.common import utcnow
from app.documents.models import Document
from app.errors import Forbidden, Invalid, NotFound
from app.events import service as events
from app.events.refusals import Rule, refusal
from app.labels import LABELS
from app.nonconformities import evidence as evidence_links
from app.nonconformities import lifecycle
from app.nonconformities.lifecycle import ActionStep, NcAction
from app.nonconformities.models import ActionState, CorrectiveAction, NcOrigin, NcState, Nonconformity, Severity
from app.nonconformities.queries import action_facts, nc_actions
from app.reviews.models import ManagementReview, ReviewDecision
from app.reviews.queries import get_review
from app.users.models import Park, Role, User

NC_RAISERS = frozenset({Role.coordinator, Role.auditor, Role.top_management})

ORIGIN_LABELS = LABELS["origin"]
SEVERITY_LABELS = LABELS["severity"]


def _next_number(session: Session, park_id: int, year: int) -> int:
    """The park's next nonconformity number of the year.

    The park's row is locked first (FOR NO KEY UPDATE: rows that merely reference the park are not held up), so
    concurrent raisers of one park take numbers one after the other; SQLite serialises writers anyway, and the
    unique (park, year, number) constraint backs both.
    """
    session.execute(select(col(Park.id)).where(col(Park.id) == park_id).with_for_update(key_share=True))
    latest = session.execute(
        select(func.max(col(Nonconformity.number))).where(
            col(Nonconformity.park_id) == park_id, col(Nonconformity.year) == year
        )
    ).scalar()
    return (latest or 0) + 1


# ---------------------------------------------------------------- nonconformities


def get_nonconformity(session: Session, *, nc_id: int, user: User, for_update: bool = False) -> Nonconformity:
    return get_in_park(
        session,
        Nonconformity,
        entity_id=nc_id,
        user=user,
        entity_type="nonconformity",
        missing=("不符合项不存在", "Nonconformity not found"),
        for_update=for_update,
    )


def record_nonconformity(
    session: Session,
    *,
    actor: User,
    origin: NcOrigin,
    origin_ref: str,
    clause_id: str,
    severity: Severity,
    description: str,
    evidence_examined: str = "",
    audit_id: int | None = None,
    audit_line_id: int | None = None,
    review_id: int | None = None,
    origin_document_id: int | None = None,
) -> Nonconformity:
    """The record and its event; the caller (a checklist line, raise_nonconformity) has checked who and whence."""
    raised_at = utcnow()
    nc = Nonconformity(
        park_id=actor.park_id,
        year=raised_at.year,
        number=_next_number(session, actor.park_id, raised_at.year),
        raised_at=raised_at,
        origin=origin,
        origin_ref=origin_ref[:300],
        audit_id=audit_id,
        audit_line_id=audit_line_id,
        review_id=review_id,
        origin_document_id=origin_document_id,
        clause_id=clause_id,
        severity=severity,
        description=description,
        evidence_examined=evidence_examined,
        state=NcState.open,
        raised_by_id=stored_id(actor),
    )
    session.add(nc)
    session.flush()
    events.record(
        session,
        action="nonconformity.raise",
        entity_type="nonconformity",
        entity_id=nc.id,
        park_id=nc.park_id,
        actor=actor,
        after={
            "origin": str(origin),
            "origin_ref": nc.origin_ref,
            "audit_id": audit_id,
            "audit_line_id": audit_line_id,
            "review_id": review_id,
            "origin_document_id": origin_document_id,
            "clause_id": clause_id,
            "severity": str(severity),
            "description": description,
            "state": str(nc.state),
        },
    )
    return nc


def raise_nonconformity(
    session: Session,
    *,
    actor: User,
    origin: NcOrigin,
    clause_id: str,
    severity: Severity,
    description: str,
    evidence_examined: str = "",
    origin_ref: str = "",
    audit_id: int | None = None,
    review_id: int | None = None,
    origin_document_id: int | None = None,
) -> Nonconformity:
    """A nonconformity from outside a checklist line: a review, monitoring (10.1.1), a compliance evaluation …"""
    require_role(
        actor,
        NC_RAISERS,
        "nonconformity",
        "new",
        "只有体系管理员、内审员或最高管理者可以提出不符合项",
        "Only a coordinator, an auditor or top management may raise a nonconformity",
    )
    description, origin_ref = stripped(description), stripped(origin_ref)
    if not description:
        raise Invalid("请填写不符合描述", "The description is required")
    if session.get(Clause, clause_id) is None:
        raise Invalid(f"条款 {clause_id} 不存在", f"Clause {clause_id} does not exist")
    if audit_id is not None:
        audit = get_audit(session, audit_id=audit_id, user=actor)
        origin_ref = origin_ref or audit.title
    if review_id is not None:
        review = get_review(session, review_id=review_id, user=actor)
        origin_ref = origin_ref or review.title
    if origin_document_id is not None:
        park_documents(session, [origin_document_id], actor)
    needed = {NcOrigin.internal_audit: audit_id, NcOrigin.management_review: review_id}
    if origin in needed and needed[origin] is None:
        field = "audit_id" if origin == NcOrigin.internal_audit else "review_id"
        raise Invalid(
            f"来源为{ORIGIN_LABELS[origin][0]}时必须指明来源（{field}）",
            f"An origin of {origin} needs its reference ({field})",
        )
    if origin not in needed and not (origin_ref or origin_document_id):
        raise Invalid(
            "请说明不符合项的来源（来源说明或来源文件）",
            "Say where the nonconformity comes from (origin_ref or origin_document_id)",
        )
    return record_nonconformity(
        session,
        actor=actor,
        origin=origin,
        origin_ref=origin_ref,
        clause_id=clause_id,
        severity=severity,
        description=description,
        evidence_examined=stripped(evidence_examined),
        audit_id=audit_id,
        review_id=review_id,
        origin_document_id=origin_document_id,
    )


def list_nonconformities(
    session: Session,
    *,
    user: User,
    state: str | None = None,
    origin: str | None = None,
    severity: str | None = None,
    clause_id: str | None = None,
) -> list[Nonconformity]:
    require_reader(user, "nonconformity", "list")
    query = select(Nonconformity).where(col(Nonconformity.park_id) == user.park_id)
    for column, value in (
        (col(Nonconformity.state), state),
        (col(Nonconformity.origin), origin),
        (col(Nonconformity.severity), severity),
        (col(Nonconformity.clause_id), clause_id),
    ):
        if value:
            query = query.where(column == value)
    return list(session.execute(query.order_by(col(Nonconformity.id))).scalars())


def _transition(session: Session, nc: Nonconformity, action: NcAction, actor: User, content: dict) -> None:
    owners, open_count = action_facts(nc_actions(session, stored_id(nc)))
    lifecycle.transition(session, nc, action, actor=actor, content=content, owner_ids=owners, open_actions=open_count)


def record_action(
    session: Session,
    *,
    actor: User,
    description: str,
    owner_id: int,
    due_date: date | None,
    nonconformity_id: int | None = None,
    decision_id: int | None = None,
) -> CorrectiveAction:
    """A new open action of a nonconformity or of a review decision; the caller has checked who may add it."""
    description = stripped(description)
    if not description or due_date is None:
        raise Invalid(
            "每项措施都必须有内容、负责人和完成期限", "Each action needs a description, an owner and a due date"
        )
    owner = park_user(session, owner_id, actor)
    if not owner.is_active:
        raise Invalid(f"{owner.full_name} 的账号已停用", f"{owner.full_name}'s account is disabled")
    action = CorrectiveAction(
        park_id=actor.park_id,
        nonconformity_id=nonconformity_id,
        decision_id=decision_id,
        description=description,
        owner_id=stored_id(owner),
        due_date=due_date,
        state=ActionState.open,
        created_by_id=stored_id(actor),
    )
    session.add(action)
    session.flush()
    events.record(
        session,
        action="action.create",
        entity_type="corrective_action",
        entity_id=action.id,
        park_id=actor.park_id,
        actor=actor,
        after={
            "nonconformity_id": nonconformity_id,
            "decision_id": decision_id,
            "description": description,
            "owner_id": owner.id,
            "due_date": due_date,
        },
    )
    return action


def act(session: Session, *, actor: User, nc_id: int, action: NcAction, content: dict[str, Any]) -> Nonconformity:
    """One step of a nonconformity (analyse, plan, complete, verify, reopen, close, cancel) with its content.

    A plan creates its actions; a cancellation cancels the actions still open.
    """
    nc = get_nonconformity(session, nc_id=nc_id, user=actor, for_update=True)
    _transition(session, nc, action, actor, content)
    if action == NcAction.plan:
        for entry in content["actions"]:
            record_action(
                session,
                actor=actor,
                description=entry.get("description", ""),
                owner_id=entry["owner_id"],
                due_date=entry.get("due_date"),
                nonconformity_id=nc.id,
            )
    elif action == NcAction.cancel:
        for corrective in nc_actions(session, stored_id(nc)):
            if corrective.state == ActionState.open:
                lifecycle.transition_action(
                    session,
                    corrective,
                    ActionStep.cancel,
                    actor=actor,
                    nc_state=None,
                    recorded={"reason": stripped(content["reason"])},
                )
    return nc


def add_action(
    session: Session, *, actor: User, nc_id: int, description: str, owner_id: int, due_date: date
) -> CorrectiveAction:
    nc = get_nonconformity(session, nc_id=nc_id, user=actor, for_update=True)
    lifecycle.check_add_action(nc, actor)
    return record_action(
        session, actor=actor, description=description, owner_id=owner_id, due_date=due_date, nonconformity_id=nc.id
    )


# ---------------------------------------------------------------- actions


def get_action(session: Session, *, action_id: int, user: User, for_update: bool = False) -> CorrectiveAction:
    query = select(CorrectiveAction).where(col(CorrectiveAction.id) == action_id)
    if for_update:
        query = query.with_for_update().execution_options(populate_existing=True)
    action = session.execute(query).scalars().first()
    if action is None or action.park_id != user.park_id:
        audit = refusal(user, Rule.other_park, "corrective_action", action_id) if action is not None else None
        raise NotFound("措施不存在", "Action not found", audit=audit)
    if user.role not in READERS and action.owner_id != user.id:
        raise Forbidden(
            "您无权查看此措施",
            "You may not read this action",
            audit=refusal(user, Rule.role, "corrective_action", action_id),
        )
    return action


def mark_action_done(
    session: Session,
    *,
    actor: User,
    action_id: int,
    evidence: str,
    evidence_document_ids: list[int] | None = None,
    evidence_numbers: list[str] | None = None,
) -> CorrectiveAction:
    action = get_action(session, action_id=action_id, user=actor, for_update=True)
    nc = session.get(Nonconformity, action.nonconformity_id) if action.nonconformity_id is not None else None
    nc_state = NcState(nc.state) if nc is not None else None
    lifecycle.check_action(action, ActionStep.done, actor, nc_state=nc_state)
    evidence = stripped(evidence)
    if not evidence:
        raise Invalid("请填写完成证据", "The evidence of completion is required")
    links = evidence_links.resolve(session, actor=actor, numbers=[n for n in evidence_numbers or [] if n.strip()])
    doc_ids = list(dict.fromkeys(park_documents(session, evidence_document_ids or [], actor) + links.document_ids))
    action.completion_evidence, action.done_at = evidence, utcnow()
    action.evidence_document_ids_json = dumps(doc_ids)
    action.evidence_revision_ids_json = dumps(links.revision_ids)
    lifecycle.transition_action(
        session,
        action,
        ActionStep.done,
        actor=actor,
        nc_state=nc_state,
        recorded={
            "evidence": evidence,
            "evidence_document_ids": doc_ids,
            "evidence_revision_ids": links.revision_ids,
        },
    )
    return action


def open_actions(session: Session, *, park_id: int) -> list[CorrectiveAction]:
    return list(
        session.execute(
            select(CorrectiveAction)
            .where(col(CorrectiveAction.park_id) == park_id, col(CorrectiveAction.state) == ActionState.open)
            .order_by(col(CorrectiveAction.due_date), col(CorrectiveAction.id))
        ).scalars()
    )


def action_link(action: CorrectiveAction, session: Session) -> str:
    if action.nonconformity_id is not None:
        return f"/nonconformities/{action.nonconformity_id}"
    decision = session.get(ReviewDecision, action.decision_id) if action.decision_id else None
    return f"/reviews/{decision.review_id}" if decision else f"/actions/{action.id}"


# ---------------------------------------------------------------- origin


def origin_display(session: Session, nc: Nonconformity) -> dict[str, Any]:
    zh, en = ORIGIN_LABELS[str(nc.origin)]
    ref = nc.origin_ref
    ref_en = None
    link = None
    if nc.audit_id is not None:
        link = f"/audits/{nc.audit_id}"
        line = session.get(AuditLine, nc.audit_line_id) if nc.audit_line_id is not None else None
        audit = session.get(Audit, nc.audit_id)
        if line is not None and audit is not None:
            # Said in the reader's language from the line itself, not from the Chinese text stored when raised.
            item = f"{line.clause_id} {line.item_label}".strip()
            ref = f"{audit.title} 第 {line.position} 行（{item}）"
            ref_en = f"{audit.title}, line {line.position} ({item})"
            link = f"/audits/{nc.audit_id}#line-{line.id}"
    elif nc.review_id is not None:
        review = session.get(ManagementReview, nc.review_id)
        ref = ref or (review.title if review else "")
        link = f"/reviews/{nc.review_id}"
    elif nc.origin_document_id is not None:
        control_no = session.execute(
            select(col(Document.control_no)).where(col(Document.id) == nc.origin_document_id)
        ).scalar()
        ref_en = f"{ref} ({control_no})" if ref else (control_no or "")
        ref = f"{ref}（{control_no}）" if ref else (control_no or "")
        link = f"/documents/{nc.origin_document_id}"
    return {
        "origin": str(nc.origin),
        "label_zh": zh,
        "label_en": en,
        "reference": ref,
        "link": link,
        "text_zh": f"{zh}：{ref}" if ref else zh,
        "text_en": f"{en}: {ref_en or ref}" if ref else en,
    }
