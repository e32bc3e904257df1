"""Management reviews (10.3) and their decisions."""

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Column, Date, DateTime, Integer, String, Text
from sqlmodel import Field, SQLModel

from app.common import utcnow


def _utc(nullable: bool = True) -> Column:
    return Column(DateTime(timezone=True), nullable=nullable)


def _text(default: str = "") -> Column:
    return Column(Text, nullable=False, server_default=default)


class ReviewState(StrEnum):
    draft = "draft"
    closed = "closed"


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
