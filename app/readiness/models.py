from datetime import date, datetime

from sqlalchemy import Column, Date, DateTime, ForeignKey, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.common import utcnow


class NoOccurrenceDeclaration(SQLModel, table=True):
    """A coordinator's signed statement that nothing of an event-driven record type occurred in a period (e.g. no
    serious deviation in 2025): it meets the period as a record would. Written once, never altered."""

    __tablename__ = "no_occurrence_declaration"
    __table_args__ = (UniqueConstraint("park_id", "doc_type", "period_start"),)

    id: int | None = Field(default=None, primary_key=True)
    park_id: int = Field(foreign_key="park.id", index=True)
    doc_type: str = Field(sa_column=Column(String(48), ForeignKey("doc_type.code"), nullable=False))
    period_start: date = Field(sa_column=Column(Date, nullable=False))
    period_end: date = Field(sa_column=Column(Date, nullable=False))
    statement: str = Field(sa_column=Column(Text, nullable=False))
    signer_id: int = Field(foreign_key="app_user.id")
    signer_name: str = Field(max_length=100)
    signed_at: datetime = Field(default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False))
