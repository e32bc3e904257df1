from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Column, Date, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from app.common import utcnow
from app.labels import LABELS


class AccessLevel(StrEnum):
    public = "public"
    internal = "internal"
    restricted = "restricted"


class RevisionState(StrEnum):
    draft = "draft"
    in_review = "in_review"
    in_approval = "in_approval"
    approved = "approved"
    effective = "effective"
    superseded = "superseded"
    obsolete = "obsolete"
    filed = "filed"
    void = "void"


OPEN_STATES = (RevisionState.draft, RevisionState.in_review, RevisionState.in_approval, RevisionState.approved)
_OPEN_SQL = "state IN ('draft', 'in_review', 'in_approval', 'approved')"


def _utc(nullable: bool = True) -> Column:
    return Column(DateTime(timezone=True), nullable=nullable)


class Blob(SQLModel, table=True):
    """A stored file, addressed by its SHA-256; written once, never altered."""

    sha256: str = Field(sa_column=Column(String(64), primary_key=True))
    size_bytes: int
    media_type: str = Field(max_length=128)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_utc(False))


class Document(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint("park_id", "control_no"),
        # The register's pages as ranges of the park alone (see the tenancy_indexes migration).
        Index("ix_document_park_created", "park_id", "created_at", "id"),
        Index("ix_document_park_type_control_no", "park_id", "doc_type", "control_no"),
    )

    id: int | None = Field(default=None, primary_key=True)
    park_id: int = Field(foreign_key="park.id", index=True)
    control_no: str = Field(max_length=64)
    doc_type: str = Field(sa_column=Column(String(48), ForeignKey("doc_type.code"), nullable=False, index=True))
    kind: str = Field(sa_column=Column(String(16), nullable=False))  # copied from the type: stable once created
    title: str = Field(max_length=300)
    owner_unit: str = Field(default="", max_length=200)
    access_level: AccessLevel = Field(sa_column=Column(String(16), nullable=False))
    created_by_id: int = Field(foreign_key="app_user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_column=_utc(False))
    version: int = Field(default=1, sa_column=Column(Integer, nullable=False, server_default="1"))


class Revision(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint("document_id", "number"),
        # A document has at most one open revision and at most one effective revision, even under races.
        Index(
            "uq_revision_one_open",
            "document_id",
            unique=True,
            sqlite_where=text(_OPEN_SQL),
            postgresql_where=text(_OPEN_SQL),
        ),
        Index(
            "uq_revision_one_effective",
            "document_id",
            unique=True,
            sqlite_where=text("state = 'effective'"),
            postgresql_where=text("state = 'effective'"),
        ),
        Index("ix_revision_park_state", "park_id", "state"),
        # Readiness per type (see the readiness_cycles and readiness_index migrations): newest filed record (in the
        # order of its lookups, id included, per covered clause too), newest effective document, what counted at a
        # past date.
        Index(
            "ix_revision_type_state_period_id",
            "park_id",
            "doc_type",
            "state",
            "period_end",
            "id",
            "effective_from",
            "ended_at",
            "last_reviewed_at",
            "covers_clause",
        ),
        Index("ix_revision_type_state_reviewed", "park_id", "doc_type", "state", "last_reviewed_at"),
        Index("ix_revision_type_from", "park_id", "doc_type", "effective_from"),
    )

    id: int | None = Field(default=None, primary_key=True)
    park_id: int = Field(foreign_key="park.id")
    document_id: int = Field(foreign_key="document.id", index=True)
    number: int
    state: RevisionState = Field(sa_column=Column(String(16), nullable=False))
    version: int = Field(default=1, sa_column=Column(Integer, nullable=False, server_default="1"))
    # Incremented at every submission, so signatures of a rejected round stay apart from the next round's.
    cycle: int = Field(default=0, sa_column=Column(Integer, nullable=False, server_default="0"))
    change_reason: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    blob_sha256: str = Field(sa_column=Column(String(64), ForeignKey("blob.sha256"), nullable=False))
    file_name: str = Field(max_length=255)
    media_type: str = Field(max_length=128)
    size_bytes: int
    preparer_id: int = Field(foreign_key="app_user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_column=_utc(False))
    submitted_at: datetime | None = Field(default=None, sa_column=_utc())
    approved_at: datetime | None = Field(default=None, sa_column=_utc())
    effective_from: datetime | None = Field(default=None, sa_column=_utc())
    published_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    # When the revision stopped counting: superseded, obsolete or void.
    ended_at: datetime | None = Field(default=None, sa_column=_utc())
    end_reason: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    last_reviewed_at: datetime | None = Field(default=None, sa_column=_utc())
    # Records: the period they cover, and when they were filed (effective_from holds that too).
    period_start: date | None = Field(default=None, sa_column=Column(Date, nullable=True))
    period_end: date | None = Field(default=None, sa_column=Column(Date, nullable=True))
    # A copy of the document's type (stable once created), so readiness finds a type's newest revisions through
    # an index instead of reading every revision of the park.
    doc_type: str = Field(default="", sa_column=Column(String(48), nullable=False, server_default=""))
    # Records of a type shared by several clauses (9.2.2–9.2.5): the clause this record covers.
    covers_clause: str | None = Field(default=None, sa_column=Column(String(16), nullable=True))


class RevisionText(SQLModel, table=True):
    """Extracted text, kept apart so revision queries stay narrow."""

    __tablename__ = "revision_text"

    revision_id: int = Field(sa_column=Column(Integer, ForeignKey("revision.id"), primary_key=True))
    text: str = Field(sa_column=Column(Text, nullable=False))


class SignatureMeaning(StrEnum):
    review = "review"
    approve = "approve"
    publish = "publish"
    confirm = "confirm"


SIGNATURE_LABELS = LABELS["meaning"]


class Signature(SQLModel, table=True):
    """An electronic signature: who, printed name, when, meaning, and the SHA-256 of the file signed."""

    __table_args__ = (UniqueConstraint("revision_id", "meaning", "cycle"),)

    id: int | None = Field(default=None, primary_key=True)
    park_id: int = Field(foreign_key="park.id")
    revision_id: int = Field(foreign_key="revision.id", index=True)
    signer_id: int = Field(foreign_key="app_user.id")
    signer_name: str = Field(max_length=100)
    meaning: SignatureMeaning = Field(sa_column=Column(String(16), nullable=False))
    cycle: int = Field(default=0, sa_column=Column(Integer, nullable=False, server_default="0"))
    signed_at: datetime = Field(default_factory=utcnow, sa_column=_utc(False))
    file_sha256: str = Field(max_length=64)
    comment: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
