"""The facts readiness is computed from, read set-based: a fixed number of queries whatever the size of the park.

1. the clause map (clauses of the readiness chapters joined with their linked document types) in one query;
2. the park's applicability rows in one query;
3. the park's counting revisions in one narrow query over Revision JOIN Document, classified in SQL into buckets
   (effective / in progress / obsolete / filed at the date asked), grouped in Python, the newest EVIDENCE_LIMIT kept
   per type and bucket;
4. the details and approvers of the evidence revisions in one query.
"""

import heapq
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import and_, case, literal, or_, select
from sqlmodel import Session, col

from app.clauses.models import Clause, ClauseApplicability, DocType, DocTypeClause
from app.common import as_utc
from app.documents.access import readable
from app.documents.models import OPEN_STATES, Document, Revision, RevisionState, Signature, SignatureMeaning
from app.users.models import Role, User

# At most this many evidence documents are listed per item (the newest first); the reason gives the total.
EVIDENCE_LIMIT = 10

# The buckets a counting revision falls into at the date asked (short values: they come back once per row).
BUCKET_EFFECTIVE, BUCKET_OPEN, BUCKET_OBSOLETE, BUCKET_FILED = "E", "O", "X", "F"

_S = RevisionState
_OPEN_VALUES = tuple(str(state) for state in OPEN_STATES)
_ONCE_EFFECTIVE = (str(_S.effective), str(_S.superseded), str(_S.obsolete))
_RECORD_DONE = (str(_S.filed), str(_S.void))


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
    title_zh: str
    title_en: str
    doc_types: list[str] = field(default_factory=list)


