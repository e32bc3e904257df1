from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, Column, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint, false
from sqlmodel import Field, SQLModel

from app.common import utcnow


class DocKind(StrEnum):
    document = "document"
    record = "record"


class RetentionClass(StrEnum):
    """保管期限 under 《企业文件材料归档范围和档案保管期限规定》(国家档案局令第10号, 2012): no other periods."""

    permanent = "permanent"
    years_30 = "30y"
    years_10 = "10y"


# The years each class keeps a file (None: never destroyed); app/retention/rules.py counts them.
RETENTION_YEARS: dict[RetentionClass, int | None] = {
    RetentionClass.permanent: None,
    RetentionClass.years_30: 30,
    RetentionClass.years_10: 10,
}


class Clause(SQLModel, table=True):
    """A clause or sub-clause of the standard (shared by every park)."""

    id: str = Field(sa_column=Column(String(16), primary_key=True))  # "7.3.2"
    chapter: str = Field(sa_column=Column(String(4), nullable=False, index=True))
    parent_id: str | None = Field(default=None, max_length=16)
    title_zh: str = Field(max_length=200)
    title_en: str = Field(max_length=300)
    requirement_zh: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    # The lettered items a) b) … as a JSON list of {"label": "a", "text": "…"}: the flat form derived from the
    # blocks (sub-items labelled "-"), kept for clients and the audit checklist; `requirement_zh` likewise.
    items_json: str = Field(default="[]", sa_column=Column(Text, nullable=False, server_default="[]"))
    # The requirement in the standard's order: JSON list of app.clauses.schema blocks (paragraph, note, list).
    blocks_json: str = Field(default="[]", sa_column=Column(Text, nullable=False, server_default="[]"))
    # Chapter 4 principles: the clause ids whose records are their evidence, and why (Chinese, English).
    supported_by_json: str = Field(default="[]", sa_column=Column(Text, nullable=False, server_default="[]"))
    support_zh: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    support_en: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    sort_key: int = Field(default=0, sa_column=Column(Integer, nullable=False, server_default="0"))


class DocType(SQLModel, table=True):
    """A required document type: Annex A's named documents and what the clause text requires."""

    __tablename__ = "doc_type"

    code: str = Field(sa_column=Column(String(48), primary_key=True))
    title_zh: str = Field(max_length=200)
    title_en: str = Field(max_length=300)
    kind: DocKind = Field(sa_column=Column(String(16), nullable=False))
    approver_role: str = Field(sa_column=Column(String(32), nullable=False))
    review_cycle_months: int | None = Field(default=None)
    retention_years: int | None = Field(default=None)  # the class's years (None: permanent), for documents' forms
    # The retention class (clause_map.yaml `retention`); a park may override it (app/retention/models.py).
    retention: str = Field(default="10y", sa_column=Column(String(16), nullable=False, server_default="10y"))
    annex_a: bool = False
    description_zh: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    sort_key: int = Field(default=0, sa_column=Column(Integer, nullable=False, server_default="0"))
    # Records: cycle and due date (see app.clauses.schema.DocTypeSpec); the park may override (ParkDocTypeSetting).
    cycle: str | None = Field(default=None, sa_column=Column(String(16), nullable=True))
    due_day: str | None = Field(default=None, sa_column=Column(String(5), nullable=True))
    due_after_days: int | None = Field(default=None)
    park_interval: bool = Field(default=False, sa_column=Column(Boolean, nullable=False, server_default=false()))
    # JSON list of the clause ids a record of this type must say it covers (9.2.2–9.2.5), "[]" for most types.
    covers_clauses_json: str = Field(default="[]", sa_column=Column(Text, nullable=False, server_default="[]"))


class ParkDocTypeSetting(SQLModel, table=True):
    """A park's own cycle or due date for a record type, where the clause map's default does not fit it."""

    __tablename__ = "park_doc_type_setting"
    __table_args__ = (UniqueConstraint("park_id", "doc_type"),)

    id: int | None = Field(default=None, primary_key=True)
    park_id: int = Field(foreign_key="park.id", index=True)
    doc_type: str = Field(sa_column=Column(String(48), ForeignKey("doc_type.code"), nullable=False))
    cycle: str | None = Field(default=None, sa_column=Column(String(16), nullable=True))
    due_day: str | None = Field(default=None, sa_column=Column(String(5), nullable=True))
    due_after_days: int | None = Field(default=None)
    set_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    set_at: datetime = Field(default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False))


class DocTypeClause(SQLModel, table=True):
    __tablename__ = "doc_type_clause"

    doc_type: str = Field(sa_column=Column(String(48), ForeignKey("doc_type.code"), primary_key=True))
    clause_id: str = Field(sa_column=Column(String(16), ForeignKey("clause.id"), primary_key=True))
    # annex_a | maintain | retain | establish | recommended (see app.clauses.schema.LinkBasis).
    basis: str = Field(default="maintain", sa_column=Column(String(16), nullable=False, server_default="maintain"))


class ClauseApplicability(SQLModel, table=True):
    """A park's scope exclusion of a clause (不适用), with the written reason."""

    __tablename__ = "clause_applicability"
    __table_args__ = (UniqueConstraint("park_id", "clause_id"),)

    id: int | None = Field(default=None, primary_key=True)
    park_id: int = Field(foreign_key="park.id", index=True)
    clause_id: str = Field(foreign_key="clause.id", max_length=16)
    applicable: bool = True
    reason: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    set_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    set_at: datetime = Field(default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False))
