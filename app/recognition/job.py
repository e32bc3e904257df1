"""Scanned uploads yield their text: which revisions need recognition, and the background job that does it.

At upload (`queue_if_needed`, called through documents' `on_revision_created` hook in the upload's transaction,
registered by app/recognition/hooks.py) a PNG or JPEG, or a PDF
whose text layer is empty or near-empty per page, gets a pending `revision_recognition` row and a
`recognise_revision` job; the job runs after the commit, never inside the request. It reads the stored blob (never
altering it), recognises it with Tesseract (engine.py), stores the text as the revision's
`RevisionText`, which the search hooks (app/search/hooks.py) queue for the index in the same transaction.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from app.config import get_settings
from app.db import session_scope
from app.documents import storage
from app.documents.extract import JPEG, PDF, PNG
from app.documents.models import Revision, RevisionText
from app.errors import NotFound
from app.jobs.registry import handler
from app.jobs.service import enqueue
from app.recognition import lifecycle
from app.recognition.engine import LANGUAGES, RecognitionError, check_system, pdf_pages, recognise_file
from app.recognition.models import RecognitionState, RevisionRecognition
from app.users.models import User

logger = logging.getLogger("carbonms.recognition")

JOB_KIND = "recognise_revision"
# A PDF with fewer extracted characters than this per page is taken for a scan (a page number or a stamp's caption
# is all a scanner's text layer holds, if anything).
MIN_CHARS_PER_PAGE = 20


def needs_recognition(media_type: str, text: str | None, sha256: str) -> bool:
    """PNG and JPEG always; a PDF when its text layer holds fewer than MIN_CHARS_PER_PAGE characters per page."""
    if media_type in (PNG, JPEG):
        return True
    if media_type != PDF:
        return False
    characters = len("".join((text or "").split()))
    if characters == 0:
        return True
    try:
        pages = pdf_pages(storage.open_blob(get_settings().blob_dir, sha256))
    except (RecognitionError, NotFound):
        pages = 1  # extraction read it at staging; counted as one page, it is still judged by its text
    return characters < MIN_CHARS_PER_PAGE * pages


def queue_if_needed(session: Session, revision: Revision, text: str | None, *, actor: User | None) -> bool:
    """In the upload's transaction: a pending recognition and its job when the file needs one; whether it did."""
    if not needs_recognition(revision.media_type, text, revision.blob_sha256):
        return False
    assert revision.id is not None  # flushed by the caller
    lifecycle.create(session, revision_id=revision.id, park_id=revision.park_id, languages=LANGUAGES, actor=actor)
    queue_job(session, revision)
    return True


def queue_job(session: Session, revision: Revision) -> None:
    enqueue(session, JOB_KIND, str(revision.id), {"revision_id": revision.id}, park_id=revision.park_id)


# --------------------------------------------------------------------------- the job


def _locked(session: Session, revision_id: int) -> RevisionRecognition | None:
    return (
        session.execute(
            select(RevisionRecognition)
            .where(col(RevisionRecognition.revision_id) == revision_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        .scalars()
        .first()
    )


def _fail(revision_id: int, message_zh: str, message_en: str) -> None:
    with session_scope() as session:
        recognition = _locked(session, revision_id)
        if recognition is not None and recognition.state in lifecycle.TRANSITIONS["fail"][0]:
            lifecycle.transition(session, recognition, "fail", error=message_zh, error_en=message_en)


@handler(JOB_KIND)
def recognise_revision(payload: dict[str, Any]) -> None:
    """The job: recognise one revision's file. Idempotent: a recognition already done or failed is left alone.

    The database is not held while Tesseract works: one short transaction starts, another stores the result."""
    revision_id = int(payload["revision_id"])
    check = check_system()
    with session_scope() as session:
        recognition = _locked(session, revision_id)
        if recognition is None or recognition.state not in lifecycle.TRANSITIONS["start"][0]:
            return
        if not check.ok:
            zh, en = check.message()
            lifecycle.transition(session, recognition, "fail", error=zh, error_en=en)
            return
        lifecycle.transition(session, recognition, "start", engine=check.engine, languages=LANGUAGES)
        revision = session.get_one(Revision, revision_id)
        sha256, media_type = revision.blob_sha256, revision.media_type
    settings = get_settings()
    try:
        path = storage.open_blob(settings.blob_dir, sha256)
        result = recognise_file(
            path, media_type, check=check, max_pages=settings.ocr_max_pages, tmp_dir=settings.tmp_dir
        )
    except RecognitionError as exc:
        _fail(revision_id, exc.message_zh, exc.message_en)
        return
    except NotFound:
        _fail(revision_id, "文件不存在或已丢失", "The file does not exist or is missing")
        return
    except Exception as exc:  # an unexpected failure is shown on the revision, never left as 识别中
        logger.exception("recognition of revision %s failed", revision_id)
        _fail(revision_id, f"识别出错：{type(exc).__name__}", f"Recognition failed: {type(exc).__name__}")
        return
    with session_scope() as session:
        recognition = _locked(session, revision_id)
        if recognition is None or recognition.state != RecognitionState.running:
            return  # changed meanwhile (failed and retried): the newer run decides
        stored = session.get(RevisionText, revision_id)
        if stored is not None:
            stored.text = result.text  # the scan's own text layer held next to nothing: the recognised text replaces it
            session.add(stored)
        elif result.text:
            session.add(RevisionText(revision_id=revision_id, text=result.text))
        lifecycle.transition(session, recognition, "finish", pages=result.pages, characters=len(result.text))
