"""Controlled copies made once and served from the store: a download never re-stamps what was stamped before.

A copy is identified by its stamp key (the original's SHA-256, its type, the marking's text and the stamping format):
the first download of a revision in a given state stamps it, places the file content-addressed in the blob store
(app/blobs) and records a `ControlledCopy` row; every later download of the same key serves the stored file (from S3
through its local cache).

Stamping a long PDF takes seconds of CPU. It runs in a worker thread under its own small limit
(`CARBONMS_MAX_ACTIVE_STAMPS`) and after the request has given up its admission slot, so the other users' reads and
writes go on meanwhile. Requests for a copy being stamped wait for that one stamp (one lock per key and event loop),
never stamp it a second time; another server process asking for the same key waits on the key's named lock
(app/locks.py) and then serves the copy the first one made.
"""

from __future__ import annotations

import asyncio
import json
import logging
import weakref
from dataclasses import dataclass
from pathlib import Path

import anyio
import anyio.to_thread
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from app import db
from app.blobs import store_for
from app.blobs.store import BlobDamaged, BlobNotFound
from app.config import get_settings
from app.documents import service, storage
from app.documents.models import Document, Revision
from app.documents.storage import place_derived_file
from app.hashing import sha256_bytes
from app.locks import named_lock
from app.parks.queries import park_time_zone
from app.reports.controlled_copy import MARKABLE, Marking, mark_file, marking_for, temporary_path
from app.reports.models import ControlledCopy
from app.retention import queries as retention
from app.users.models import User

logger = logging.getLogger("carbonms.copies")

# Part of every stamp key: change it when the stamp's look changes, and every copy is made again on demand.
STAMP_FORMAT = 1


@dataclass(frozen=True)
class CopyJob:
    """What a stamp depends on, as plain values (no session needed to stamp)."""

    revision_id: int
    original_sha256: str
    media_type: str
    marking: Marking

    @classmethod
    def for_revision(cls, document: Document, revision: Revision, zone: str | None = None) -> CopyJob:
        assert revision.id is not None
        return cls(revision.id, revision.blob_sha256, revision.media_type, marking_for(document, revision, zone))

    @property
    def stamp_key(self) -> str:
        marking = self.marking
        inputs = [STAMP_FORMAT, self.original_sha256, self.media_type, marking.status, marking.line, marking.detail_en]
        return sha256_bytes(json.dumps(inputs, ensure_ascii=False).encode())


@dataclass(frozen=True)
class CachedCopy:
    path: Path
    sha256: str
    status: str
    external_links_removed: int


def find(session: Session, job: CopyJob, blob_dir: Path) -> CachedCopy | None:
    """The stored copy of `job`, if it was made and its file is still there (a lost file is simply made again)."""
    row = session.get(ControlledCopy, job.stamp_key)
    if row is None:
        return None
    try:
        path = store_for(blob_dir).local_path(row.sha256)
    except (BlobNotFound, BlobDamaged):
        return None
    return CachedCopy(path, row.sha256, row.status, row.external_links_removed)


def make(job: CopyJob, blob_dir: Path, tmp_dir: Path) -> CachedCopy:
    """Stamp `job` into the store and record it (its own short transaction); blocking, for a worker thread.

    Under the stamp key's named lock (app/locks.py): of several server processes asked for the same copy, one
    stamps it and the others wait for it, then serve it."""
    with named_lock(f"stamp:{job.stamp_key}"):
        return _make_locked(job, blob_dir, tmp_dir)


def _make_locked(job: CopyJob, blob_dir: Path, tmp_dir: Path) -> CachedCopy:
    with db.session_scope(write=False) as session:
        existing = find(session, job, blob_dir)
    if existing is not None:
        return existing  # made while this request waited for its turn
    store = store_for(blob_dir)
    source = store.local_path(job.original_sha256)
    with temporary_path(tmp_dir) as target:
        stamped = mark_file(source, job.media_type, job.marking, target)
        if stamped is None:
            raise ValueError(f"{job.media_type} is not stamped")
        sha256, size = place_derived_file(target, blob_dir)
    try:
        with db.session_scope() as session:
            row = session.get(ControlledCopy, job.stamp_key)
            if row is None:
                session.add(
                    ControlledCopy(
                        stamp_key=job.stamp_key,
                        revision_id=job.revision_id,
                        status=job.marking.status,
                        sha256=sha256,
                        size_bytes=size,
                        external_links_removed=stamped.external_links_removed,
                    )
                )
            else:  # its file was lost: this one replaces it
                row.sha256, row.size_bytes = sha256, size
                session.add(row)
    except IntegrityError:
        # Another server process recorded the same key first: serve its copy (ours stays an orphan for `verify`).
        with db.session_scope(write=False) as session:
            existing = find(session, job, blob_dir)
        if existing is not None:
            return existing
        raise
    logger.info("stamped revision %s (%s) into %s", job.revision_id, job.marking.status, sha256)
    return CachedCopy(store.local_path(sha256), sha256, job.marking.status, stamped.external_links_removed)


@dataclass(frozen=True)
class Download:
    """What a download of a revision serves: the original (`job` None), a stored copy, or a copy still to stamp."""

    media_type: str
    file_name: str  # with the extension of the detected type
    original: Path
    job: CopyJob | None
    copy: CachedCopy | None


def plan_download(session: Session, *, user: User, revision_id: int, original: bool) -> Download:
    """Read what a download needs (access checked: 404 across parks); quick, nothing is stamped here."""
    blob_dir = get_settings().blob_dir
    revision = service.get_revision(session, revision_id=revision_id, user=user)
    retention.check_available(session, revision_id)  # a destroyed file: 410, the revision stays visible
    path = storage.open_blob(blob_dir, revision.blob_sha256)
    name = storage.name_for_type(revision.file_name, revision.media_type)
    if original or revision.media_type not in MARKABLE:
        return Download(revision.media_type, name, path, None, None)
    document = session.get(Document, revision.document_id)
    assert document is not None  # the revision's foreign key
    job = CopyJob.for_revision(document, revision, park_time_zone(session, user.park_id))
    return Download(revision.media_type, name, path, job, find(session, job, blob_dir))


class StampQueue:
    """Per event loop: at most `slots` stamps at once, and one stamp per key however many requests want it."""

    def __init__(self, slots: int) -> None:
        self.limiter = anyio.CapacityLimiter(slots)
        self._locks: dict[str, asyncio.Lock] = {}
        self._wanted: dict[str, int] = {}

    @property
    def pending(self) -> int:
        """Stamp keys being made or waited for (for tests and diagnostics)."""
        return len(self._locks)

    async def obtain(self, job: CopyJob) -> CachedCopy:
        settings = get_settings()
        key = job.stamp_key
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._wanted[key] = self._wanted.get(key, 0) + 1
        try:
            async with lock:
                # The worker thread comes from this queue's own limiter, not the pool that runs route handlers.
                return await anyio.to_thread.run_sync(
                    make, job, settings.blob_dir, settings.tmp_dir, limiter=self.limiter
                )
        finally:
            self._wanted[key] -= 1
            if not self._wanted[key]:
                del self._wanted[key], self._locks[key]


_queues: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, StampQueue] = weakref.WeakKeyDictionary()


def queue_for_loop() -> StampQueue:
    loop = asyncio.get_running_loop()
    queue = _queues.get(loop)
    if queue is None:
        queue = _queues[loop] = StampQueue(get_settings().max_active_stamps)
    return queue
