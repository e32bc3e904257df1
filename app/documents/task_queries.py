"""What waits on a user (待办) among documents: revision steps, returned drafts, reviews due; and the record types
awaiting their confirmation."""

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Select, or_, select
from sqlmodel import Session, col

from app.clauses.models import DocKind, DocType
from app.documents import lifecycle
from app.documents.access import readable
from app.documents.models import Document, Revision, RevisionState, Signature
from app.users.models import User

REVIEW_DUE_DAYS = 30


@dataclass
class TaskItem:
    """One thing waiting on a user: a revision step, a returned draft, or a document due for review."""

    kind: str  # review | approve | publish | submit | returned | draft | review_due | review_overdue
    document_id: int
    control_no: str
    title: str
    doc_type: str
    revision_id: int | None = None
    number: int | None = None
    state: str | None = None
    due: date | None = None  # for review_due / review_overdue
    since: datetime | None = None  # when the revision reached its state (or was created)


@dataclass(frozen=True)
class _StepFacts:
    """The selected columns lifecycle.allowed_actions reads, standing in for the revision, document and type."""

    state: RevisionState
    preparer_id: int
    kind: str
    approver_role: str


def _readable_revisions(user: User, *columns: object) -> Select:
    """Revisions of the user's park that the user may read, with their document and its type joined: each row has
    the revision's id, the document's id, number, title and type, and `columns`."""
    return (
        select(
            col(Revision.id),
            col(Document.id).label("document_id"),
            col(Document.control_no),
            col(Document.title),
            col(Document.doc_type),
            *columns,
        )
        .join(Document, col(Document.id) == col(Revision.document_id))
        .join(DocType, col(DocType.code) == col(Document.doc_type))
        .where(readable(user), col(Revision.park_id) == user.park_id)
    )


def revision_tasks(session: Session, *, user: User, today: date | None = None) -> list[TaskItem]:
    """The revision-based tasks of `user`: steps they may take now (lifecycle.allowed_actions), their returned or
    unfinished drafts, and — for coordinators and a document's registrant — effective documents whose review is due
    within REVIEW_DUE_DAYS days or overdue. Only documents the user may read."""
    from datetime import UTC, time, timedelta

    from sqlalchemy import and_

    from app.common import as_utc, utcnow
    from app.documents.models import OPEN_STATES
    from app.readiness.items import add_months
    from app.users.models import Role

    today = today or utcnow().date()
    # Plain columns, not ORM objects: a coordinator of a large park may have thousands of tasks.
    rows = session.execute(
        _readable_revisions(
            user,
            col(Revision.state),
            col(Revision.preparer_id),
            col(Revision.cycle),
            col(Revision.number),
            col(Revision.approved_at),
            col(Revision.submitted_at),
            col(Revision.created_at),
            col(Document.kind),
            col(DocType.approver_role),
        )
        .where(
            # Only what can become a task below: the user's own drafts, and revisions awaiting a step.
            or_(
                and_(col(Revision.state) == str(RevisionState.draft), col(Revision.preparer_id) == user.id),
                col(Revision.state).in_([str(state) for state in OPEN_STATES if state != RevisionState.draft]),
            ),
        )
        .order_by(col(Revision.submitted_at), col(Revision.created_at), col(Revision.id))
    ).all()
    signers: dict[int, dict] = {}
    steps = [row for row in rows if row.state != RevisionState.draft]
    if steps:
        for revision_id, meaning, signer_id, cycle in session.execute(
            select(
                col(Signature.revision_id), col(Signature.meaning), col(Signature.signer_id), col(Signature.cycle)
            ).where(col(Signature.revision_id).in_([row.id for row in steps]))
        ):
            signers.setdefault(revision_id, {})[(str(meaning), cycle)] = signer_id
    tasks: list[TaskItem] = []
    for row in rows:
        kind = None
        if row.state == RevisionState.draft:
            kind = "returned" if row.cycle > 0 else "draft"
        else:
            current = {
                lifecycle.SignatureMeaning(meaning): signer
                for (meaning, cycle), signer in signers.get(row.id, {}).items()
                if cycle == row.cycle
            }
            # lifecycle.allowed_actions reads the revision's state and preparer, the document's kind and the
            # type's approver role: the selected row carries all of them.
            facts = _StepFacts(RevisionState(row.state), row.preparer_id, row.kind, row.approver_role)
            actions = [str(a) for a in lifecycle.allowed_actions(facts, facts, facts, user, current)]
            kind = next((action for action in ("review", "approve", "publish") if action in actions), None)
        if kind is None:
            continue
        tasks.append(
            TaskItem(
                kind=kind,
                document_id=row.document_id,
                control_no=row.control_no,
                title=row.title,
                doc_type=row.doc_type,
                revision_id=row.id,
                number=row.number,
                state=str(row.state),
                since=as_utc(row.approved_at or row.submitted_at or row.created_at),
            )
        )

    horizon = today + timedelta(days=REVIEW_DUE_DAYS)
    cycles = (
        session.execute(select(col(DocType.review_cycle_months)).where(col(DocType.review_cycle_months) > 0).distinct())
        .scalars()
        .all()
    )
    if not cycles:
        return tasks
    # Narrow in SQL: the review base (the later of publication and last review) must be old enough for the cycle
    # to end by the horizon (a few days of slack for month ends; the exact date is checked below).
    due_soon = []
    for cycle in cycles:
        cutoff = datetime.combine(add_months(horizon, -cycle) + timedelta(days=4), time.min, tzinfo=UTC)
        due_soon.append(
            and_(
                col(DocType.review_cycle_months) == cycle,
                col(Revision.effective_from) < cutoff,
                or_(col(Revision.last_reviewed_at).is_(None), col(Revision.last_reviewed_at) < cutoff),
            )
        )
    effective: Select = _readable_revisions(
        user,
        col(Revision.number),
        col(Revision.state),
        col(Revision.effective_from),
        col(Revision.last_reviewed_at),
        col(DocType.review_cycle_months),
    ).where(
        col(Revision.state) == str(RevisionState.effective),
        or_(*due_soon),
    )
    if user.role != Role.coordinator:
        effective = effective.where(col(Document.created_by_id) == user.id)
    due_items: list[tuple[date, TaskItem]] = []
    for row in session.execute(effective):
        base = as_utc(row.effective_from)
        reviewed = as_utc(row.last_reviewed_at)
        if reviewed and base and reviewed > base:
            base = reviewed
        if base is None:
            continue
        due = add_months(base.date(), row.review_cycle_months)
        if due <= horizon:
            due_items.append(
                (
                    due,
                    TaskItem(
                        kind="review_overdue" if due < today else "review_due",
                        document_id=row.document_id,
                        control_no=row.control_no,
                        title=row.title,
                        doc_type=row.doc_type,
                        revision_id=row.id,
                        number=row.number,
                        state=str(row.state),
                        due=due,
                        since=base,
                    ),
                )
            )
    return tasks + [item for _, item in sorted(due_items, key=lambda pair: pair[0])]


def record_types_awaiting_confirmation(session: Session, *, user: User) -> set[str]:
    """The record types of which the user may read a revision submitted and awaiting its 确认 (in_approval).

    The dashboard counts such an item as in progress, not missing: the record exists, only its confirmation is due.
    """
    query = (
        select(col(Document.doc_type))
        .join(Revision, col(Revision.document_id) == col(Document.id))
        .where(
            readable(user),
            col(Document.kind) == str(DocKind.record),
            col(Revision.park_id) == user.park_id,
            col(Revision.state) == RevisionState.in_approval,
        )
        .distinct()
    )
    return set(session.execute(query).scalars().all())
