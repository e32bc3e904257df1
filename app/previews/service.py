"""Previews of each revision: queued when the revision is created, rendered by a background job.

`queue_for` runs in the creating transaction (documents' `on_revision_created` hook, registered by
app/previews/hooks.py): it starts the preview state and enqueues the `render_previews` job, which runs after the
commit. The job reads what it needs, renders outside any transaction (app/previews/render.py), then in one
transaction places the images as derived blobs, writes their rows and moves the state on; a rollback removes the
images it placed (unless a committed row names them), so a failure leaves neither half-written rows nor orphan
files. Running it again is harmless: it only works on a revision whose preview is pending.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import delete, select
from sqlmodel import Session, col

from app import db
from app.blobs import store_for
from app.blobs.store import BlobStore
from app.config import get_settings
from app.documents import storage
from app.documents.models import Blob, Revision
from app.errors import NotFound
from app.jobs import service as jobs
from app.jobs.registry import handler
from app.previews import lifecycle, render
from app.previews.models import PreviewKind, PreviewState, RevisionPreview, RevisionPreviewStatus
from app.users.models import User

logger = logging.getLogger("carbonms.previews")

JOB_KIND = "render_previews"


def _enqueue(session: Session, revision: Revision) -> None:
    jobs.enqueue(session, JOB_KIND, str(revision.id), {"revision_id": revision.id}, park_id=revision.park_id)


def queue_for(session: Session, revision: Revision) -> None:
    """Start the preview of a new revision (when previews are enabled) and queue its rendering."""
    if not get_settings().previews_enabled:
        return
    lifecycle.transition(session, revision, None, "start")
    _enqueue(session, revision)


def generate(session: Session, revision: Revision, actor: User) -> RevisionPreviewStatus:
    """A person asks for the preview again (after a failure, once a converter is installed, or for an older file)."""
    status = session.get(RevisionPreviewStatus, revision.id, with_for_update=True)
    status = lifecycle.transition(session, revision, status, "generate", actor=actor)
    _enqueue(session, revision)
    return status


def referenced_shas(session: Session) -> set[str]:
    """Every derived blob a preview row names (for `carbonms verify`: these files are not orphans)."""
    return set(session.execute(select(col(RevisionPreview.blob_sha256)).distinct()).scalars())


def is_referenced(session: Session, sha256: str) -> bool:
    query = select(col(RevisionPreview.id)).where(col(RevisionPreview.blob_sha256) == sha256).limit(1)
    return session.execute(query).first() is not None


# --------------------------------------------------------------------------- the job


@handler(JOB_KIND)
def render_revision(payload: dict[str, object]) -> None:
    revision_id = int(str(payload["revision_id"]))
    with db.session_scope(write=False) as session:
        status = session.get(RevisionPreviewStatus, revision_id)
        revision = session.get(Revision, revision_id)
        if status is None or revision is None or status.state != PreviewState.pending:
            return  # done already (a re-run), or nothing asked for
        sha256, media_type = revision.blob_sha256, revision.media_type
    settings = get_settings()
    settings.tmp_dir.mkdir(parents=True, exist_ok=True)
    workdir = Path(tempfile.mkdtemp(dir=settings.tmp_dir, prefix="preview-"))
    try:
        outcome: render.Rendered | render.RenderError
        try:
            source = storage.open_blob(settings.blob_dir, sha256)
            outcome = render.render(
                source,
                media_type,
                workdir,
                max_pages=settings.preview_max_pages,
                timeout=settings.preview_timeout_seconds,
            )
        except NotFound:
            outcome = render.RenderError("file_missing", sha256)
        except render.RenderError as exc:
            logger.info("no preview for revision %s: %s", revision_id, exc)
            outcome = exc
        _record(revision_id, outcome, settings.blob_dir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _record(revision_id: int, outcome: render.Rendered | render.RenderError, blob_dir: Path) -> None:
    with db.session_scope() as session:
        status = session.get(RevisionPreviewStatus, revision_id, with_for_update=True, populate_existing=True)
        revision = session.get(Revision, revision_id)
        if status is None or revision is None or status.state != PreviewState.pending:
            return  # another run finished first
        if isinstance(outcome, render.ConverterMissing):
            lifecycle.transition(session, revision, status, "unavailable", reason=outcome.code, detail=outcome.detail)
            return
        if isinstance(outcome, render.RenderError):
            lifecycle.transition(session, revision, status, "fail", reason=outcome.code, detail=outcome.detail)
            return
        # Rows of an earlier, interrupted attempt cannot exist (they commit with `ready`); cleared all the same.
        session.execute(delete(RevisionPreview).where(col(RevisionPreview.revision_id) == revision_id))
        images = [(PreviewKind.page, number, page) for number, page in enumerate(outcome.pages, start=1)]
        images.append((PreviewKind.thumbnail, 1, outcome.thumbnail))
        thumbnail_sha = ""
        for kind, number, (path, width, height) in images:
            sha256 = _place(session, path, blob_dir)
            session.add(
                RevisionPreview(
                    revision_id=revision_id, page=number, kind=kind, blob_sha256=sha256, width=width, height=height
                )
            )
            thumbnail_sha = sha256 if kind == PreviewKind.thumbnail else thumbnail_sha
        status.pages_total = outcome.pages_total
        lifecycle.transition(
            session,
            revision,
            status,
            "ready",
            after={"pages": len(outcome.pages), "pages_total": outcome.pages_total, "thumbnail_sha256": thumbnail_sha},
        )


def _place(session: Session, path: Path, blob_dir: Path) -> str:
    """Place one image into the store; if the transaction rolls back, remove it again unless something names it."""
    store = store_for(blob_dir)
    placed = store.put_file(path)
    db.after_rollback(session, _cleanup(store, placed.sha256, placed.placement))
    return placed.sha256


def _cleanup(store: BlobStore, sha256: str, placement: str) -> Callable[[], None]:
    def cleanup() -> None:
        with db.session_scope(write=False) as fresh:
            if is_referenced(fresh, sha256) or fresh.get(Blob, sha256) is not None:
                return
        store.delete(sha256, placement=placement)  # only our own placing, never a concurrent one of the same bytes

    return cleanup
