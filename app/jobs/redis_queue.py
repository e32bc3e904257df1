"""The Redis-backed queue (rq): when `CARBONMS_REDIS_URL` is set, committed jobs travel to `carbonms worker`.

A message carries only the job's id; the worker calls `execution.run_job(id)`, which claims the row atomically and
records the outcome, retries with backoff included, on the row. rq's own retries, results and failure registry are
not used: the row is the truth an admin sees (/admin/jobs), whatever happened to the message. So a message Redis
loses, or one whose worker died, loses no job: the row stays queued (or its lease runs out) and the worker's sweep
dispatches it again (app/jobs/worker.py).

A job is dispatched at most once at a time: a short-lived marker key per job id (SET NX) stops the sweep from
piling up copies while the message waits; it expires on its own, so a lost message is sent again after a while.
"""

from __future__ import annotations

import logging
import time
import uuid

from redis import Redis
from rq import Queue
from rq.serializers import JSONSerializer

from app.config import get_settings
from app.jobs import execution

logger = logging.getLogger("carbonms.jobs")

PERFORM = "app.jobs.redis_queue.perform"
# rq's own job timeout is off: the row's lease tells a dead worker from a long job, and handlers bound their work.
NO_TIMEOUT = -1


def _marker_seconds() -> int:
    return int(max(60.0, 12 * get_settings().jobs_poll_seconds))


def marker_key(queue_name: str, job_id: int) -> str:
    return f"carbonms:{queue_name}:dispatched:{job_id}"


class RedisDispatcher:
    def __init__(self, url: str, queue_name: str) -> None:
        self.url = url
        self.queue_name = queue_name
        self._connection: Redis | None = None

    @property
    def connection(self) -> Redis:
        if self._connection is None:
            self._connection = Redis.from_url(self.url, socket_timeout=30, socket_connect_timeout=10)
        return self._connection

    @property
    def queue(self) -> Queue:
        return Queue(self.queue_name, connection=self.connection, serializer=JSONSerializer)

    def dispatch(self, job_ids: list[int]) -> None:
        queue = self.queue
        for job_id in job_ids:
            if not self.connection.set(marker_key(self.queue_name, job_id), "1", nx=True, ex=_marker_seconds()):
                continue  # its message is still waiting
            queue.enqueue_call(
                PERFORM,
                args=(job_id,),
                job_id=f"{self.queue_name}-{job_id}-{uuid.uuid4().hex[:12]}",
                timeout=NO_TIMEOUT,
                result_ttl=0,
                failure_ttl=7 * 24 * 3600,
                description=f"carbonms job {job_id}",
            )

    def forget(self, job_id: int) -> None:
        """The worker took the message: the job may be dispatched again (a retry later, an admin's requeue)."""
        self.connection.delete(marker_key(self.queue_name, job_id))

    def start(self) -> None:
        """In a server process: send what is due (jobs committed while Redis was down) and what a dead runner left;
        running them and sweeping for retries is `carbonms worker`'s."""
        execution.recover_running()
        self.dispatch(execution.due_job_ids())

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Until no message of this queue waits (they may still be running)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.queue.count:
            if deadline is not None and time.monotonic() > deadline:
                return False
            time.sleep(0.05)
        return True

    def delete(self) -> None:
        """Remove the queue with everything rq and this module keep for it: messages, registries, worker lists and
        markers (tests, and an installation giving up its queue name). Its message ids start with the queue's name."""
        self.queue.delete(delete_jobs=True)
        name = self.queue_name
        for pattern in (f"rq:*:{name}", f"rq:*:{name}-*", f"carbonms:{name}:*"):
            for key in self.connection.scan_iter(match=pattern):
                self.connection.delete(key)


_dispatchers: dict[tuple[str, str], RedisDispatcher] = {}


def redis_dispatcher() -> RedisDispatcher:
    """The Redis queue of the settings (one per URL and queue name, for the life of the process)."""
    settings = get_settings()
    key = (settings.redis_url, settings.jobs_queue)
    found = _dispatchers.get(key)
    if found is None:
        found = _dispatchers[key] = RedisDispatcher(settings.redis_url, settings.jobs_queue)
    return found


def perform(job_id: int) -> str | None:
    """What a message runs in `carbonms worker`: the job of the row (None: nobody could run it here)."""
    redis_dispatcher().forget(job_id)
    state = execution.run_job(int(job_id))
    return str(state) if state is not None else None