def load_clause_map(
    session: Session, chapters: Collection[str], clause_ids: Collection[str] | None = None
) -> tuple[list[ClauseInfo], dict[str, TypeInfo]]:
    """Clauses of `chapters` with at least one linked type, in file order, and those types: one query."""
    query = (
        select(
            col(Clause.id),
            col(Clause.chapter),
            col(Clause.title_zh),
            col(Clause.title_en),
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
    if clause_ids is not None:
        query = query.where(col(Clause.id).in_(list(clause_ids)))
    clauses: dict[str, ClauseInfo] = {}
    types: dict[str, TypeInfo] = {}
    for cid, chapter, c_zh, c_en, code, t_zh, t_en, kind, cycle in session.execute(query):
        clause = clauses.get(cid)
        if clause is None:
            clause = clauses[cid] = ClauseInfo(cid, chapter, c_zh, c_en)
        clause.doc_types.append(code)
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


# ---------------------------------------------------------------- the park's revisions


@dataclass
class EvidenceRow:
    bucket: str
    doc_type: str
    revision_id: int
    base: datetime | None  # effective_from or last_reviewed_at, the later (the filing time for records)
    period_end: date | None
    # Filled in for the rows shown as evidence only (a second, small query).
    document_id: int = 0
    control_no: str = ""
    number: int = 0
    revision_state: str = ""  # a copy of the revision's state, for display
    effective_from: datetime | None = None
    period_start: date | None = None
    approvers: list[str] = field(default_factory=list)


@dataclass
class Bucket:
    total: int = 0
    rows: list[EvidenceRow] = field(default_factory=list)


def load_revision_buckets(
    session: Session,
    *,
    park_id: int,
    doc_types: Collection[str],
    as_of: date,
    historical: bool,
    user: User | None,
    few_types: bool = False,
) -> dict[tuple[str, str], Bucket]:
    """The park's counting revisions, classified in SQL into buckets; the newest EVIDENCE_LIMIT kept per bucket.

    One narrow query over Revision JOIN Document (state, type, id, review base, period end), grouped in Python.
    """
    R, D = Revision, Document
    cutoff = datetime.combine(as_of + timedelta(days=1), time.min, tzinfo=UTC)  # the end of the as_of day
    if historical:
        not_ended = or_(col(R.ended_at).is_(None), col(R.ended_at) >= cutoff)
        reviewed = and_(
            col(R.last_reviewed_at).is_not(None),
            col(R.last_reviewed_at) > col(R.effective_from),
            col(R.last_reviewed_at) < cutoff,
        )
        bucket = case(
            (and_(col(R.state).in_(_RECORD_DONE), col(R.effective_from) < cutoff, not_ended), literal(BUCKET_FILED)),
            (
                and_(col(R.state).in_(_ONCE_EFFECTIVE), col(R.effective_from) < cutoff, not_ended),
                literal(BUCKET_EFFECTIVE),
            ),
            (and_(col(R.state) == str(_S.obsolete), col(R.ended_at) < cutoff), literal(BUCKET_OBSOLETE)),
            (
                and_(
                    col(R.state).in_(_OPEN_VALUES + _ONCE_EFFECTIVE),
                    or_(col(R.effective_from).is_(None), col(R.effective_from) >= cutoff),
                    not_ended,
                ),
                literal(BUCKET_OPEN),
            ),
            else_=literal(""),
        )
        conditions = [col(R.created_at) < cutoff, or_(not_ended, col(R.state) == str(_S.obsolete))]
    else:
        reviewed = and_(col(R.last_reviewed_at).is_not(None), col(R.last_reviewed_at) > col(R.effective_from))
        bucket = case(
            (col(R.state) == str(_S.effective), literal(BUCKET_EFFECTIVE)),
            (col(R.state) == str(_S.filed), literal(BUCKET_FILED)),
            (col(R.state) == str(_S.obsolete), literal(BUCKET_OBSOLETE)),
            else_=literal(BUCKET_OPEN),
        )
        conditions = [col(R.state).in_((str(_S.effective), str(_S.filed), str(_S.obsolete), *_OPEN_VALUES))]
    base = case((reviewed, col(R.last_reviewed_at)), else_=col(R.effective_from))
    if user is not None and user.role == Role.contributor:
        conditions.append(readable(user))
    if few_types:
        # One clause: from the park's documents of those types to their revisions (by document_id). Without
        # the revision-side park filter SQLite cannot pick ix_revision_park_state, which would read every
        # counting revision of the park; the document-side park filter keeps the tenant boundary.
        conditions.append(col(D.doc_type).in_(sorted(doc_types)))
    else:
        # The whole park: one pass over its counting revisions through ix_revision_park_state (park_id, state).
        conditions.append(col(R.park_id) == park_id)
    query = (
        select(bucket, col(D.doc_type), col(R.id), base, col(R.period_end))
        .join(D, col(D.id) == col(R.document_id))
        .where(col(D.park_id) == park_id, *conditions)
    )
    wanted = set(doc_types)
    # Streamed in chunks, keeping per type and bucket a count and a bounded heap of the newest rows: memory and
    # garbage-collector work stay small however large the park.
    groups: dict[tuple[str, str], list] = {}
    result = session.connection().execute(query)
    for chunk in result.partitions(500):
        for bucket_value, doc_type, revision_id, base_value, period_end in chunk:
            if not bucket_value or doc_type not in wanted:
                continue
            group = groups.get((doc_type, bucket_value))
            if group is None:
                group = groups[(doc_type, bucket_value)] = [0, []]
            group[0] += 1
            # Newest first: records by the end of their period, documents by their latest publication or review.
            entry = (period_end is not None, period_end, base_value is not None, base_value, revision_id)
            heap = group[1]
            if len(heap) < EVIDENCE_LIMIT:
                heapq.heappush(heap, entry)
            elif entry > heap[0]:
                heapq.heapreplace(heap, entry)
    buckets = {}
    for (doc_type, bucket_value), (total, heap) in groups.items():
        buckets[(doc_type, bucket_value)] = Bucket(
            total=total,
            rows=[
                EvidenceRow(bucket_value, doc_type, revision_id, as_utc(base_value), period_end)
                for _, period_end, _, base_value, revision_id in sorted(heap, reverse=True)
            ],
        )
    return buckets


def fill_evidence(session: Session, rows: Collection[EvidenceRow]) -> None:
    """The details and the approvers (批准/确认 signatures) of the evidence rows: one query."""
    if not rows:
        return
    by_id: dict[int, list[EvidenceRow]] = {}
    for row in rows:
        by_id.setdefault(row.revision_id, []).append(row)
    R, D, S = Revision, Document, Signature
    query = (
        select(
            col(R.id),
            col(R.document_id),
            col(D.control_no),
            col(R.number),
            col(R.state),
            col(R.effective_from),
            col(R.period_start),
            col(S.signer_name),
        )
        .join(D, col(D.id) == col(R.document_id))
        .outerjoin(
            S,
            and_(
                col(S.revision_id) == col(R.id),
                col(S.meaning).in_((str(SignatureMeaning.approve), str(SignatureMeaning.confirm))),
            ),
        )
        .where(col(R.id).in_(sorted(by_id)))
        .order_by(col(R.id), col(S.signed_at), col(S.id))
    )
    for revision_id, document_id, control_no, number, state, effective_from, period_start, signer in (
        session.connection().execute(query).all()
    ):
        assert revision_id is not None  # a primary key
        for row in by_id[revision_id]:
            row.document_id, row.control_no, row.number = document_id, control_no, number
            row.revision_state = str(state)
            row.effective_from, row.period_start = as_utc(effective_from), period_start
            if signer and signer not in row.approvers:
                row.approvers.append(signer)
