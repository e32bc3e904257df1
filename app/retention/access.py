"""Who may do what in retention: the role sets the API, the pages and the services share (one rule, three uses)."""

from app.errors import Forbidden
from app.events.refusals import Rule, refusal
from app.users.models import Role, User

MANAGERS = frozenset({Role.coordinator})  # set classes, propose batches
HOLDERS = frozenset({Role.coordinator, Role.top_management})  # place and release legal holds
READERS = frozenset({Role.coordinator, Role.approver, Role.top_management, Role.auditor})


def require_role(actor: User, roles: frozenset[Role], zh: str, en: str, entity_type: str, entity_id: object) -> None:
    if actor.role not in roles:
        raise Forbidden(zh, en, audit=refusal(actor, Rule.role, entity_type, entity_id))


def require_reader(actor: User) -> None:
    require_role(
        actor, READERS, "您无权查看保管期限和销毁", "You may not see retention and disposition", "retention", ""
    )
