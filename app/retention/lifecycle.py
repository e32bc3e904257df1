"""The disposition state machine: one table, one `transition()`, one `allowed_actions()`.

proposed -appraise(鉴定: an opinion per item)-> appraised -approve(电子签名)-> approved -destroy(销毁)-> destroyed
proposed / appraised -reject(with reason)-> rejected

The coordinator proposes a batch of revisions past their retention. An appraiser (鉴定: coordinator, approver or top
management) gives each item an opinion: destroy, or keep until a later date. Top management or an approver who did
not appraise it approves with an electronic signature (the password again); then the coordinator destroys the
files of the items to destroy. No other code assigns a batch's state.
"""

from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol

from sqlmodel import Session

from app.common import utcnow
from app.errors import Forbidden, InvalidTransition
from app.events import service as events
from app.events.refusals import Rule, refusal
from app.labels import LABELS
from app.retention.models import DispositionBatch, DispositionState
from app.users.models import Role, User

S = DispositionState


class Action(StrEnum):
    appraise = "appraise"
    approve = "approve"
    reject = "reject"
    destroy = "destroy"


@dataclass(frozen=True)
class Step:
    sources: frozenset[DispositionState]
    target: DispositionState
    roles: frozenset[Role]
    refused: tuple[str, str]  # what a user of another role is told
    signature: bool = False
    needs_comment: bool = False


SIGNERS = frozenset({Role.approver, Role.top_management})

TRANSITIONS: dict[Action, Step] = {
    Action.appraise: Step(
        frozenset({S.proposed}),
        S.appraised,
        frozenset({Role.coordinator, Role.approver, Role.top_management}),
        (
            "只有体系管理员、部门负责人或最高管理者可以鉴定",
            "Only a coordinator, approver or top management may appraise",
        ),
    ),
    Action.approve: Step(
        frozenset({S.appraised}),
        S.approved,
        SIGNERS,
        ("销毁须由部门负责人或最高管理者签署批准", "Destruction must be approved by an approver or top management"),
        signature=True,
    ),
    Action.reject: Step(
        frozenset({S.proposed, S.appraised}),
        S.rejected,
        SIGNERS,
        ("只有部门负责人或最高管理者可以驳回", "Only an approver or top management may reject"),
        needs_comment=True,
    ),
    Action.destroy: Step(
        frozenset({S.approved}),
        S.destroyed,
        frozenset({Role.coordinator}),
        ("只有体系管理员可以执行销毁", "Only a coordinator may carry out the destruction"),
    ),
}

STATE_LABELS = LABELS["disposition_state"]
ACTION_LABELS = LABELS["disposition_action"]


class ActorFacts(Protocol):
    @property
    def id(self) -> int | None: ...

    @property
    def role(self) -> str: ...


def _problem(batch: DispositionBatch, action: Action, actor: ActorFacts) -> tuple[str, str, Rule] | None:
    """Why `actor` may not take this step on this batch (Chinese, English, the rule), or None."""
    step = TRANSITIONS[action]
    if Role(actor.role) not in step.roles:
        return (*step.refused, Rule.role)
    if action == Action.approve and actor.id is not None and batch.appraised_by_id == actor.id:
        return (
            "您鉴定了此批次，不能再批准它（鉴定人与批准人必须是不同的人）",
            "You appraised this batch and may not also approve it (appraiser and approver must differ)",
            Rule.separation_of_duties,
        )
    return None


def allowed_actions(batch: DispositionBatch, user: ActorFacts) -> list[Action]:
    """The steps this user may take on this batch now (for buttons and the API)."""
    return [
        action
        for action, step in TRANSITIONS.items()
        if batch.state in step.sources and _problem(batch, action, user) is None
    ]


def check(batch: DispositionBatch, action: Action, actor: User) -> None:
    """The state first (409), then who (403, recorded as a refusal)."""
    step = TRANSITIONS[action]
    if batch.state not in step.sources:
        zh, en = ACTION_LABELS[action]
        state_zh, state_en = STATE_LABELS[str(batch.state)]
        raise InvalidTransition(f"批次当前状态为“{state_zh}”，不能{zh}", f"A batch that is {state_en} cannot {en}")
    problem = _problem(batch, action, actor)
    if problem is not None:
        zh, en, rule = problem
        raise Forbidden(zh, en, audit=refusal(actor, rule, "disposition_batch", batch.id))


def transition(
    session: Session, batch: DispositionBatch, action: Action, *, actor: User, recorded: dict[str, Any]
) -> None:
    """Check and perform one step: stamps who and when, the state, and writes the audit event."""
    check(batch, action, actor)
    before = {"state": str(batch.state), "version": batch.version}
    now = utcnow()
    if action == Action.appraise:
        batch.appraised_by_id, batch.appraised_by_name, batch.appraised_at = actor.id, actor.full_name, now
    elif action == Action.approve:
        batch.approved_by_id, batch.approved_by_name, batch.approved_at = actor.id, actor.full_name, now
    elif action == Action.reject:
        batch.rejected_by_id, batch.rejected_at = actor.id, now
    elif action == Action.destroy:
        batch.destroyed_by_id, batch.destroyed_by_name, batch.destroyed_at = actor.id, actor.full_name, now
    batch.state = TRANSITIONS[action].target
    batch.version += 1
    session.add(batch)
    session.flush()
    events.record(
        session,
        action=f"disposition.{action}",
        entity_type="disposition_batch",
        entity_id=batch.id,
        park_id=batch.park_id,
        actor=actor,
        before=before,
        after={"state": str(batch.state), "version": batch.version} | recorded,
    )
