"""The revision previews on the pages: asking for a preview again (the images themselves come from the API)."""

from fastapi import APIRouter
from fastapi.responses import Response

from app.db import SessionDep
from app.deps import EntityId
from app.documents import service
from app.previews import access as previews_access
from app.web.common import WebUser, see_other

router = APIRouter()


@router.post("/revisions/{revision_id:int}/previews/generate")
def generate_previews(revision_id: EntityId, session: SessionDep, user: WebUser) -> Response:
    previews_access.generate(session, revision_id=revision_id, user=user)
    revision = service.get_revision(session, revision_id=revision_id, user=user)
    return see_other(f"/documents/{revision.document_id}#preview-{revision_id}")
