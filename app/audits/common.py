"""What the audit domain's modules share: who may read, park-scoped lookups, JSON columns, small text helpers."""

import json
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from app.audits.models import Audit
from app.documents.models import Document
from app.errors import Forbidden, NotFound
from app.events.refusals import Rule, refusal
from app.users.models import Role, User
from app.users.service import get_user

READERS = frozenset({Role.admin, Role.coordinator, Role.approver, Role.top_management, Role.auditor})


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


def loads(text: str | None, default: Any = None) -> Any:
    try:
        return json.loads(text) if text else default
    except ValueError:
        return default


def stripped(value: str | None) -> str:
    return (value or "").strip()


def end_of_day(as_of: date) -> datetime:
    """Midnight (UTC) after `as_of`: the cutoff for "as of that day"."""
    return datetime.combine(as_of + timedelta(days=1), time.min, tzinfo=UTC)


def require_reader(user: User, entity_type: str, entity_id: object) -> None:
    if user.role not in READERS:
        raise Forbidden(
            "您的角色无权查看内审、不符合项和管理评审",
            "Your role may not read audits, nonconformities and reviews",
            audit=refusal(user, Rule.role, entity_type, entity_id),
        )


def require_role(user: User, roles: Iterable[Role], entity_type: str, entity_id: object, zh: str, en: str) -> None:
    if user.role not in frozenset(roles):
        raise Forbidden(zh, en, audit=refusal(user, Rule.role, entity_type, entity_id))


def park_user(session: Session, user_id: int, actor: User) -> User:
    return get_user(session, user_id=user_id, park_id=actor.park_id, actor=actor)  # another park's user: 404


def park_documents(session: Session, ids: Iterable[int], actor: User) -> list[int]:
    """Document ids of the actor's park, in the given order; an unknown or other park's id is a 404 (on record)."""
    wanted = list(dict.fromkeys(int(i) for i in ids))
    if not wanted:
        return []
    query = select(col(Document.id), col(Document.park_id)).where(col(Document.id).in_(wanted))
    parks: dict[int, int] = {int(i): park_id for i, park_id in session.execute(query).all()}
    missing = next((i for i in wanted if parks.get(i) != actor.park_id), None)
    if missing is not None:
        audit = refusal(actor, Rule.other_park, "document", missing) if missing in parks else None
        raise NotFound(f"文件 {missing} 不存在", f"Document {missing} not found", audit=audit)
    return wanted


def get_in_park(
    session: Session,
    model: Any,
    *,
    entity_id: int,
    user: User,
    entity_type: str,
    missing: tuple[str, str],
    for_update: bool = False,
) -> Any:
    """One audit-domain row of the user's park (optionally locked); another park's id is simply not found."""
    require_reader(user, entity_type, entity_id)
    query = select(model).where(model.id == entity_id)
    if for_update:
        query = query.with_for_update().execution_options(populate_existing=True)
    row = session.execute(query).scalars().first()
    if row is None or row.park_id != user.park_id:
        audit = refusal(user, Rule.other_park, entity_type, entity_id) if row is not None else None
        raise NotFound(*missing, audit=audit)
    return row


# Here rather than in service.py: a nonconformity raised against an audit looks the audit up, and service.py
# imports nonconformities.py (a nonconforming checklist line raises one), so the lookup sits below both.
def get_audit(session: Session, *, audit_id: int, user: User, for_update: bool = False) -> Audit:
    return get_in_park(
        session,
        Audit,
        entity_id=audit_id,
        user=user,
        entity_type="audit",
        missing=("审核不存在", "Audit not found"),
        for_update=for_update,
    )


def stored_id(row: Any) -> int:
    """The id of a row that has been flushed (or read): None here is a programming error, not bad input."""
    if row.id is None:
        raise RuntimeError(f"{type(row).__name__} has no id yet: flush it first")
    return int(row.id)
