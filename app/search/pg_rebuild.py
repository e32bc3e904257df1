"""Rebuilding the PostgreSQL entries (`carbonms reindex`, start-up on a new schema version) in large pieces.

A new table is filled with COPY and gets its GIN index once, at the end (building a GIN index over sorted entries is
far cheaper than keeping it up to date row by row); one short transaction then swaps it in for the old table, which
answered searches until then. The text analysis (pure Python) runs in worker processes, one chunk of revisions
each; this process is the one writer. It holds the writer's turn throughout: changes committed meanwhile stay
queued (their indexer cannot get the turn) and are indexed right after (service.rebuild processes the queue).
"""

import logging
import multiprocessing
import os
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor

from sqlalchemy import select
from sqlmodel import col

from app.db import get_engine, session_scope
from app.documents.models import Revision
from app.search.entries import Lookups, load_documents
from app.search.index import SCHEMA_VERSION
from app.search.pg_analysis import row_of
from app.search.schemas import IndexUnavailable

COLUMNS = (
    "revision_id",
    "park_id",
    "document_id",
    "access",
    "creator_id",
    "doc_type",
    "kind",
    "clauses",
    "state",
    "live",
    "owner_unit",
    "day",
    "stamp",
    "length",
    "exact_positions",
    "tsv",
)
# Binary COPY: the tsvector's bytes are written as they are (declared bytea; the server reads them with tsvector's
# receive function, pg_analysis.tsvector_binary), so the one writer's server process parses no literal.
COPY_TYPES = ["int4", "int4", "int4", "text", "int4", "text", "text", "text[]", "text", "int4", "text", "date", "text"]
COPY_TYPES += ["int4", "bool", "bytea"]
GIN_KEY = "(park_id, live, tsv)"  # as migration 0012_search_pg_filters makes it
PARALLEL_ABOVE = 5000  # revisions: below, worker processes cost more to start than they save
_lookups: Lookups | None = None
logger = logging.getLogger("carbonms.search")


def chunk_rows(revision_ids: list[int]) -> list[tuple]:
    """One chunk's search_entry rows, as COPY tuples (run in a worker process, or inline)."""
    global _lookups
    with session_scope(write=False) as session:
        if _lookups is None:
            _lookups = Lookups(session)
        documents = load_documents(session, revision_ids, _lookups)
    rows = [row_of(document, binary=True) for document in documents]
    return [tuple(row[name] for name in COLUMNS) for row in rows]


def _take_turn(cursor, key: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    delay = 0.05
    while not cursor.execute("SELECT pg_try_advisory_lock(%s)", (key,)).fetchone()[0]:
        if time.monotonic() >= deadline:
            raise IndexUnavailable("搜索索引正在被其他进程写入", "Another process is writing the search index")
        time.sleep(delay)
        delay = min(delay * 2, 1.0)


def rebuild(
    *, key: int, progress: Callable[[int], None] | None = None, chunk: int = 500, workers: int | None = None
) -> int:
    with session_scope(write=False) as session:
        ids = list(session.execute(select(col(Revision.id)).order_by(col(Revision.id))).scalars())
    chunks = [ids[start : start + chunk] for start in range(0, len(ids), chunk)]
    if workers is None:
        workers = min(2, os.cpu_count() or 1) if len(ids) > PARALLEL_ABOVE else 0
    with get_engine().connect() as holder:
        raw = holder.connection.driver_connection
        assert raw is not None  # a live pooled connection
        cursor = raw.cursor()
        _take_turn(cursor, key, 60.0)
        raw.commit()
        try:
            cursor.execute("DROP TABLE IF EXISTS search.search_entry_new")
            raw.commit()
            # Created and filled in one transaction, so COPY FREEZE writes the rows all-visible (no VACUUM needed for
            # index-only counting); newest first, so a scan in the table's order meets the newest entries first.
            cursor.execute(
                "CREATE TABLE search.search_entry_new (LIKE search.search_entry INCLUDING DEFAULTS INCLUDING STORAGE)"
            )
            copy_sql = f"COPY search.search_entry_new ({', '.join(COLUMNS)}) FROM STDIN WITH (FORMAT BINARY, FREEZE)"
            started = time.monotonic()
            for rows in _analysed(chunks[::-1], workers):
                with cursor.copy(copy_sql) as copy:
                    copy.set_types(COPY_TYPES)
                    for row in sorted(rows, key=lambda row: row[0], reverse=True):  # newest first
                        copy.write_row(row)
                if progress:
                    progress(len(rows))
            raw.commit()
            copied = time.monotonic()
            cursor.execute("SET maintenance_work_mem = '256MB'")
            cursor.execute(
                "ALTER TABLE search.search_entry_new ADD CONSTRAINT search_entry_new_pkey PRIMARY KEY (revision_id)"
            )
            cursor.execute(f"CREATE INDEX ix_search_entry_park_tsv_new ON search.search_entry_new USING gin {GIN_KEY}")
            # The planner needs the filter columns' statistics, hardly the lexemes' (searches turn sequential scans
            # off): a small sample of the tsvectors, which ANALYZE would otherwise read 30,000 of.
            cursor.execute("ALTER TABLE search.search_entry_new ALTER COLUMN tsv SET STATISTICS 10")
            cursor.execute("ANALYZE search.search_entry_new")
            logger.info(
                "search rebuild: %d entries written in %.1f s, indexed and analysed in %.1f s",
                len(ids),
                copied - started,
                time.monotonic() - copied,
            )
            raw.commit()
            cursor.execute("DROP TABLE search.search_entry")  # waits for searches running now; new ones wait briefly
            cursor.execute("ALTER TABLE search.search_entry_new RENAME TO search_entry")
            cursor.execute(
                "ALTER TABLE search.search_entry RENAME CONSTRAINT search_entry_new_pkey TO search_entry_pkey"
            )
            cursor.execute("ALTER INDEX search.ix_search_entry_park_tsv_new RENAME TO ix_search_entry_park_tsv")
            cursor.execute(
                "INSERT INTO search.search_meta (key, value) VALUES ('schema', %s) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (str(SCHEMA_VERSION),),
            )
            raw.commit()
        except BaseException:
            raw.rollback()
            cursor.execute("DROP TABLE IF EXISTS search.search_entry_new")
            raw.commit()
            raise
        finally:
            cursor.execute("SELECT pg_advisory_unlock(%s)", (key,))
            raw.commit()
            cursor.close()
    return len(ids)


def _analysed(chunks: list[list[int]], workers: int):
    """The chunks' rows in order; with workers, at most two chunks per worker in flight (bounded memory)."""
    if workers <= 0:
        for ids in chunks:
            yield chunk_rows(ids)
        return
    context = multiprocessing.get_context("spawn")  # no fork of a process with threads and open connections
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        pending: deque[Future] = deque()
        for ids in chunks:
            pending.append(pool.submit(chunk_rows, ids))
            if len(pending) >= 2 * workers:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
