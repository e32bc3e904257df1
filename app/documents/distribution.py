"""Controlled distribution: who a document's list reaches, and handing an effective revision to them.

The lifecycle calls `on_effective` when a revision is published, in the same transaction, so a new effective revision
reaches the same list at once. The list is resolved to the park's active users each time it is distributed:
a role or an enterprise reaches whoever holds it then. Contributors get only what they may read (app/documents/access).
Confirmed rows are evidence and are never removed; a pending row of someone the list no longer reaches is.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlmodel import Session, col

from app.common import utcnow
from app.documents.access import can_read
from app.documents.distribution_models import DistributionEntry, ReadConfirmation, TargetKind
from app.documents.models import Document, Revision, RevisionState
from app.events import service as events
from app.users.models import User


def entries_of(session: Session, document_id: int) -> list[DistributionEntry]:
    query = select(DistributionEntry).where(col(DistributionEntry.document_id) == document_id)
    return list(session.execute(query.order_by(col(DistributionEntry.id))).scalars())


def reached_by(entry: DistributionEntry, user: User) -> bool:
    """Whether this line of the list names this user (before the reading rule)."""
    if entry.target_kind == TargetKind.user:
        return str(user.id) == entry.target
    if entry.target_kind == TargetKind.role:
        return str(user.role) == entry.target
    return user.enterprise_id is not None and str(user.enterprise_id) == entry.target


def resolve(session: Session, document: Document, entries: list[DistributionEntry]) -> list[User]:
    """The park's active users the list reaches and who may read the document, in id order."""
    if not entries:
        return []
    people = session.execute(
        select(User).where(col(User.park_id) == document.park_id, col(User.is_active).is_(True)).order_by(col(User.id))
    ).scalars()
    return [user for user in people if can_read(user, document) and any(reached_by(entry, user) for entry in entries)]


def effective_revision(session: Session, document_id: int) -> Revision | None:
    query = select(Revision).where(
        col(Revision.document_id) == document_id, col(Revision.state) == RevisionState.effective
    )
    return session.execute(query).scalars().first()


def confirmations_of(session: Session, revision_ids: list[int]) -> list[ReadConfirmation]:
    if not revision_ids:
        return []
    query = select(ReadConfirmation).where(col(ReadConfirmation.revision_id).in_(revision_ids))
    return list(session.execute(query.order_by(col(ReadConfirmation.id))).scalars())


def distribute(session: Session, document: Document, revision: Revision, *, actor: User) -> None:
    """Give `revision` (the effective one) to everyone the list reaches now; records what changed."""
    assert revision.id is not None and document.id is not None  # stored rows
    wanted = {user.id: user for user in resolve(session, document, entries_of(session, document.id))}
    existing = {row.user_id: row for row in confirmations_of(session, [revision.id])}
    now = utcnow()
    added = [uid for uid in wanted if uid not in existing]
    dropped = [row for uid, row in existing.items() if uid not in wanted and row.confirmed_at is None]
    for uid in added:
        assert uid is not None  # stored users
        session.add(
            ReadConfirmation(
                park_id=document.park_id,
                document_id=document.id,
                revision_id=revision.id,
                user_id=uid,
                distributed_at=now,
            )
        )
    for row in dropped:
        session.delete(row)
    if not added and not dropped:
        return
    session.flush()
    names = _usernames(session, {*existing, *(uid for uid in added if uid is not None)})
    events.record(
        session,
        action="revision.distribute",
        entity_type="revision",
        entity_id=revision.id,
        park_id=document.park_id,
        actor=actor,
        before={"recipients": sorted(names[uid] for uid in existing)},
        after={
            "number": revision.number,
            "added": sorted(names[uid] for uid in added if uid is not None),
            "removed": sorted(names[row.user_id] for row in dropped),
        },
    )


def on_effective(session: Session, document: Document, revision: Revision, *, actor: User) -> None:
    """The lifecycle's hook: a newly effective revision goes to the document's list (if it has one)."""
    if document.id is not None and entries_of(session, document.id):
        distribute(session, document, revision, actor=actor)


def _usernames(session: Session, user_ids: set[int]) -> dict[int, str]:
    if not user_ids:
        return {}
    rows = session.execute(select(col(User.id), col(User.username)).where(col(User.id).in_(user_ids)))
    return {uid: name for uid, name in rows}  # noqa: C416 - rows, not pairs, to mypy


@dataclass(frozen=True)
class PendingRead:
    """An effective revision distributed to a user who has not confirmed it yet (for app/tasks)."""

    user_id: int
    document_id: int
    revision_id: int
    number: int
    control_no: str
    title: str
    distributed_at: datetime


def pending_reads(session: Session, park_id: int) -> list[PendingRead]:
    """Every unconfirmed read of an effective revision in the park: one indexed query."""
    query = (
        select(
            col(ReadConfirmation.user_id),
            col(ReadConfirmation.document_id),
            col(ReadConfirmation.revision_id),
            col(Revision.number),
            col(Document.control_no),
            col(Document.title),
            col(ReadConfirmation.distributed_at),
        )
        .join(Revision, col(Revision.id) == col(ReadConfirmation.revision_id))
        .join(Document, col(Document.id) == col(ReadConfirmation.document_id))
        .where(
            col(ReadConfirmation.park_id) == park_id,
            col(ReadConfirmation.confirmed_at).is_(None),
            col(Revision.state) == RevisionState.effective,
        )
        .order_by(col(Document.control_no), col(ReadConfirmation.user_id))
    )
    return [PendingRead(*row) for row in session.execute(query).all()]
