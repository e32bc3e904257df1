"""What runs the queued jobs: inline after the commit (tests), threads inside this process (the embedded default),
or the Redis queue and `carbonms worker` (app/jobs/redis_queue.py) when `CARBONMS_REDIS_URL` is set.

`dispatcher()` picks one from the settings. Every implementation only carries job ids: the job itself is its row
(app/jobs/models.py), so a lost thread or message loses no job: the sweep finds it queued and dispatches it again.
"""

from __future__ import annotations

import logging
import queue
import threading
from typing import Protocol

from app.common import utcnow
from app.config import get_settings
from app.jobs import execution, sweeps
from app.jobs.redis_queue import redis_dispatcher

logger = logging.getLogger("carbonms.jobs")


class Dispatcher(Protocol):
    def dispatch(self, job_ids: list[int]) -> None: ...

    def start(self) -> None:
        """Begin running jobs: recover what a dead process left, dispatch what is due, sweep for retries."""

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Block until every job dispatched so far has run (True) or the timeout passed (False)."""


class InlineDispatcher:
    """Runs each job in the committing thread, right after the commit: deterministic, for tests."""

    def dispatch(self, job_ids: list[int]) -> None:
        for job_id in job_ids:
            execution.run_job(job_id)

    def start(self) -> None:
        run_due()

    def wait_idle(self, timeout: float | None = None) -> bool:
        return True


class ThreadDispatcher:
    """Daemon threads in this process; a sweep every `jobs_poll_seconds` picks up retries whose time has come."""

    def __init__(self) -> None:
        self._queue: queue.Queue[int] = queue.Queue()
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self._sweeper: threading.Thread | None = None
        self._stop = threading.Event()

    def _ensure_threads(self) -> None:
        with self._lock:
            self._threads = [thread for thread in self._threads if thread.is_alive()]
            while len(self._threads) < get_settings().jobs_threads:
                thread = threading.Thread(target=self._work, name="carbonms-job", daemon=True)
                thread.start()
                self._threads.append(thread)

    def dispatch(self, job_ids: list[int]) -> None:
        self._ensure_threads()
        for job_id in job_ids:
            self._queue.put(job_id)

    def start(self) -> None:
        started = utcnow()
        execution.recover_running(started_before=started)
        sweeps.run_periodic()
        self.dispatch(execution.due_job_ids())
        with self._lock:
            if self._sweeper is None or not self._sweeper.is_alive():
                self._sweeper = threading.Thread(target=self._sweep, name="carbonms-job-sweep", daemon=True)
                self._sweeper.start()

    def _work(self) -> None:
        while True:
            job_id = self._queue.get()
            try:
                execution.run_job(job_id)
            except Exception:  # the database was unreachable: the row stays queued, the sweep tries again
                logger.exception("job %s could not be run", job_id)
            finally:
                self._queue.task_done()

    def _sweep(self) -> None:
        while not self._stop.wait(get_settings().jobs_poll_seconds):
            try:
                # Another process (`serve --workers N`) may have died holding jobs: their leases run out.
                execution.recover_running()
                sweeps.run_periodic()
                self.dispatch(execution.due_job_ids())
            except Exception:
                logger.exception("job sweep failed")

    def wait_idle(self, timeout: float | None = None) -> bool:
        if timeout is None:
            self._queue.join()
            return True
        done = threading.Event()

        def join() -> None:
            self._queue.join()
            done.set()

        threading.Thread(target=join, daemon=True).start()
        return done.wait(timeout)


_inline = InlineDispatcher()
_threads = ThreadDispatcher()


def dispatcher() -> Dispatcher:
    """Inline when `jobs_async` is off (tests), else the Redis queue when `redis_url` is set, else threads."""
    settings = get_settings()
    if not settings.jobs_async:
        return _inline
    if settings.redis_url:
        return redis_dispatcher()
    return _threads


def run_due(*, limit: int = 100) -> int:
    """Run, here and now, every job whose time has come (tests, `carbonms worker --once`); how many ran."""
    ran = 0
    for job_id in execution.due_job_ids(limit=limit):
        if execution.run_job(job_id) is not None:
            ran += 1
    return ran
