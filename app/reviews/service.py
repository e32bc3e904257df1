"""Management reviews (10.3): inputs assembled from what carbonms holds, decisions, closing signature, the record."""

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from app.audits.common import dumps, loads, require_reader, require_role, stored_id, stripped
from app.common import utcnow
from app.errors import Conflict, Invalid
from app.events import service as events
from app.nonconformities.models import CorrectiveAction
from app.nonconformities.service import record_action
from app.readiness.items import add_months
from app.reviews import lifecycle
from app.reviews.inputs import OUTPUT_ITEMS, SECTION_KEYS, assemble_inputs, previous_reviews
from app.reviews.lifecycle import ReviewAction
from app.reviews.models import ManagementReview, ReviewDecision, ReviewState
from app.reviews.queries import get_review
from app.users.models import Role, User
from app.users.service import require_signature

REVIEW_EDITORS = lifecycle.REVIEW_EDITORS


def list_reviews(session: Session, *, user: User) -> list[ManagementReview]:
    require_reader(user, "review", "list")
    return list(
        session.execute(
            select(ManagementReview)
            .where(col(ManagementReview.park_id) == user.park_id)
            .order_by(col(ManagementReview.review_date).desc(), col(ManagementReview.id).desc())
        ).scalars()
    )


def _bump(session: Session, review: ManagementReview) -> None:
    review.version += 1
    session.add(review)
    session.flush()


def create_review(
    session: Session, *, actor: User, title: str, review_date: date, today: date | None = None
) -> ManagementReview:
    require_role(
        actor,
        {Role.coordinator},
        "review",
        "new",
        "只有体系管理员可以发起管理评审",
        "Only a coordinator may prepare a management review",
    )
    if not 2000 <= review_date.year <= 2100:
        raise Invalid("评审日期超出范围（2000–2100 年）", "The review date is out of range (2000–2100)")
    title = stripped(title) or f"{review_date.year} 年度管理评审"
    earlier = previous_reviews(session, actor.park_id, review_date, None)
    previous = earlier[0] if earlier else None
    review = ManagementReview(
        park_id=actor.park_id,
        title=title,
        review_date=review_date,
        state=ReviewState.draft,
        previous_review_id=previous.id if previous else None,
        created_by_id=stored_id(actor),
    )
    session.add(review)
    session.flush()
    review.inputs_json = dumps(
        assemble_inputs(
            session,
            park_id=actor.park_id,
            review_date=review_date,
            previous=previous,
            exclude_review=review.id,
            today=today,
        )
    )
    review.inputs_assembled_at = utcnow()
    session.add(review)
    session.flush()
    events.record(
        session,
        action="review.create",
        entity_type="review",
        entity_id=review.id,
        park_id=review.park_id,
        actor=actor,
        after={"title": title, "review_date": review_date, "previous_review_id": review.previous_review_id},
    )
    return review


def refresh_inputs(session: Session, *, actor: User, review_id: int, today: date | None = None) -> ManagementReview:
    review = get_review(session, review_id=review_id, user=actor, for_update=True)
    lifecycle.check(review, ReviewAction.refresh_inputs, actor)
    previous = session.get(ManagementReview, review.previous_review_id) if review.previous_review_id else None
    review.inputs_json = dumps(
        assemble_inputs(
            session,
            park_id=review.park_id,
            review_date=review.review_date,
            previous=previous,
            exclude_review=review.id,
            today=today,
        )
    )
    review.inputs_assembled_at = utcnow()
    _bump(session, review)
    events.record(
        session,
        action="review.refresh_inputs",
        entity_type="review",
        entity_id=review.id,
        park_id=review.park_id,
        actor=actor,
        after={"assembled_at": review.inputs_assembled_at},
    )
    return review


