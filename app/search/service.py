"""Search: keeping the index in step with the database, and answering queries.

The database decides: the index narrows the candidates (park and access level are part of the Whoosh query), then
every hit is checked again with `readable(user)` before anything about it — title, snippet or count — is returned.

What an entry holds is in entries.py, how a query is read in query.py, snippets in snippets.py.
"""

import heapq
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import NamedTuple

from pydantic import BaseModel
from sqlalchemy import delete, func, select, update
from sqlmodel import Session, col

from app.db import session_scope
from app.documents.access import readable
from app.documents.models import Document, Revision, RevisionState, RevisionText
from app.errors import AppError, Invalid
from app.like import contains
from app.search import evaluation, index
from app.search.entries import Lookups, entry_stamp, load_documents
from app.search.models import SearchQueue
from app.search.query import HIDDEN_STATES, ParsedQuery, SearchFilters, parse_query, restriction
from app.search.snippets import highlighter, make_snippet
from app.users.models import User

logger = logging.getLogger("carbonms.search")

CHUNK = 500
MAX_OFFSET = 5000
INDEX_ATTEMPTS = 3  # a searcher whose segment files a merge removed is reopened this many times in all
VERIFY_ALL_BELOW = 2000  # below this many matches every one is re-checked in the database for the total
INCREMENTAL_LOCK_SECONDS = 3.0


class IndexUnavailable(AppError):
    status_code = 503
    code = "search_unavailable"


# ---- JSON shapes ---------------------------------------------------------------------------------------------


class SearchHit(BaseModel):
    document_id: int
    revision_id: int
    control_no: str
    title: str
    state: str
    snippet: str
    score: float
    obsolete: bool


class SearchPage(BaseModel):
    total: int
    limit: int
    offset: int
    items: list[SearchHit]


# ---- keeping the index in step ------------------------------------------------------------------------------


def _write(ix, revision_ids: list[int], documents: list[dict]) -> None:
    writer = index.open_writer(ix, timeout=INCREMENTAL_LOCK_SECONDS, procs=1, limitmb=64)
    try:
        found = set()
        for document in documents:
            writer.update_document(**document)
            found.add(document["rid"])
        for revision_id in revision_ids:
            if str(revision_id) not in found:  # the revision is gone: so is its entry
                writer.delete_by_term("rid", str(revision_id))
        writer.commit()
    except BaseException:
        writer.cancel()
        raise


def index_revisions(revision_ids: Iterable[int], *, raise_errors: bool = False) -> bool:
    """Write these revisions' entries from the committed database state; on success their queue rows go.

    On failure the queue rows stay (with the error) for the next attempt; returns whether it worked.
    """
    ids = sorted({int(i) for i in revision_ids})
    if not ids:
        return True
    try:
        with index.write_lock(timeout=INCREMENTAL_LOCK_SECONDS):
            ix = index.open_current()
            if ix is None:
                raise IndexUnavailable("搜索索引尚未建立", "The search index has not been built yet")
            try:
                with session_scope(write=False) as session:
                    # Read the queue rows in the same snapshot as the data: rows queued later stay queued.
                    queued = list(
                        session.execute(
                            select(col(SearchQueue.id)).where(col(SearchQueue.revision_id).in_(ids))
                        ).scalars()
                    )
                    documents = load_documents(session, ids)
                _write(ix, ids, documents)
            finally:
                ix.close()
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


def rebuild(
    *, progress: Callable[[int], None] | None = None, chunk: int = CHUNK, commit_every: int = 5000, limitmb: int = 128
) -> int:
    """Build a new index from the database beside the current one, then switch to it.

    Rows are read `chunk` at a time and the writer commits every `commit_every` revisions without merging (Whoosh
    re-adds every posting when it merges, which would double the work); memory stays bounded by `limitmb` (the
    writer spills sorted runs to disk) and by the chunk size. Holds the write lock throughout: changes committed
    meanwhile stay queued and are indexed right after.
    """
    count = 0
    with index.write_lock(timeout=60.0):
        name, ix = index.new_build()
        writer = None
        try:
            last, pending = 0, 0
            with session_scope(write=False) as session:
                lookups = Lookups(session)
            while True:
                with session_scope(write=False) as session:
                    ids = list(
                        session.execute(
                            select(col(Revision.id))
                            .where(col(Revision.id) > last)
                            .order_by(col(Revision.id))
                            .limit(chunk)
                        ).scalars()
                    )
                    if not ids:
                        break
                    documents = load_documents(session, ids, lookups)
                if writer is None:
                    writer = ix.writer(procs=1, limitmb=limitmb)
                for document in documents:
                    writer.add_document(**document)
                del documents
                count += len(ids)
                pending += len(ids)
                last = ids[-1]
                if pending >= commit_every:
                    writer.commit(merge=False)
                    writer, pending = None, 0
                if progress:
                    progress(len(ids))
            if writer is not None:
                writer.commit(merge=False)
                writer = None
            ix.close()
            index.activate(name)
        except BaseException:
            if writer is not None:
                writer.cancel()
            ix.close()
            index.discard(name)
            raise
    process_queue()
    return count


