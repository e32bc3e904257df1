"""What previews plug into documents (app/documents/hooks.py), so documents never imports them: a new revision's
preview is started and its rendering queued in the creating transaction. Registered on import; `app.jobs.catalog`
imports this module."""

from sqlmodel import Session

from app.documents import hooks
from app.documents.models import Revision
from app.previews import service
from app.users.models import User


@hooks.on_revision_created
def queue_previews(session: Session, revision: Revision, text: str | None, *, actor: User | None) -> None:
    """Page images and a thumbnail, made after the commit (whatever the file's text; the job's own actor)."""
    service.queue_for(session, revision)
