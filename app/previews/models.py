"""The previews of a revision: page images and a thumbnail rendered from its file (app/previews/service.py), and
the revision's preview state (app/previews/lifecycle.py).

The images are derived blobs (`storage.place_derived_file`): content-addressed files with no `Blob` row, kept alive
by the `revision_preview` rows that name them (`carbonms verify` counts them as referenced).
"""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.common import utcnow


class PreviewKind(StrEnum):
    page = "page"
    thumbnail = "thumbnail"


class PreviewState(StrEnum):
    pending = "pending"
    ready = "ready"
    failed = "failed"
    unavailable = "unavailable"  # no converter for the type, or the converter is not installed


def _utc(nullable: bool = True) -> Column:
    return Column(DateTime(timezone=True), nullable=nullable)


class RevisionPreview(SQLModel, table=True):
    """One rendered image of a revision: page N (1-based) or the thumbnail of page 1 (page 1, kind thumbnail)."""

    __tablename__ = "revision_preview"
    __table_args__ = (UniqueConstraint("revision_id", "kind", "page"),)

    id: int | None = Field(default=None, primary_key=True)
    revision_id: int = Field(sa_column=Column(Integer, ForeignKey("revision.id"), nullable=False, index=True))
    page: int
    kind: PreviewKind = Field(sa_column=Column(String(16), nullable=False))
    blob_sha256: str = Field(sa_column=Column(String(64), nullable=False, index=True))
    width: int
    height: int
    created_at: datetime = Field(default_factory=utcnow, sa_column=_utc(False))


class RevisionPreviewStatus(SQLModel, table=True):
    """Where a revision's preview stands; its `state` changes only in app/previews/lifecycle.py."""

    __tablename__ = "revision_preview_status"

    revision_id: int = Field(sa_column=Column(Integer, ForeignKey("revision.id"), primary_key=True))
    park_id: int = Field(foreign_key="park.id", index=True)
    state: PreviewState = Field(sa_column=Column(String(16), nullable=False))
    # Why there is no preview (a code of the `preview_reason` labels), and the converter's own words for the admin.
    reason: str = Field(default="", sa_column=Column(String(32), nullable=False, server_default=""))
    detail: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    pages_total: int | None = Field(default=None, sa_column=Column(Integer, nullable=True))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_utc(False))