def ensure_index() -> None:
    """At start-up: build the index when it is missing or of another schema version, then retry the queue."""
    if not index.is_current():
        logger.info("building the search index (missing or of another schema version)")
        rebuild()
    else:
        process_queue()


@dataclass
class CheckReport:
    rows: int = 0
    indexed: int = 0
    missing: list[int] = field(default_factory=list)
    stale: list[int] = field(default_factory=list)
    extra: list[int] = field(default_factory=list)
    queued: int = 0

    @property
    def ok(self) -> bool:
        return not (self.missing or self.stale or self.extra)


def check() -> CheckReport:
    """Compare every revision's state with its index entry: missing, stale (state/version/metadata), extra."""
    report = CheckReport()
    ix = index.open_current()
    if ix is None:
        raise IndexUnavailable("搜索索引尚未建立", "The search index has not been built yet")
    with ix.searcher() as searcher:
        entries = {int(fields["rid"]): fields.get("stamp") for fields in searcher.all_stored_fields()}
    ix.close()
    report.indexed = len(entries)
    seen: set[int] = set()
    with session_scope(write=False) as session:
        rows = session.execute(
            select(
                col(Revision.id),
                col(Revision.version),
                col(Revision.state),
                col(Document.title),
                col(Document.control_no),
                col(Document.access_level),
                col(Document.owner_unit),
                col(Document.doc_type),
            )
            .join(Document, col(Document.id) == col(Revision.document_id))
            .order_by(col(Revision.id))
            .execution_options(yield_per=2000)
        )
        for row in rows:
            report.rows += 1
            seen.add(row.id)
            stamp = entries.get(row.id)
            if stamp is None:
                report.missing.append(row.id)
            elif stamp != entry_stamp(
                row.version,
                str(row.state),
                row.title,
                row.control_no,
                str(row.access_level),
                row.owner_unit or "",
                row.doc_type,
            ):
                report.stale.append(row.id)
        report.queued = session.execute(select(func.count(func.distinct(SearchQueue.revision_id)))).scalar_one()
    report.extra = sorted(set(entries) - seen)
    return report


# ---- queries ----------------------------------------------------------------------------------------------------


class VisibleRow(NamedTuple):
    id: int
    document_id: int
    state: str
    control_no: str
    title: str


def _visible_rows(
    session: Session, user: User, revision_ids: list[int], include_obsolete: bool
) -> dict[int, VisibleRow]:
    """The revisions among `revision_ids` that `user` may see now, with their document's number and title.

    Two single-table queries, not one join: with a long id list SQLite's planner scanned every document of the park
    and probed each one's revisions (130 ms for 1,658 ids at 3,000 revisions, against 5 ms this way).
    """
    if not revision_ids:
        return {}
    query = select(col(Revision.id), col(Revision.document_id), col(Revision.state)).where(
        col(Revision.id).in_(revision_ids), col(Revision.park_id) == user.park_id
    )
    if not include_obsolete:
        query = query.where(col(Revision.state).not_in([str(state) for state in HIDDEN_STATES]))
    revisions = session.execute(query).all()
    if not revisions:
        return {}
    documents = {
        row.id: row
        for row in session.execute(
            select(col(Document.id), col(Document.control_no), col(Document.title)).where(
                col(Document.id).in_({row.document_id for row in revisions}), readable(user)
            )
        )
    }
    return {
        row.id: VisibleRow(
            row.id, row.document_id, row.state, documents[row.document_id].control_no, documents[row.document_id].title
        )
        for row in revisions
        if row.document_id in documents
    }


