"""The job state machine: the only code that assigns `Job.state`, and every change lands with its audit event."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col

from app.common import utcnow
from app.errors import Conflict
from app.events import service as events
from app.jobs.models import Job, JobState

# action -> (states it may start from, state it leads to)
TRANSITIONS: dict[str, tuple[frozenset[JobState], JobState]] = {
    # "start" (queued -> running) is `claim()` below: one conditional UPDATE, atomic between processes.
    "succeed": (frozenset({JobState.running}), JobState.done),
    "retry_later": (frozenset({JobState.running}), JobState.queued),
    "give_up": (frozenset({JobState.running}), JobState.failed),
    "requeue": (frozenset({JobState.failed}), JobState.queued),  # an admin, after fixing the cause
    # a job whose runner died while running it: its lease ran out (any runner), or, for a row without a lease,
    # it was started before this process (the runner at start-up)
    "recover": (frozenset({JobState.running}), JobState.queued),
}

# How long a failed attempt waits before the next: base * 2 ** (attempts - 1), capped.
BACKOFF_BASE_SECONDS = 5.0
BACKOFF_MAX_SECONDS = 3600.0

# The actions a person may take from the admin page (the runner's own actions are never offered).
PERSON_ACTIONS = ("requeue",)


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(BACKOFF_MAX_SECONDS, BACKOFF_BASE_SECONDS * 2 ** max(0, attempts - 1)))


def _record(session: Session, job: Job, action: str, before: JobState | None, *, actor: Any, worker: str) -> None:
    events.record(
        session,
        action=f"job.{action}",
        entity_type="job",
        entity_id=job.id,
        park_id=job.park_id,
        actor=actor,
        actor_name=None if actor is not None else (worker or "system"),
        before={"job_state": str(before)} if before is not None else None,
        after={
            "job_state": str(job.state),
            "kind": job.kind,
            "key": job.key,
            "attempts": job.attempts,
            **({"error": job.last_error} if job.last_error and job.state != JobState.done else {}),
        },
    )


def transition(
    job: Job,
    action: str,
    *,
    session: Session | None = None,
    actor: Any = None,
    error: str = "",
    now: datetime | None = None,
) -> None:
    """Change `job`'s state by `action`; with `session`, the change's audit event is recorded in it (every caller in
    the application passes one; the table alone is checked without)."""
    sources, target = TRANSITIONS[action]
    if job.state not in sources:
        raise Conflict(
            f"任务状态为 {job.state}，不能执行 {action}",
            f"The job is {job.state}; {action} is not possible",
        )
    now = now or utcnow()
    before = job.state
    job.state = target
    if action in ("succeed", "give_up"):
        job.finished_at = now
        job.last_error = error
        job.locked_until = None
    elif action == "retry_later":
        job.last_error = error
        job.run_after = now + backoff(job.attempts)
        job.locked_until = None
    elif action == "requeue":
        job.attempts = 0
        job.run_after = now
        job.finished_at = None
    elif action == "recover":
        job.run_after = now
        job.locked_until = None
    if session is not None:
        session.add(job)
        _record(session, job, action, before, actor=actor, worker=job.worker)


def after_failure(job: Job) -> str:
    """What a failed attempt leads to: another try later, or giving up."""
    return "retry_later" if job.attempts < job.max_attempts else "give_up"


def allowed_actions(job: Job, *, is_admin: bool) -> list[str]:
    """What a person may do with a job from the admin page (the runner's own actions are not offered)."""
    return ["requeue"] if is_admin and job.state == JobState.failed else []


def claim(
    session: Session, job_id: int, *, now: datetime, lease: timedelta | None = None, worker: str = ""
) -> Job | None:
    """queued -> running for a job that is due, as one conditional UPDATE: of two runners (threads or processes)
    asking at once, exactly one gets the row. None: not queued, not due, or another runner has it.

    The claim takes a lease until `now + lease`: its runner renews it (`renew`) while the handler runs."""
    claimed = session.execute(
        update(Job)
        .where(col(Job.id) == job_id, col(Job.state) == JobState.queued, col(Job.run_after) <= now)
        .values(
            state=JobState.running,
            attempts=col(Job.attempts) + 1,
            started_at=now,
            locked_until=now + lease if lease is not None else None,
            worker=worker[:200],
        )
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        return None
    job = session.get(Job, job_id, populate_existing=True)
    if job is not None:
        _record(session, job, "start", JobState.queued, actor=None, worker=worker)
    return job


def renew(session: Session, job_id: int, *, attempt: int, until: datetime) -> bool:
    """Extend the lease of the claim `attempt` of a running job; False: the claim is no longer this runner's."""
    renewed = session.execute(
        update(Job)
        .where(col(Job.id) == job_id, col(Job.state) == JobState.running, col(Job.attempts) == attempt)
        .values(locked_until=until)
        .execution_options(synchronize_session=False)
    )
    return bool(renewed.rowcount == 1)  # type: ignore[attr-defined]
