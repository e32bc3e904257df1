"""The significant deviation's state machine (10.1.1), one table; no other code assigns its state.

open -investigate-> investigating -close(investigation and response)-> closed
investigating -raise_nonconformity-> investigating (links a nonconformity of origin "monitoring"; once)
closed -reopen(reason)-> investigating

Who may act: the coordinator, and the user the investigation is assigned to.

Objectives and targets (7.1) have one change of state: active -withdraw(reason)-> withdrawn, final (a new row
replaces a withdrawn one; the trail keeps both). Only the coordinator withdraws.
"""

from enum import StrEnum

from sqlmodel import Session

from app.common import utcnow
from app.errors import Forbidden, Invalid, InvalidTransition
from app.events import service as events
from app.events.refusals import Rule, refusal
from app.performance.models import Deviation, DeviationState, Objective, Target
from app.users.models import Role, User

EDITORS = frozenset({Role.coordinator})


class DeviationAction(StrEnum):
    investigate = "investigate"
    raise_nonconformity = "raise_nonconformity"
    close = "close"
    reopen = "reopen"


TRANSITIONS: dict[DeviationAction, tuple[frozenset[DeviationState], DeviationState]] = {
    DeviationAction.investigate: (frozenset({DeviationState.open}), DeviationState.investigating),
    DeviationAction.raise_nonconformity: (frozenset({DeviationState.investigating}), DeviationState.investigating),
    DeviationAction.close: (frozenset({DeviationState.investigating}), DeviationState.closed),
    DeviationAction.reopen: (frozenset({DeviationState.closed}), DeviationState.investigating),
}


def may_act(deviation: Deviation, user: User) -> bool:
    return user.park_id == deviation.park_id and (user.role in EDITORS or user.id == deviation.assignee_id)


def _refusal_rule(deviation: Deviation, user: User) -> Rule:
    if user.park_id != deviation.park_id:
        return Rule.other_park
    return Rule.role if user.role not in EDITORS else Rule.assignment


def allowed_actions(deviation: Deviation, user: User) -> list[str]:
    if not may_act(deviation, user):
        return []
    actions = []
    for action, (sources, _) in TRANSITIONS.items():
        if deviation.state not in sources:
            continue
        if action == DeviationAction.raise_nonconformity and deviation.nonconformity_id is not None:
            continue
        actions.append(str(action))
    return actions


def transition(
    session: Session,
    deviation: Deviation,
    action: DeviationAction,
    *,
    actor: User,
    investigation: str | None = None,
    response: str | None = None,
    reason: str = "",
) -> None:
    """Moves the deviation; `close` needs both the investigation and the response written (10.1.1 调查和响应)."""
    if not may_act(deviation, actor):
        raise Forbidden(
            "只有体系管理员或被指派的调查人可以处理该偏离",
            "Only a coordinator or the assigned investigator may act on this deviation",
            audit=refusal(
                actor, Rule.role if actor.role not in EDITORS else Rule.assignment, "deviation", deviation.id
            ),
        )
    sources, target = TRANSITIONS[action]
    if deviation.state not in sources:
        raise InvalidTransition(
            f"该偏离当前为“{deviation.state}”，不能执行此操作",
            f"The deviation is {deviation.state}; “{action}” is not possible now",
        )
    if action == DeviationAction.raise_nonconformity and deviation.nonconformity_id is not None:
        raise InvalidTransition("该偏离已提出不符合", "A nonconformity was raised for this deviation already")
    before = {
        "state": str(deviation.state),
        "investigation": deviation.investigation,
        "response": deviation.response,
    }
    if investigation is not None:
        deviation.investigation = investigation.strip()
    if response is not None:
        deviation.response = response.strip()
    if action == DeviationAction.close:
        if not deviation.investigation or not deviation.response:
            raise Invalid(
                "关闭偏离前须填写调查结果和响应措施",
                "Write the investigation and the response before closing the deviation",
            )
        deviation.closed_by_id = actor.id
        deviation.closed_at = utcnow()
    if action == DeviationAction.reopen:
        if not reason.strip():
            raise Invalid("重新打开须说明理由", "Reopening needs a reason")
        deviation.closed_by_id = None
        deviation.closed_at = None
    deviation.state = target
    session.add(deviation)
    events.record(
        session,
        action=f"deviation.{action}",
        entity_type="deviation",
        entity_id=deviation.id,
        park_id=deviation.park_id,
        actor=actor,
        before=before,
        after={
            "state": str(target),
            "investigation": deviation.investigation,
            "response": deviation.response,
            "reason": reason.strip(),
        },
    )


# ---------------------------------------------------------------- objectives and targets: withdrawal


def withdraw(session: Session, entity: Objective | Target, *, actor: User, reason: str) -> None:
    """active → withdrawn, with a reason; withdrawn is final."""
    kind = "objective" if isinstance(entity, Objective) else "target"
    if actor.role not in EDITORS:
        raise Forbidden(
            "只有体系管理员可以撤销目标和指标",
            "Only a coordinator may withdraw objectives and targets",
            audit=refusal(actor, Rule.role, kind, entity.id),
        )
    if entity.withdrawn_at is not None:
        raise InvalidTransition("已撤销，不能再次撤销", f"The {kind} is withdrawn already")
    if not reason.strip():
        raise Invalid("撤销须说明理由", "Withdrawing needs a reason")
    entity.withdrawn_at = utcnow()
    entity.withdrawn_reason = reason.strip()
    session.add(entity)
    events.record(
        session,
        action=f"{kind}.withdraw",
        entity_type=kind,
        entity_id=entity.id,
        park_id=entity.park_id,
        actor=actor,
        before={"withdrawn": False},
        after={"withdrawn": True, "reason": entity.withdrawn_reason},
    )
