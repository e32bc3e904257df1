"""The document page's text recognition: a coordinator retries a failed one (the state itself is shown by the
partial _recognition.html, from the revision's shape)."""

from fastapi import APIRouter
from fastapi.responses import Response

from app.db import SessionDep
from app.deps import EntityId
from app.documents.service import get_revision
from app.recognition import service as recognition_service
from app.web.common import WebUser, see_other

router = APIRouter()


@router.post("/revisions/{revision_id:int}/recognition/retry")
def retry_recognition(revision_id: EntityId, session: SessionDep, user: WebUser) -> Response:
    recognition_service.retry(session, actor=user, revision_id=revision_id)
    document_id = get_revision(session, revision_id=revision_id, user=user).document_id
    return see_other(f"/documents/{document_id}#rec-{revision_id}")
