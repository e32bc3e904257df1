"""Reading a revision's previews, under the same access rule as its file (`service.get_revision`: a revision the
user may not read is a 404, the attempt on record), and asking for them again."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from sqlalchemy import and_, or_, select
from sqlmodel import Session, col

from app.config import get_settings
from app.documents import preview_lifecycle, previews, service, storage
from app.documents.models import Revision
from app.documents.preview_models import PreviewKind, PreviewState, RevisionPreview, RevisionPreviewStatus
from app.documents.preview_schemas import PreviewImage, PreviewsPublic
from app.errors import NotFound
from app.labels import label_pair
from app.users.models import User

_NO_PREVIEW = ("尚未生成预览", "No preview has been made")


def _url(revision_id: int, kind: PreviewKind, page: int) -> str:
    name = "thumbnail" if kind == PreviewKind.thumbnail else str(page)
    return f"/api/revisions/{revision_id}/previews/{name}.png"


def _image(row: RevisionPreview) -> PreviewImage:
    return PreviewImage(
        page=row.page, width=row.width, height=row.height, url=_url(row.revision_id, row.kind, row.page)
    )


def describe(session: Session, revision: Revision, user: User) -> PreviewsPublic:
    """The previews of a revision the caller already may read."""
    assert revision.id is not None  # a stored revision
    status = session.get(RevisionPreviewStatus, revision.id)
    rows = (
        session.execute(
            select(RevisionPreview)
            .where(col(RevisionPreview.revision_id) == revision.id)
            .order_by(col(RevisionPreview.kind), col(RevisionPreview.page))
        )
        .scalars()
        .all()
        if status is not None and status.state == PreviewState.ready
        else []
    )
    state = status.state if status is not None else None
    state_zh, state_en = label_pair("preview_state", state) if state else _NO_PREVIEW
    reason = status.reason if status is not None else ""
    reason_zh, reason_en = label_pair("preview_reason", reason) if reason else ("", "")
    thumbnail = next((row for row in rows if row.kind == PreviewKind.thumbnail), None)
    return PreviewsPublic(
        revision_id=revision.id,
        state=str(state) if state else None,
        state_zh=state_zh,
        state_en=state_en,
        reason=reason,
        reason_zh=reason_zh,
        reason_en=reason_en,
        pages_total=status.pages_total if status is not None else None,
        pages=[_image(row) for row in rows if row.kind == PreviewKind.page],
        thumbnail=_image(thumbnail) if thumbnail is not None else None,
        allowed_actions=preview_lifecycle.allowed_actions(status, user),
    )


def get_previews(session: Session, *, revision_id: int, user: User) -> PreviewsPublic:
    revision = service.get_revision(session, revision_id=revision_id, user=user)
    return describe(session, revision, user)


def image_path(session: Session, *, revision_id: int, user: User, kind: PreviewKind, page: int = 1) -> Path:
    """The stored PNG of one page (or the thumbnail) of a revision the user may read; 404 otherwise."""
    revision = service.get_revision(session, revision_id=revision_id, user=user)
    row = session.execute(
        select(RevisionPreview).where(
            col(RevisionPreview.revision_id) == revision.id,
            col(RevisionPreview.kind) == kind,
            col(RevisionPreview.page) == page,
        )
    ).scalar_one_or_none()
    if row is None:
        raise NotFound("预览页不存在", "Preview page not found")
    return storage.open_blob(get_settings().blob_dir, row.blob_sha256)


def generate(session: Session, *, revision_id: int, user: User) -> PreviewsPublic:
    revision = service.get_revision(session, revision_id=revision_id, user=user, for_update=True)
    previews.generate(session, revision, user)
    return describe(session, revision, user)


def thumbnails(session: Session, wanted: Iterable[tuple[int, int]]) -> dict[int, PreviewImage]:
    """document id → the thumbnail of the given revision number, for documents listed to a reader (the register)."""
    pairs = list(wanted)
    if not pairs:
        return {}
    rows = session.execute(
        select(col(Revision.document_id), RevisionPreview)
        .join(RevisionPreview, col(RevisionPreview.revision_id) == col(Revision.id))
        .where(
            or_(*(and_(col(Revision.document_id) == doc, col(Revision.number) == number) for doc, number in pairs)),
            col(RevisionPreview.kind) == PreviewKind.thumbnail,
        )
    ).all()
    return {document_id: _image(row) for document_id, row in rows}
