"""Nonconformities and corrective actions (11.2)."""

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Boolean, Column, Date, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.common import utcnow


def _utc(nullable: bool = True) -> Column:
    return Column(DateTime(timezone=True), nullable=nullable)


def _text(default: str = "") -> Column:
    return Column(Text, nullable=False, server_default=default)


class Severity(StrEnum):
    major = "major"
    minor = "minor"


class NcState(StrEnum):
    open = "open"
    cause_analysed = "cause_analysed"
    action_planned = "action_planned"
    actions_done = "actions_done"
    verified = "verified"
    closed = "closed"
    cancelled = "cancelled"


class NcOrigin(StrEnum):
    internal_audit = "internal_audit"
    management_review = "management_review"
    monitoring = "monitoring"  # a deviation found in monitoring and measurement (10.1.1)
    compliance_evaluation = "compliance_evaluation"  # 10.1.2
    other = "other"


class ActionState(StrEnum):
    open = "open"
    done = "done"
    cancelled = "cancelled"


class Nonconformity(SQLModel, table=True):
    """不符合项: where it came from, what was found, and its way through cause, actions and verification."""

    __table_args__ = (
        Index("ix_nonconformity_park_state", "park_id", "state"),
        UniqueConstraint("park_id", "year", "number"),
    )

    id: int | None = Field(default=None, primary_key=True)
    park_id: int = Field(foreign_key="park.id")
    # Numbered per park and year of raising (NC-2026-001): the code says nothing of other parks.
    year: int = Field(default=0, sa_column=Column(Integer, nullable=False, server_default="0"))
    number: int = Field(default=0, sa_column=Column(Integer, nullable=False, server_default="0"))
    origin: NcOrigin = Field(sa_column=Column(String(32), nullable=False))
    origin_ref: str = Field(default="", max_length=300)  # free text: the monitoring point, the evaluation …
    audit_id: int | None = Field(default=None, foreign_key="audit.id", index=True)
    audit_line_id: int | None = Field(default=None, foreign_key="audit_line.id")
    review_id: int | None = Field(default=None, foreign_key="management_review.id")
    origin_document_id: int | None = Field(default=None, foreign_key="document.id")
    clause_id: str = Field(sa_column=Column(String(16), ForeignKey("clause.id"), nullable=False))
    severity: Severity = Field(sa_column=Column(String(8), nullable=False))
    description: str = Field(sa_column=_text())
    evidence_examined: str = Field(default="", sa_column=_text())
    state: NcState = Field(sa_column=Column(String(16), nullable=False))
    cause_analysis: str = Field(default="", sa_column=_text())
    similar_elsewhere: bool | None = Field(default=None, sa_column=Column(Boolean, nullable=True))
    similar_details: str = Field(default="", sa_column=_text())
    completion_evidence: str = Field(default="", sa_column=_text())
    verification: str = Field(default="", sa_column=_text())
    verified_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    verified_at: datetime | None = Field(default=None, sa_column=_utc())
    end_reason: str = Field(default="", sa_column=_text())  # closing comment or cancellation reason
    raised_by_id: int = Field(foreign_key="app_user.id")
    raised_at: datetime = Field(default_factory=utcnow, sa_column=_utc(False))
    ended_at: datetime | None = Field(default=None, sa_column=_utc())  # closed or cancelled
    report_document_id: int | None = Field(default=None, foreign_key="document.id")  # the 11.2 record
    version: int = Field(default=1, sa_column=Column(Integer, nullable=False, server_default="1"))


class CorrectiveAction(SQLModel, table=True):
    """An action with an owner and a due date: of a nonconformity (11.2 c) or of a review decision (10.3.2)."""

    __tablename__ = "corrective_action"

    id: int | None = Field(default=None, primary_key=True)
    park_id: int = Field(foreign_key="park.id", index=True)
    nonconformity_id: int | None = Field(default=None, foreign_key="nonconformity.id", index=True)
    decision_id: int | None = Field(default=None, foreign_key="review_decision.id", index=True)
    description: str = Field(sa_column=_text())
    owner_id: int = Field(foreign_key="app_user.id", index=True)
    due_date: date = Field(sa_column=Column(Date, nullable=False))
    state: ActionState = Field(sa_column=Column(String(16), nullable=False))
    completion_evidence: str = Field(default="", sa_column=_text())
    evidence_document_ids_json: str = Field(default="[]", sa_column=_text("[]"))
    # The revisions named as evidence (control number@revision), beside the documents named without one.
    evidence_revision_ids_json: str = Field(default="[]", sa_column=_text("[]"))
    done_at: datetime | None = Field(default=None, sa_column=_utc())
    created_by_id: int = Field(foreign_key="app_user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_column=_utc(False))
