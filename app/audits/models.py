"""Internal audits (10.2): programmes, audits, checklist lines and findings."""

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Column, Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
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
