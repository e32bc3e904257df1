"""The job queue's row semantics, on both databases: enqueued in the caller's transaction, dispatched after its
commit only, idempotent per (kind, key), retried with backoff, given up after max_attempts, re-queued by an admin."""

import uuid
from datetime import timedelta

import pytest
from sqlmodel import select

from app.common import as_utc, utcnow
from app.db import session_scope
from app.errors import Conflict
from app.jobs import execution, lifecycle, service
from app.jobs.models import Job, JobState
from app.jobs.registry import handler
from app.jobs.runner import run_due

CALLS: list[dict] = []
KEY = uuid.uuid4().hex  # the database outlives one parametrisation: keys stay apart
FAILURES: dict[str, int] = {}


@handler("test_record_call")
def _record_call(payload: dict) -> None:
    CALLS.append(payload)


@handler("test_fail_times")
def _fail_times(payload: dict) -> None:
    key = payload["tag"]
    if FAILURES.get(key, 0) < payload["times"]:
        FAILURES[key] = FAILURES.get(key, 0) + 1
        raise RuntimeError(f"failure {FAILURES[key]}")
    CALLS.append(payload)


def _job(job_id: int) -> Job:
    with session_scope(write=False) as session:
        job = session.get(Job, job_id)
        assert job is not None
        return job


def test_a_job_runs_after_its_commit_once(app) -> None:
    CALLS.clear()
    with session_scope() as session:
        job = service.enqueue(session, "test_record_call", KEY + "commit-1", {"n": 1})
        again = service.enqueue(session, "test_record_call", KEY + "commit-1", {"n": 2})
        assert again.id == job.id  # idempotent while active
        assert CALLS == []  # nothing runs before the commit
    assert CALLS == [{"n": 1}]
    done = _job(job.id)
    assert done.state == JobState.done
    assert done.attempts == 1
    assert done.finished_at is not None


def test_a_rolled_back_job_never_runs(app) -> None:
    CALLS.clear()
    with pytest.raises(RuntimeError), session_scope() as session:
        service.enqueue(session, "test_record_call", KEY + "rollback-1", {"n": 1})
        raise RuntimeError("the caller fails")
    assert CALLS == []
    with session_scope(write=False) as session:
        assert session.exec(select(Job).where(Job.key == KEY + "rollback-1")).first() is None


def test_a_failing_job_is_retried_with_backoff_then_given_up(app) -> None:
    CALLS.clear()
    tag = uuid.uuid4().hex
    with session_scope() as session:
        job = service.enqueue(session, "test_fail_times", tag, {"tag": tag, "times": 9}, max_attempts=2)
    first = _job(job.id)
    assert first.state == JobState.queued
    assert first.attempts == 1
    assert first.last_error == "RuntimeError: failure 1"
    wait = as_utc(first.run_after) - as_utc(first.started_at)
    base = lifecycle.BACKOFF_BASE_SECONDS
    assert timedelta(seconds=base - 1) < wait <= timedelta(seconds=base + 1)
    assert execution.run_job(job.id) is None  # not due yet
    assert job.id in execution.due_job_ids(now=first.run_after)
    with session_scope() as session:
        row = session.get(Job, job.id)
        row.run_after = utcnow() - timedelta(seconds=1)
        session.add(row)
    assert execution.run_job(job.id) == JobState.failed
    failed = _job(job.id)
    assert failed.attempts == 2
    assert failed.last_error == "RuntimeError: failure 2"
    assert lifecycle.allowed_actions(failed, is_admin=True) == ["requeue"]
    assert lifecycle.allowed_actions(failed, is_admin=False) == []
    FAILURES[tag] = 99  # the cause is fixed
    with session_scope() as session:
        row = session.get(Job, job.id)
        service.requeue(session, row)
    assert _job(job.id).state == JobState.done
    assert [{"tag": tag, "times": 9}] == CALLS


def test_an_unknown_kind_fails_visibly(app) -> None:
    with session_scope() as session:
        job = service.enqueue(session, "no_such_kind", KEY + "unknown-1", max_attempts=1)
    failed = _job(job.id)
    assert failed.state == JobState.failed
    assert "no handler for job kind 'no_such_kind'" in failed.last_error


def test_a_job_left_running_by_a_dead_process_is_recovered(app) -> None:
    CALLS.clear()
    with session_scope() as session:
        job = Job(kind="test_record_call", key=KEY + "dead-1", payload='{"n": 7}', state=JobState.running, attempts=1)
        job.started_at = utcnow() - timedelta(minutes=5)
        session.add(job)
        session.flush()
        job_id = job.id
    assert execution.recover_running(started_before=utcnow()) >= 1
    assert _job(job_id).state == JobState.queued
    assert run_due() >= 1
    assert _job(job_id).state == JobState.done
    assert {"n": 7} in CALLS


def test_only_queued_jobs_can_be_claimed_and_done_jobs_not_requeued(app) -> None:
    with session_scope() as session:
        job = service.enqueue(session, "test_record_call", KEY + "claim-1", {"n": 3})
    assert execution.run_job(job.id) is None  # already done: nobody runs it twice
    done = _job(job.id)
    with pytest.raises(Conflict):
        lifecycle.transition(done, "requeue")
