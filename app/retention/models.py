"""Retention (保管期限): a park's own class for a type, legal holds, disposition batches and their items, and the
tombstone a destroyed file leaves behind."""

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Column, Date, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.common import utcnow


def _utc(nullable: bool = True) -> Column:
    return Column(DateTime(timezone=True), nullable=nullable)


class ParkRetentionSetting(SQLModel, table=True):
    """A park's own retention class for a document type, where the clause map's class does not fit it."""

    __tablename__ = "park_retention_setting"
    __table_args__ = (UniqueConstraint("park_id", "doc_type"),)

    id: int | None = Field(default=None, primary_key=True)
    park_id: int = Field(foreign_key="park.id", index=True)
    doc_type: str = Field(sa_column=Column(String(48), ForeignKey("doc_type.code"), nullable=False))
    retention: str = Field(sa_column=Column(String(16), nullable=False))
    reason: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    set_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    set_at: datetime = Field(default_factory=utcnow, sa_column=_utc(False))


class HoldScope(StrEnum):
    document = "document"
    doc_type = "doc_type"


class LegalHold(SQLModel, table=True):
    """法律保全（冻结）: while not released, nothing of the document (or of the type) may be destroyed."""

    __tablename__ = "legal_hold"
    __table_args__ = (Index("ix_legal_hold_park_released", "park_id", "released_at"),)

    id: int | None = Field(default=None, primary_key=True)
    park_id: int = Field(foreign_key="park.id")
    scope: HoldScope = Field(sa_column=Column(String(16), nullable=False))
    document_id: int | None = Field(default=None, foreign_key="document.id")
    doc_type: str | None = Field(default=None, sa_column=Column(String(48), ForeignKey("doc_type.code"), nullable=True))
    reason: str = Field(sa_column=Column(Text, nullable=False))
    placed_by_id: int = Field(foreign_key="app_user.id")
    placed_by_name: str = Field(max_length=100)
    placed_at: datetime = Field(default_factory=utcnow, sa_column=_utc(False))
    released_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    released_by_name: str = Field(default="", max_length=100)
    released_at: datetime | None = Field(default=None, sa_column=_utc())
    release_reason: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))


class DispositionState(StrEnum):
    proposed = "proposed"
    appraised = "appraised"
    approved = "approved"
    destroyed = "destroyed"
    rejected = "rejected"


class Opinion(StrEnum):
    """The appraisal's (鉴定) opinion on one item."""

    destroy = "destroy"
    keep = "keep"


class DispositionBatch(SQLModel, table=True):
    """A list of revisions past their retention, through appraisal (鉴定), signed approval and destruction."""

    __tablename__ = "disposition_batch"
    __table_args__ = (Index("ix_disposition_batch_park_state", "park_id", "state"),)

    id: int | None = Field(default=None, primary_key=True)
    park_id: int = Field(foreign_key="park.id")
    state: DispositionState = Field(sa_column=Column(String(16), nullable=False))
    version: int = Field(default=1, sa_column=Column(Integer, nullable=False, server_default="1"))
    comment: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    proposed_by_id: int = Field(foreign_key="app_user.id")
    proposed_by_name: str = Field(max_length=100)
    proposed_at: datetime = Field(default_factory=utcnow, sa_column=_utc(False))
    appraised_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    appraised_by_name: str = Field(default="", max_length=100)
    appraised_at: datetime | None = Field(default=None, sa_column=_utc())
    appraisal_comment: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    # The approval is an electronic signature (the password again): signer, printed name, time, comment.
    approved_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    approved_by_name: str = Field(default="", max_length=100)
    approved_at: datetime | None = Field(default=None, sa_column=_utc())
    approval_comment: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    destroyed_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    destroyed_by_name: str = Field(default="", max_length=100)
    destroyed_at: datetime | None = Field(default=None, sa_column=_utc())
    rejected_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    rejected_at: datetime | None = Field(default=None, sa_column=_utc())
    reject_reason: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))


class DispositionItem(SQLModel, table=True):
    """One revision of a batch, with the appraisal's opinion: destroy, or keep until a later date."""

    __tablename__ = "disposition_item"
    __table_args__ = (UniqueConstraint("batch_id", "revision_id"),)

    id: int | None = Field(default=None, primary_key=True)
    batch_id: int = Field(foreign_key="disposition_batch.id", index=True)
    park_id: int = Field(foreign_key="park.id")
    revision_id: int = Field(foreign_key="revision.id", index=True)
    document_id: int = Field(foreign_key="document.id")
    retention_end: date = Field(sa_column=Column(Date, nullable=False))  # when proposed
    opinion: Opinion | None = Field(default=None, sa_column=Column(String(16), nullable=True))
    keep_until: date | None = Field(default=None, sa_column=Column(Date, nullable=True))
    opinion_comment: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))


class DestructionTombstone(SQLModel, table=True):
    """What is left of a destroyed revision's file: its hash, metadata and who destroyed it under which batch.

    The revision row, its signatures and its history stay; the bytes (and derived copies and text) are gone.
    """

    __tablename__ = "destruction_tombstone"

    id: int | None = Field(default=None, primary_key=True)
    park_id: int = Field(foreign_key="park.id", index=True)
    revision_id: int = Field(sa_column=Column(Integer, ForeignKey("revision.id"), nullable=False, unique=True))
    document_id: int = Field(foreign_key="document.id")
    batch_id: int = Field(foreign_key="disposition_batch.id", index=True)
    sha256: str = Field(sa_column=Column(String(64), nullable=False, index=True))
    size_bytes: int
    media_type: str = Field(max_length=128)
    file_name: str = Field(max_length=255)
    control_no: str = Field(max_length=64)
    title: str = Field(max_length=300)
    doc_type: str = Field(max_length=48)
    revision_number: int
    revision_state: str = Field(max_length=16)
    retention: str = Field(max_length=16)
    retention_end: date = Field(sa_column=Column(Date, nullable=False))
    appraised_by_name: str = Field(default="", max_length=100)
    approved_by_name: str = Field(default="", max_length=100)
    approved_at: datetime | None = Field(default=None, sa_column=_utc())
    destroyed_by_id: int = Field(foreign_key="app_user.id")
    destroyed_by_name: str = Field(max_length=100)
    destroyed_at: datetime = Field(default_factory=utcnow, sa_column=_utc(False))
