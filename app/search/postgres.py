"""The PostgreSQL backend: one row per revision in `search.search_entry` (migrations 0011_search_pg and
0012_search_pg_filters), the same tokens as the Whoosh index in a `tsvector`, and the filter fields beside it, kept
in step by the same queue and hooks. Any number of processes may search and write; writers take turns on an
advisory lock so that the one that read the newer state writes last.

One GIN index over (park_id, live, tsv) (btree_gin): a park's query never reads another park's postings nor the
hidden revisions', so its cost follows the park's size, not the database's. A query:
1. counts its matches (up to COUNT_LIMIT; beyond, a lower bound flagged `estimated`) in one bitmap scan of that
   index, reading no tsvector;
2. ranks RANK_CANDIDATES of them with ts_rank (reading each one's tsvector once): all when few, the newest while
   there are at most NEWEST_BELOW, else the first in the table's order (a rebuild writes the newest first);
3. lets the database re-check the page shown only (results.py). The index's count is the total unless the database
   rejected a candidate or changes are queued: then every match is counted in the database when there are few,
   else the total is flagged as an estimate. Quoted phrases are checked word for word in the database.
"""

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import Connection, text
from sqlmodel import Session

from app.db import get_engine
from app.search import pg_rebuild
from app.search.entries import compare_stamps
from app.search.index import SCHEMA_VERSION
from app.search.pg_analysis import row_of, tsqueries
from app.search.query import ParsedQuery, SearchFilters
from app.search.results import count_visible, page_items, queue_pending, visible_rows, with_phrases
from app.search.schemas import CheckReport, IndexUnavailable, SearchPage
from app.users.models import Role, User

TABLE = "search.search_entry"
WRITER_LOCK = 0x5EA5C4  # pg_advisory_xact_lock key: one writer at a time, across processes
RANK_CANDIDATES = 200  # matches ranked per query (each costs reading its ~13 KB tsvector, ~50-100 µs)
NEWEST_BELOW = 3000  # up to this many matches the newest are ranked; beyond, the first in the table's order
COUNT_LIMIT = 10_000  # matches counted exactly; beyond, the total is this lower bound and says it is an estimate
PHRASE_COUNT_LIMIT = 2000  # the same for quoted phrases (each candidate's tsvector is read to check the order)
VERIFY_ALL_BELOW = 2000  # below this many matches every one is re-checked in the database for the total

_PLAN_SETTINGS = "set_config('enable_seqscan', '{value}', true), set_config('enable_indexscan', '{value}', true)"
_UPSERT = text(
    f"""
    INSERT INTO {TABLE} (revision_id, park_id, document_id, access, creator_id, doc_type, kind, clauses, state,
                         live, owner_unit, day, stamp, length, exact_positions, tsv)
    VALUES (:revision_id, :park_id, :document_id, :access, :creator_id, :doc_type, :kind, :clauses, :state,
            :live, :owner_unit, :day, :stamp, :length, :exact_positions, CAST(:tsv AS tsvector))
    ON CONFLICT (revision_id) DO UPDATE SET
        park_id = excluded.park_id, document_id = excluded.document_id, access = excluded.access,
        creator_id = excluded.creator_id, doc_type = excluded.doc_type, kind = excluded.kind,
        clauses = excluded.clauses, state = excluded.state, live = excluded.live, owner_unit = excluded.owner_unit,
        day = excluded.day,
        stamp = excluded.stamp, length = excluded.length, exact_positions = excluded.exact_positions,
        tsv = excluded.tsv
    """
)


