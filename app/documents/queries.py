"""Reading documents: the register (filtered, paginated in SQL) and a document's JSON shape in it."""

from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlmodel import Session, col

from app.clauses.models import DocType, DocTypeClause
from app.documents import lifecycle
from app.documents.access import readable
from app.documents.models import Document, Revision
from app.documents.schemas import (
    DocumentPage,
    DocumentPublic,
)
from app.like import contains
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
    titles, clauses = type_titles(session, codes), type_clauses(session, codes)
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


def type_titles(session: Session, codes: set[str]) -> dict[str, str]:
    if not codes:
        return {}
    return dict(
        session.execute(select(col(DocType.code), col(DocType.title_zh)).where(col(DocType.code).in_(codes))).all()
    )


def type_clauses(session: Session, codes: set[str]) -> dict[str, list[str]]:
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
        type_titles(session, {document.doc_type}),
        type_clauses(session, {document.doc_type}),
    )


def _clause_sort_key(clause_id: str) -> list[int]:
    return [int(part) for part in clause_id.split(".") if part.isdigit()]
