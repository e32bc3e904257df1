"""The management review state machine (10.3): one table, one `transition()`, one `allowed_actions()`.

draft -close(top management's signature)-> closed
While in draft the coordinator refreshes the inputs and editors fill them in and record decisions (activities).

No other code assigns a review's state.
"""

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlmodel import Session

from app.errors import Forbidden, InvalidTransition
from app.events import service as events
from app.events.refusals import Rule, refusal
from app.labels import LABELS
from app.reviews.models import ManagementReview, ReviewState
from app.users.models import Role, User

S = ReviewState

REVIEW_EDITORS = frozenset({Role.coordinator, Role.top_management})


class ReviewAction(StrEnum):
    close = "close"
    refresh_inputs = "refresh_inputs"  # activities: allowed in draft, change nothing of the state
    set_input = "set_input"
    add_decision = "add_decision"


@dataclass(frozen=True)
class Step:
    sources: frozenset[ReviewState]
    target: ReviewState | None  # None: an activity within the state
    roles: frozenset[Role]
    refused: tuple[str, str]  # what a user of another role is told


TRANSITIONS: dict[ReviewAction, Step] = {
    ReviewAction.close: Step(
        frozenset({S.draft}),
        S.closed,
        frozenset({Role.top_management}),
        ("只有最高管理者可以签署关闭管理评审", "Only top management may close a management review"),
    ),
    ReviewAction.refresh_inputs: Step(
        frozenset({S.draft}),
        None,
        frozenset({Role.coordinator}),
        ("只有体系管理员可以更新评审输入", "Only a coordinator may refresh the review's inputs"),
    ),
    ReviewAction.set_input: Step(
        frozenset({S.draft}),
        None,
        REVIEW_EDITORS,
        (
            "只有体系管理员或最高管理者可以填写评审输入",
            "Only a coordinator or top management may fill in the review's inputs",
        ),
    ),
    ReviewAction.add_decision: Step(
        frozenset({S.draft}),
        None,
        REVIEW_EDITORS,
        ("只有体系管理员或最高管理者可以记录评审决定", "Only a coordinator or top management may record decisions"),
    ),
}

STATE_LABELS = LABELS["review_state"]


def allowed_actions(review: ManagementReview, user: User) -> list[str]:
    """What this user may do on this review now (for buttons and task lists)."""
    return [
        str(action)
        for action, step in TRANSITIONS.items()
        if review.state in step.sources and Role(user.role) in step.roles
    ]


def check(review: ManagementReview, action: ReviewAction, actor: User) -> None:
    """Who first (403, recorded as a refusal), then the state (409)."""
    step = TRANSITIONS[action]
    if actor.role not in step.roles:
        raise Forbidden(*step.refused, audit=refusal(actor, Rule.role, "review", review.id))
    if review.state not in step.sources:
        raise InvalidTransition("管理评审已关闭，不能再修改", "The review is closed and cannot change")


def transition(
    session: Session, review: ManagementReview, action: ReviewAction, *, actor: User, recorded: dict[str, Any]
) -> None:
    """Check and perform one step; the caller has set the step's own fields. Writes the audit event."""
    check(review, action, actor)
    target = TRANSITIONS[action].target
    if target is None:
        raise ValueError(f"{action} is an activity, not a transition")
    before = {"state": str(review.state)}
    review.state = target
    review.version += 1
    session.add(review)
    session.flush()
    events.record(
        session,
        action=f"review.{action}",
        entity_type="review",
        entity_id=review.id,
        park_id=review.park_id,
        actor=actor,
        before=before,
        after={"state": str(review.state)} | recorded,
    )