@contextmanager
def _writer(lock_timeout: float) -> Iterator[Connection]:
    """A transaction holding the writer's turn (advisory lock, tried with backoff until `lock_timeout`)."""
    with get_engine().begin() as connection:
        deadline = time.monotonic() + lock_timeout
        delay = 0.02
        while not connection.execute(text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": WRITER_LOCK}).scalar():
            if time.monotonic() >= deadline:
                raise IndexUnavailable("搜索索引正在被其他进程写入", "Another process is writing the search index")
            time.sleep(delay)
            delay = min(delay * 2, 1.0)
        yield connection


def _write(connection: Connection, revision_ids: list[int], documents: list[dict]) -> None:
    rows = [row_of(document) for document in documents]
    if rows:
        connection.execute(_UPSERT, rows)
    gone = sorted(set(revision_ids) - {row["revision_id"] for row in rows})
    if gone:
        connection.execute(text(f"DELETE FROM {TABLE} WHERE revision_id = ANY(:ids)"), {"ids": gone})


class PostgresBackend:
    name = "postgres"

    def ready(self) -> bool:
        with get_engine().connect() as connection:
            if connection.execute(text("SELECT to_regclass('search.search_meta')")).scalar() is None:
                return False
            value = connection.execute(text("SELECT value FROM search.search_meta WHERE key = 'schema'")).scalar()
        return value == str(SCHEMA_VERSION)

    def index(self, revision_ids: list[int], load: Callable[[], list[dict]], *, lock_timeout: float) -> None:
        with _writer(lock_timeout) as connection:
            _write(connection, revision_ids, load())

    def delete(self, revision_ids: list[int]) -> None:
        with _writer(10.0) as connection:
            _write(connection, revision_ids, [])

    def rebuild(self, *, progress: Callable[[int], None] | None = None, chunk: int = 500) -> int:
        """A new table filled in large pieces and swapped in (pg_rebuild.py)."""
        return pg_rebuild.rebuild(key=WRITER_LOCK, progress=progress, chunk=chunk)

    def check(self) -> CheckReport:
        with get_engine().connect() as connection:
            rows = connection.execute(text(f"SELECT revision_id, stamp FROM {TABLE}")).all()
        entries: dict[int, str | None] = {int(revision_id): stamp for revision_id, stamp in rows}
        return compare_stamps(entries)

    def all_matches(self, session: Session, user: User, parsed: ParsedQuery, filters: SearchFilters) -> list[int]:
        """Every entry the index matches (no ranking, no limit): what recall is measured on."""
        where, match, params = _match(user, parsed, filters)
        return list(
            session.execute(text(f"SELECT e.revision_id FROM {TABLE} e WHERE {where} AND {match}"), params).scalars()
        )

    def search(
        self, session: Session, user: User, parsed: ParsedQuery, filters: SearchFilters, limit: int, offset: int
    ) -> SearchPage:
        where, match, params = _match(user, parsed, filters)
        cap = PHRASE_COUNT_LIMIT if parsed.phrases else COUNT_LIMIT
        want = max(RANK_CANDIDATES, offset + limit)
        # The planner sees a small heap (the tsvectors are TOASTed) and would scan it, or walk the primary key for
        # "newest first", detoasting every row to test the match (~20-50 µs each); the GIN index answers park, live
        # flag and an AND of lexemes in one bitmap scan without reading a tsvector.
        session.execute(text(f"SELECT {_PLAN_SETTINGS.format(value='off')}"))
        try:
            # Counting reads no tsvector: the GIN index holds every condition of a plain query.
            counted = session.execute(
                text(f"SELECT count(*) FROM (SELECT FROM {TABLE} e WHERE {where} AND {match} LIMIT :cap) m"),
                params | {"cap": cap + 1},
            ).scalar_one()
            found = min(counted, cap)

            condition = f"{where} AND {match}"

            def candidates(skip: int) -> list[tuple[int, float]]:
                chosen = _candidates(condition, found, want, skip, "e.revision_id, e.tsv")
                return _ranked(session, chosen, params | {"want": want, "skip": skip})

            def every_match() -> list[int]:
                ids = _candidates(condition, 0, cap, 0, "e.revision_id")
                return list(session.execute(text(ids), params | {"want": cap, "skip": 0}).scalars())

            def rank(ids: list[int]) -> list[tuple[int, float]]:
                chosen = f"SELECT e.revision_id, e.tsv FROM {TABLE} e WHERE e.revision_id = ANY(:ids)"
                return _ranked(session, chosen, {"every": params["every"], "ids": ids})

            matches = _Matches(found, counted > cap, want, candidates, every_match, rank)
            return _page(session, user, parsed, filters, matches, limit, offset)
        finally:
            session.execute(text(f"SELECT {_PLAN_SETTINGS.format(value='on')}"))


@dataclass
class _Matches:
    found: int  # matches in the index, up to the cap
    bounded: bool  # more than the cap matched: `found` is a lower bound
    want: int  # candidates ranked at a time
    candidates: Callable[[int], list[tuple[int, float]]]  # the next `want` candidates, ranked, after skipping that many
    every_match: Callable[[], list[int]]  # every match's id (called only when there are few)
    rank: Callable[[list[int]], list[tuple[int, float]]]  # these entries ranked, best first


def _candidates(condition: str, found: int, want: int, skip: int, columns: str) -> str:
    """Which matches get ranked (SQL for their ids and tsvectors): all of them when few; else the newest `want`
    while reading every match's id (a heap row each, no tsvector) is cheap; else the first `want` in the table's
    order (a rebuild writes the newest first, so the GIN bitmap meets them first)."""
    order = "ORDER BY e.revision_id DESC" if want + skip < found <= NEWEST_BELOW else ""
    return f"SELECT {columns} FROM {TABLE} e WHERE {condition} {order} LIMIT :want OFFSET :skip"


def _ranked(session: Session, chosen: str, params: dict) -> list[tuple[int, float]]:
    """ts_rank of the entries `chosen` selects (only their tsvectors are read, each once), best first."""
    scores = session.execute(
        text(f"SELECT c.revision_id, ts_rank(c.tsv, CAST(:every AS tsquery), 1) FROM ({chosen}) c"), params
    ).all()
    return sorted(((int(rid), float(score)) for rid, score in scores), key=lambda item: (-item[1], -item[0]))


def _batches(parsed: ParsedQuery, matches: _Matches, session: Session) -> tuple[int, Iterator[list[tuple[int, float]]]]:
    """(the number of matches, the ranked candidates, batch by batch). Quoted phrases among few matches are checked
    in the database first, so the count is exact and only real phrase matches are ranked (newest first)."""
    if parsed.phrases and matches.found <= VERIFY_ALL_BELOW:
        kept = sorted(with_phrases(session, matches.every_match(), parsed.phrases), reverse=True)
        step = matches.want
        return len(kept), (matches.rank(kept[start : start + step]) for start in range(0, len(kept), step))

    def fetched() -> Iterator[list[tuple[int, float]]]:
        skip = 0
        while skip < matches.found or matches.bounded:
            batch = matches.candidates(skip)
            if not batch:
                return
            yield batch
            skip += len(batch)

    return matches.found, fetched()


def _match(user: User, parsed: ParsedQuery, filters: SearchFilters) -> tuple[str, str, dict]:
    """(the filters, the text match, their parameters) as SQL on search_entry `e`."""
    every, phrases = tsqueries(parsed)
    where, params = _where(user, filters)
    params |= {"every": every, "phrases": phrases or every}
    match = "e.tsv @@ CAST(:every AS tsquery)"
    if phrases:  # an entry whose positions were all kept answers the phrase itself; the others are checked later
        match += " AND (NOT e.exact_positions OR e.tsv @@ CAST(:phrases AS tsquery))"
    return where, match, params


def _where(user: User, filters: SearchFilters) -> tuple[str, dict]:
    """The restriction of query.restriction() as SQL on the entry's fields."""
    # int4 = int4, so that it is a key of the btree_gin column (psycopg binds a small int as int2)
    conditions = ["e.park_id = CAST(:park_id AS integer)"]
    params: dict = {"park_id": user.park_id}
    if user.role == Role.contributor:
        conditions.append("(e.access = 'public' OR e.creator_id = :user_id)")
        params["user_id"] = user.id
    for column, value in (("doc_type", filters.doc_type), ("state", filters.state), ("owner_unit", filters.owner_unit)):
        if value:
            conditions.append(f"e.{column} = :{column}")
            params[column] = value
    if filters.clause:
        conditions.append("e.clauses @> ARRAY[CAST(:clause AS text)]")
        params["clause"] = filters.clause
    if filters.date_from:
        conditions.append("e.day >= :date_from")
        params["date_from"] = filters.date_from
    if filters.date_to:
        conditions.append("e.day <= :date_to")
        params["date_to"] = filters.date_to
    if not filters.shows_ended:
        conditions.append("e.live = 1")  # inside the GIN index (park_id, live, tsv)
    return " AND ".join(conditions), params


def _page(
    session: Session,
    user: User,
    parsed: ParsedQuery,
    filters: SearchFilters,
    matches: _Matches,
    limit: int,
    offset: int,
) -> SearchPage:
    """Walk the ranked candidates until the page is full of revisions the database confirms (readable now, and
    holding the quoted phrases word for word). The index's count is the total unless the database rejected a
    candidate or changes are queued: then every match is checked when there are few, else the total is flagged as
    an estimate."""
    found, batches = _batches(parsed, matches, session)
    phrases_checked = parsed.phrases and matches.found <= VERIFY_ALL_BELOW
    need = offset + limit
    ranked: list[tuple[int, float]] = []
    accepted: list[tuple[int, float]] = []
    rows: dict = {}
    checked: set[int] = set()
    rejected, start, step = 0, 0, max(need, 50)
    while len(accepted) < need:
        if start >= len(ranked):
            batch = next(batches, None)
            if not batch:
                break
            ranked += [(rid, score) for rid, score in batch if rid not in checked]
            continue
        window = ranked[start : start + step]
        start += len(window)
        ids = [rid for rid, _ in window]
        checked.update(ids)
        confirmed = set(ids)
        if parsed.phrases and not phrases_checked:
            confirmed = with_phrases(session, ids, parsed.phrases)
        shown = visible_rows(session, user, ids, filters.shows_ended)
        rows |= shown
        passed = [(rid, score) for rid, score in window if rid in shown and rid in confirmed]
        accepted += passed
        rejected += len(window) - len(passed)
        step = max(2 * rejected, limit)
    total, estimated = max(0, found - rejected), matches.bounded
    if not matches.bounded and len(checked) < found and (rejected or queue_pending(session)):
        # The entries may be behind the database (a rejected hit, a queued change): count in the database.
        if found <= VERIFY_ALL_BELOW:
            rest = [rid for rid in matches.every_match() if rid not in checked]
            total = len(accepted) + count_visible(session, user, rest, filters.shows_ended)
        else:
            estimated = True
    page = accepted[offset : offset + limit]
    return SearchPage(
        total=total, limit=limit, offset=offset, items=page_items(session, parsed, page, rows), estimated=estimated
    )
