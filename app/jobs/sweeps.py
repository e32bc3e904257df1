"""Work every runner does now and then besides running jobs: the scheduled jobs register here (app/jobs/scheduled.py,
imported through the catalog), and the in-process runner's sweep and `carbonms worker` call `run_periodic()`.

A hook registry, so that the runner does not import the modules that enqueue (they import the runner)."""

from __future__ import annotations

import logging
from collections.abc import Callable

from app.config import get_settings

logger = logging.getLogger("carbonms.jobs")

_PERIODIC: list[Callable[[], int]] = []


def register_periodic(hook: Callable[[], int]) -> Callable[[], int]:
    """`hook()` enqueues what has become due and returns how many jobs it queued; it must be safe to call from
    several processes at once (e.g. through a slot table)."""
    if hook not in _PERIODIC:
        _PERIODIC.append(hook)
    return hook


def run_periodic() -> int:
    """Every registered hook once (none when `CARBONMS_JOBS_SCHEDULE` is off); how many jobs they queued."""
    if not get_settings().jobs_schedule:
        return 0
    queued = 0
    for hook in _PERIODIC:
        try:
            queued += hook()
        except Exception:  # one failing schedule must not stop the others, nor the runner
            logger.exception("scheduled work %s failed", getattr(hook, "__name__", hook))
    return queued
