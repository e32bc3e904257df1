"""Reading documents: the register (filtered, paginated in SQL), one document in full, JSON shapes."""

import json
from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlmodel import Session

from app.clauses.models import DocType, DocTypeClause
from app.documents import lifecycle
from app.documents.access import readable
from app.documents.models import Document, Revision, Signature
from app.documents.schemas import (
    DocumentDetail,
    DocumentPage,
    DocumentPublic,
    EventBrief,
    RecordPublic,
    RevisionPublic,
    SignaturePublic,
)
from app.events.models import Event
from app.users.models import User

SORTABLE = {
    "control_no": Document.control_no,
    "title": Document.title,
    "created_at": Document.created_at,
    "doc_type": Document.doc_type,
    "owner_unit": Document.owner_unit,
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


def _latest_revision_subquery():  # noqa: ANN202
    return (
        select(Revision.document_id, func.max(Revision.number).label("number"))
        .group_by(Revision.document_id)
        .subquery()
    )


def list_documents(session: Session, *, user: User, filters: DocumentFilters, limit: int = 50,
                   offset: int = 0) -> DocumentPage:
    latest = _latest_revision_subquery()
    current = (
        select(Revision.document_id, Revision.state, Revision.number)
        .join(latest, (latest.c.document_id == Revision.document_id) & (latest.c.number == Revision.number))
        .subquery()
    )
    query = (
        select(Document, current.c.state, current.c.number)
        .outerjoin(current, current.c.document_id == Document.id)
        .where(readable(user))
    )
    if filters.doc_type:
        query = query.where(Document.doc_type == filters.doc_type)
    if filters.clause:
        query = query.where(Document.doc_type.in_(
            select(DocTypeClause.doc_type).where(DocTypeClause.clause_id == filters.clause)))
    if filters.state:
        query = query.where(Document.id.in_(select(Revision.document_id).where(Revision.state == filters.state)))
    if filters.owner_unit:
        query = query.where(Document.owner_unit == filters.owner_unit)
    if filters.access_level:
        query = query.where(Document.access_level == filters.access_level)
    if filters.kind:
        query = query.where(Document.kind == filters.kind)
    if filters.q:
        pattern = f"%{filters.q.strip()}%"
        query = query.where(or_(Document.title.like(pattern), Document.control_no.like(pattern)))
    total = session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    column = SORTABLE.get(filters.sort, Document.control_no)
    query = query.order_by(column.desc() if filters.descending else column, Document.id)
    rows = session.execute(query.limit(limit).offset(offset)).all()
    document_ids = [document.id for document, _, _ in rows]
    effective = _effective_numbers(session, document_ids)
    titles = _type_titles(session, {document.doc_type for document, _, _ in rows})
    clauses = _type_clauses(session, {document.doc_type for document, _, _ in rows})
    items = [
        document_public(document, state, number, effective.get(document.id), titles, clauses)
        for document, state, number in rows
    ]
    return DocumentPage(total=total, limit=limit, offset=offset, items=items)


def _effective_numbers(session: Session, document_ids: list[int]) -> dict[int, int]:
    if not document_ids:
        return {}
    rows = session.execute(
        select(Revision.document_id, Revision.number)
        .where(Revision.document_id.in_(document_ids), Revision.state == "effective")
    ).all()
    return dict(rows)


def _type_titles(session: Session, codes: set[str]) -> dict[str, str]:
    if not codes:
        return {}
    return dict(session.execute(select(DocType.code, DocType.title_zh).where(DocType.code.in_(codes))).all())


def _type_clauses(session: Session, codes: set[str]) -> dict[str, list[str]]:
    result: dict[str, list[str]] = {}
    if codes:
        rows = session.execute(
            select(DocTypeClause.doc_type, DocTypeClause.clause_id).where(DocTypeClause.doc_type.in_(codes))
        ).all()
        for code, clause_id in rows:
            result.setdefault(code, []).append(clause_id)
    return result


def document_public(document: Document, state: str | None, number: int | None, effective: int | None,
                    titles: dict[str, str], clauses: dict[str, list[str]]) -> DocumentPublic:
    return DocumentPublic(
        id=document.id, control_no=document.control_no, doc_type=document.doc_type,
        doc_type_title_zh=titles.get(document.doc_type, document.doc_type), kind=document.kind,
        title=document.title, access_level=document.access_level, owner_unit=document.owner_unit,
        version=document.version, state=state, state_zh=lifecycle.STATE_LABELS[state][0] if state else None,
        current_revision=number, effective_revision=effective, created_at=document.created_at,
        clauses=sorted(clauses.get(document.doc_type, []), key=_clause_sort_key),
    )


def _clause_sort_key(clause_id: str) -> list[int]:
    return [int(part) for part in clause_id.split(".") if part.isdigit()]


def _users(session: Session, ids: set[int]) -> dict[int, User]:
    if not ids:
        return {}
    return {user.id: user for user in session.execute(select(User).where(User.id.in_(ids))).scalars()}


def signatures_of(session: Session, revision_ids: list[int]) -> dict[int, list[SignaturePublic]]:
    result: dict[int, list[SignaturePublic]] = {}
    if not revision_ids:
        return result
    rows = session.execute(
        select(Signature).where(Signature.revision_id.in_(revision_ids)).order_by(Signature.signed_at, Signature.id)
    ).scalars().all()
    users = _users(session, {row.signer_id for row in rows})
    from app.documents.models import SIGNATURE_LABELS

    for row in rows:
        signer = users.get(row.signer_id)
        result.setdefault(row.revision_id, []).append(SignaturePublic(
            id=row.id, signer=signer.username if signer else str(row.signer_id), signer_name=row.signer_name,
            meaning=str(row.meaning), meaning_zh=SIGNATURE_LABELS[str(row.meaning)][0], signed_at=row.signed_at,
            file_sha256=row.file_sha256, comment=row.comment, cycle=row.cycle))
    return result


def revision_public(revision: Revision, preparer: User | None, signatures: list[SignaturePublic],
                    allowed: list[str] | None = None) -> RevisionPublic:
    return RevisionPublic(
        id=revision.id, document_id=revision.document_id, number=revision.number, state=str(revision.state),
        state_zh=lifecycle.STATE_LABELS[str(revision.state)][0], version=revision.version,
        sha256=revision.blob_sha256, file_name=revision.file_name, media_type=revision.media_type,
        size_bytes=revision.size_bytes, change_reason=revision.change_reason,
        preparer=preparer.username if preparer else "", preparer_name=preparer.full_name if preparer else "",
        created_at=revision.created_at, submitted_at=revision.submitted_at, approved_at=revision.approved_at,
        effective_from=revision.effective_from, ended_at=revision.ended_at, end_reason=revision.end_reason,
        period_start=revision.period_start, period_end=revision.period_end, signatures=signatures,
        allowed_actions=allowed or [],
    )


def revision_out(session: Session, revision: Revision, user: User | None = None) -> RevisionPublic:
    preparer = session.get(User, revision.preparer_id)
    allowed = _allowed(session, revision, user) if user else []
    return revision_public(revision, preparer, signatures_of(session, [revision.id]).get(revision.id, []), allowed)


def _allowed(session: Session, revision: Revision, user: User) -> list[str]:
    document = session.get(Document, revision.document_id)
    doc_type = session.get(DocType, document.doc_type)
    signers = lifecycle.current_signers(session, revision)
    return [str(action) for action in lifecycle.allowed_actions(revision, document, doc_type, user, signers)]


def history(session: Session, *, park_id: int, document_id: int, revision_ids: list[int]) -> list[EventBrief]:
    entity_filter = (Event.entity_type == "document") & (Event.entity_id == str(document_id))
    if revision_ids:
        entity_filter = entity_filter | (
            (Event.entity_type == "revision") & Event.entity_id.in_([str(i) for i in revision_ids]))
    rows = session.execute(
        select(Event).where(Event.park_id == park_id, entity_filter).order_by(Event.seq)
    ).scalars().all()
    return [EventBrief(seq=row.seq, occurred_at=row.occurred_at, actor_name=row.actor_name, action=row.action,
                       entity_type=row.entity_type, entity_id=row.entity_id, before=json.loads(row.before_json),
                       after=json.loads(row.after_json)) for row in rows]


def document_detail(session: Session, *, document: Document, user: User) -> DocumentDetail:
    revisions = session.execute(
        select(Revision).where(Revision.document_id == document.id).order_by(Revision.number)
    ).scalars().all()
    ids = [revision.id for revision in revisions]
    signatures = signatures_of(session, ids)
    users = _users(session, {revision.preparer_id for revision in revisions})
    revision_items = [
        revision_public(revision, users.get(revision.preparer_id), signatures.get(revision.id, []),
                        _allowed(session, revision, user))
        for revision in revisions
    ]
    latest = revisions[-1] if revisions else None
    effective = next((r.number for r in revisions if r.state == "effective"), None)
    base = document_public(document, str(latest.state) if latest else None, latest.number if latest else None,
                           effective, _type_titles(session, {document.doc_type}),
                           _type_clauses(session, {document.doc_type}))
    return DocumentDetail(**base.model_dump(), revisions=revision_items,
                          history=history(session, park_id=document.park_id, document_id=document.id,
                                          revision_ids=ids))


def record_public(session: Session, document: Document, revision: Revision) -> RecordPublic:
    return RecordPublic(
        id=document.id, control_no=document.control_no, doc_type=document.doc_type, title=document.title,
        access_level=document.access_level, owner_unit=document.owner_unit, revision_id=revision.id,
        state=str(revision.state), state_zh=lifecycle.STATE_LABELS[str(revision.state)][0],
        version=revision.version, sha256=revision.blob_sha256, period_start=revision.period_start,
        period_end=revision.period_end, signatures=signatures_of(session, [revision.id]).get(revision.id, []),
    )
