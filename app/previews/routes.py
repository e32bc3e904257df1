"""Revision previews: their state and pages, and the rendered images (PNG, shown inline; the uploaded file itself
is only ever served as an attachment, app/reports/routes.py)."""

from pathlib import Path as FilePath
from typing import Annotated

from fastapi import APIRouter, Path
from fastapi.responses import FileResponse

from app.db import SessionDep
from app.deps import CurrentUser, EntityId
from app.previews import access
from app.previews.models import PreviewKind
from app.previews.schemas import PreviewsPublic

router = APIRouter(prefix="/api", tags=["previews"])

_IMAGE_HEADERS = {"Cache-Control": "private, max-age=3600", "X-Content-Type-Options": "nosniff"}


PageNumber = Annotated[int, Path(ge=1, le=100_000)]


def _png(name: str, path: FilePath) -> FileResponse:
    headers = {**_IMAGE_HEADERS, "Content-Disposition": f'inline; filename="{name}"'}
    return FileResponse(path, media_type="image/png", headers=headers)


@router.get("/revisions/{revision_id}/previews", response_model=PreviewsPublic)
def get_previews(revision_id: EntityId, session: SessionDep, user: CurrentUser) -> PreviewsPublic:
    return access.get_previews(session, revision_id=revision_id, user=user)


@router.post("/revisions/{revision_id}/previews/generate", response_model=PreviewsPublic, status_code=202)
def generate_previews(revision_id: EntityId, session: SessionDep, user: CurrentUser) -> PreviewsPublic:
    return access.generate(session, revision_id=revision_id, user=user)


@router.get("/revisions/{revision_id}/previews/thumbnail.png", response_class=FileResponse)
def thumbnail(revision_id: EntityId, session: SessionDep, user: CurrentUser) -> FileResponse:
    path = access.image_path(session, revision_id=revision_id, user=user, kind=PreviewKind.thumbnail)
    return _png(f"revision-{revision_id}-thumbnail.png", path)


@router.get("/revisions/{revision_id}/previews/{page:int}.png", response_class=FileResponse)
def page_image(revision_id: EntityId, page: PageNumber, session: SessionDep, user: CurrentUser) -> FileResponse:
    path = access.image_path(session, revision_id=revision_id, user=user, kind=PreviewKind.page, page=page)
    return _png(f"revision-{revision_id}-page-{page}.png", path)
