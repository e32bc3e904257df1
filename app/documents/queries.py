"""Reading documents: the register (filtered, paginated in SQL), one document in full, JSON shapes."""

import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlmodel import Session, col

from app.clauses.models import DocKind, DocType, DocTypeClause
from app.documents import hooks, lifecycle
from app.documents.access import readable, sees_full_history
from app.documents.models import Document, Revision, RevisionState, Signature
from app.documents.schemas import (
    DocumentDetail,
    DocumentPage,
    DocumentPublic,
    EventBrief,
    NextActor,
    NextStep,
    RecordPublic,
    RefusedAction,
    RevisionPublic,
    SignaturePublic,
)
from app.events.models import Event
from app.like import contains
from app.retention import queries as retention
from app.users.models import User

SORTABLE = {
    "control_no": col(Document.control_no),
    "title": col(Document.title),
    "created_at": col(Document.created_at),
    "doc_type": col(Document.doc_type),
    "owner_unit": col(Document.owner_unit),
}


@dataclass
class DocumentFilters:
    doc_type: str | None = None
    clause: str | None = None
    state: str | None = None
    owner_unit: str | None = None
    access_level: str | None = None
    kind: str | None = None
    q: str | None = None
    sort: str = "control_no"
    descending: bool = False


def _register_conditions(user: User, filters: DocumentFilters) -> list:
    """The register's filters as conditions on Document alone (so counting and paging never touch revisions)."""
    conditions = [readable(user)]
    if filters.doc_type:
        conditions.append(col(Document.doc_type) == filters.doc_type)
    if filters.clause:
        conditions.append(
            col(Document.doc_type).in_(
                select(col(DocTypeClause.doc_type)).where(col(DocTypeClause.clause_id) == filters.clause)
            )
        )
    if filters.state:
        # Documents with a revision in that state; the park condition lets the (park_id, state) index answer.
        conditions.append(
            col(Document.id).in_(
                select(col(Revision.document_id)).where(
                    col(Revision.park_id) == user.park_id, col(Revision.state) == filters.state
                )
            )
        )
    if filters.owner_unit:
        conditions.append(col(Document.owner_unit) == filters.owner_unit)
    if filters.access_level:
        conditions.append(col(Document.access_level) == filters.access_level)
    if filters.kind:
        conditions.append(col(Document.kind) == filters.kind)
    if filters.q:
        text = filters.q.strip()
        conditions.append(or_(contains(Document.title, text), contains(Document.control_no, text)))
    return conditions


def list_documents(
    session: Session, *, user: User, filters: DocumentFilters, limit: int = 50, offset: int = 0
) -> DocumentPage:
    """One page of the register, filtered and sorted in SQL; revisions are read for that page's documents only."""
    conditions = _register_conditions(user, filters)
    total = session.execute(select(func.count()).select_from(Document).where(*conditions)).scalar_one()
    column = SORTABLE.get(filters.sort, col(Document.control_no))
    documents = (
        session.execute(
            select(Document)
            .where(*conditions)
            .order_by(column.desc() if filters.descending else column, col(Document.id))
            .limit(limit)
            .offset(offset)
        )
        .scalars()
        .all()
    )
    latest: dict[int, tuple[int, str]] = {}
    effective: dict[int, int] = {}
    if documents:
        for document_id, number, state in session.execute(
            select(col(Revision.document_id), col(Revision.number), col(Revision.state)).where(
                col(Revision.document_id).in_([document.id for document in documents])
            )
        ):
            if document_id not in latest or number > latest[document_id][0]:
                latest[document_id] = (number, str(state))
            if state == "effective":
                effective[document_id] = number
    codes = {document.doc_type for document in documents}
    titles, clauses = _type_titles(session, codes), _type_clauses(session, codes)
    items = [
        document_public(
            document,
            latest[document.id][1] if document.id in latest else None,
            latest[document.id][0] if document.id in latest else None,
            effective.get(document.id),
            titles,
            clauses,
        )
        for document in documents
    ]
    return DocumentPage(total=total, limit=limit, offset=offset, items=items)


