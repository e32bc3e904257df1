"""Revisions whose index entry still has to be written (or re-tried)."""

from datetime import datetime

from sqlalchemy import Column, DateTime, Integer, Text
from sqlmodel import Field, SQLModel

from app.common import utcnow


class SearchQueue(SQLModel, table=True):
    """Written in the same transaction as the change; deleted once the index holds the revision."""

    __tablename__ = "search_queue"

    id: int | None = Field(default=None, primary_key=True)
    revision_id: int = Field(sa_column=Column(Integer, nullable=False, index=True))  # no FK: deletions queue too
    attempts: int = Field(default=0, sa_column=Column(Integer, nullable=False, server_default="0"))
    last_error: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    queued_at: datetime = Field(default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False))
