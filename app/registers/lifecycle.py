"""The registers' two state machines, one table each; no other code assigns their state.

legal requirement:  candidate -confirm-> confirmed;  candidate -reject(with reason)-> rejected;
                    confirmed / rejected -reopen-> candidate (the park changes its mind; the trail keeps both)
compliance round:   open -close-> closed (every confirmed requirement has a result)
"""

from enum import StrEnum

from sqlmodel import Session

from app.common import utcnow
from app.errors import Forbidden, Invalid, InvalidTransition
from app.events import service as events
from app.events.refusals import Rule, refusal
from app.registers.models import ComplianceRound, LegalRequirement, ReviewState, RoundState
from app.users.models import Role, User

EDITORS = frozenset({Role.coordinator})


class RequirementAction(StrEnum):
    confirm = "confirm"
    reject = "reject"
    reopen = "reopen"


REQUIREMENT_TRANSITIONS: dict[RequirementAction, tuple[frozenset[ReviewState], ReviewState]] = {
    RequirementAction.confirm: (frozenset({ReviewState.candidate}), ReviewState.confirmed),
    RequirementAction.reject: (frozenset({ReviewState.candidate}), ReviewState.rejected),
    RequirementAction.reopen: (frozenset({ReviewState.confirmed, ReviewState.rejected}), ReviewState.candidate),
}

ROUND_TRANSITIONS: dict[RoundState, frozenset[RoundState]] = {
    RoundState.open: frozenset({RoundState.closed}),
    RoundState.closed: frozenset(),
}


def require_editor(user: User, entity_type: str, entity_id: object) -> None:
    if user.role not in EDITORS:
        raise Forbidden(
            "只有体系管理员可以修改登记册",
            "Only a coordinator may change a register",
            audit=refusal(user, Rule.role, entity_type, entity_id),
        )


def allowed_actions(requirement: LegalRequirement, user: User) -> list[str]:
    if user.role not in EDITORS:
        return []
    return [str(a) for a, (sources, _) in REQUIREMENT_TRANSITIONS.items() if requirement.state in sources]


def transition(
    session: Session, requirement: LegalRequirement, action: RequirementAction, *, actor: User, reason: str = ""
) -> None:
    require_editor(actor, "legal_requirement", requirement.id)
    sources, target = REQUIREMENT_TRANSITIONS[action]
    if requirement.state not in sources:
        raise InvalidTransition(
            f"该要求当前为“{requirement.state}”，不能执行此操作",
            f"The requirement is {requirement.state}; it cannot be {action}ed",
        )
    reason = reason.strip()
    if action == RequirementAction.reject and not reason:
        raise Invalid("不适用须说明理由", "Rejecting a requirement needs a reason")
    before = {"state": str(requirement.state), "state_reason": requirement.state_reason}
    requirement.state = target
    requirement.state_reason = reason
    requirement.updated_at = utcnow()
    session.add(requirement)
    events.record(
        session,
        action=f"legal_requirement.{action}",
        entity_type="legal_requirement",
        entity_id=requirement.id,
        park_id=requirement.park_id,
        actor=actor,
        before=before,
        after={"state": str(target), "state_reason": reason},
    )


def round_allowed_actions(round_: ComplianceRound, user: User) -> list[str]:
    return ["close"] if user.role in EDITORS and round_.state == RoundState.open else []


def close_round(session: Session, round_: ComplianceRound, *, actor: User, conclusion: str) -> None:
    require_editor(actor, "compliance_round", round_.id)
    if RoundState.closed not in ROUND_TRANSITIONS[RoundState(round_.state)]:
        raise InvalidTransition("该评价轮次已关闭", "The evaluation round is closed already")
    round_.state = RoundState.closed
    round_.conclusion = conclusion.strip()
    round_.closed_at = utcnow()
    session.add(round_)
    events.record(
        session,
        action="compliance_round.close",
        entity_type="compliance_round",
        entity_id=round_.id,
        park_id=round_.park_id,
        actor=actor,
        before={"state": "open"},
        after={"state": "closed", "conclusion": round_.conclusion},
    )