def _with_phrases(
    session: Session,
    searcher,
    matches: list[tuple[float, int]],
    phrases: list[str],
) -> list[tuple[float, int]]:
    """Keep the matches whose text (or title, or control number) holds every quoted phrase as written."""
    column = evaluation.rid_column(searcher)
    by_revision = {int(column[docnum]): (score, docnum) for score, docnum in matches}
    conditions = [
        contains(RevisionText.text, phrase, ignore_case=True)
        | contains(Document.title, phrase, ignore_case=True)
        | contains(Document.control_no, phrase, ignore_case=True)
        for phrase in phrases
    ]
    kept: list[tuple[float, int]] = []
    ids = list(by_revision)
    for start in range(0, len(ids), 5000):
        rows = session.execute(
            select(col(Revision.id))
            .join(Document, col(Document.id) == col(Revision.document_id))
            .outerjoin(RevisionText, col(RevisionText.revision_id) == col(Revision.id))
            .where(col(Revision.id).in_(ids[start : start + 5000]), *conditions)
        ).scalars()
        kept.extend(by_revision[revision_id] for revision_id in rows)
    return kept


def _queue_pending(session: Session) -> bool:
    return session.execute(select(col(SearchQueue.id)).limit(1)).first() is not None


def search(
    session: Session, user: User, query: str, filters: SearchFilters | None = None, limit: int = 20, offset: int = 0
) -> SearchPage:
    """Readable revisions matching the query, best first; totals count only what this user may read."""
    filters = filters or SearchFilters()
    if limit < 1 or limit > 100 or offset < 0 or offset > MAX_OFFSET:
        raise Invalid("分页参数超出范围", "Pagination out of range")
    parsed = parse_query(query)
    for attempt in range(INDEX_ATTEMPTS):
        try:
            searcher = index.searcher(renew=attempt > 0)
            if searcher is None:
                raise IndexUnavailable(
                    "搜索索引正在建立，请稍后再试", "The search index is being built; try again shortly"
                )
            return _search_with(session, user, searcher, parsed, filters, limit, offset)
        except FileNotFoundError:
            # The indexer merged segments and removed their files after this searcher was opened: open a fresh one.
            logger.info("search index segment vanished under a searcher (attempt %d); reopening", attempt + 1)
    raise IndexUnavailable("搜索索引正在更新，请稍后再试", "The search index is being updated; try again shortly")


def _search_with(
    session: Session,
    user: User,
    searcher,
    parsed: ParsedQuery,
    filters: SearchFilters,
    limit: int,
    offset: int,
) -> SearchPage:
    matches = evaluation.evaluate(searcher, parsed.units, restriction(user, filters))
    if parsed.phrases:
        matches = _with_phrases(session, searcher, matches, parsed.phrases)
    found = len(matches)

    need = offset + limit
    window = need
    while True:
        top = heapq.nlargest(window, matches)
        column = evaluation.rid_column(searcher)
        hits = [(int(column[docnum]), score) for score, docnum in top]
        rows = _visible_rows(session, user, [rid for rid, _ in hits], filters.shows_ended)
        accepted = [(rid, score) for rid, score in hits if rid in rows]
        rejected = len(hits) - len(accepted)  # stale entries: the database said no
        if len(accepted) >= need or len(hits) >= found:
            break
        window = min(found, window + max(2 * rejected, limit))
    total = max(0, found - rejected)
    if len(hits) < found and (rejected or found <= VERIFY_ALL_BELOW or _queue_pending(session)):
        # The index may be behind the database (a rejected hit, a queued change) or checking is cheap: count every
        # match in the database, so the total never includes a revision this user may not see.
        column = evaluation.rid_column(searcher)
        every = [int(column[docnum]) for _, docnum in matches]
        total = sum(
            len(_visible_rows(session, user, every[start : start + 5000], filters.shows_ended))
            for start in range(0, len(every), 5000)
        )
    page = accepted[offset : offset + limit]

    pattern = highlighter(parsed.needles)
    page_ids = [rid for rid, _ in page]
    texts = (
        dict(
            session.execute(
                select(col(RevisionText.revision_id), col(RevisionText.text)).where(
                    col(RevisionText.revision_id).in_(page_ids)
                )
            ).all()
        )
        if page_ids
        else {}
    )
    items = []
    for rid, score in page:
        row = rows[rid]
        text = texts.get(rid, "")
        source = (
            text
            if pattern and pattern.search(text or "")
            else (row.title if pattern and pattern.search(row.title) else text)
        )
        items.append(
            SearchHit(
                document_id=row.document_id,
                revision_id=rid,
                control_no=row.control_no,
                title=row.title,
                state=str(row.state),
                snippet=make_snippet(source, pattern),
                score=round(float(score), 4),
                obsolete=RevisionState(row.state) in HIDDEN_STATES,
            )
        )
    return SearchPage(total=total, limit=limit, offset=offset, items=items)
