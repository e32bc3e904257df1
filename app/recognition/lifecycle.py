"""The recognition state machine: the only code that assigns `RevisionRecognition.state`.

pending ──start──▶ running ──finish──▶ done
   │                  │
   └──────fail────────┴──▶ failed ──retry (a coordinator)──▶ pending

`start` is allowed from running too: a job whose process died mid-recognition runs again (jobs are idempotent).
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from app.common import utcnow
from app.errors import Conflict, Forbidden
from app.events import service as events
from app.events.refusals import Rule, refusal
from app.recognition.models import RecognitionState, RevisionRecognition
from app.users.models import Role, User

S = RecognitionState

# action -> (states it may start from, state it leads to)
TRANSITIONS: dict[str, tuple[frozenset[RecognitionState], RecognitionState]] = {
    "start": (frozenset({S.pending, S.running}), S.running),
    "finish": (frozenset({S.running}), S.done),
    "fail": (frozenset({S.pending, S.running}), S.failed),
    "retry": (frozenset({S.failed}), S.pending),
}

# The actions a person takes (the job takes the others), and who may take them.
PERSON_ACTIONS: dict[str, frozenset[Role]] = {"retry": frozenset({Role.coordinator})}

_FIELDS = ("engine", "languages", "pages", "characters", "error", "error_en")


def allowed_actions(recognition: RevisionRecognition | None, user: User | None) -> list[str]:
    """What `user` may do with the recognition from the page or the API (the job's own steps are not offered)."""
    if recognition is None or user is None or recognition.park_id != user.park_id:
        return []
    return [
        action
        for action, roles in PERSON_ACTIONS.items()
        if recognition.state in TRANSITIONS[action][0] and user.role in roles
    ]


def transition(
    session: Session, recognition: RevisionRecognition, action: str, *, actor: User | None = None, **fields: Any
) -> None:
    """Take `action` (409 from a state that does not allow it, 403 for a person without the role), set the fields it
    brings (engine, languages, pages, characters, error, error_en) and record the audit event in the same
    transaction. `actor` None: the background job (recorded as `system`)."""
    sources, target = TRANSITIONS[action]
    if recognition.state not in sources:
        raise Conflict(
            f"识别状态为“{recognition.state}”，不能执行“{action}”",
            f"The recognition is {recognition.state}; {action} is not possible",
        )
    if action in PERSON_ACTIONS and (actor is None or actor.role not in PERSON_ACTIONS[action]):
        raise Forbidden(
            "只有体系管理员可以重新识别",
            "Only a coordinator may retry a recognition",
            audit=refusal(actor, Rule.role, "revision", recognition.revision_id) if actor is not None else None,
        )
    unknown = set(fields) - set(_FIELDS)
    if unknown:
        raise ValueError(f"not a recognition field: {sorted(unknown)}")
    before = recognition.state
    now = utcnow()
    recognition.state = target
    for name, value in fields.items():
        setattr(recognition, name, value)
    if action == "start":
        recognition.started_at = now
        recognition.finished_at = None
        recognition.attempts += 1
    elif action in ("finish", "fail"):
        recognition.finished_at = now
    elif action == "retry":
        recognition.queued_at = now
        recognition.started_at = None
        recognition.finished_at = None
        recognition.error = recognition.error_en = ""
    session.add(recognition)
    session.flush()
    after: dict[str, Any] = {"state": str(target), **{name: fields[name] for name in sorted(fields)}}
    events.record(
        session,
        action=f"recognition.{action}",
        entity_type="revision",
        entity_id=recognition.revision_id,
        park_id=recognition.park_id,
        actor=actor,
        before={"state": str(before)},
        after=after,
    )


def create(session: Session, *, revision_id: int, park_id: int, languages: str, actor: User | None) -> None:
    """The recognition of a newly uploaded revision, pending (its first state), with its audit event."""
    recognition = RevisionRecognition(
        revision_id=revision_id, park_id=park_id, state=S.pending, languages=languages, queued_at=utcnow()
    )
    session.add(recognition)
    session.flush()
    events.record(
        session,
        action="recognition.queue",
        entity_type="revision",
        entity_id=revision_id,
        park_id=park_id,
        actor=actor,
        after={"state": str(S.pending), "languages": languages},
    )
