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
from app.errors import InvalidTransition, NotFound
from app.events.refusals import refusal
from app.jobs import access, lifecycle
from app.jobs.models import ACTIVE_STATES, Job, JobState
from app.jobs.runner import dispatcher
from app.labels import label_en, label_zh
from app.users.models import User

logger = logging.getLogger("carbonms.jobs")

_PENDING = "carbonms_jobs_pending"


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


def requeue(session: Session, job: Job, *, actor: User | None = None) -> None:
    """An admin queues a failed job again (after fixing its cause)."""
    lifecycle.transition(job, "requeue", session=session, actor=actor)
    session.flush()
    _dispatch_after_commit(session, job)


def list_jobs(
    session: Session, *, user: User, state: JobState | None = None, limit: int = 100, offset: int = 0
) -> list[Job]:
    """The jobs `user` may see (app/jobs/access.py), newest first; 403 for the roles that may not."""
    access.check_may_manage(user)
    query = select(Job).where(access.visible_to(user))
    if state is not None:
        query = query.where(col(Job.state) == state)
    query = query.order_by(col(Job.created_at).desc(), col(Job.id).desc()).limit(limit).offset(offset)
    return list(session.exec(query).all())


def get_job(session: Session, *, user: User, job_id: int) -> Job:
    """One job `user` may see; another park's job is a 404, as if it did not exist."""
    access.check_may_manage(user, job_id)
    job = session.get(Job, job_id)
    if job is None or not access.may_see(user, job):
        # The probe of a job the user may not see is on record (in the user's park); a missing id is not.
        audit = refusal(user, access.refusal_rule(user, job), "job", job_id) if job is not None else None
        raise NotFound("任务不存在", "No such job", audit=audit)
    return job


def requeue_by(session: Session, *, user: User, job_id: int) -> Job:
    """A person's requeue from the page or the API: only what `lifecycle.allowed_actions` offers them."""
    job = get_job(session, user=user, job_id=job_id)
    if "requeue" not in lifecycle.allowed_actions(job, is_admin=access.may_manage(user)):
        raise InvalidTransition(
            f"任务状态为“{label_zh('job_state', job.state)}”，只有失败的任务可以重新排队",
            f"The job is {label_en('job_state', job.state)}; only a failed job may be queued again",
        )
    requeue(session, job, actor=user)
    return job
