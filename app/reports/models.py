"""Cached controlled copies: a stamped file is made once per revision and marking, then served from the store."""

from datetime import datetime

from sqlalchemy import Column, DateTime, ForeignKey, Integer, String
from sqlmodel import Field, SQLModel

from app.common import utcnow


class ControlledCopy(SQLModel, table=True):
    """A stamped copy of a revision, kept content-addressed in the blob directory under `sha256`.

    `stamp_key` is the SHA-256 of everything the stamp depends on (the original's hash, its type, the marking's
    text, the stamping format): a revision whose state changes gets a new key, hence a new copy.
    """

    __tablename__ = "controlled_copy"

    stamp_key: str = Field(sa_column=Column(String(64), primary_key=True))
    revision_id: int = Field(sa_column=Column(Integer, ForeignKey("revision.id"), nullable=False, index=True))
    status: str = Field(sa_column=Column(String(16), nullable=False))  # the marking: controlled, superseded, …
    sha256: str = Field(sa_column=Column(String(64), nullable=False, index=True))
    size_bytes: int
    external_links_removed: int = Field(default=0, sa_column=Column(Integer, nullable=False, server_default="0"))
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False))
