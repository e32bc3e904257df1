"""The Whoosh backend: index files in `settings.index_dir` (index.py), queries evaluated from posting blocks
(evaluation.py). One writer at a time across processes (the index's file lock)."""

import logging
import os
from collections.abc import Callable

from sqlmodel import Session

from app.search import evaluation, index, whoosh_bulk
from app.search.entries import compare_stamps
from app.search.query import ParsedQuery, SearchFilters, restriction
from app.search.results import VisibleRow, count_visible, page_items, visible_rows, with_phrases
from app.search.schemas import CheckReport, IndexUnavailable, SearchPage
from app.users.models import User

logger = logging.getLogger("carbonms.search")

INDEX_ATTEMPTS = 3  # a searcher whose segment files a merge removed is reopened this many times in all
VERIFY_ALL_BELOW = 500  # up to this many matches the total is counted in the database (~5 ms of CPU at 500)


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
        writer.commit(mergetype=index.merge_small_segments)
    except BaseException:
        writer.cancel()
        raise


def rebuild_procs() -> int:
    """Processes for a rebuild: one per core, at most four (one writer's worth of memory each)."""
    return max(1, min(4, os.cpu_count() or 1))


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
        procs: int | None = None,
    ) -> int:
        """Build a new index from the database beside the current one, then switch to it.

        `procs` processes (default: one per core) each read their revisions and write whole segments
        (whoosh_bulk.py); this process writes the table of contents. Holds the write lock throughout: changes
        committed meanwhile stay queued and are indexed right after. `chunk` is kept for the protocol (rows per read).
        """
        procs = procs if procs is not None else rebuild_procs()
        with index.write_lock(timeout=60.0):
            name, ix = index.new_build()
            ix.close()
            try:
                count = whoosh_bulk.build_segments(index.index_root() / name, procs=procs, progress=progress)
                index.activate(name)
            except BaseException:
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
    """Rank in the index, then let the database re-check only the ranked windows looked at (in order, best first)
    until the page is full. The total is counted in the database when that is cheap, else estimated (see _total)."""
    matches = evaluation.evaluate(searcher, parsed.units, restriction(user, filters))
    column = evaluation.rid_column(searcher)
    found = len(matches)
    need = offset + limit
    window = need
    checked, refused = 0, 0  # refused: looked at but not shown (a phrase not there as written, a stale entry)
    accepted: list[tuple[int, float]] = []
    rows: dict[int, VisibleRow] = {}
    while checked < found:
        hits = [(int(column[docnum]), score) for score, docnum in matches.top(window)[checked:]]
        ids = [rid for rid, _ in hits]
        if parsed.phrases:
            kept = with_phrases(session, ids, parsed.phrases)
            ids = [rid for rid in ids if rid in kept]
        visible = visible_rows(session, user, ids, filters.shows_ended)
        rows.update(visible)
        accepted += [(rid, score) for rid, score in hits if rid in visible]
        refused += len(hits) - len(visible)
        checked += len(hits)
        if len(accepted) >= need:
            break
        window = min(found, max(2 * window, window + 2 * refused))
    page = accepted[offset : offset + limit]
    total, estimated = _total(session, user, matches, column, parsed, filters, checked, len(accepted))
    return SearchPage(
        total=total,
        limit=limit,
        offset=offset,
        items=page_items(session, parsed, page, rows),
        estimated=estimated,
    )


def _total(
    session: Session,
    user: User,
    matches: evaluation.Matches,
    column,
    parsed: ParsedQuery,
    filters: SearchFilters,
    checked: int,
    accepted: int,
) -> tuple[int, bool]:
    """(total, estimated). Exact when every match was checked, or when counting them all in the database is cheap
    (at most VERIFY_ALL_BELOW matches). Otherwise a bounded estimate: the share accepted among the matches checked
    (best first), applied to the rest; at least what was accepted, at most every match of the index."""
    found = len(matches)
    if checked >= found:
        return accepted, False
    if found <= VERIFY_ALL_BELOW:
        ids = [int(column[docnum]) for docnum in matches.all_docnums()]
        if parsed.phrases:
            kept = with_phrases(session, ids, parsed.phrases)
            ids = [rid for rid in ids if rid in kept]
        return count_visible(session, user, ids, filters.shows_ended), False
    share = accepted / checked if checked else 1.0
    return max(accepted, min(found, accepted + round((found - checked) * share))), True
