"""The management review machine as a table: the signed close, the draft-only activities, offers per role."""

from datetime import date

import pytest

from app.errors import AppError, Forbidden, InvalidTransition
from app.reviews import lifecycle
from app.reviews.lifecycle import TRANSITIONS, ReviewAction
from app.reviews.models import ManagementReview, ReviewState
from app.users.models import Role, User


def _user(role: Role) -> User:
    return User(id=1, park_id=1, username=str(role), full_name=str(role), role=role, password_hash="")


def _review(state: ReviewState) -> ManagementReview:
    return ManagementReview(id=3, park_id=1, title="t", review_date=date(2030, 1, 1), state=state, created_by_id=1)


def test_the_table_is_the_documented_machine() -> None:
    assert {str(a): (sorted(map(str, s.sources)), s.target) for a, s in TRANSITIONS.items()} == {
        "close": (["draft"], ReviewState.closed),
        "refresh_inputs": (["draft"], None),
        "set_input": (["draft"], None),
        "add_decision": (["draft"], None),
    }


@pytest.mark.parametrize(
    ("state", "role", "expected"),
    [
        (ReviewState.draft, Role.top_management, ["close", "set_input", "add_decision"]),
        (ReviewState.draft, Role.coordinator, ["refresh_inputs", "set_input", "add_decision"]),
        (ReviewState.draft, Role.approver, []),
        (ReviewState.draft, Role.auditor, []),
        (ReviewState.closed, Role.top_management, []),
        (ReviewState.closed, Role.coordinator, []),
    ],
)
def test_allowed_actions_per_role_and_state(state: ReviewState, role: Role, expected: list[str]) -> None:
    assert lifecycle.allowed_actions(_review(state), _user(role)) == expected


@pytest.mark.parametrize("action", list(ReviewAction))
def test_every_allowed_step_passes_its_check(action: ReviewAction) -> None:
    for role in Role:
        review = _review(ReviewState.draft)
        if str(action) in lifecycle.allowed_actions(review, _user(role)):
            lifecycle.check(review, action, _user(role))


@pytest.mark.parametrize(
    ("state", "action", "role", "error", "message_en"),
    [
        (
            ReviewState.draft,
            ReviewAction.close,
            Role.coordinator,
            Forbidden,
            "Only top management may close a management review",
        ),
        (
            ReviewState.draft,
            ReviewAction.refresh_inputs,
            Role.top_management,
            Forbidden,
            "Only a coordinator may refresh the review's inputs",
        ),
        (
            ReviewState.closed,
            ReviewAction.close,
            Role.top_management,
            InvalidTransition,
            "The review is closed and cannot change",
        ),
        (
            ReviewState.closed,
            ReviewAction.set_input,
            Role.coordinator,
            InvalidTransition,
            "The review is closed and cannot change",
        ),
        (
            ReviewState.closed,
            ReviewAction.add_decision,
            Role.approver,
            Forbidden,
            "Only a coordinator or top management may record decisions",
        ),
    ],
)
def test_refused_steps(
    state: ReviewState, action: ReviewAction, role: Role, error: type[AppError], message_en: str
) -> None:
    with pytest.raises(error) as refused:
        lifecycle.check(_review(state), action, _user(role))
    assert refused.value.message_en == message_en
