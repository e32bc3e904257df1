"""Enqueue and run jobs. The row is written in the caller's transaction; it is dispatched only after the commit,
so a job never runs on data that was rolled back, and a job of a committed change is never lost (it stays queued in
the database and is dispatched again at start-up or by the worker's sweep)."""

from __future__ import annotations

import json
import logging
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from app.common import utcnow
from app.db import after_commit, after_rollback
from app.jobs import lifecycle
from app.jobs.models import ACTIVE_STATES, Job, JobState
from app.jobs.runner import dispatcher

logger = logging.getLogger("carbonms.jobs")

_PENDING = "carbonms_jobs_pending"
MAX_ERROR_CHARS = 4000


def enqueue(
    session: Session,
    kind: str,
    key: str,
    payload: dict[str, Any] | None = None,
    *,
    park_id: int | None = None,
    run_after: datetime | None = None,
    max_attempts: int = 5,
) -> Job:
    """Queue `kind` for `key` unless one is already queued or running (then that one is returned)."""
    existing = session.exec(
        select(Job).where(Job.kind == kind, Job.key == key, col(Job.state).in_(ACTIVE_STATES))
    ).first()
    if existing is not None:
        return existing
    job = Job(
        park_id=park_id,
        kind=kind,
        key=key,
        payload=json.dumps(payload or {}, ensure_ascii=False, sort_keys=True),
        state=JobState.queued,
        max_attempts=max_attempts,
        run_after=run_after or utcnow(),
    )
    session.add(job)
    session.flush()
    _dispatch_after_commit(session, job)
    return job


def _dispatch_after_commit(session: Session, job: Job) -> None:
    pending: list[int] | None = session.info.get(_PENDING)
    if pending is None:
        pending = session.info[_PENDING] = []
        after_commit(session, lambda: _dispatch_pending(session))
        after_rollback(session, lambda: session.info.pop(_PENDING, None))
    assert job.id is not None
    pending.append(job.id)


def _dispatch_pending(session: Session) -> None:
    ids = session.info.pop(_PENDING, None)
    if ids:
        dispatcher().dispatch(ids)


def requeue(session: Session, job: Job) -> None:
    """An admin queues a failed job again (after fixing its cause)."""
    lifecycle.transition(job, "requeue")
    session.add(job)
    session.flush()
    _dispatch_after_commit(session, job)
