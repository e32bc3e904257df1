"""The nonconformity and corrective action state machine (11.2): one table, one function.

open -analyse-> cause_analysed -plan-> action_planned -complete-> actions_done -verify-> verified -close-> closed
actions_done -reopen(not effective)-> cause_analysed;  any state before closed -cancel(with reason)-> cancelled

No other code assigns a nonconformity's state.
"""

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlmodel import Session

from app.audits.models import NcState, Nonconformity
from app.common import utcnow
from app.deps import refusal
from app.errors import Conflict, Forbidden, Invalid, InvalidTransition
from app.events import service as events
from app.labels import LABELS
from app.users.models import Role, User

S = NcState


class NcAction(StrEnum):
    analyse = "analyse"
    plan = "plan"
    complete = "complete"
    verify = "verify"
    reopen = "reopen"
    close = "close"
    cancel = "cancel"


VERIFIERS = frozenset({Role.approver, Role.top_management, Role.auditor})
COORDINATORS = frozenset({Role.coordinator})


@dataclass(frozen=True)
class Step:
    sources: frozenset[NcState]
    target: NcState
    roles: frozenset[Role]
    required: tuple[str, ...] = ()  # content fields that must be given (non-empty)


_LIVE = frozenset({S.open, S.cause_analysed, S.action_planned, S.actions_done, S.verified})

TRANSITIONS: dict[NcAction, Step] = {
    NcAction.analyse: Step(
        frozenset({S.open}), S.cause_analysed, COORDINATORS, ("cause_analysis", "similar_elsewhere")
    ),
    NcAction.plan: Step(frozenset({S.cause_analysed}), S.action_planned, COORDINATORS, ("actions",)),
    NcAction.complete: Step(frozenset({S.action_planned}), S.actions_done, COORDINATORS, ("completion_evidence",)),
    NcAction.verify: Step(frozenset({S.actions_done}), S.verified, VERIFIERS, ("verification",)),
    NcAction.reopen: Step(frozenset({S.actions_done}), S.cause_analysed, VERIFIERS, ("reason",)),
    NcAction.close: Step(frozenset({S.verified}), S.closed, COORDINATORS),
    NcAction.cancel: Step(_LIVE, S.cancelled, COORDINATORS, ("reason",)),
}

STATE_LABELS = LABELS["nc_state"]

ACTION_LABELS = LABELS["nc_action"]

ROLE_NAMES_ZH = {
    Role.coordinator: "体系管理员",
    Role.approver: "部门负责人",
    Role.top_management: "最高管理者",
    Role.auditor: "内审员",
}


def _filled(value: Any) -> bool:
    if value is None:
        return False
    if isinstance(value, str):
        return bool(value.strip())
    if isinstance(value, list | tuple | dict):
        return bool(value)
    return True  # booleans (False is an answer) and numbers


def allowed_actions(nc: Nonconformity, user: User, *, owner_ids: set[int], open_actions: int) -> list[str]:
    """What this user may do on this nonconformity now (for buttons and task lists)."""
    result = []
    for action, step in TRANSITIONS.items():
        if nc.state in step.sources and _problem(action, step, user, owner_ids, open_actions) is None:
            result.append(str(action))
    return result


def _problem(
    action: NcAction, step: Step, actor: User, owner_ids: set[int], open_actions: int
) -> tuple[str, str, type] | None:
    if Role(actor.role) not in step.roles:
        names = "、".join(ROLE_NAMES_ZH[role] for role in sorted(step.roles))
        zh, en = ACTION_LABELS[action]
        return (f"只有{names}可以{zh}", f"Only {', '.join(sorted(step.roles))} may {en}", Forbidden)
    if action in (NcAction.verify, NcAction.reopen) and actor.id in owner_ids:
        return (
            "纠正措施的负责人不能验证自己措施的有效性",
            "An action owner may not verify the effectiveness of the actions",
            Forbidden,
        )
    if action in (NcAction.complete, NcAction.close) and open_actions:
        return (f"还有 {open_actions} 项纠正措施未完成", f"{open_actions} action(s) are still open", Conflict)
    return None


def _snapshot(nc: Nonconformity) -> dict:
    return {"state": str(nc.state), "version": nc.version}


def transition(
    session: Session,
    nc: Nonconformity,
    action: NcAction,
    *,
    actor: User,
    content: dict[str, Any],
    owner_ids: set[int],
    open_actions: int,
) -> None:
    """Check and perform one step: state, role, the step's rules and content; writes the audit event."""
    step = TRANSITIONS[action]
    if nc.state not in step.sources:
        zh, en = ACTION_LABELS[action]
        state_zh, state_en = STATE_LABELS[str(nc.state)]
        raise InvalidTransition(
            f"不符合项当前状态为“{state_zh}”，不能{zh}", f"A nonconformity that is {state_en.lower()} cannot {en}"
        )
    problem = _problem(action, step, actor, owner_ids, open_actions)
    if problem:
        zh, en, error = problem
        audit = refusal(actor, "access.refused", "nonconformity", nc.id) if error is Forbidden else None
        raise error(zh, en, audit=audit)
    missing = [name for name in step.required if not _filled(content.get(name))]
    if missing:
        raise Invalid(f"此步骤必须填写：{'、'.join(missing)}", f"This step needs: {', '.join(missing)}")

    before = _snapshot(nc)
    now = utcnow()
    recorded: dict[str, Any] = {}
    if action == NcAction.analyse:
        similar, details = bool(content["similar_elsewhere"]), (content.get("similar_details") or "").strip()
        if similar and not details:
            raise Invalid("存在类似不符合时必须说明在哪里", "Say where the similar nonconformities exist")
        nc.cause_analysis = content["cause_analysis"].strip()
        nc.similar_elsewhere, nc.similar_details = similar, details
        recorded = {
            "cause_analysis": nc.cause_analysis,
            "similar_elsewhere": nc.similar_elsewhere,
            "similar_details": nc.similar_details,
        }
    elif action == NcAction.plan:
        recorded = {"actions": content["actions"]}
    elif action == NcAction.complete:
        nc.completion_evidence = content["completion_evidence"].strip()
        recorded = {"completion_evidence": nc.completion_evidence}
    elif action == NcAction.verify:
        nc.verification = content["verification"].strip()
        nc.verified_by_id = actor.id
        nc.verified_at = now
        recorded = {"verification": nc.verification}
    elif action in (NcAction.reopen, NcAction.cancel):
        recorded = {"reason": content["reason"].strip()}
        if action == NcAction.cancel:
            nc.end_reason = recorded["reason"]
        else:
            nc.verification = f"验证无效 / not effective: {recorded['reason']}"
    elif action == NcAction.close:
        nc.end_reason = (content.get("comment") or "").strip()
        recorded = {"comment": nc.end_reason}
    if step.target in (S.closed, S.cancelled):
        nc.ended_at = now

    nc.state = step.target
    nc.version += 1
    session.add(nc)
    session.flush()
    events.record(
        session,
        action=f"nonconformity.{action}",
        entity_type="nonconformity",
        entity_id=nc.id,
        park_id=nc.park_id,
        actor=actor,
        before=before,
        after=_snapshot(nc) | recorded,
    )
