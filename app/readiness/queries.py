"""The facts readiness is computed from, besides the per-type revision lookups (`app.readiness.lookups`):

1. the clause map (every clause of the readiness chapters with its links and their basis) in one query;
2. the park's applicability rows in one query;
3. the park's no-occurrence declarations in one query; the details of the evidence shown and their approvers in
   two (index lookups by id).
"""

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Integer, any_, bindparam, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlmodel import Session, col

from app.clauses.models import Clause, ClauseApplicability, DocType, DocTypeClause
from app.common import as_utc
from app.documents.models import Document, Revision, Signature, SignatureMeaning
from app.readiness.lookups import EvidenceRow
from app.readiness.models import NoOccurrenceDeclaration

# ---------------------------------------------------------------- the clause map


@dataclass(frozen=True)
class TypeInfo:
    code: str
    title_zh: str
    title_en: str
    kind: str
    review_cycle_months: int | None


@dataclass
class ClauseInfo:
    id: str
    chapter: str
    parent_id: str | None
    title_zh: str
    title_en: str
    doc_types: list[str] = field(default_factory=list)
    basis: dict[str, str] = field(default_factory=dict)


def load_clause_map(session: Session, chapters: Collection[str]) -> tuple[list[ClauseInfo], dict[str, TypeInfo]]:
    """Clauses of `chapters` with at least one linked type, in file order, and those types: one query."""
    query = (
        select(
            col(Clause.id),
            col(Clause.chapter),
            col(Clause.parent_id),
            col(Clause.title_zh),
            col(Clause.title_en),
            col(DocTypeClause.basis),
            col(DocType.code),
            col(DocType.title_zh),
            col(DocType.title_en),
            col(DocType.kind),
            col(DocType.review_cycle_months),
        )
        .join(DocTypeClause, col(DocTypeClause.clause_id) == col(Clause.id))
        .join(DocType, col(DocType.code) == col(DocTypeClause.doc_type))
        .where(col(Clause.chapter).in_(chapters))
        .order_by(col(Clause.sort_key), col(Clause.id), col(DocType.sort_key), col(DocType.code))
    )
    clauses: dict[str, ClauseInfo] = {}
    types: dict[str, TypeInfo] = {}
    for cid, chapter, parent, c_zh, c_en, basis, code, t_zh, t_en, kind, cycle in session.execute(query):
        clause = clauses.get(cid)
        if clause is None:
            clause = clauses[cid] = ClauseInfo(cid, chapter, parent, c_zh, c_en)
        clause.doc_types.append(code)
        clause.basis[code] = basis
        if code not in types:
            types[code] = TypeInfo(code, t_zh, t_en, str(kind), cycle or None)
    return list(clauses.values()), types


def load_applicability(
    session: Session, park_id: int, clause_ids: Collection[str] | None
) -> dict[str, tuple[bool, str]]:
    """The park's applicability rows: clause id -> (applicable, reason)."""
    query = select(
        col(ClauseApplicability.clause_id), col(ClauseApplicability.applicable), col(ClauseApplicability.reason)
    ).where(col(ClauseApplicability.park_id) == park_id)
    if clause_ids is not None:
        query = query.where(col(ClauseApplicability.clause_id).in_(list(clause_ids)))
    return {clause_id: (bool(applicable), reason or "") for clause_id, applicable, reason in session.execute(query)}


@dataclass(frozen=True)
class Declaration:
    doc_type: str
    period_start: date
    period_end: date
    signer_name: str
    signed_at: datetime


def load_declarations(session: Session, park_id: int, codes: Collection[str], as_of: date) -> dict[str, list]:
    """doc type -> the no-occurrence declarations signed by the end of `as_of`, newest period first."""
    if not codes:
        return {}
    cutoff = datetime.combine(as_of + timedelta(days=1), time.min, tzinfo=UTC)
    N = NoOccurrenceDeclaration
    query = (
        select(col(N.doc_type), col(N.period_start), col(N.period_end), col(N.signer_name), col(N.signed_at))
        .where(col(N.park_id) == park_id, col(N.doc_type).in_(sorted(codes)), col(N.signed_at) < cutoff)
        .order_by(col(N.period_end).desc())
    )
    out: dict[str, list[Declaration]] = {}
    for code, start, end, signer, signed in session.execute(query):
        out.setdefault(code, []).append(Declaration(code, start, end, signer, as_utc(signed) or signed))
    return out


_APPROVING = (str(SignatureMeaning.approve), str(SignatureMeaning.confirm))


def fill_evidence(session: Session, rows: Collection[EvidenceRow]) -> None:
    """The details and the approvers (批准/确认 signatures) of the evidence rows: two index lookups by id."""
    if not rows:
        return
    by_id: dict[int, list[EvidenceRow]] = {}
    for row in rows:
        by_id.setdefault(row.revision_id, []).append(row)
    R, D, S = Revision, Document, Signature
    ids = sorted(by_id)
    # PostgreSQL: one array parameter; an IN list of some 500 placeholders costs more to render and parse than the
    # query takes to run.
    postgres = session.connection().dialect.name == "postgresql"

    def among(column: Any) -> Any:
        return column == any_(bindparam("ids", ids, type_=ARRAY(Integer))) if postgres else column.in_(ids)

    # A correlated lookup by primary key, not a join: PostgreSQL misjudges the join of a few hundred revisions and
    # hashes the whole document table (a scan growing with the park) instead of looking each one up.
    control_no = select(col(D.control_no)).where(col(D.id) == col(R.document_id)).scalar_subquery()
    details = select(
        col(R.id),
        col(R.document_id),
        control_no,
        col(R.number),
        col(R.state),
        col(R.effective_from),
        col(R.period_start),
    ).where(among(col(R.id)))
    for revision_id, document_id, control_no, number, state, effective_from, period_start in (
        session.connection().execute(details).all()
    ):
        for row in by_id[revision_id]:
            row.document_id, row.control_no, row.number = document_id, control_no, number
            row.revision_state = str(state)
            row.effective_from, row.period_start = as_utc(effective_from), period_start
    # The signatures apart, by their revision_id index: joined to the revisions, PostgreSQL hashed every park's
    # signatures (a sequential scan growing with the whole database) to keep a few hundred.
    approvers = (
        select(col(S.revision_id), col(S.signer_name))
        .where(among(col(S.revision_id)), col(S.meaning).in_(_APPROVING))
        .order_by(col(S.revision_id), col(S.signed_at), col(S.id))
    )
    for revision_id, signer in session.connection().execute(approvers).all():
        for row in by_id[revision_id]:
            if signer and signer not in row.approvers:
                row.approvers.append(signer)
