"""Work every runner does now and then besides running jobs: the scheduled jobs register here (app/jobs/scheduled.py,
imported through the catalog), and the in-process runner's sweep and `carbonms worker` call `run_periodic()`.

A hook registry, so that the runner does not import the modules that enqueue (they import the runner)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from app.config import get_settings

logger = logging.getLogger("carbonms.jobs")

_PERIODIC: list[Callable[[], int]] = []
# The schedules are checked this often (the sweep itself runs every `jobs_poll_seconds`): a day's slot is missed by
# at most this long, and a sweep is not a pass over every park.
EVERY_SECONDS = 60.0
_last_run: float | None = None
_lock = threading.Lock()


def register_periodic(hook: Callable[[], int]) -> Callable[[], int]:
    """`hook()` enqueues what has become due and returns how many jobs it queued; it must be safe to call from
    several processes at once (e.g. through a slot table)."""
    if hook not in _PERIODIC:
        _PERIODIC.append(hook)
    return hook


def run_periodic(*, force: bool = False) -> int:
    """Every registered hook once (none when `CARBONMS_JOBS_SCHEDULE` is off), at most once per `EVERY_SECONDS` in
    this process unless `force`d (a worker's single pass); how many jobs they queued."""
    global _last_run
    if not get_settings().jobs_schedule:
        return 0
    with _lock:
        now = time.monotonic()
        if not force and _last_run is not None and now - _last_run < EVERY_SECONDS:
            return 0
        _last_run = now
    queued = 0
    for hook in _PERIODIC:
        try:
            queued += hook()
        except Exception:  # one failing schedule must not stop the others, nor the runner
            logger.exception("scheduled work %s failed", getattr(hook, "__name__", hook))
    return queued
