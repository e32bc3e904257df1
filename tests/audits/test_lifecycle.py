"""The audit state machine as a table: every allowed step, refused ones, and what each role is offered."""

from datetime import date

import pytest

from app.audits import lifecycle
from app.audits.lifecycle import TRANSITIONS, AuditAction
from app.audits.models import Audit, AuditState
from app.errors import AppError, Forbidden, InvalidTransition
from app.users.models import Role, User

LEAD, MEMBER, OUTSIDER, COORDINATOR, TOP = 10, 11, 12, 20, 30


def _user(user_id: int, role: Role) -> User:
    return User(id=user_id, park_id=1, username=f"u{user_id}", full_name=f"U{user_id}", role=role, password_hash="")


USERS = {
    "lead": _user(LEAD, Role.auditor),
    "member": _user(MEMBER, Role.auditor),
    "outsider": _user(OUTSIDER, Role.auditor),
    "coordinator": _user(COORDINATOR, Role.coordinator),
    "top": _user(TOP, Role.top_management),
}


def _audit(state: AuditState) -> Audit:
    return Audit(
        id=1,
        park_id=1,
        programme_id=1,
        title="内审",
        planned_start=date(2030, 3, 1),
        planned_end=date(2030, 3, 5),
        lead_auditor_id=LEAD,
        auditor_ids_json=f"[{MEMBER}]",
        state=state,
        created_by_id=COORDINATOR,
    )


def test_the_table_is_the_documented_machine() -> None:
    steps = {action: (sorted(step.sources), step.target) for action, step in TRANSITIONS.items()}
    assert steps == {
        AuditAction.start: ([AuditState.planned], AuditState.in_progress),
        AuditAction.complete: ([AuditState.in_progress], AuditState.completed),
        AuditAction.cancel: (sorted([AuditState.planned, AuditState.in_progress]), AuditState.cancelled),
        AuditAction.mark_line: ([AuditState.in_progress], None),
        AuditAction.add_finding: ([AuditState.in_progress], None),
    }


@pytest.mark.parametrize(
    ("state", "who", "expected"),
    [
        (AuditState.planned, "lead", ["start", "cancel"]),
        (AuditState.planned, "member", ["start"]),
        (AuditState.planned, "coordinator", ["cancel"]),
        (AuditState.planned, "outsider", []),
        (AuditState.planned, "top", []),
        (AuditState.in_progress, "lead", ["complete", "cancel", "mark_line", "add_finding"]),
        (AuditState.in_progress, "member", ["mark_line", "add_finding"]),
        (AuditState.in_progress, "coordinator", ["cancel"]),
        (AuditState.in_progress, "outsider", []),
        (AuditState.completed, "lead", []),
        (AuditState.completed, "coordinator", []),
        (AuditState.cancelled, "lead", []),
    ],
)
def test_allowed_actions_per_role_and_state(state: AuditState, who: str, expected: list[str]) -> None:
    assert lifecycle.allowed_actions(_audit(state), USERS[who]) == expected


@pytest.mark.parametrize("action", list(AuditAction))
def test_every_allowed_step_passes_its_check(action: AuditAction) -> None:
    for state in TRANSITIONS[action].sources:
        for user in USERS.values():
            audit = _audit(state)
            if str(action) in lifecycle.allowed_actions(audit, user):
                lifecycle.check(audit, action, user)  # no error


@pytest.mark.parametrize(
    ("state", "action", "who", "error", "message_en"),
    [
        (AuditState.planned, AuditAction.start, "outsider", Forbidden, "Only this audit's auditors may do this"),
        (
            AuditState.in_progress,
            AuditAction.complete,
            "member",
            Forbidden,
            "Only this audit's lead auditor may do this",
        ),
        (AuditState.planned, AuditAction.cancel, "top", Forbidden, "Only a coordinator or the lead auditor may cancel"),
        (
            AuditState.in_progress,
            AuditAction.start,
            "lead",
            InvalidTransition,
            "The audit is in progress; not possible now",
        ),
        (
            AuditState.completed,
            AuditAction.cancel,
            "coordinator",
            InvalidTransition,
            "The audit is completed; not possible now",
        ),
        (
            AuditState.planned,
            AuditAction.mark_line,
            "member",
            InvalidTransition,
            "The audit is planned; not possible now",
        ),
        # who is checked before the state: an outsider learns nothing about the audit's state
        (
            AuditState.completed,
            AuditAction.add_finding,
            "outsider",
            Forbidden,
            "Only this audit's auditors may do this",
        ),
    ],
)
def test_refused_steps(
    state: AuditState, action: AuditAction, who: str, error: type[AppError], message_en: str
) -> None:
    with pytest.raises(error) as refused:
        lifecycle.check(_audit(state), action, USERS[who])
    assert refused.value.message_en == message_en
    if error is Forbidden:
        assert refused.value.audit is not None and refused.value.audit["entity_type"] == "audit"
