"""The internal audit state machine (10.2): one table, one `transition()`, one `allowed_actions()`.

planned -start-> in_progress -complete-> completed;  planned / in_progress -cancel-> cancelled
While in progress the team marks checklist lines and adds findings (activities: they need the state, not change it).

No other code assigns an audit's state.
"""

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlmodel import Session

from app.audits.common import loads
from app.audits.models import Audit, AuditState
from app.errors import Forbidden, InvalidTransition
from app.events import service as events
from app.events.refusals import Rule, refusal
from app.labels import LABELS
from app.users.models import Role, User

S = AuditState


class AuditAction(StrEnum):
    start = "start"
    complete = "complete"
    cancel = "cancel"
    mark_line = "mark_line"  # activities: allowed in a state, change nothing of it
    add_finding = "add_finding"


class Who(StrEnum):
    team = "team"  # an auditor of this audit's team
    lead = "lead"  # this audit's lead auditor
    lead_or_coordinator = "lead_or_coordinator"


@dataclass(frozen=True)
class Step:
    sources: frozenset[AuditState]
    target: AuditState | None  # None: an activity within the state
    who: Who


TRANSITIONS: dict[AuditAction, Step] = {
    AuditAction.start: Step(frozenset({S.planned}), S.in_progress, Who.team),
    AuditAction.complete: Step(frozenset({S.in_progress}), S.completed, Who.lead),
    AuditAction.cancel: Step(frozenset({S.planned, S.in_progress}), S.cancelled, Who.lead_or_coordinator),
    AuditAction.mark_line: Step(frozenset({S.in_progress}), None, Who.team),
    AuditAction.add_finding: Step(frozenset({S.in_progress}), None, Who.team),
}

STATE_LABELS = LABELS["audit_state"]


def team_ids(audit: Audit) -> list[int]:
    return [audit.lead_auditor_id] + [i for i in loads(audit.auditor_ids_json, []) if i != audit.lead_auditor_id]


def _problem(step: Step, audit: Audit, actor: User) -> tuple[str, str] | None:
    is_lead = actor.role == Role.auditor and actor.id == audit.lead_auditor_id
    if step.who == Who.lead_or_coordinator:
        if actor.role == Role.coordinator or is_lead:
            return None
        return ("只有体系管理员或审核组长可以取消审核", "Only a coordinator or the lead auditor may cancel")
    if step.who == Who.lead:
        if is_lead:
            return None
        return ("只有本次审核的审核组长可以执行此操作", "Only this audit's lead auditor may do this")
    if actor.role == Role.auditor and actor.id in team_ids(audit):
        return None
    return ("只有本次审核的审核员可以执行此操作", "Only this audit's auditors may do this")


def allowed_actions(audit: Audit, user: User) -> list[str]:
    """What this user may do on this audit now (for buttons and task lists)."""
    return [
        str(action)
        for action, step in TRANSITIONS.items()
        if audit.state in step.sources and _problem(step, audit, user) is None
    ]


def check(audit: Audit, action: AuditAction, actor: User) -> None:
    """Who first (403, recorded as a refusal), then the state (409): the order the API has always answered in."""
    step = TRANSITIONS[action]
    problem = _problem(step, audit, actor)
    if problem:
        # Not an auditor (or coordinator) at all is the role; the wrong auditor is not on this audit's team.
        rule = Rule.assignment if actor.role in (Role.auditor, Role.coordinator) else Rule.role
        raise Forbidden(*problem, audit=refusal(actor, rule, "audit", audit.id))
    if audit.state not in step.sources:
        zh, en = STATE_LABELS[str(audit.state)]
        raise InvalidTransition(f"审核当前状态为“{zh}”，不能执行此操作", f"The audit is {en.lower()}; not possible now")


def transition(session: Session, audit: Audit, action: AuditAction, *, actor: User, recorded: dict[str, Any]) -> None:
    """Check and perform one step; the caller has set the step's own fields. Writes the audit event."""
    check(audit, action, actor)
    target = TRANSITIONS[action].target
    if target is None:
        raise ValueError(f"{action} is an activity, not a transition")
    before = {"state": str(audit.state)}
    audit.state = target
    audit.version += 1
    session.add(audit)
    session.flush()
    events.record(
        session,
        action=f"audit.{action}",
        entity_type="audit",
        entity_id=audit.id,
        park_id=audit.park_id,
        actor=actor,
        before=before,
        after={"state": str(audit.state)} | recorded,
    )
