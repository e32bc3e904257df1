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
    # The lease of a running job: its runner renews it while the handler runs; once it has passed, the runner is taken
    # for dead and any runner may queue the job again (app/jobs/execution.py recover_expired). `worker` names it.
    locked_until: datetime | None = Field(default=None, sa_column=_utc())
    worker: str = Field(default="", sa_column=Column(String(200), nullable=False, server_default=""))


class JobSlot(SQLModel, table=True):
    """A scheduled job's occurrence (e.g. the daily reminders of park 3 on 2026-12-01), taken once: whichever of
    several schedulers inserts it first enqueues the job; the others meet the primary key and leave it."""

    __tablename__ = "job_slot"

    kind: str = Field(sa_column=Column(String(64), primary_key=True))
    key: str = Field(sa_column=Column(String(200), primary_key=True))
    park_id: int | None = Field(default=None, foreign_key="park.id", index=True)
    job_id: int | None = Field(default=None, foreign_key="job.id")
    created_at: datetime = Field(default_factory=utcnow, sa_column=_utc(False))
