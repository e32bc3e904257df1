"""The job state machine: the only code that assigns `Job.state`."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, col

from app.common import utcnow
from app.errors import Conflict
from app.jobs.models import Job, JobState

# action -> (states it may start from, state it leads to)
TRANSITIONS: dict[str, tuple[frozenset[JobState], JobState]] = {
    # "claim" (queued -> running) is `claim()` below: one conditional UPDATE, atomic between processes.
    "succeed": (frozenset({JobState.running}), JobState.done),
    "retry_later": (frozenset({JobState.running}), JobState.queued),
    "give_up": (frozenset({JobState.running}), JobState.failed),
    "requeue": (frozenset({JobState.failed}), JobState.queued),  # an admin, after fixing the cause
    # a job whose process died while running it (found by the runner at start-up or by `carbonms worker`)
    "recover": (frozenset({JobState.running}), JobState.queued),
}

# How long a failed attempt waits before the next: base * 2 ** (attempts - 1), capped.
BACKOFF_BASE_SECONDS = 5.0
BACKOFF_MAX_SECONDS = 3600.0


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(BACKOFF_MAX_SECONDS, BACKOFF_BASE_SECONDS * 2 ** max(0, attempts - 1)))


def transition(job: Job, action: str, *, error: str = "", now: datetime | None = None) -> None:
    sources, target = TRANSITIONS[action]
    if job.state not in sources:
        raise Conflict(
            f"任务状态为 {job.state}，不能执行 {action}",
            f"The job is {job.state}; {action} is not possible",
        )
    now = now or utcnow()
    job.state = target
    if action in ("succeed", "give_up"):
        job.finished_at = now
        job.last_error = error
    elif action == "retry_later":
        job.last_error = error
        job.run_after = now + backoff(job.attempts)
    elif action == "requeue":
        job.attempts = 0
        job.run_after = now
        job.finished_at = None
    elif action == "recover":
        job.run_after = now


def after_failure(job: Job) -> str:
    """What a failed attempt leads to: another try later, or giving up."""
    return "retry_later" if job.attempts < job.max_attempts else "give_up"


def allowed_actions(job: Job, *, is_admin: bool) -> list[str]:
    """What a person may do with a job from the admin page (the runner's own actions are not offered)."""
    return ["requeue"] if is_admin and job.state == JobState.failed else []


def claim(session: Session, job_id: int, *, now: datetime) -> Job | None:
    """queued -> running for a job that is due, as one conditional UPDATE: of two runners (threads or processes)
    asking at once, exactly one gets the row. None: not queued, not due, or another runner has it."""
    claimed = session.execute(
        update(Job)
        .where(col(Job.id) == job_id, col(Job.state) == JobState.queued, col(Job.run_after) <= now)
        .values(state=JobState.running, attempts=col(Job.attempts) + 1, started_at=now)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        return None
    job = session.get(Job, job_id, populate_existing=True)
    return job
