"""Background jobs: one row per piece of work, the same in the in-process runner and the Redis queue.

The row is the truth about a job (its state, attempts, last error), so an admin sees failures whatever runs the
jobs, and a job lost with its process (in-process runner) or its message (queue) is found again and re-dispatched.
"""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, DateTime, Index, Integer, String, Text, text
from sqlmodel import Field, SQLModel

from app.common import utcnow


class JobState(StrEnum):
    queued = "queued"
    running = "running"
    done = "done"
    failed = "failed"  # gave up after max_attempts; an admin may queue it again


ACTIVE_STATES = (JobState.queued, JobState.running)
_ACTIVE_SQL = "state IN ('queued', 'running')"


def _utc(nullable: bool = True) -> Column:
    return Column(DateTime(timezone=True), nullable=nullable)


class Job(SQLModel, table=True):
    __table_args__ = (
        # Idempotent enqueueing: one active job per (kind, key), e.g. ("recognise_revision", "42").
        Index(
            "uq_job_active_key",
            "kind",
            "key",
            unique=True,
            sqlite_where=text(_ACTIVE_SQL),
            postgresql_where=text(_ACTIVE_SQL),
        ),
        Index("ix_job_state_run_after", "state", "run_after"),
    )

    id: int | None = Field(default=None, primary_key=True)
    park_id: int | None = Field(default=None, foreign_key="park.id", index=True)
    kind: str = Field(sa_column=Column(String(64), nullable=False))
    key: str = Field(sa_column=Column(String(200), nullable=False))
    payload: str = Field(default="{}", sa_column=Column(Text, nullable=False, server_default="{}"))  # JSON object
    state: JobState = Field(sa_column=Column(String(16), nullable=False))
    attempts: int = Field(default=0, sa_column=Column(Integer, nullable=False, server_default="0"))
    max_attempts: int = Field(default=5, sa_column=Column(Integer, nullable=False, server_default="5"))
    run_after: datetime = Field(default_factory=utcnow, sa_column=_utc(False))
    last_error: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    created_at: datetime = Field(default_factory=utcnow, sa_column=_utc(False))
    started_at: datetime | None = Field(default=None, sa_column=_utc())
    finished_at: datetime | None = Field(default=None, sa_column=_utc())
