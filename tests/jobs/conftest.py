"""Helpers of the job tests: web browsers (as in tests/web), a Redis queue of its own per test, worker processes."""

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from redis import Redis

from app import config
from app.jobs.redis_queue import redis_dispatcher
from tests.web.conftest import Browser

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("CARBONMS_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture()
def browser(app):
    opened: list[Browser] = []

    def open_browser(park=None, role: str | None = None, lang: str | None = None) -> Browser:
        opened.append(Browser(app, park, role, lang))
        return opened[-1]

    yield open_browser
    for item in opened:
        item.close()


@pytest.fixture()
def redis_queue(app, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Jobs of this test go through Redis (127.0.0.1:6379) on a queue named for it; removed afterwards."""
    Redis.from_url(REDIS_URL).ping()  # the machine's Redis must be up (.ci/run starts it)
    name = f"carbonms-test-{uuid.uuid4().hex[:12]}"
    monkeypatch.setenv("CARBONMS_REDIS_URL", REDIS_URL)
    monkeypatch.setenv("CARBONMS_JOBS_QUEUE", name)
    monkeypatch.setenv("CARBONMS_JOBS_ASYNC", "true")
    monkeypatch.setenv("CARBONMS_JOBS_SCHEDULE", "false")  # the test's own jobs only
    monkeypatch.setenv("CARBONMS_JOBS_POLL_SECONDS", "0.5")
    monkeypatch.setenv("CARBONMS_JOBS_LEASE_SECONDS", "3")
    config.get_settings.cache_clear()
    try:
        yield name
    finally:
        redis_dispatcher().delete()
        monkeypatch.undo()
        config.get_settings.cache_clear()
    assert list(Redis.from_url(REDIS_URL).scan_iter(match=f"*{name}*")) == []  # nothing of the queue is left


def worker_command(*options: str) -> list[str]:
    return [sys.executable, "-m", "app.cli", "worker", *options, "--import", "tests.jobs.handlers"]


def start_worker(*options: str) -> subprocess.Popen:
    """`carbonms worker` in a process of its own, with this test's settings (the environment)."""
    return subprocess.Popen(
        worker_command(*options), cwd=ROOT, env=dict(os.environ), stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )


def run_worker(*options: str) -> str:
    """Run `carbonms worker` to its end (--burst, --once); its output."""
    done = subprocess.run(
        worker_command(*options), cwd=ROOT, env=dict(os.environ), capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout + done.stderr
