"""Reading a revision's previews, under the same access rule as its file (`service.get_revision`: a revision the
user may not read is a 404, the attempt on record), and asking for them again."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from sqlalchemy import and_, or_, select
from sqlmodel import Session, col

from app.config import get_settings
from app.documents import service, storage
from app.documents.models import Revision
from app.documents.schemas import DocumentPublic
from app.errors import NotFound
from app.labels import label_pair
from app.previews import lifecycle
from app.previews import service as previews
from app.previews.models import PreviewKind, PreviewState, RevisionPreview, RevisionPreviewStatus
from app.previews.schemas import PreviewImage, PreviewsPublic
from app.retention import queries as retention
from app.users.models import User

_NO_PREVIEW = ("尚未生成预览", "No preview has been made")


def _url(revision_id: int, kind: PreviewKind, page: int) -> str:
    name = "thumbnail" if kind == PreviewKind.thumbnail else str(page)
    return f"/api/revisions/{revision_id}/previews/{name}.png"


def _image(row: RevisionPreview) -> PreviewImage:
    return PreviewImage(
        page=row.page, width=row.width, height=row.height, url=_url(row.revision_id, row.kind, row.page)
    )


def _public(
    revision_id: int, status: RevisionPreviewStatus | None, rows: list[RevisionPreview], user: User
) -> PreviewsPublic:
    state = status.state if status is not None else None
    state_zh, state_en = label_pair("preview_state", state) if state else _NO_PREVIEW
    reason = status.reason if status is not None else ""
    reason_zh, reason_en = label_pair("preview_reason", reason) if reason else ("", "")
    if state != PreviewState.ready:
        rows = []
    thumbnail = next((row for row in rows if row.kind == PreviewKind.thumbnail), None)
    return PreviewsPublic(
        revision_id=revision_id,
        state=str(state) if state else None,
        state_zh=state_zh,
        state_en=state_en,
        reason=reason,
        reason_zh=reason_zh,
        reason_en=reason_en,
        pages_total=status.pages_total if status is not None else None,
        pages=sorted((_image(row) for row in rows if row.kind == PreviewKind.page), key=lambda image: image.page),
        thumbnail=_image(thumbnail) if thumbnail is not None else None,
        allowed_actions=lifecycle.allowed_actions(status, user),
    )


def for_revisions(session: Session, user: User, revision_ids: list[int]) -> dict[int, PreviewsPublic]:
    """The previews of revisions the caller already may read (a document page), in two queries."""
    if not revision_ids:
        return {}
    statuses = {
        status.revision_id: status
        for status in session.execute(
            select(RevisionPreviewStatus).where(col(RevisionPreviewStatus.revision_id).in_(revision_ids))
        ).scalars()
    }
    rows: dict[int, list[RevisionPreview]] = {revision_id: [] for revision_id in revision_ids}
    for row in session.execute(
        select(RevisionPreview).where(col(RevisionPreview.revision_id).in_(revision_ids))
    ).scalars():
        rows[row.revision_id].append(row)
    return {
        revision_id: _public(revision_id, statuses.get(revision_id), rows[revision_id], user)
        for revision_id in revision_ids
    }


def describe(session: Session, revision: Revision, user: User) -> PreviewsPublic:
    """The previews of a revision the caller already may read."""
    assert revision.id is not None  # a stored revision
    return for_revisions(session, user, [revision.id])[revision.id]


def get_previews(session: Session, *, revision_id: int, user: User) -> PreviewsPublic:
    revision = service.get_revision(session, revision_id=revision_id, user=user)
    return describe(session, revision, user)


def image_path(session: Session, *, revision_id: int, user: User, kind: PreviewKind, page: int = 1) -> Path:
    """The stored PNG of one page (or the thumbnail) of a revision the user may read; 404 otherwise (410 once the
    file was destroyed at the end of its retention: its page images went with it)."""
    revision = service.get_revision(session, revision_id=revision_id, user=user)
    assert revision.id is not None  # a stored revision
    retention.check_available(session, revision.id)
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
    assert revision.id is not None  # a stored revision
    retention.check_available(session, revision.id)  # nothing left to render once the file was destroyed
    previews.generate(session, revision, user)
    return describe(session, revision, user)


def register_thumbnails(session: Session, documents: Iterable[DocumentPublic]) -> dict[int, PreviewImage]:
    """document id → the thumbnail of its effective revision, else its newest (the register lists readable ones)."""
    pairs = [(item.id, number) for item in documents if (number := item.effective_revision or item.current_revision)]
    if not pairs:
        return {}
    rows = session.execute(
        select(col(Revision.document_id), RevisionPreview)
        .join(RevisionPreview, col(RevisionPreview.revision_id) == col(Revision.id))
        .join(RevisionPreviewStatus, col(RevisionPreviewStatus.revision_id) == col(Revision.id))
        .where(
            or_(*(and_(col(Revision.document_id) == doc, col(Revision.number) == number) for doc, number in pairs)),
            col(RevisionPreview.kind) == PreviewKind.thumbnail,
            col(RevisionPreviewStatus.state) == PreviewState.ready,
        )
    ).all()
    return {document_id: _image(row) for document_id, row in rows}
