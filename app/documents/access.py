"""Who may read what: the one place that turns a user into a row filter."""

from sqlalchemy import ColumnElement, or_, true
from sqlmodel import col

from app.documents.models import AccessLevel, Document
from app.users.models import Role, User


def readable(user: User) -> ColumnElement[bool]:
    """Contributors read public documents and what they registered themselves; other roles read the whole park."""
    same_park = col(Document.park_id) == user.park_id
    if user.role == Role.contributor:
        return same_park & or_(col(Document.access_level) == AccessLevel.public, col(Document.created_by_id) == user.id)
    return same_park & true()


def can_read(user: User, document: Document) -> bool:
    if document.park_id != user.park_id:
        return False
    if user.role == Role.contributor:
        return document.access_level == AccessLevel.public or document.created_by_id == user.id
    return True


def sees_full_history(user: User) -> bool:
    """Contributors, to whom the audit trail is closed, see a document's publication facts, not its full history."""
    return user.role != Role.contributor