def _effective_numbers(session: Session, document_ids: list[int]) -> dict[int, int]:
    if not document_ids:
        return {}
    rows = session.execute(
        select(col(Revision.document_id), col(Revision.number)).where(
            col(Revision.document_id).in_(document_ids), col(Revision.state) == "effective"
        )
    ).all()
    return dict(rows)


def _type_titles(session: Session, codes: set[str]) -> dict[str, str]:
    if not codes:
        return {}
    return dict(
        session.execute(select(col(DocType.code), col(DocType.title_zh)).where(col(DocType.code).in_(codes))).all()
    )


def _type_clauses(session: Session, codes: set[str]) -> dict[str, list[str]]:
    result: dict[str, list[str]] = {}
    if codes:
        rows = session.execute(
            select(col(DocTypeClause.doc_type), col(DocTypeClause.clause_id)).where(
                col(DocTypeClause.doc_type).in_(codes)
            )
        ).all()
        for code, clause_id in rows:
            result.setdefault(code, []).append(clause_id)
    return result


def document_public(
    document: Document,
    state: str | None,
    number: int | None,
    effective: int | None,
    titles: dict[str, str],
    clauses: dict[str, list[str]],
) -> DocumentPublic:
    assert document.id is not None  # a stored row
    return DocumentPublic(
        id=document.id,
        control_no=document.control_no,
        doc_type=document.doc_type,
        doc_type_title_zh=titles.get(document.doc_type, document.doc_type),
        kind=document.kind,
        title=document.title,
        access_level=document.access_level,
        owner_unit=document.owner_unit,
        version=document.version,
        state=state,
        state_zh=lifecycle.STATE_LABELS[state][0] if state else None,
        current_revision=number,
        effective_revision=effective,
        created_at=document.created_at,
        clauses=sorted(clauses.get(document.doc_type, []), key=_clause_sort_key),
    )


def new_document_out(session: Session, document: Document) -> DocumentPublic:
    """A just-registered document: no revision yet."""
    return document_public(
        document,
        None,
        None,
        None,
        _type_titles(session, {document.doc_type}),
        _type_clauses(session, {document.doc_type}),
    )


def _clause_sort_key(clause_id: str) -> list[int]:
    return [int(part) for part in clause_id.split(".") if part.isdigit()]


def _users(session: Session, ids: set[int]) -> dict[int, User]:
    if not ids:
        return {}
    return {user.id: user for user in session.execute(select(User).where(col(User.id).in_(ids))).scalars()}


def signatures_of(session: Session, revision_ids: list[int]) -> dict[int, list[SignaturePublic]]:
    result: dict[int, list[SignaturePublic]] = {}
    if not revision_ids:
        return result
    rows = (
        session.execute(
            select(Signature)
            .where(col(Signature.revision_id).in_(revision_ids))
            .order_by(col(Signature.signed_at), col(Signature.id))
        )
        .scalars()
        .all()
    )
    users = _users(session, {row.signer_id for row in rows})
    from app.documents.models import SIGNATURE_LABELS

    for row in rows:
        signer = users.get(row.signer_id)
        result.setdefault(row.revision_id, []).append(
            SignaturePublic(
                id=row.id,
                signer=signer.username if signer else str(row.signer_id),
                signer_name=row.signer_name,
                meaning=str(row.meaning),
                meaning_zh=SIGNATURE_LABELS[str(row.meaning)][0],
                signed_at=row.signed_at,
                file_sha256=row.file_sha256,
                comment=row.comment,
                cycle=row.cycle,
            )
        )
    return result


