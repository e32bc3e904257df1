"""The nonconformity and corrective action state machine (11.2): one table, one function.

open -analyse-> cause_analysed -plan-> action_planned -complete-> actions_done -verify-> verified -close-> closed
actions_done -reopen(not effective)-> cause_analysed;  any state before closed -cancel(with reason)-> cancelled

No other code assigns a nonconformity's state.
"""

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlmodel import Session

from app.common import utcnow
from app.errors import Conflict, Forbidden, Invalid, InvalidTransition
from app.events import service as events
from app.events.refusals import Rule, refusal
from app.labels import LABELS
from app.nonconformities.models import ActionState, CorrectiveAction, NcState, Nonconformity
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
        # _problem refuses a wrong role first; the only other refusal is an owner verifying their own actions.
        rule = Rule.role if Role(actor.role) not in step.roles else Rule.separation_of_duties
        audit = refusal(actor, rule, "nonconformity", nc.id) if error is Forbidden else None
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


def may_add_action(nc: Nonconformity, user: User) -> bool:
    """A coordinator adds actions while they are under way (an activity: the state stays)."""
    return Role(user.role) in COORDINATORS and nc.state == S.action_planned


def check_add_action(nc: Nonconformity, actor: User) -> None:
    """Who first (403, recorded as a refusal), then the state (409)."""
    if Role(actor.role) not in COORDINATORS:
        raise Forbidden(
            "只有体系管理员可以增加纠正措施",
            "Only a coordinator may add actions",
            audit=refusal(actor, Rule.role, "nonconformity", nc.id),
        )
    if nc.state != S.action_planned:
        raise InvalidTransition(
            "只有在纠正措施实施阶段可以增加措施", "Actions can be added only while actions are planned"
        )


# ---------------------------------------------------------------- corrective actions
# open -done(by its owner, while its nonconformity's actions are under way)-> done
# open -cancel(follows its nonconformity's cancellation)-> cancelled


class ActionStep(StrEnum):
    done = "done"
    cancel = "cancel"


ACTION_TRANSITIONS: dict[ActionStep, tuple[frozenset[ActionState], ActionState]] = {
    ActionStep.done: (frozenset({ActionState.open}), ActionState.done),
    ActionStep.cancel: (frozenset({ActionState.open}), ActionState.cancelled),
}


def _action_problem(
    step: ActionStep, action: CorrectiveAction, actor: User, nc_state: NcState | None
) -> tuple[str, str, type] | None:
    if step == ActionStep.cancel:
        return None  # no one's own step: the nonconformity's cancellation (checked there) carries it
    if action.owner_id != actor.id:
        return ("只有措施负责人可以确认措施完成", "Only the action's owner may mark it done", Forbidden)
    if action.state not in ACTION_TRANSITIONS[step][0]:
        return ("该措施不是进行中状态", "The action is not open", InvalidTransition)
    if nc_state is not None and nc_state != S.action_planned:
        return ("不符合项不在纠正措施实施阶段", "The nonconformity is not in its action stage", InvalidTransition)
    return None


def allowed_action_steps(action: CorrectiveAction, user: User, *, nc_state: NcState | None) -> list[str]:
    """What this user may do on this action now: its owner marks it done (cancelling follows the nonconformity)."""
    return [
        str(step)
        for step in ACTION_TRANSITIONS
        if step != ActionStep.cancel and _action_problem(step, action, user, nc_state) is None
    ]


def check_action(action: CorrectiveAction, step: ActionStep, actor: User, *, nc_state: NcState | None) -> None:
    """Owner (403, recorded as a refusal), then the action's state, then its nonconformity's (409)."""
    problem = _action_problem(step, action, actor, nc_state)
    if problem:
        zh, en, error = problem
        # The only refusal of an action's own step: someone other than its owner.
        audit = refusal(actor, Rule.assignment, "corrective_action", action.id) if error is Forbidden else None
        raise error(zh, en, audit=audit)


def transition_action(
    session: Session,
    action: CorrectiveAction,
    step: ActionStep,
    *,
    actor: User,
    nc_state: NcState | None,
    recorded: dict[str, Any],
) -> None:
    """Check and perform one step of a corrective action; the caller has set its own fields. Writes the event."""
    check_action(action, step, actor, nc_state=nc_state)
    sources, target = ACTION_TRANSITIONS[step]
    if action.state not in sources:
        raise InvalidTransition("该措施不是进行中状态", "The action is not open")
    before = {"state": str(action.state)}
    action.state = target
    session.add(action)
    session.flush()
    events.record(
        session,
        action=f"action.{step}",
        entity_type="corrective_action",
        entity_id=action.id,
        park_id=action.park_id,
        actor=actor,
        before=before,
        after={"state": str(action.state)} | recorded,
    )
