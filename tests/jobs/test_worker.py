"""The Redis queue end to end: jobs committed here travel through Redis (127.0.0.1:6379, a queue of this test's own)
to a real `carbonms worker` process on the same database; a lost message and a killed worker lose no job."""

import os
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from redis import Redis
from sqlalchemy import update
from sqlmodel import col, select

from app.common import as_utc, utcnow
from app.db import session_scope
from app.events.models import Event
from app.jobs import service
from app.jobs.models import Job, JobState
from app.jobs.redis_queue import RedisDispatcher, redis_dispatcher
from app.jobs.runner import dispatcher
from tests.jobs import handlers  # noqa: F401  (registers the test handlers here too)
from tests.jobs.conftest import REDIS_URL, run_worker, start_worker

# Each test starts `carbonms worker` processes (seconds of start-up each): `make test` runs them, `make test-fast` not.
pytestmark = pytest.mark.slow


def _job(job_id: int) -> Job:
    with session_scope(write=False) as session:
        job = session.get(Job, job_id)
        assert job is not None
        return job


def _wait_for(condition, what: str, seconds: float = 120.0) -> None:
    """Poll until `condition()` holds (a worker in another process is at work); fail after `seconds`."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.1)


def test_jobs_go_through_redis_to_a_worker_process(redis_queue, park, tmp_path) -> None:
    assert isinstance(dispatcher(), RedisDispatcher)
    trace = tmp_path / "trace.txt"
    with session_scope() as session:
        touch = service.enqueue(session, "test_worker_touch", uuid.uuid4().hex, {"path": str(trace), "text": "one"})
        fail = service.enqueue(
            session, "test_worker_fail", uuid.uuid4().hex, {"message": "boom"}, park_id=park.id, max_attempts=1
        )
        assert redis_dispatcher().queue.count == 0  # nothing is sent before the commit
    assert redis_dispatcher().queue.count == 2
    assert _job(touch.id).state == JobState.queued  # this process only sends
    output = run_worker("--burst")
    assert redis_dispatcher().queue.count == 0
    assert _job(touch.id).state == JobState.done
    [line] = trace.read_text(encoding="utf-8").splitlines()
    assert line.startswith("one ") and line != f"one {os.getpid()}"  # run by the worker's process
    failed = _job(fail.id)
    assert failed.state == JobState.failed and failed.last_error == "RuntimeError: boom", output
    assert failed.worker.split(":")[1] == line.split()[1]  # the same worker process ran both


def test_a_message_redis_lost_is_sent_again_by_the_sweep(redis_queue, tmp_path) -> None:
    trace = tmp_path / "trace.txt"
    with session_scope() as session:
        job = service.enqueue(session, "test_worker_touch", uuid.uuid4().hex, {"path": str(trace), "text": "lost"})
    redis_dispatcher().queue.empty()  # Redis lost the message (a restart without persistence)
    redis_dispatcher().forget(job.id)
    assert redis_dispatcher().queue.count == 0
    run_worker("--burst")  # its sweep finds the row queued and due
    assert _job(job.id).state == JobState.done
    assert trace.read_text(encoding="utf-8").startswith("lost ")


def test_a_delayed_retry_is_dispatched_when_due(redis_queue, tmp_path) -> None:
    trace = tmp_path / "trace.txt"
    with session_scope() as session:
        job = service.enqueue(
            session,
            "test_worker_touch",
            uuid.uuid4().hex,
            {"path": str(trace), "text": "later"},
            run_after=utcnow() + timedelta(hours=1),
        )
    redis_dispatcher().queue.empty()
    redis_dispatcher().forget(job.id)
    run_worker("--burst")
    assert _job(job.id).state == JobState.queued  # not due: left for later
    with session_scope() as session:
        session.execute(update(Job).where(col(Job.id) == job.id).values(run_after=utcnow() - timedelta(seconds=1)))
    run_worker("--burst")
    assert _job(job.id).state == JobState.done


def test_a_job_of_a_killed_worker_is_recovered_by_the_next_one(redis_queue, tmp_path) -> None:
    """The killed worker's lease runs out (it renewed it every second while alive); the next worker's sweep queues
    the job again and runs it; the trail tells the story."""
    marker = str(tmp_path / "hang")
    with session_scope() as session:
        job = service.enqueue(session, "test_worker_hang", uuid.uuid4().hex, {"path": marker}, max_attempts=3)
    first = start_worker()
    try:
        _wait_for(lambda: Path(marker + ".first").exists(), "the first worker to start the job")
        running = _job(job.id)
        assert running.state == JobState.running and running.attempts == 1
        first_pid = Path(marker + ".first").read_text(encoding="utf-8")
        assert running.worker.split(":")[1] == first_pid == str(first.pid)
        # While its worker lives, the lease is renewed: the job is not taken for dead.
        _wait_for(lambda: as_utc(_job(job.id).locked_until) > as_utc(running.locked_until), "a renewed lease")
    finally:
        first.kill()  # mid-job, as a power cut or the OOM killer would
        first.wait(timeout=60)
    _wait_for(lambda: as_utc(_job(job.id).locked_until) < utcnow(), "the dead worker's lease to run out")
    assert _job(job.id).state == JobState.running  # nobody has noticed yet
    run_worker("--burst")
    assert not any(Redis.from_url(REDIS_URL).scan_iter(match=f"carbonms:{redis_queue}:*"))  # no marker left
    done = _job(job.id)
    assert done.state == JobState.done and done.attempts == 2
    assert Path(marker + ".second").read_text(encoding="utf-8") != first_pid
    with session_scope(write=False) as session:
        actions = session.exec(
            select(Event.action)
            .where(col(Event.entity_type) == "job", col(Event.entity_id) == str(job.id))
            .order_by(col(Event.seq))
        ).all()
    assert list(actions) == ["job.start", "job.recover", "job.start", "job.succeed"]


def test_without_redis_the_worker_runs_due_jobs_from_the_database(app, tmp_path, monkeypatch) -> None:
    """`carbonms worker --once` (cron, no Redis): one pass over the database runs what is due."""
    monkeypatch.setenv("CARBONMS_JOBS_SCHEDULE", "false")  # the test's own job only (the worker's environment)
    trace = tmp_path / "trace.txt"
    with session_scope() as session:
        job = service.enqueue(
            session,
            "test_worker_touch",
            uuid.uuid4().hex,
            {"path": str(trace), "text": "cron"},
            run_after=utcnow() + timedelta(hours=1),
        )
    with session_scope() as session:
        session.execute(update(Job).where(col(Job.id) == job.id).values(run_after=utcnow() - timedelta(seconds=1)))
    output = run_worker("--once")
    assert _job(job.id).state == JobState.done
    assert trace.read_text(encoding="utf-8").startswith("cron ")
    assert "运行 / ran" in output


def test_a_batch_through_redis_runs_once_each(redis_queue, tmp_path, figure) -> None:
    """Many jobs, two workers at once: each job runs exactly once (the row's claim decides), and the time is printed."""
    count = 40
    traces = [tmp_path / f"trace-{n}.txt" for n in range(count)]
    with session_scope() as session:
        ids = [
            service.enqueue(session, "test_worker_touch", uuid.uuid4().hex, {"path": str(trace), "text": "batch"}).id
            for trace in traces
        ]
    began = time.monotonic()
    workers = [start_worker("--burst"), start_worker("--burst")]
    for worker in workers:
        assert worker.wait(timeout=300) == 0
    took = time.monotonic() - began
    assert [_job(job_id).state for job_id in ids] == [JobState.done] * count
    assert [len(trace.read_text(encoding="utf-8").splitlines()) for trace in traces] == [1] * count
    by_worker = {_job(job_id).worker.split(":")[1] for job_id in ids}
    figure(
        f"job queue: {count} jobs through Redis to 2 `carbonms worker --burst` processes in {took:.1f} s "
        f"(start-up included), each run once, by {len(by_worker)} process(es)"
    )