def revision_public(
    revision: Revision,
    preparer: User | None,
    signatures: list[SignaturePublic],
    allowed: list[str] | None = None,
    explained: "Steps | None" = None,
    parts: dict[str, Any] | None = None,
    kept: retention.Facts | None = None,
) -> RevisionPublic:
    assert revision.id is not None  # a stored row
    return RevisionPublic(
        id=revision.id,
        document_id=revision.document_id,
        number=revision.number,
        state=str(revision.state),
        state_zh=lifecycle.STATE_LABELS[str(revision.state)][0],
        version=revision.version,
        sha256=revision.blob_sha256,
        file_name=revision.file_name,
        media_type=revision.media_type,
        size_bytes=revision.size_bytes,
        change_reason=revision.change_reason,
        preparer=preparer.username if preparer else "",
        preparer_name=preparer.full_name if preparer else "",
        created_at=revision.created_at,
        submitted_at=revision.submitted_at,
        approved_at=revision.approved_at,
        effective_from=revision.effective_from,
        ended_at=revision.ended_at,
        end_reason=revision.end_reason,
        period_start=revision.period_start,
        period_end=revision.period_end,
        signatures=signatures,
        allowed_actions=explained.allowed if explained else allowed or [],
        refused_actions=explained.refused if explained else [],
        next_step=explained.next if explained else None,
        recognition=(parts or {}).get("recognition"),
        retention=str(kept.retention) if kept else None,
        retention_end=kept.end if kept else None,
        legal_hold=bool(kept and kept.hold_id),
        destroyed_at=kept.destroyed_at if kept else None,
    )


def revision_out(session: Session, revision: Revision, user: User | None = None) -> RevisionPublic:
    assert revision.id is not None  # a stored row
    preparer = session.get(User, revision.preparer_id)
    explained = steps_of(session, revision, user, active_people(session, revision.park_id)) if user else None
    signatures = signatures_of(session, [revision.id]).get(revision.id, [])
    parts = hooks.revision_parts(session, [revision.id], user)[revision.id]
    kept = retention.facts(session, revision.park_id, [revision]).get(revision.id)
    return revision_public(revision, preparer, signatures, explained=explained, parts=parts, kept=kept)


@dataclass(frozen=True)
class Steps:
    """What the page says about a revision's next steps: the reader's own, the refused with why, who acts next."""

    allowed: list[str]
    refused: list[RefusedAction]
    next: NextStep | None


def active_people(session: Session, park_id: int) -> list[User]:
    return list(
        session.execute(
            select(User).where(col(User.park_id) == park_id, col(User.is_active)).order_by(col(User.id))
        ).scalars()
    )


def steps_of(session: Session, revision: Revision, user: User, people: list[User]) -> Steps:
    document = session.get_one(Document, revision.document_id)
    doc_type = session.get_one(DocType, document.doc_type)
    signers = lifecycle.current_signers(session, revision)
    allowed = lifecycle.allowed_actions(revision, document, doc_type, user, signers)
    refused = [
        RefusedAction(action=str(item.action), message_zh=item.message_zh, message_en=item.message_en)
        for item in lifecycle.refused_actions(revision, document, doc_type, user, signers)
    ]
    following = lifecycle.next_step(revision, document, doc_type, signers, list(people))
    next_step = None
    if following is not None:
        by_id = {person.id: person for person in people}
        next_step = NextStep(
            action=str(following.action),
            roles=[str(role) for role in following.roles],
            people=[
                NextActor(username=person.username, full_name=person.full_name, role=str(person.role))
                for person in (by_id[actor.id] for actor in following.people if actor.id in by_id)
            ],
        )
    return Steps([str(action) for action in allowed], refused, next_step)


# What a revision's publication looks like from outside the audit trail: the states a reader of the document may know.
PUBLICATION_STATES = frozenset({"effective", "superseded", "obsolete", "filed", "void"})


def _publication_fact(event: EventBrief, numbers: dict[str, int]) -> EventBrief | None:
    """The event as a publication fact (which revision became what, and when), or None when it is not one."""
    state = event.after.get("state") if isinstance(event.after, dict) else None
    if event.entity_type != "revision" or not event.action.startswith("revision.") or state not in PUBLICATION_STATES:
        return None
    after = {"state": state, "revision": numbers.get(event.entity_id)}
    return event.model_copy(update={"actor_id": None, "actor_name": "", "before": None, "after": after})


def history(session: Session, *, park_id: int, document_id: int, revision_ids: list[int]) -> list[EventBrief]:
    entity_filter = (col(Event.entity_type) == "document") & (col(Event.entity_id) == str(document_id))
    if revision_ids:
        entity_filter = entity_filter | (
            (col(Event.entity_type) == "revision") & col(Event.entity_id).in_([str(i) for i in revision_ids])
        )
    rows = (
        session.execute(select(Event).where(col(Event.park_id) == park_id, entity_filter).order_by(col(Event.seq)))
        .scalars()
        .all()
    )
    return [
        EventBrief(
            seq=row.seq,
            occurred_at=row.occurred_at,
            actor_id=row.actor_id,
            actor_name=row.actor_name,
            action=row.action,
            entity_type=row.entity_type,
            entity_id=row.entity_id,
            before=json.loads(row.before_json),
            after=json.loads(row.after_json),
        )
        for row in rows
    ]


