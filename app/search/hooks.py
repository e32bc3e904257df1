"""Keep the index in step with committed changes, without the document services knowing about search.

After each flush, the revisions it touched (a revision inserted or changed, its text, a signature, a document whose
indexed metadata changed) are written to `search_queue` in the same transaction. After the commit they are indexed
and their queue rows deleted; if that fails — or the process dies first — the rows stay and are retried at the next
indexing attempt, at start-up and by `carbonms reindex`.

Registered once, on import.
"""

import queue
import threading
import time
from itertools import chain
from typing import Any

from sqlalchemy import event, insert, inspect, select
from sqlalchemy.orm import Session
from sqlmodel import col

from app.common import utcnow
from app.config import get_settings
from app.db import after_commit, after_rollback
from app.documents.models import Document, Revision, RevisionText, Signature
from app.search.models import SearchQueue

_PENDING = "carbonms_search_pending"
_INDEXED_DOCUMENT_FIELDS = ("title", "control_no", "doc_type", "owner_unit", "access_level", "created_by_id", "park_id")


def _metadata_changed(document: Document) -> bool:
    state = inspect(document)
    return any(state.attrs[name].history.has_changes() for name in _INDEXED_DOCUMENT_FIELDS)


def touched_revisions(session: Session) -> set[int]:
    ids: set[int] = set()
    documents: set[int] = set()
    for obj in chain(session.new, session.dirty, session.deleted):
        if isinstance(obj, Revision):
            if obj.id is not None:
                ids.add(obj.id)
        elif isinstance(obj, RevisionText | Signature):
            if obj.revision_id is not None:
                ids.add(obj.revision_id)
        elif isinstance(obj, Document) and obj.id is not None and obj in session.dirty and _metadata_changed(obj):
            documents.add(obj.id)
    if documents:
        ids.update(
            revision_id
            for revision_id in session.connection()
            .execute(select(col(Revision.id)).where(col(Revision.document_id).in_(documents)))
            .scalars()
            if revision_id is not None  # never None (a primary key); the column's type allows it
        )
    return ids


@event.listens_for(Session, "after_flush")
def _queue_touched(session: Session, _flush_context: Any) -> None:
    ids = touched_revisions(session)
    if not ids:
        return
    pending: set[int] | None = session.info.get(_PENDING)
    if pending is None:
        pending = session.info[_PENDING] = set()
        after_commit(session, lambda: _index_pending(session))
        after_rollback(session, lambda: session.info.pop(_PENDING, None))
    new = ids - pending
    if not new:
        return
    now = utcnow()
    session.connection().execute(
        insert(SearchQueue),
        [{"revision_id": revision_id, "attempts": 0, "last_error": "", "queued_at": now} for revision_id in new],
    )
    pending.update(new)


def _index_pending(session: Session) -> None:
    from app.search import service

    ids = session.info.pop(_PENDING, None)
    if not ids:
        return
    if get_settings().search_index_async:
        background.submit(ids)
    else:
        service.index_revisions(ids)


class BackgroundIndexer:
    """One daemon thread that indexes committed revisions in batches, so a request never waits on Whoosh's
    single writer. What it has not indexed yet stays in `search_queue` and is retried at start-up."""

    def __init__(self) -> None:
        self._queue: queue.Queue[set[int]] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def submit(self, ids: set[int]) -> None:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="carbonms-search-indexer", daemon=True)
                self._thread.start()
        self._queue.put(set(ids))

    def _run(self) -> None:
        from app.search import service

        while True:
            batch = self._queue.get()
            taken = 1
            # Gather what the next moments bring into the same writer commit: one Whoosh segment (and its merges)
            # per batch instead of per request keeps the indexer from competing with requests for the interpreter.
            time.sleep(get_settings().search_index_batch_seconds)
            while True:  # coalesce what arrived meanwhile into one writer commit
                try:
                    batch |= self._queue.get_nowait()
                    taken += 1
                except queue.Empty:
                    break
            try:
                service.index_revisions(batch)  # failures stay queued in the database
            finally:
                for _ in range(taken):
                    self._queue.task_done()

    def wait_idle(self) -> None:
        """Block until everything submitted so far is indexed (or left queued after a failure)."""
        self._queue.join()


background = BackgroundIndexer()
