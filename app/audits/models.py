"""Internal audits (10.2), nonconformities and corrective actions (11.2), management reviews (10.3)."""

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Boolean, Column, Date, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.common import utcnow


def _utc(nullable: bool = True) -> Column:
    return Column(DateTime(timezone=True), nullable=nullable)


def _text(default: str = "") -> Column:
    return Column(Text, nullable=False, server_default=default)


class AuditState(StrEnum):
    planned = "planned"
    in_progress = "in_progress"
    completed = "completed"
    cancelled = "cancelled"


class LineResult(StrEnum):
    pending = "pending"
    conforming = "conforming"
    nonconforming = "nonconforming"
    observation = "observation"
    not_audited = "not_audited"


class FindingKind(StrEnum):
    observation = "observation"
    improvement = "improvement"  # an opportunity for improvement


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


class ReviewState(StrEnum):
    draft = "draft"
    closed = "closed"


class AuditProgramme(SQLModel, table=True):
    """The audit programme of one year (10.2 a): the audits planned for it."""

    __tablename__ = "audit_programme"
    __table_args__ = (UniqueConstraint("park_id", "year"),)

    id: int | None = Field(default=None, primary_key=True)
    park_id: int = Field(foreign_key="park.id", index=True)
    year: int
    title: str = Field(max_length=300)
    notes: str = Field(default="", sa_column=_text())
    created_by_id: int = Field(foreign_key="app_user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_column=_utc(False))


class Audit(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    park_id: int = Field(foreign_key="park.id", index=True)
    programme_id: int = Field(foreign_key="audit_programme.id", index=True)
    title: str = Field(max_length=300)
    scope_json: str = Field(default="[]", sa_column=_text("[]"))  # clause ids or chapters, as entered
    criteria: str = Field(default="", sa_column=_text())
    planned_start: date = Field(sa_column=Column(Date, nullable=False))
    planned_end: date = Field(sa_column=Column(Date, nullable=False))
    lead_auditor_id: int = Field(foreign_key="app_user.id")
    auditor_ids_json: str = Field(default="[]", sa_column=_text("[]"))  # the team besides the lead
    units_json: str = Field(default="[]", sa_column=_text("[]"))  # the units audited
    state: AuditState = Field(sa_column=Column(String(16), nullable=False))
    audit_date: date | None = Field(default=None, sa_column=Column(Date, nullable=True))
    conclusion: str = Field(default="", sa_column=_text())
    cancel_reason: str = Field(default="", sa_column=_text())
    started_at: datetime | None = Field(default=None, sa_column=_utc())
    completed_at: datetime | None = Field(default=None, sa_column=_utc())
    report_document_id: int | None = Field(default=None, foreign_key="document.id")
    created_by_id: int = Field(foreign_key="app_user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_column=_utc(False))
    version: int = Field(default=1, sa_column=Column(Integer, nullable=False, server_default="1"))


class AuditLine(SQLModel, table=True):
    """One line of an audit's checklist: one requirement item of a clause in scope."""

    __tablename__ = "audit_line"
    __table_args__ = (UniqueConstraint("audit_id", "position"),)

    id: int | None = Field(default=None, primary_key=True)
    park_id: int = Field(foreign_key="park.id")
    audit_id: int = Field(foreign_key="audit.id", index=True)
    position: int
    clause_id: str = Field(sa_column=Column(String(16), ForeignKey("clause.id"), nullable=False))
    item_label: str = Field(default="", max_length=8)  # "a", "b" … or "" for the clause's requirement text
    item_group: str = Field(default="", max_length=200)
    requirement: str = Field(sa_column=_text())
    # What carbonms held when the checklist was generated: documents of the clause's types, readiness.
    evidence_json: str = Field(default="[]", sa_column=_text("[]"))
    readiness_status: str = Field(default="", max_length=16)
    readiness_reason_zh: str = Field(default="", sa_column=_text())
    readiness_reason_en: str = Field(default="", sa_column=_text())
    result: LineResult = Field(sa_column=Column(String(16), nullable=False))
    notes: str = Field(default="", sa_column=_text())
    evidence_document_ids_json: str = Field(default="[]", sa_column=_text("[]"))  # evidence examined (links)
    checked_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    checked_at: datetime | None = Field(default=None, sa_column=_utc())


class AuditFinding(SQLModel, table=True):
    """An observation or an opportunity for improvement (nonconformities have their own table)."""

    __tablename__ = "audit_finding"

    id: int | None = Field(default=None, primary_key=True)
    park_id: int = Field(foreign_key="park.id")
    audit_id: int = Field(foreign_key="audit.id", index=True)
    line_id: int | None = Field(default=None, foreign_key="audit_line.id")
    kind: FindingKind = Field(sa_column=Column(String(16), nullable=False))
    clause_id: str | None = Field(default=None, sa_column=Column(String(16), ForeignKey("clause.id"), nullable=True))
    description: str = Field(sa_column=_text())
    created_by_id: int = Field(foreign_key="app_user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_column=_utc(False))


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
    done_at: datetime | None = Field(default=None, sa_column=_utc())
    created_by_id: int = Field(foreign_key="app_user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_column=_utc(False))


class ManagementReview(SQLModel, table=True):
    __tablename__ = "management_review"

    id: int | None = Field(default=None, primary_key=True)
    park_id: int = Field(foreign_key="park.id", index=True)
    title: str = Field(max_length=300)
    review_date: date = Field(sa_column=Column(Date, nullable=False))
    state: ReviewState = Field(sa_column=Column(String(16), nullable=False))
    inputs_json: str = Field(default="[]", sa_column=_text("[]"))  # the assembled input sections
    inputs_assembled_at: datetime | None = Field(default=None, sa_column=_utc())
    notes_json: str = Field(default="{}", sa_column=_text("{}"))  # section key -> what people wrote
    previous_review_id: int | None = Field(default=None)
    closed_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    closed_by_name: str = Field(default="", max_length=100)
    closed_at: datetime | None = Field(default=None, sa_column=_utc())
    closing_comment: str = Field(default="", sa_column=_text())
    report_document_id: int | None = Field(default=None, foreign_key="document.id")
    created_by_id: int = Field(foreign_key="app_user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_column=_utc(False))
    version: int = Field(default=1, sa_column=Column(Integer, nullable=False, server_default="1"))


class ReviewDecision(SQLModel, table=True):
    """An output of a management review (10.3.2 a–h)."""

    __tablename__ = "review_decision"

    id: int | None = Field(default=None, primary_key=True)
    park_id: int = Field(foreign_key="park.id")
    review_id: int = Field(foreign_key="management_review.id", index=True)
    output_item: str = Field(max_length=2)
    decision: str = Field(sa_column=_text())
    created_by_id: int = Field(foreign_key="app_user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_column=_utc(False))
