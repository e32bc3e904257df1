"""A stored archival check run (四性检测) and its problems: who ran it, when, on what scope, with what figures and
verdict, so its report can be listed and made again from the row at any time."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, DateTime, ForeignKey, Integer, String, Text
from sqlmodel import Field, SQLModel

from app.common import utcnow


class Property(StrEnum):
    """The four properties of DA/T 70—2018, in its order."""

    authenticity = "authenticity"
    integrity = "integrity"
    usability = "usability"
    security = "security"


class Verdict(StrEnum):
    passed = "passed"
    failed = "failed"


class Outcome(StrEnum):
    passed = "passed"
    failed = "failed"
    not_checked = "not_checked"


class Origin(StrEnum):
    on_demand = "on_demand"
    export = "export"


class ScopeKind(StrEnum):
    park = "park"
    doc_types = "doc_types"
    clause = "clause"
    documents = "documents"


class ArchivalCheck(SQLModel, table=True):
    __tablename__ = "archival_check"

    id: int | None = Field(default=None, primary_key=True)
    park_id: int = Field(foreign_key="park.id", index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False))
    created_by_id: int = Field(foreign_key="app_user.id")
    created_by_name: str = Field(max_length=100)
    origin: str = Field(sa_column=Column(String(16), nullable=False))
    scope_kind: str = Field(sa_column=Column(String(16), nullable=False))
    # The normalised scope (kind, doc types, clause, document ids, period) as JSON; the export's own scope too.
    scope_json: str = Field(sa_column=Column(Text, nullable=False))
    verdict: str = Field(sa_column=Column(String(16), nullable=False))
    documents_checked: int = 0
    revisions_checked: int = 0
    problems_count: int = 0
    # Per property and per check: passed / failed / not_checked counts (JSON).
    figures_json: str = Field(sa_column=Column(Text, nullable=False))
    # The audit chain walk: events and anchors checked, where it broke, the scope's last event (JSON).
    chain_json: str = Field(default="{}", sa_column=Column(Text, nullable=False, server_default="{}"))
    # The allowed formats setting in force for this run.
    allowed_formats: str = Field(default="", sa_column=Column(String(200), nullable=False, server_default=""))


class ArchivalProblem(SQLModel, table=True):
    __tablename__ = "archival_problem"

    id: int | None = Field(default=None, primary_key=True)
    check_id: int = Field(sa_column=Column(Integer, ForeignKey("archival_check.id"), nullable=False, index=True))
    position: int
    property: str = Field(sa_column=Column(String(16), nullable=False))
    check_code: str = Field(sa_column=Column(String(32), nullable=False))
    document_id: int | None = Field(default=None)
    revision_id: int | None = Field(default=None)
    control_no: str = Field(default="", max_length=64)
    revision_number: int | None = Field(default=None)
    message_zh: str = Field(sa_column=Column(Text, nullable=False))
    message_en: str = Field(sa_column=Column(Text, nullable=False))
