"""What people do with a revision's recognition: read it, and retry one that failed (a coordinator). Services
flush, never commit."""

from sqlmodel import Session

from app.documents.service import get_revision
from app.errors import Conflict
from app.recognition import job, lifecycle, queries
from app.recognition.models import RecognitionPublic, RevisionRecognition
from app.users.models import User


def status(session: Session, *, revision_id: int, user: User) -> RecognitionPublic:
    """The recognition of a revision the user may read (404 otherwise, as for the revision itself)."""
    revision = get_revision(session, revision_id=revision_id, user=user)
    assert revision.id is not None  # a stored row
    return queries.recognitions_of(session, [revision.id], user)[revision.id]


def retry(session: Session, *, actor: User, revision_id: int) -> RecognitionPublic:
    """Queue a failed recognition again (after the missing packages were installed, say); the job runs after the
    commit. 409 when the revision needs no recognition or has not failed, 403 for anyone but a coordinator."""
    revision = get_revision(session, revision_id=revision_id, user=actor, for_update=True)
    assert revision.id is not None  # a stored row
    row = session.get(RevisionRecognition, revision.id, with_for_update=True, populate_existing=True)
    if row is None:
        raise Conflict(
            "该版本的文件自带文字，无需识别", "This revision's file has its own text; it needs no recognition"
        )
    lifecycle.transition(session, row, "retry", actor=actor)
    job.queue_job(session, revision)
    return queries.public(row, actor)