def set_input(session: Session, *, actor: User, review_id: int, key: str, text: str) -> ManagementReview:
    review = get_review(session, review_id=review_id, user=actor, for_update=True)
    lifecycle.check(review, ReviewAction.set_input, actor)
    if key not in SECTION_KEYS:
        raise Invalid(f"评审输入“{key}”不存在", f"There is no review input “{key}”")
    notes = loads(review.notes_json, {}) or {}
    before = notes.get(key, "")
    notes[key] = stripped(text)
    review.notes_json = dumps(notes)
    _bump(session, review)
    events.record(
        session,
        action="review.input",
        entity_type="review",
        entity_id=review.id,
        park_id=review.park_id,
        actor=actor,
        before={key: before},
        after={key: notes[key]},
    )
    return review


def add_decision(
    session: Session,
    *,
    actor: User,
    review_id: int,
    output_item: str,
    decision: str,
    action: dict[str, Any] | None = None,
) -> ReviewDecision:
    review = get_review(session, review_id=review_id, user=actor, for_update=True)
    lifecycle.check(review, ReviewAction.add_decision, actor)
    output_item = stripped(output_item).lower().rstrip(")")
    if output_item not in OUTPUT_ITEMS:
        raise Invalid("评审输出必须是 10.3.2 a)–h) 之一", "The output must be one of 10.3.2 a)–h)")
    decision = stripped(decision)
    if not decision:
        raise Invalid("请填写评审决定", "The decision is required")
    row = ReviewDecision(
        park_id=review.park_id,
        review_id=stored_id(review),
        output_item=output_item,
        decision=decision,
        created_by_id=stored_id(actor),
    )
    session.add(row)
    session.flush()
    events.record(
        session,
        action="review.decision",
        entity_type="review_decision",
        entity_id=row.id,
        park_id=review.park_id,
        actor=actor,
        after={"review_id": review.id, "output_item": output_item, "decision": decision},
    )
    if action:
        record_action(
            session,
            actor=actor,
            description=action.get("description") or decision,
            owner_id=action["owner_id"],
            due_date=action.get("due_date"),
            decision_id=row.id,
        )
    _bump(session, review)
    return row


def decisions(session: Session, review_id: int) -> list[ReviewDecision]:
    return list(
        session.execute(
            select(ReviewDecision)
            .where(col(ReviewDecision.review_id) == review_id)
            .order_by(col(ReviewDecision.output_item), col(ReviewDecision.id))
        ).scalars()
    )


def decision_actions(session: Session, decision_ids: list[int]) -> dict[int, list[CorrectiveAction]]:
    if not decision_ids:
        return {}
    out: dict[int, list[CorrectiveAction]] = {}
    for action in session.execute(
        select(CorrectiveAction)
        .where(col(CorrectiveAction.decision_id).in_(decision_ids))
        .order_by(col(CorrectiveAction.id))
    ).scalars():
        out.setdefault(action.decision_id, []).append(action)
    return out


def close_review(
    session: Session,
    *,
    actor: User,
    review_id: int,
    password: str | None,
    comment: str = "",
    client_address: str = "",
) -> ManagementReview:
    """Top management closes the review with an electronic signature (password again)."""
    # The password first: a wrong one gets one answer whatever the review's state (and argon2 runs before the lock).
    require_signature(
        session, actor, password, entity_type="review", entity_id=review_id, client_address=client_address
    )
    review = get_review(session, review_id=review_id, user=actor, for_update=True)
    lifecycle.check(review, ReviewAction.close, actor)
    if not decisions(session, stored_id(review)):
        raise Conflict(
            "管理评审至少要有一项评审输出（决定）才能关闭",
            "A review needs at least one output (decision) before it can be closed",
        )
    review.closed_by_id, review.closed_by_name, review.closed_at = actor.id, actor.full_name, utcnow()
    review.closing_comment = stripped(comment)
    signature = {"signer": actor.username, "signer_name": actor.full_name, "signed_at": review.closed_at}
    lifecycle.transition(
        session,
        review,
        ReviewAction.close,
        actor=actor,
        recorded={"comment": review.closing_comment, "signature": signature | {"meaning": "approve"}},
    )
    return review


def next_review_due(review: ManagementReview) -> date:
    return add_months(review.review_date, 12)
