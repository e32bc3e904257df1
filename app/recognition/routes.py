"""REST API: a revision's text recognition (识别中 / 已识别 / 识别失败) and retrying a failed one. Thin: parse, call
one service function, shape."""

from fastapi import APIRouter

from app.db import SessionDep
from app.deps import CurrentUser, EntityId
from app.recognition import service
from app.recognition.models import RecognitionPublic

router = APIRouter(prefix="/api", tags=["recognition"])


@router.get("/revisions/{revision_id}/recognition", response_model=RecognitionPublic)
def get_recognition(revision_id: EntityId, session: SessionDep, user: CurrentUser) -> RecognitionPublic:
    return service.status(session, revision_id=revision_id, user=user)


@router.post("/revisions/{revision_id}/recognition/retry", response_model=RecognitionPublic)
def retry_recognition(revision_id: EntityId, session: SessionDep, user: CurrentUser) -> RecognitionPublic:
    return service.retry(session, actor=user, revision_id=revision_id)
