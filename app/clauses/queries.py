"""Reading the clause map: the clause list, one clause in full (with its readiness), the required document types."""

from datetime import date
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select
from sqlmodel import Session, col

from app.clauses.models import Clause, DocType, DocTypeClause
from app.clauses.schema import ClauseItem, flat_items, lead_in_text
from app.clauses.text import AnyBlock, blocks_of, supported_by
from app.errors import NotFound
from app.labels import label_pair
from app.readiness import service as readiness
from app.users.models import User

CHAPTERS: tuple[str, ...] = ("4", "5", "6", "7", "8", "9", "10", "11")


class ClausePublic(BaseModel):
    id: str
    chapter: str
    parent_id: str | None
    title_zh: str
    title_en: str


# The flat lettered items (sub-items labelled "-"), derived from the blocks for older clients.
ClauseItemPublic = ClauseItem


class DocTypePublic(BaseModel):
    code: str
    title_zh: str
    title_en: str
    kind: str
    approver_role: str
    review_cycle_months: int | None
    retention_years: int | None
    annex_a: bool
    clauses: list[str]


class ClauseDocTypePublic(DocTypePublic):
    # Why this clause asks for the type: annex_a | maintain | retain | establish | recommended (recommended is
    # shown and never counted).
    basis: str
    basis_zh: str
    basis_en: str


class ClauseDetail(ClausePublic):
    # The requirement in the standard's order: paragraphs, notes, lists (items with nested sub-items), each with
    # the editorial note where the standard's own text is defective.
    requirement_blocks: list[AnyBlock]
    # Derived from the blocks for older clients: the paragraphs joined, and the lettered items in one flat list.
    requirement_zh: str
    requirement_items: list[ClauseItemPublic]
    # Chapter 4 only: a principle is shown with the clauses that carry it out and never counted in readiness.
    principle: bool
    supported_by: list[ClausePublic]
    support_zh: str
    support_en: str
    doc_types: list[ClauseDocTypePublic]
    # The same readiness items as in GET /api/readiness (empty for clauses without required documents).
    status: str | None
    coverage: float | None
    progress: float | None
    items: list[dict[str, Any]]
    # The clause's readiness entry for the reader's park; None when the clause takes no part in readiness
    # (chapter 4, or no required document type).
    readiness: dict[str, Any] | None


def _clause_order(clause: Clause) -> tuple[int, int, str]:
    return (int(clause.chapter) if clause.chapter.isdigit() else 99, clause.sort_key, clause.id)


def _clause_public(row: Clause) -> ClausePublic:
    return ClausePublic(
        id=row.id, chapter=row.chapter, parent_id=row.parent_id, title_zh=row.title_zh, title_en=row.title_en
    )


def list_clauses(session: Session) -> list[ClausePublic]:
    rows = session.execute(select(Clause).where(col(Clause.chapter).in_(CHAPTERS))).scalars().all()
    return [_clause_public(row) for row in sorted(rows, key=_clause_order)]


def principles(session: Session) -> list[dict[str, Any]]:
    """Chapter 4's principles, each with the clauses whose records are its evidence (for the dashboard)."""
    rows = session.execute(select(Clause).where(col(Clause.chapter) == "4")).scalars().all()
    titles = {row.id: row for row in session.execute(select(Clause)).scalars()}
    return [
        {
            "id": row.id,
            "title_zh": row.title_zh,
            "title_en": row.title_en,
            "support_zh": row.support_zh,
            "support_en": row.support_en,
            "supported_by": [_clause_public(titles[cid]) for cid in supported_by(row) if cid in titles],
        }
        for row in sorted(rows, key=_clause_order)
    ]


def _links(session: Session, *, clause_id: str | None = None) -> dict[str, list[str]]:
    """doc type code → clause ids (in clause order)."""
    query = (
        select(col(DocTypeClause.doc_type), col(DocTypeClause.clause_id))
        .join(Clause, col(Clause.id) == col(DocTypeClause.clause_id))
        .order_by(col(Clause.sort_key), col(Clause.id))
    )
    if clause_id is not None:
        query = query.where(
            col(DocTypeClause.doc_type).in_(
                select(col(DocTypeClause.doc_type)).where(col(DocTypeClause.clause_id) == clause_id)
            )
        )
    links: dict[str, list[str]] = {}
    for code, cid in session.execute(query):
        links.setdefault(code, []).append(cid)
    return links


def _doc_type_public(row: DocType, clauses: list[str]) -> DocTypePublic:
    return DocTypePublic(
        code=row.code,
        title_zh=row.title_zh,
        title_en=row.title_en,
        kind=str(row.kind),
        approver_role=row.approver_role,
        review_cycle_months=row.review_cycle_months,
        retention_years=row.retention_years,
        annex_a=row.annex_a,
        clauses=clauses,
    )


def list_doc_types(session: Session) -> list[DocTypePublic]:
    links = _links(session)
    rows = session.execute(select(DocType).order_by(col(DocType.sort_key), col(DocType.code))).scalars().all()
    return [_doc_type_public(row, links.get(row.code, [])) for row in rows]


def get_clause(session: Session, clause_id: str) -> Clause:
    clause = session.get(Clause, clause_id)
    if clause is None:
        raise NotFound(f"条款 {clause_id} 不存在", f"Clause {clause_id} does not exist")
    return clause


def clause_detail(session: Session, *, clause_id: str, user: User, as_of: date | None = None) -> ClauseDetail:
    clause = get_clause(session, clause_id)
    links = _links(session, clause_id=clause_id)
    types = (
        session.execute(
            select(DocType).where(col(DocType.code).in_(list(links))).order_by(col(DocType.sort_key), col(DocType.code))
        )
        .scalars()
        .all()
        if links
        else []
    )
    bases = dict(
        session.execute(
            select(col(DocTypeClause.doc_type), col(DocTypeClause.basis)).where(
                col(DocTypeClause.clause_id) == clause_id
            )
        ).all()
    )
    blocks = blocks_of(clause)
    support_ids = supported_by(clause)
    support_rows = {
        row.id: row for row in session.execute(select(Clause).where(col(Clause.id).in_(support_ids))).scalars()
    }
    entry = readiness.clause_readiness(session, park_id=user.park_id, clause_id=clause_id, as_of=as_of, user=user)
    if entry is not None:  # the clause's own fields are already at the top level
        entry = {key: value for key, value in entry.items() if key not in ("id", "chapter", "title_zh", "title_en")}
    return ClauseDetail(
        id=clause.id,
        chapter=clause.chapter,
        parent_id=clause.parent_id,
        title_zh=clause.title_zh,
        title_en=clause.title_en,
        requirement_blocks=blocks,
        requirement_zh=lead_in_text(blocks),
        requirement_items=flat_items(blocks),
        principle=clause.chapter == "4",
        supported_by=[_clause_public(support_rows[cid]) for cid in support_ids if cid in support_rows],
        support_zh=clause.support_zh,
        support_en=clause.support_en,
        doc_types=[
            ClauseDocTypePublic(
                **_doc_type_public(row, links.get(row.code, [])).model_dump(),
                basis=bases.get(row.code, ""),
                basis_zh=label_pair("basis", bases.get(row.code))[0],
                basis_en=label_pair("basis", bases.get(row.code))[1],
            )
            for row in types
        ],
        status=entry["status"] if entry else None,
        coverage=entry["coverage"] if entry else None,
        progress=entry["progress"] if entry else None,
        items=entry["items"] if entry else [],
        readiness=entry,
    )
