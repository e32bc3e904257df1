"""Refused accesses: one payload naming the real actor, the rule that refused and the target.

A refusal travels on the error (`AppError.audit`); the request session rolls back and the hook registered here
records it in a transaction of its own, so it stays on record although nothing else of the request does.
"""

from enum import StrEnum
from typing import Any

from app.db import register_after_rollback, session_scope
from app.errors import AppError
from app.events import service as events
from app.users.models import User

ACCESS_REFUSED = "access.refused"
_ENTITY_ID_LENGTH = 64  # Event.entity_id's column length


class Rule(StrEnum):
    """Why an access was refused: the event's `after.rule`."""

    role = "role"  # the user's role may not do this
    access_level = "access_level"  # a contributor and a document that is neither public nor their own
    separation_of_duties = "separation_of_duties"  # signing one's own work, both signatures, verifying one's own action
    assignment = "assignment"  # not on this audit's team, not this action's owner, a type not assigned to them
    other_park = "other_park"  # the target belongs to another park


def refusal(actor: User, rule: Rule, entity_type: str, entity_id: object, **detail: Any) -> dict[str, Any]:
    """The audit payload of a refused access by `actor` to `entity_type:entity_id`.

    Always in the actor's park: a probe of another park's entity is the prober's park's business, and the other
    park's trail must not learn who works elsewhere.
    """
    return {
        "action": ACCESS_REFUSED,
        "entity_type": entity_type,
        "entity_id": str(entity_id)[:_ENTITY_ID_LENGTH],
        "park_id": actor.park_id,
        "actor_id": actor.id,
        "actor_name": actor.username,
        "after": {"rule": str(rule), "user_id": actor.id, "role": str(actor.role), **detail},
    }


def record_refusal(audit: dict[str, Any]) -> None:
    """Record a refused access or failed sign-in in its own transaction (the request's was rolled back)."""
    with session_scope() as session:
        events.record(session, **audit)


_RECORDED = "carbonms_refusal_recorded"


def record_refused(error: BaseException) -> None:
    """Record the refusal an error carries, once.

    Called after the request session's rollback and again when the error is rendered: a refusal raised by a
    dependency that runs before the session opens (a route's role check) reaches only the second.
    """
    if isinstance(error, AppError) and error.audit and not getattr(error, _RECORDED, False):
        record_refusal(error.audit)
        setattr(error, _RECORDED, True)


register_after_rollback(record_refused)
