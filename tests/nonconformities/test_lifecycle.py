"""The nonconformity and corrective action machines as tables: allowed steps, refused ones, offers per role."""

from datetime import date

import pytest

from app.errors import AppError, Conflict, Forbidden, InvalidTransition
from app.nonconformities import lifecycle
from app.nonconformities.lifecycle import ACTION_TRANSITIONS, TRANSITIONS, ActionStep, NcAction
from app.nonconformities.models import ActionState, CorrectiveAction, NcOrigin, NcState, Nonconformity, Severity
from app.users.models import Role, User

S = NcState
OWNER = 40


def _user(user_id: int, role: Role) -> User:
    return User(id=user_id, park_id=1, username=f"u{user_id}", full_name=f"U{user_id}", role=role, password_hash="")


USERS = {role: _user(index, role) for index, role in enumerate(Role, start=1)}
OWNING_APPROVER = _user(OWNER, Role.approver)


def _nc(state: NcState) -> Nonconformity:
    return Nonconformity(
        id=1,
        park_id=1,
        origin=NcOrigin.other,
        clause_id="6.2",
        severity=Severity.minor,
        description="x",
        state=state,
        raised_by_id=OWNER,
    )


def test_the_nonconformity_table_is_the_documented_machine() -> None:
    steps = {str(action): (sorted(map(str, step.sources)), str(step.target)) for action, step in TRANSITIONS.items()}
    live = sorted(["open", "cause_analysed", "action_planned", "actions_done", "verified"])
    assert steps == {
        "analyse": (["open"], "cause_analysed"),
        "plan": (["cause_analysed"], "action_planned"),
        "complete": (["action_planned"], "actions_done"),
        "verify": (["actions_done"], "verified"),
        "reopen": (["actions_done"], "cause_analysed"),
        "close": (["verified"], "closed"),
        "cancel": (live, "cancelled"),
    }


@pytest.mark.parametrize(
    ("state", "role", "expected"),
    [
        (S.open, Role.coordinator, ["analyse", "cancel"]),
        (S.open, Role.auditor, []),
        (S.cause_analysed, Role.coordinator, ["plan", "cancel"]),
        (S.action_planned, Role.coordinator, ["complete", "cancel"]),
        (S.actions_done, Role.coordinator, ["cancel"]),
        (S.actions_done, Role.auditor, ["verify", "reopen"]),
        (S.actions_done, Role.approver, ["verify", "reopen"]),
        (S.actions_done, Role.top_management, ["verify", "reopen"]),
        (S.actions_done, Role.contributor, []),
        (S.verified, Role.coordinator, ["close", "cancel"]),
        (S.closed, Role.coordinator, []),
        (S.cancelled, Role.coordinator, []),
        (S.open, Role.admin, []),
    ],
)
def test_allowed_actions_per_role_and_state(state: NcState, role: Role, expected: list[str]) -> None:
    assert lifecycle.allowed_actions(_nc(state), USERS[role], owner_ids=set(), open_actions=0) == expected


def test_an_owner_may_not_verify_and_open_actions_block_completion() -> None:
    assert lifecycle.allowed_actions(_nc(S.actions_done), OWNING_APPROVER, owner_ids={OWNER}, open_actions=0) == []
    assert lifecycle.allowed_actions(
        _nc(S.action_planned), USERS[Role.coordinator], owner_ids=set(), open_actions=2
    ) == ["cancel"]


@pytest.mark.parametrize(
    ("state", "action", "role", "error"),
    [
        (S.open, NcAction.verify, Role.auditor, InvalidTransition),
        (S.closed, NcAction.cancel, Role.coordinator, InvalidTransition),
        (S.open, NcAction.analyse, Role.auditor, Forbidden),
        (S.actions_done, NcAction.verify, Role.coordinator, Forbidden),
        (S.action_planned, NcAction.complete, Role.coordinator, Conflict),  # an action still open
    ],
)
def test_refused_nonconformity_steps(state: NcState, action: NcAction, role: Role, error: type[AppError]) -> None:
    with pytest.raises(error):
        lifecycle.transition(None, _nc(state), action, actor=USERS[role], content={}, owner_ids=set(), open_actions=1)  # type: ignore[arg-type]


def _action(state: ActionState) -> CorrectiveAction:
    return CorrectiveAction(
        id=5, park_id=1, owner_id=OWNER, state=state, due_date=date(2030, 1, 1), description="x", created_by_id=1
    )


def test_the_action_table_is_the_documented_machine() -> None:
    assert {
        str(step): (sorted(map(str, sources)), str(target)) for step, (sources, target) in ACTION_TRANSITIONS.items()
    } == {
        "done": (["open"], "done"),
        "cancel": (["open"], "cancelled"),
    }


@pytest.mark.parametrize(
    ("state", "user", "nc_state", "expected"),
    [
        (ActionState.open, OWNING_APPROVER, S.action_planned, ["done"]),
        (ActionState.open, OWNING_APPROVER, None, ["done"]),  # a review decision's action
        (ActionState.open, OWNING_APPROVER, S.actions_done, []),
        (ActionState.open, USERS[Role.coordinator], S.action_planned, []),  # only the owner
        (ActionState.done, OWNING_APPROVER, S.action_planned, []),
        (ActionState.cancelled, OWNING_APPROVER, None, []),
    ],
)
def test_allowed_action_steps(state: ActionState, user: User, nc_state: NcState | None, expected: list[str]) -> None:
    assert lifecycle.allowed_action_steps(_action(state), user, nc_state=nc_state) == expected


@pytest.mark.parametrize(
    ("state", "user", "nc_state", "error", "message_en"),
    [
        (
            ActionState.open,
            USERS[Role.coordinator],
            S.action_planned,
            Forbidden,
            "Only the action's owner may mark it done",
        ),
        (ActionState.done, OWNING_APPROVER, S.action_planned, InvalidTransition, "The action is not open"),
        (
            ActionState.open,
            OWNING_APPROVER,
            S.verified,
            InvalidTransition,
            "The nonconformity is not in its action stage",
        ),
    ],
)
def test_refused_action_steps(
    state: ActionState, user: User, nc_state: NcState, error: type[AppError], message_en: str
) -> None:
    with pytest.raises(error) as refused:
        lifecycle.check_action(_action(state), ActionStep.done, user, nc_state=nc_state)
    assert refused.value.message_en == message_en
