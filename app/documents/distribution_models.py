"""Controlled distribution (受控分发) and read confirmation (宣贯, 8.4 d)): the tables.

A document's distribution list names users, roles or enterprises; each effective revision is distributed to the
park's active users the list resolves to, one `read_confirmation` row per (revision, user), confirmed with a click.
"""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, DateTime, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.common import utcnow


class TargetKind(StrEnum):
    user = "user"
    role = "role"
    enterprise = "enterprise"


class DistributionEntry(SQLModel, table=True):
    """One line of a document's distribution list: a user (id), a role (its code) or an enterprise (id)."""

    __tablename__ = "distribution_entry"
    __table_args__ = (UniqueConstraint("document_id", "target_kind", "target"),)

    id: int | None = Field(default=None, primary_key=True)
    park_id: int = Field(sa_column=Column(Integer, ForeignKey("park.id"), nullable=False))
    document_id: int = Field(sa_column=Column(Integer, ForeignKey("document.id"), nullable=False, index=True))
    target_kind: TargetKind = Field(sa_column=Column(String(16), nullable=False))
    target: str = Field(sa_column=Column(String(64), nullable=False))
    added_by_id: int = Field(sa_column=Column(Integer, ForeignKey("app_user.id"), nullable=False))
    added_at: datetime = Field(default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False))


class ReadConfirmation(SQLModel, table=True):
    """A revision distributed to a user, and when they confirmed reading it (not an electronic signature)."""

    __tablename__ = "read_confirmation"
    __table_args__ = (
        UniqueConstraint("revision_id", "user_id"),
        # the tasks: what a park's users have not confirmed yet
        Index("ix_read_confirmation_park_pending", "park_id", "confirmed_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    park_id: int = Field(sa_column=Column(Integer, ForeignKey("park.id"), nullable=False))
    document_id: int = Field(sa_column=Column(Integer, ForeignKey("document.id"), nullable=False, index=True))
    revision_id: int = Field(sa_column=Column(Integer, ForeignKey("revision.id"), nullable=False))
    user_id: int = Field(sa_column=Column(Integer, ForeignKey("app_user.id"), nullable=False))
    distributed_at: datetime = Field(default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False))
    confirmed_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True), nullable=True))