def document_detail(session: Session, *, document: Document, user: User) -> DocumentDetail:
    revisions = (
        session.execute(select(Revision).where(col(Revision.document_id) == document.id).order_by(col(Revision.number)))
        .scalars()
        .all()
    )
    ids = [revision.id for revision in revisions]
    signatures = signatures_of(session, ids)
    users = _users(session, {revision.preparer_id for revision in revisions})
    people = active_people(session, document.park_id)
    parts = hooks.revision_parts(session, [revision.id for revision in revisions if revision.id is not None], user)
    kept = retention.facts(session, document.park_id, revisions)
    revision_items = [
        revision_public(
            revision,
            users.get(revision.preparer_id),
            signatures.get(revision.id, []),
            explained=steps_of(session, revision, user, people),
            parts=parts.get(revision.id) if revision.id is not None else None,
            kept=kept.get(revision.id) if revision.id is not None else None,
        )
        for revision in revisions
    ]
    latest = revisions[-1] if revisions else None
    effective = next((r.number for r in revisions if r.state == "effective"), None)
    base = document_public(
        document,
        str(latest.state) if latest else None,
        latest.number if latest else None,
        effective,
        _type_titles(session, {document.doc_type}),
        _type_clauses(session, {document.doc_type}),
    )
    assert document.id is not None  # a stored row
    events = history(session, park_id=document.park_id, document_id=document.id, revision_ids=ids)
    if not sees_full_history(user):
        # The trail is closed to contributors: no names, comments or refusals, only when what was published.
        numbers = {str(revision.id): revision.number for revision in revisions}
        events = [fact for fact in (_publication_fact(event, numbers) for event in events) if fact is not None]
    return DocumentDetail(**base.model_dump(), revisions=revision_items, history=events)


def record_public(session: Session, document: Document, revision: Revision) -> RecordPublic:
    assert document.id is not None and revision.id is not None  # stored rows
    return RecordPublic(
        id=document.id,
        control_no=document.control_no,
        doc_type=document.doc_type,
        title=document.title,
        access_level=document.access_level,
        owner_unit=document.owner_unit,
        revision_id=revision.id,
        state=str(revision.state),
        state_zh=lifecycle.STATE_LABELS[str(revision.state)][0],
        version=revision.version,
        sha256=revision.blob_sha256,
        period_start=revision.period_start,
        period_end=revision.period_end,
        signatures=signatures_of(session, [revision.id]).get(revision.id, []),
    )


# ---------------------------------------------------------------- what waits on a user (待办)

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
        select(
            col(Revision.id),
            col(Revision.state),
            col(Revision.preparer_id),
            col(Revision.cycle),
            col(Revision.number),
            col(Revision.approved_at),
            col(Revision.submitted_at),
            col(Revision.created_at),
            col(Document.id).label("document_id"),
            col(Document.kind),
            col(Document.control_no),
            col(Document.title),
            col(Document.doc_type),
            col(DocType.approver_role),
        )
        .join(Document, col(Document.id) == col(Revision.document_id))
        .join(DocType, col(DocType.code) == col(Document.doc_type))
        .where(
            readable(user),
            col(Revision.park_id) == user.park_id,
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
    effective: Select = (
        select(
            col(Revision.id),
            col(Revision.number),
            col(Revision.state),
            col(Revision.effective_from),
            col(Revision.last_reviewed_at),
            col(Document.id).label("document_id"),
            col(Document.control_no),
            col(Document.title),
            col(Document.doc_type),
            col(DocType.review_cycle_months),
        )
        .join(Document, col(Document.id) == col(Revision.document_id))
        .join(DocType, col(DocType.code) == col(Document.doc_type))
        .where(
            readable(user),
            col(Revision.park_id) == user.park_id,
            col(Revision.state) == str(RevisionState.effective),
            or_(*due_soon),
        )
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
