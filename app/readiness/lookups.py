"""The per-type revision lookups of readiness: for each required type a few LIMITed index lookups on Revision (its
`doc_type` copy, see ix_revision_type_*), so the cost follows the number of types, not the size of the park.

documents: the newest effective revisions (by review), else the open ones, else the obsolete ones;
records: the newest filed records (by period end), and the open ones only when the filed ones fall short.
The first lookup of every type is read in one round trip (`RevisionFinder.first_lookups`).
"""

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import (
    DateTime,
    Integer,
    String,
    and_,
    bindparam,
    case,
    func,
    literal_column,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlmodel import Session, col

from app.common import as_utc
from app.documents.models import OPEN_STATES, AccessLevel, Document, Revision, RevisionState
from app.users.models import Role, User

# At most this many evidence documents are listed per item (the newest first); one more is read to say "more".
EVIDENCE_LIMIT = 10

BUCKET_EFFECTIVE, BUCKET_OPEN, BUCKET_OBSOLETE, BUCKET_FILED = "E", "O", "X", "F"

_S = RevisionState
_OPEN_VALUES = tuple(str(state) for state in OPEN_STATES)
_ONCE_EFFECTIVE = (str(_S.effective), str(_S.superseded), str(_S.obsolete))
_RECORD_DONE = (str(_S.filed), str(_S.void))


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
    total: int = 0  # rows found, at most EVIDENCE_LIMIT + 1 (more than the limit: "more than ten")
    rows: list[EvidenceRow] = field(default_factory=list)


# The per-type statements, built once per shape with bind parameters: building and compiling a SQLAlchemy
# statement costs more than SQLite takes to answer it, and a cached shape is compiled once per process.
_STATEMENTS: dict[tuple[str, bool, bool, bool], Any] = {}


def _statement(name: str, historical: bool, covered: bool, contributor: bool) -> Any:
    key = (name, historical, covered, contributor)
    statement = _STATEMENTS.get(key)
    if statement is None:
        statement = _STATEMENTS[key] = _build(name, historical, contributor, *_params(covered))
    return statement


def _params(covered: bool, suffix: str = "") -> tuple[Any, Any, Any]:
    """The lookup's keys as bind parameters: doc type, state (of the shapes that take one), covered clause."""
    covers = bindparam("p_covers" + suffix, type_=String) if covered else None
    return bindparam("p_code" + suffix, type_=String), bindparam("p_state" + suffix, type_=String), covers


Lookup = tuple[str, str, str | None, str | None]  # (shape, doc type, covered clause, state)
Group = tuple[str, bool]  # (shape, covered): the lookups one statement answers
_UNIONS: dict[tuple, Any] = {}


def _union(lookups: tuple[Group, ...], historical: bool, contributor: bool) -> Any:
    """SQLite: many lookups in one statement (one round trip), each LIMITed lookup a subquery tagged by position."""
    key = (lookups, historical, contributor)
    statement = _UNIONS.get(key)
    if statement is None:
        members = []
        for index, (name, covered) in enumerate(lookups):
            sub = _build(name, historical, contributor, *_params(covered, f"_{index}")).subquery()
            members.append(select(literal_column(str(index)).label("k"), sub.c.id, sub.c.base, sub.c.period_end))
        statement = _UNIONS[key] = union_all(*members)
    return statement


def _lateral(groups: tuple[Group, ...], historical: bool, contributor: bool) -> Any:
    """PostgreSQL: one LATERAL lookup per shape, run for every row of arrays of (position, type, state, covered
    clause). PostgreSQL plans a union of ~80 subqueries anew on every call (tens of milliseconds, more than it
    takes to run them); this statement is planned as one lookup of each shape, whatever the number of types."""
    key = ("lateral", groups, historical, contributor)
    statement = _UNIONS.get(key)
    if statement is None:
        members = []
        for index, (name, covered) in enumerate(groups):
            arrays = [bindparam(f"p_{part}_{index}", type_=ARRAY(kind)) for part, kind in _LATERAL_COLUMNS]
            wanted = (
                func.unnest(*arrays)
                .table_valued(*(part for part, _ in _LATERAL_COLUMNS))
                .render_derived(name=f"w_{index}")
            )
            c = wanted.c
            sub = _build(name, historical, contributor, c.code, c.state, c.covers if covered else None)
            found = sub.lateral(f"r_{index}")
            members.append(
                select(c.k, found.c.id, found.c.base, found.c.period_end).select_from(wanted.join(found, true()))
            )
        statement = _UNIONS[key] = union_all(*members)
    return statement


_LATERAL_COLUMNS: tuple[tuple[str, Any], ...] = (
    ("k", Integer),
    ("code", String),
    ("state", String),
    ("covers", String),
)


def _build(name: str, historical: bool, contributor: bool, code: Any, state: Any, covers: Any) -> Any:
    """One LIMITed lookup of shape `name` for the type `code` (and `state`, `covers`: SQL expressions; `covers`
    None: any covered clause)."""
    R, D = Revision, Document
    cutoff = bindparam("p_cutoff", type_=DateTime(timezone=True))
    not_ended = or_(col(R.ended_at).is_(None), col(R.ended_at) >= cutoff)
    reviewed = and_(col(R.last_reviewed_at).is_not(None), col(R.last_reviewed_at) > col(R.effective_from))
    if historical:
        reviewed = and_(reviewed, col(R.last_reviewed_at) < cutoff)
    base = case((reviewed, col(R.last_reviewed_at)), else_=col(R.effective_from))
    one_state = col(R.state) == state
    live = [col(R.effective_from) < cutoff, not_ended]
    shapes: dict[str, tuple[list[Any], Any]] = {
        # today: by state alone
        "effective": ([col(R.state) == str(_S.effective)], col(R.last_reviewed_at).desc()),
        "open_document": ([col(R.state).in_(_OPEN_VALUES)], col(R.created_at).desc()),
        "open_record": ([col(R.state).in_(_OPEN_VALUES)], col(R.period_end).desc()),
        "obsolete": ([col(R.state) == str(_S.obsolete)], col(R.ended_at).desc()),
        "filed": ([col(R.state) == str(_S.filed)], col(R.period_end).desc()),
        # at the end of a past day
        "effective_from": ([*live, col(R.state).in_(_ONCE_EFFECTIVE)], col(R.effective_from).desc()),
        "effective_reviewed": ([*live, one_state, col(R.last_reviewed_at) < cutoff], col(R.last_reviewed_at).desc()),
        "open_document_then": (_open_then(_ONCE_EFFECTIVE, cutoff, not_ended), col(R.created_at).desc()),
        "open_record_then": (_open_then(_RECORD_DONE, cutoff, not_ended), col(R.period_end).desc()),
        "obsolete_then": ([col(R.state) == str(_S.obsolete), col(R.ended_at) < cutoff], col(R.ended_at).desc()),
        # coalesce(): so the planner walks (park, type, state, period_end, …) newest period first and stops at
        # the LIMIT, instead of reading every record filed before the date by ix_revision_type_from and sorting.
        "filed_then": (
            [func.coalesce(col(R.effective_from), cutoff) < cutoff, not_ended, one_state],
            col(R.period_end).desc(),
        ),
    }
    conditions, order = shapes[name]
    query = select(col(R.id).label("id"), base.label("base"), col(R.period_end).label("period_end")).where(
        col(R.park_id) == bindparam("p_park"), col(R.doc_type) == code, *conditions
    )
    if covers is not None:
        query = query.where(col(R.covers_clause) == covers)
    if contributor:  # what a contributor may read (app.documents.access.readable, with the user as a parameter)
        query = query.join(D, col(D.id) == col(R.document_id)).where(
            or_(col(D.access_level) == AccessLevel.public, col(D.created_by_id) == bindparam("p_uid"))
        )
    return query.order_by(order, col(R.id).desc()).limit(EVIDENCE_LIMIT + 1)


def _open_then(later: tuple[str, ...], cutoff: Any, not_ended: Any) -> list[Any]:
    """Open at a past day: created by then, not yet effective or filed then, not ended then."""
    R = Revision
    return [
        col(R.created_at) < cutoff,
        col(R.state).in_(_OPEN_VALUES + later),
        or_(col(R.effective_from).is_(None), col(R.effective_from) >= cutoff),
        not_ended,
    ]


class RevisionFinder:
    """The per-type lookups, at the end of the `as_of` day (today: by state alone)."""

    def __init__(self, session: Session, *, park_id: int, as_of: date, historical: bool, user: User | None):
        self.connection = session.connection()
        if self.connection.dialect.name == "postgresql":
            # psycopg prepares a statement run five times on a connection, and PostgreSQL may then keep one generic
            # plan for it: planned without the arrays' contents, the as-of-date lookups and the evidence query
            # took twice as long. Plan them for their values, for the rest of this (read-only) transaction.
            self.connection.exec_driver_sql("SET LOCAL plan_cache_mode = force_custom_plan")
        self.park_id = park_id
        self.historical = historical
        self.cutoff = datetime.combine(as_of + timedelta(days=1), time.min, tzinfo=UTC)  # the end of the as_of day
        self.contributor_id = user.id if user is not None and user.role == Role.contributor else None
        self._fetched: dict[Lookup, list[tuple[int, Any, date | None]]] = {}

    def _common(self) -> dict[str, Any]:
        values: dict[str, Any] = {"p_park": self.park_id}
        if self.historical:
            values["p_cutoff"] = self.cutoff
        if self.contributor_id is not None:
            values["p_uid"] = self.contributor_id
        return values

    def first_lookups(self, documents: Collection[str], records: Collection[tuple[str, str | None]]) -> None:
        """Read the first lookup of every type in one statement: the effective documents, the filed records (per
        covered clause). The verdicts then find them here; later lookups, rarely needed, go one by one."""
        wanted: list[Lookup] = []
        for code in sorted(documents):
            wanted.append(("effective_from" if self.historical else "effective", code, None, None))
        for code, covers in sorted(records, key=lambda pair: (pair[0], pair[1] or "")):
            if self.historical:
                wanted += [("filed_then", code, covers, state) for state in _RECORD_DONE]
            else:
                wanted.append(("filed", code, covers, None))
        if not wanted:
            return
        contributor = self.contributor_id is not None
        values = self._common()
        if self.connection.dialect.name == "postgresql":
            groups: dict[Group, list[int]] = {}
            for index, (name, _, covers, _) in enumerate(wanted):
                groups.setdefault((name, covers is not None), []).append(index)
            statement = _lateral(tuple(groups), self.historical, contributor)
            for number, positions in enumerate(groups.values()):
                for part, column in (("k", None), ("code", 1), ("state", 3), ("covers", 2)):
                    values[f"p_{part}_{number}"] = [i if column is None else wanted[i][column] for i in positions]
        else:
            statement = _union(
                tuple((name, covers is not None) for name, _, covers, _ in wanted), self.historical, contributor
            )
            for index, (_, code, covers, state) in enumerate(wanted):
                values[f"p_code_{index}"] = code
                if covers is not None:
                    values[f"p_covers_{index}"] = covers
                if state is not None:
                    values[f"p_state_{index}"] = state
        for lookup in wanted:
            self._fetched[lookup] = []
        for index, revision_id, base, period_end in self.connection.execute(statement, values):
            self._fetched[wanted[int(index)]].append((revision_id, base, period_end))

    def _rows(self, bucket: str, name: str, code: str, covers: str | None = None, **params: Any) -> list[EvidenceRow]:
        fetched = self._fetched.get((name, code, covers, params.get("state")))
        if fetched is not None:
            return [EvidenceRow(bucket, code, rid, as_utc(base), end) for rid, base, end in fetched]
        contributor = self.contributor_id is not None
        statement = _statement(name, self.historical, covers is not None, contributor)
        values = self._common() | {"p_code": code, **{f"p_{k}": v for k, v in params.items()}}
        if covers is not None:
            values["p_covers"] = covers
        return [
            EvidenceRow(bucket, code, revision_id, as_utc(base), period_end)
            for revision_id, base, period_end in self.connection.execute(statement, values)
        ]

    @staticmethod
    def _bucket(rows: list[EvidenceRow], key: Any) -> Bucket:
        unique = list({row.revision_id: row for row in rows}.values())
        unique.sort(key=key, reverse=True)
        return Bucket(total=min(len(unique), EVIDENCE_LIMIT + 1), rows=unique[:EVIDENCE_LIMIT])

    @staticmethod
    def _by_base(row: EvidenceRow) -> tuple:
        return (row.base is not None, row.base or datetime.min.replace(tzinfo=UTC), row.revision_id)

    @staticmethod
    def _by_period(row: EvidenceRow) -> tuple:
        return (row.period_end is not None, row.period_end or date.min, row.revision_id)

    def effective(self, code: str, current: Any = None) -> Bucket:
        """The effective revisions, newest review first. `current(row) -> bool`: when the newest by publication
        holds none that is current, the newest by review are read as well (historical only)."""
        if not self.historical:
            return self._bucket(self._rows(BUCKET_EFFECTIVE, "effective", code), self._by_base)
        rows = self._rows(BUCKET_EFFECTIVE, "effective_from", code)
        if rows and current is not None and not any(current(row) for row in rows):
            for state in _ONCE_EFFECTIVE:  # one index range each: (park, type, state, last_reviewed_at)
                rows += self._rows(BUCKET_EFFECTIVE, "effective_reviewed", code, state=state)
        return self._bucket(rows, self._by_base)

    def open(self, code: str, *, record: bool, covers: str | None = None) -> Bucket:
        """Revisions in preparation (draft … approved, or a record awaiting confirmation)."""
        name = ("open_record" if record else "open_document") + ("_then" if self.historical else "")
        rows = self._rows(BUCKET_OPEN, name, code, covers)
        return self._bucket(rows, self._by_period if record else lambda row: row.revision_id)

    def obsolete(self, code: str) -> Bucket:
        name = "obsolete_then" if self.historical else "obsolete"
        return self._bucket(self._rows(BUCKET_OBSOLETE, name, code), self._by_base)

    def filed(self, code: str, covers: str | None = None) -> Bucket:
        """Filed records, newest period first (at a past date: filed by then, not yet void)."""
        if not self.historical:
            return self._bucket(self._rows(BUCKET_FILED, "filed", code, covers), self._by_period)
        rows: list[EvidenceRow] = []
        for state in _RECORD_DONE:  # one index range each: (park, type, state, period_end)
            rows += self._rows(BUCKET_FILED, "filed_then", code, covers, state=state)
        return self._bucket(rows, self._by_period)
