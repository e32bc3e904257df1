"""Search: keeping the index in step with the database, and answering queries, whichever backend holds the index.

The database decides: the index narrows the candidates (park, access level and the filters are part of the index
query), then every hit shown is checked again with `readable(user)` before anything about it — title, snippet or
count — is returned.

What an entry holds is in entries.py, how a query is read in query.py, snippets in snippets.py, the backends in
backend.py (whoosh_backend.py, postgres.py).
"""

import logging
from collections.abc import Callable, Iterable

from sqlalchemy import delete, func, select, update
from sqlmodel import Session, col

from app.db import session_scope
from app.errors import Invalid
from app.search.backend import get_backend
from app.search.entries import load_documents
from app.search.models import SearchQueue
from app.search.query import SearchFilters, parse_query
from app.search.schemas import CheckReport, IndexUnavailable, SearchHit, SearchPage
from app.users.models import User

__all__ = ["CheckReport", "IndexUnavailable", "SearchHit", "SearchPage"]

logger = logging.getLogger("carbonms.search")

CHUNK = 500
MAX_OFFSET = 5000
INCREMENTAL_LOCK_SECONDS = 3.0


# ---- keeping the index in step ------------------------------------------------------------------------------


def index_revisions(revision_ids: Iterable[int], *, raise_errors: bool = False) -> bool:
    """Write these revisions' entries from the committed database state; on success their queue rows go.

    On failure the queue rows stay (with the error) for the next attempt; returns whether it worked.
    """
    ids = sorted({int(i) for i in revision_ids})
    if not ids:
        return True
    queued: list[int] = []

    def load() -> list[dict]:
        # Read once the writer holds its turn, and the queue rows in the same snapshot as the data: rows queued
        # later stay queued.
        with session_scope(write=False) as session:
            queued.extend(
                session.execute(select(col(SearchQueue.id)).where(col(SearchQueue.revision_id).in_(ids))).scalars()
            )
            return load_documents(session, ids)

    try:
        get_backend().index(ids, load, lock_timeout=INCREMENTAL_LOCK_SECONDS)
        if queued:
            with session_scope() as session:
                session.execute(delete(SearchQueue).where(col(SearchQueue.id).in_(queued)))
        return True
    except Exception as exc:
        logger.warning("search indexing failed for revisions %s: %s", ids[:20], exc)
        _record_failure(ids, exc)
        if raise_errors:
            raise
        return False


def _record_failure(ids: list[int], exc: Exception) -> None:
    try:
        with session_scope() as session:
            message = f"{type(exc).__name__}: {exc}"[:2000]
            session.execute(
                update(SearchQueue)
                .where(col(SearchQueue.revision_id).in_(ids))
                .values(attempts=SearchQueue.attempts + 1, last_error=message)
            )
    except Exception:  # the queue rows are still there; only the error text is lost
        logger.exception("could not record the search indexing failure")


def process_queue(*, batch: int = CHUNK) -> tuple[int, int]:
    """Retry everything queued; returns (revisions indexed, revisions still queued)."""
    done, last = 0, 0
    while True:
        with session_scope(write=False) as session:
            ids = list(
                session.execute(
                    select(col(SearchQueue.revision_id))
                    .where(col(SearchQueue.revision_id) > last)
                    .group_by(col(SearchQueue.revision_id))
                    .order_by(col(SearchQueue.revision_id))
                    .limit(batch)
                ).scalars()
            )
        if not ids:
            break
        if index_revisions(ids):
            done += len(ids)
        last = ids[-1]
    with session_scope(write=False) as session:
        left = session.execute(select(func.count(func.distinct(SearchQueue.revision_id)))).scalar_one()
    return done, left


def rebuild(*, progress: Callable[[int], None] | None = None, chunk: int = CHUNK) -> int:
    """Index every revision anew (searches keep the old entries meanwhile), then index what was queued meanwhile."""
    count = get_backend().rebuild(progress=progress, chunk=chunk)
    process_queue()
    return count


def ensure_index() -> None:
    """At start-up: build the index when it is missing or of another schema version, then retry the queue."""
    if not get_backend().ready():
        logger.info("building the search index (missing or of another schema version)")
        rebuild()
    else:
        process_queue()


def check() -> CheckReport:
    """Compare every revision's state with its index entry: missing, stale (state/version/metadata), extra."""
    return get_backend().check()


# ---- queries ----------------------------------------------------------------------------------------------------


def search(
    session: Session, user: User, query: str, filters: SearchFilters | None = None, limit: int = 20, offset: int = 0
) -> SearchPage:
    """Readable revisions matching the query, best first; totals count only what this user may read."""
    filters = filters or SearchFilters()
    if limit < 1 or limit > 100 or offset < 0 or offset > MAX_OFFSET:
        raise Invalid("分页参数超出范围", "Pagination out of range")
    parsed = parse_query(query)
    return get_backend().search(session, user, parsed, filters, limit, offset)
