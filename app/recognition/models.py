"""Text recognition (OCR) of scanned uploads: one row per revision that needs it, and its public shape.

A revision whose file carries no text of its own (a PNG or JPEG photo, a scanned PDF) gets a `revision_recognition`
row when it is uploaded; the background job (app/recognition/job.py) fills in the recognised text. A revision
without a row needs no recognition: its state reads `none`.
"""

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel
from sqlalchemy import Column, DateTime, ForeignKey, Integer, String, Text
from sqlmodel import Field, SQLModel

from app.common import utcnow


class RecognitionState(StrEnum):
    pending = "pending"  # 识别中: queued, waiting for the background job
    running = "running"  # 识别中: the job is recognising the pages
    done = "done"  # 已识别: the text is stored and indexed
    failed = "failed"  # 识别失败: the reason is in `error`; a coordinator may retry


NO_RECOGNITION = "none"  # what the API says of a revision that needs no recognition (its file has text)


def _utc(nullable: bool = True) -> Column:
    return Column(DateTime(timezone=True), nullable=nullable)


class RevisionRecognition(SQLModel, table=True):
    __tablename__ = "revision_recognition"

    revision_id: int = Field(sa_column=Column(Integer, ForeignKey("revision.id"), primary_key=True))
    park_id: int = Field(sa_column=Column(Integer, ForeignKey("park.id"), nullable=False, index=True))
    state: RecognitionState = Field(sa_column=Column(String(16), nullable=False))
    engine: str = Field(default="", sa_column=Column(String(64), nullable=False, server_default=""))
    languages: str = Field(default="", sa_column=Column(String(64), nullable=False, server_default=""))
    pages: int = Field(default=0, sa_column=Column(Integer, nullable=False, server_default="0"))
    characters: int = Field(default=0, sa_column=Column(Integer, nullable=False, server_default="0"))
    attempts: int = Field(default=0, sa_column=Column(Integer, nullable=False, server_default="0"))
    error: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))  # why it failed (zh)
    error_en: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    queued_at: datetime = Field(default_factory=utcnow, sa_column=_utc(False))
    started_at: datetime | None = Field(default=None, sa_column=_utc())
    finished_at: datetime | None = Field(default=None, sa_column=_utc())


class RecognitionPublic(BaseModel):
    """A revision's recognition as the API and the document page show it."""

    state: str  # none, pending, running, done, failed
    state_zh: str
    state_en: str
    engine: str = ""
    languages: str = ""
    pages: int = 0
    characters: int = 0
    error: str = ""
    error_en: str = ""
    queued_at: datetime | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    allowed_actions: list[str] = []
