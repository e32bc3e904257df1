"""Run jobs: claim one atomically (between threads and processes alike), call its handler, record the outcome."""

from __future__ import annotations

import json
import logging
from datetime import datetime

from sqlmodel import col, select

from app.common import utcnow
from app.db import session_scope
from app.jobs import lifecycle
from app.jobs.models import Job, JobState
from app.jobs.registry import handler_for

logger = logging.getLogger("carbonms.jobs")

MAX_ERROR_CHARS = 4000


def _claim(job_id: int) -> Job | None:
    """Mark the job running if it is queued and due; None when another runner has it or it is not due."""
    with session_scope() as session:
        return lifecycle.claim(session, job_id, now=utcnow())


def run_job(job_id: int) -> JobState | None:
    """Run one job if it is due and nobody else runs it; return its state afterwards (None: not run here)."""
    job = _claim(job_id)
    if job is None:
        return None
    func = handler_for(job.kind)
    error = ""
    try:
        if func is None:
            raise LookupError(f"no handler for job kind {job.kind!r}")
        func(json.loads(job.payload))
    except Exception as exc:  # a job's failure is recorded on its row, never raised into the runner
        logger.warning("job %s (%s %s) failed: %r", job.id, job.kind, job.key, exc, exc_info=True)
        error = f"{type(exc).__name__}: {exc}"[:MAX_ERROR_CHARS] or type(exc).__name__
    with session_scope() as session:
        row = session.get(Job, job_id)
        assert row is not None
        lifecycle.transition(row, lifecycle.after_failure(row) if error else "succeed", error=error)
        session.add(row)
        return row.state


def due_job_ids(*, limit: int = 100, now: datetime | None = None) -> list[int]:
    """Queued jobs whose time has come, oldest first."""
    with session_scope(write=False) as session:
        rows = session.exec(
            select(Job.id)
            .where(col(Job.state) == JobState.queued, col(Job.run_after) <= (now or utcnow()))
            .order_by(col(Job.run_after), col(Job.id))
            .limit(limit)
        ).all()
        return [int(row) for row in rows if row is not None]


def recover_running(*, started_before: datetime) -> int:
    """Queue again the jobs left running by a process that died (started before this process did)."""
    with session_scope() as session:
        jobs = session.exec(
            select(Job).where(col(Job.state) == JobState.running, col(Job.started_at) < started_before)
        ).all()
        count = 0
        for job in jobs:
            lifecycle.transition(job, "recover")
            session.add(job)
            count += 1
        return count
