"""Run jobs: claim one atomically (between threads and processes alike), call its handler while keeping its lease,
record the outcome — unless the claim was lost meanwhile (its lease ran out and another runner took the job)."""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from sqlmodel import col, or_, select

from app.common import utcnow
from app.config import get_settings
from app.db import session_scope
from app.jobs import lifecycle
from app.jobs.models import Job, JobState
from app.jobs.registry import handler_for

logger = logging.getLogger("carbonms.jobs")

MAX_ERROR_CHARS = 4000


def worker_name() -> str:
    """Who runs a job, as the admin page shows it: host, process and thread."""
    return f"{socket.gethostname()}:{os.getpid()}:{threading.current_thread().name}"[:200]


def lease_length() -> timedelta:
    return timedelta(seconds=get_settings().jobs_lease_seconds)


def _claim(job_id: int) -> Job | None:
    """Mark the job running if it is queued and due; None when another runner has it or it is not due."""
    with session_scope() as session:
        return lifecycle.claim(session, job_id, now=utcnow(), lease=lease_length(), worker=worker_name())


@contextmanager
def _lease_kept(job_id: int, attempt: int) -> Iterator[None]:
    """Renew the claim's lease every third of its length while the handler runs (a thread of its own, so a handler
    busy in C code or in a long query still keeps it); the thread stops with the handler."""
    stop = threading.Event()
    length = lease_length()

    def renew() -> None:
        while not stop.wait(length.total_seconds() / 3):
            try:
                with session_scope() as session:
                    if not lifecycle.renew(session, job_id, attempt=attempt, until=utcnow() + length):
                        logger.warning("job %s: its lease was taken over by another runner", job_id)
                        return
            except Exception:  # the database is unreachable: try again at the next beat
                logger.exception("job %s: lease not renewed", job_id)

    thread = threading.Thread(target=renew, name=f"carbonms-lease-{job_id}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=5)


def run_job(job_id: int) -> JobState | None:
    """Run one job if it is due and nobody else runs it; return its state afterwards (None: not run here)."""
    job = _claim(job_id)
    if job is None:
        return None
    func = handler_for(job.kind)
    error = ""
    with _lease_kept(job_id, job.attempts):
        try:
            if func is None:
                raise LookupError(f"no handler for job kind {job.kind!r}")
            func(json.loads(job.payload))
        except Exception as exc:  # a job's failure is recorded on its row, never raised into the runner
            logger.warning("job %s (%s %s) failed: %r", job.id, job.kind, job.key, exc, exc_info=True)
            error = f"{type(exc).__name__}: {exc}"[:MAX_ERROR_CHARS] or type(exc).__name__
    with session_scope() as session:
        row = session.get(Job, job_id, populate_existing=True)
        assert row is not None
        if row.state != JobState.running or row.attempts != job.attempts:
            # Our lease ran out and another runner took the job: its outcome is the one that counts.
            logger.warning("job %s finished after its claim was lost; outcome not recorded", job_id)
            return None
        lifecycle.transition(row, lifecycle.after_failure(row) if error else "succeed", session=session, error=error)
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


def recover_running(*, started_before: datetime | None = None, now: datetime | None = None) -> int:
    """Queue again the running jobs whose runner is gone: their lease ran out (whichever process held them), or,
    for a row without a lease (claimed before leases existed), it was started before `started_before`."""
    now = now or utcnow()
    expired = col(Job.locked_until) < now
    unleased = col(Job.locked_until).is_(None) & (col(Job.started_at) < started_before) if started_before else None
    dead = (col(Job.state) == JobState.running, or_(expired, unleased) if unleased is not None else expired)
    with session_scope(write=False) as session:  # the usual answer, "none", without taking a write lock
        if session.exec(select(Job.id).where(*dead).limit(1)).first() is None:
            return 0
    with session_scope() as session:
        jobs = session.exec(select(Job).where(*dead).with_for_update(skip_locked=True)).all()
        for job in jobs:
            logger.warning("job %s (%s %s) recovered from %s", job.id, job.kind, job.key, job.worker or "?")
            lifecycle.transition(job, "recover", session=session, now=now)
        return len(jobs)
