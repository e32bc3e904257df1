"""The Whoosh backend: index files in `settings.index_dir` (index.py), queries evaluated from posting blocks
(evaluation.py). One writer at a time across processes (the index's file lock)."""

import heapq
import logging
from collections.abc import Callable

from sqlmodel import Session

from app.search import evaluation, index
from app.search.entries import compare_stamps, iter_documents
from app.search.query import ParsedQuery, SearchFilters, restriction
from app.search.results import count_visible, page_items, queue_pending, visible_rows, with_phrases
from app.search.schemas import CheckReport, IndexUnavailable, SearchPage
from app.users.models import User

logger = logging.getLogger("carbonms.search")

INDEX_ATTEMPTS = 3  # a searcher whose segment files a merge removed is reopened this many times in all
VERIFY_ALL_BELOW = 2000  # below this many matches every one is re-checked in the database for the total


def _write(ix, revision_ids: list[int], documents: list[dict], lock_timeout: float) -> None:
    writer = index.open_writer(ix, timeout=lock_timeout, procs=1, limitmb=64)
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


class WhooshBackend:
    name = "whoosh"

    def ready(self) -> bool:
        return index.is_current()

    def index(self, revision_ids: list[int], load: Callable[[], list[dict]], *, lock_timeout: float) -> None:
        with index.write_lock(timeout=lock_timeout):
            ix = index.open_current()
            if ix is None:
                raise IndexUnavailable("搜索索引尚未建立", "The search index has not been built yet")
            try:
                _write(ix, revision_ids, load(), lock_timeout)
            finally:
                ix.close()

    def delete(self, revision_ids: list[int]) -> None:
        self.index(revision_ids, list, lock_timeout=10.0)

    def rebuild(
        self,
        *,
        progress: Callable[[int], None] | None = None,
        chunk: int = 500,
        commit_every: int = 5000,
        limitmb: int = 128,
    ) -> int:
        """Build a new index from the database beside the current one, then switch to it.

        Rows are read `chunk` at a time and the writer commits every `commit_every` revisions without merging
        (Whoosh re-adds every posting when it merges, which would double the work); memory stays bounded by
        `limitmb` (the writer spills sorted runs to disk) and by the chunk size. Holds the write lock throughout:
        changes committed meanwhile stay queued and are indexed right after.
        """
        count = 0
        with index.write_lock(timeout=60.0):
            name, ix = index.new_build()
            writer = None
            try:
                pending = 0
                for ids, documents in iter_documents(chunk):
                    if writer is None:
                        writer = ix.writer(procs=1, limitmb=limitmb)
                    for document in documents:
                        writer.add_document(**document)
                    del documents
                    count += len(ids)
                    pending += len(ids)
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
        return count

    def check(self) -> CheckReport:
        ix = index.open_current()
        if ix is None:
            raise IndexUnavailable("搜索索引尚未建立", "The search index has not been built yet")
        with ix.searcher() as searcher:
            entries = {int(fields["rid"]): fields.get("stamp") for fields in searcher.all_stored_fields()}
        ix.close()
        return compare_stamps(entries)

    def search(
        self, session: Session, user: User, parsed: ParsedQuery, filters: SearchFilters, limit: int, offset: int
    ) -> SearchPage:
        for attempt in range(INDEX_ATTEMPTS):
            try:
                searcher = index.searcher(renew=attempt > 0)
                if searcher is None:
                    raise IndexUnavailable(
                        "搜索索引正在建立，请稍后再试", "The search index is being built; try again shortly"
                    )
                return _search_with(session, user, searcher, parsed, filters, limit, offset)
            except FileNotFoundError:
                # The indexer merged segments and removed their files after this searcher was opened: reopen.
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
    column = evaluation.rid_column(searcher)
    if parsed.phrases:
        by_revision = {int(column[docnum]): (score, docnum) for score, docnum in matches}
        kept = with_phrases(session, list(by_revision), parsed.phrases)
        matches = [by_revision[rid] for rid in by_revision if rid in kept]
    found = len(matches)

    need = offset + limit
    window = need
    while True:
        top = heapq.nlargest(window, matches)
        hits = [(int(column[docnum]), score) for score, docnum in top]
        rows = visible_rows(session, user, [rid for rid, _ in hits], filters.shows_ended)
        accepted = [(rid, score) for rid, score in hits if rid in rows]
        rejected = len(hits) - len(accepted)  # stale entries: the database said no
        if len(accepted) >= need or len(hits) >= found:
            break
        window = min(found, window + max(2 * rejected, limit))
    total = max(0, found - rejected)
    if len(hits) < found and (rejected or found <= VERIFY_ALL_BELOW or queue_pending(session)):
        # The index may be behind the database (a rejected hit, a queued change) or checking is cheap: count every
        # match in the database, so the total never includes a revision this user may not see.
        total = count_visible(session, user, [int(column[docnum]) for _, docnum in matches], filters.shows_ended)
    page = accepted[offset : offset + limit]
    return SearchPage(total=total, limit=limit, offset=offset, items=page_items(session, parsed, page, rows))
