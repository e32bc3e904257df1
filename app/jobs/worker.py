"""`carbonms worker`: runs the jobs of this installation in a process of its own (one or several, on any host).

Each pass of its sweep (every `jobs_poll_seconds`): queue again the jobs whose runner died (their lease ran out),
queue the scheduled jobs that have come due (the daily reminders), and dispatch the queued jobs whose time has come
(delayed retries, messages Redis lost). With Redis the jobs arrive as messages (rq, app/jobs/redis_queue.py) and the
sweep runs on a thread beside rq's loop; without Redis the worker runs the due jobs from the database itself.

rq's SimpleWorker runs each job in this process (no fork per job): handlers open sessions on this process's engine,
whose pooled connections a forked child must not share; a crash is covered by the row's lease instead.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from rq import SimpleWorker
from rq.serializers import JSONSerializer

from app.common import utcnow
from app.config import get_settings
from app.jobs import catalog, execution, sweeps
from app.jobs.redis_queue import redis_dispatcher
from app.jobs.runner import run_due

logger = logging.getLogger("carbonms.jobs")

__all__ = ["catalog", "run", "sweep"]  # the catalog is imported for its handlers

# A burst stops after this many passes even if jobs keep coming due (a job re-queued at once, forever).
MAX_BURST_PASSES = 1000


@dataclass
class Pass:
    recovered: int = 0
    scheduled: int = 0
    dispatched: int = 0
    ran: int = 0

    def add(self, other: Pass) -> None:
        self.recovered += other.recovered
        self.scheduled += other.scheduled
        self.dispatched += other.dispatched
        self.ran += other.ran


def sweep(*, started_before: datetime | None = None, run_here: bool, schedule_now: bool = False) -> Pass:
    """One pass: recover, schedule (`schedule_now`: even if this process checked the schedules a moment ago), and
    either run the due jobs here or send them to the Redis queue."""
    result = Pass(recovered=execution.recover_running(started_before=started_before))
    result.scheduled = sweeps.run_periodic(force=schedule_now)
    if run_here:
        result.ran = run_due()
    else:
        due = execution.due_job_ids()
        redis_dispatcher().dispatch(due)
        result.dispatched = len(due)
    return result


def _rq_worker() -> SimpleWorker:
    queue = redis_dispatcher().queue
    return SimpleWorker([queue], connection=queue.connection, serializer=JSONSerializer)


def run(*, once: bool = False, burst: bool = False, echo: Callable[[str], None] = print) -> Pass:
    """Run the worker: `once` one pass of the database (no Redis consumed); `burst` until nothing is due or waiting;
    otherwise until stopped (SIGINT/SIGTERM)."""
    settings = get_settings()
    use_redis = bool(settings.redis_url)
    started: datetime | None = utcnow()  # rows without a lease count as dead only if started before this
    total = Pass()
    if once:
        total.add(sweep(started_before=started, run_here=True, schedule_now=True))
        return total
    if burst:
        for _ in range(MAX_BURST_PASSES):
            done = sweep(started_before=started, run_here=not use_redis, schedule_now=started is not None)
            started = None
            total.add(done)
            if use_redis:
                _rq_worker().work(burst=True, logging_level="WARNING")
            if not execution.due_job_ids(limit=1) and not (use_redis and redis_dispatcher().queue.count):
                break
        return total
    echo(f"carbonms worker: {'Redis queue ' + settings.jobs_queue if use_redis else 'database polling'}")
    stop = threading.Event()
    if not use_redis:
        # SIGTERM (systemd, docker stop) ends the loop after the pass in hand, like SIGINT.
        signal.signal(signal.SIGTERM, lambda _signum, _frame: stop.set())
        try:
            while not stop.is_set():
                total.add(sweep(started_before=started, run_here=True, schedule_now=started is not None))
                started = None
                stop.wait(settings.jobs_poll_seconds)
        except KeyboardInterrupt:
            pass
        return total
    sweep(started_before=started, run_here=False, schedule_now=True)

    def keep_sweeping() -> None:
        while not stop.wait(settings.jobs_poll_seconds):
            try:
                sweep(run_here=False)
            except Exception:  # the database or Redis is away for a moment: the next pass tries again
                logger.exception("worker sweep failed")

    thread = threading.Thread(target=keep_sweeping, name="carbonms-worker-sweep", daemon=True)
    thread.start()
    try:
        _rq_worker().work(logging_level="INFO")  # rq stops on SIGINT/SIGTERM after the job in hand
    finally:
        stop.set()
    return total
