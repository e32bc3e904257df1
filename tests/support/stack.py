"""The scale-out stack, for the two-process test and the benches: one PostgreSQL database, a bucket of a SeaweedFS
server (tests/support/seaweed.py), a Redis queue of its own, N application processes (`carbonms serve`, each with
`--workers W` uvicorn processes) and `carbonms worker` processes.

Every process gets a data folder of its own (nothing is shared on disk). What an installation deploys to each host
is copied into each folder: the audit trail's HMAC key and the anchor signing key made by `carbonms init`. The
session secret is one environment variable for all of them, as a deployment would set it.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from tests.support import REPO
from tests.support.databases import PG_ADMIN_URL, temporary_postgres
from tests.support.seaweed import Seaweed
from tests.support.servers import ServerDidNotStart, free_port

REDIS_URL = os.environ.get("CARBONMS_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
# What `carbonms init` writes into its data folder that every process of the installation needs a copy of.
DEPLOYED_FILES = ("trail_key", "anchor_key", "anchor_key.pub", "anchors.jsonl")


@dataclass
class Stack:
    env: dict[str, str]  # the settings every process shares (database, blob store, Redis, search, secret)
    root: Path
    bases: list[str] = field(default_factory=list)  # the application processes' base URLs
    servers: list[subprocess.Popen] = field(default_factory=list)
    workers: list[subprocess.Popen] = field(default_factory=list)

    def process_env(self, name: str) -> dict[str, str]:
        """The environment of one process: the shared settings and a data folder of its own with the keys."""
        data_dir = self.root / name
        data_dir.mkdir(parents=True, exist_ok=True)
        for file_name in DEPLOYED_FILES:
            source = self.root / "init" / file_name
            if source.exists() and not (data_dir / file_name).exists():
                shutil.copy2(source, data_dir / file_name)
        return {**self.env, "CARBONMS_DATA_DIR": str(data_dir)}

    def cli(self, *arguments: str, stdin: str | None = None) -> str:
        """Run a `carbonms` command as an administrator's shell would (its own data folder); its output."""
        done = subprocess.run(
            [sys.executable, "-m", "app.cli", *arguments],
            cwd=REPO,
            env=self.process_env("admin"),
            input=stdin,
            capture_output=True,
            text=True,
            timeout=300,
        )
        if done.returncode != 0:
            raise RuntimeError(f"carbonms {' '.join(arguments)} failed: {done.stdout}{done.stderr}")
        return done.stdout

    def log(self, name: str) -> str:
        path = self.root / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""


def _wait_for(process: subprocess.Popen, base: str, log: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ServerDidNotStart(f"the server exited during start-up: {log.read_text(errors='replace')[-2000:]}")
        try:
            httpx.get(f"{base}/api/__ping__", timeout=2)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    raise ServerDidNotStart(f"the server did not start within {timeout:.0f} s: {log.read_text()[-2000:]}")


def start_app(stack: Stack, name: str, *, workers: int = 1, timeout: float = 90.0) -> str:
    """`carbonms serve --workers N` on a free port with a data folder of its own; returns its base URL."""
    port = free_port()
    log = stack.root / f"{name}.log"
    command = [sys.executable, "-m", "app.cli", "serve", "--host", "127.0.0.1", "--port", str(port)]
    with log.open("wb") as output:
        process = subprocess.Popen(
            [*command, "--workers", str(workers)],
            cwd=REPO,
            env=stack.process_env(name),
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    stack.servers.append(process)
    base = f"http://127.0.0.1:{port}"
    _wait_for(process, base, log, timeout)
    if workers > 1:
        _wait_for_children(process, workers, timeout)
    stack.bases.append(base)
    return base


def _wait_for_children(process: subprocess.Popen, workers: int, timeout: float) -> None:
    """uvicorn's supervisor answers through its first worker; wait until all of them are there and started."""
    deadline = time.monotonic() + timeout
    children_file = Path(f"/proc/{process.pid}/task/{process.pid}/children")
    while time.monotonic() < deadline:
        children = children_file.read_text().split() if children_file.exists() else []
        if len(children) >= workers:
            time.sleep(3.0)  # each child runs the lifespan (index check, job dispatcher) before it accepts
            return
        time.sleep(0.2)
    raise ServerDidNotStart(f"{workers} uvicorn workers did not start within {timeout:.0f} s")


def start_worker(stack: Stack, name: str) -> subprocess.Popen:
    """`carbonms worker` (jobs from the Redis queue) with a data folder of its own."""
    log = stack.root / f"{name}.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "app.cli", "worker"],
            cwd=REPO,
            env=stack.process_env(name),
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    stack.workers.append(process)
    return process


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _delete_queue(queue_name: str) -> None:
    from app.jobs.redis_queue import RedisDispatcher

    RedisDispatcher(REDIS_URL, queue_name).delete()


@contextmanager
def scaleout_stack(
    seaweed: Seaweed, *, admin_url: str = PG_ADMIN_URL, settings: dict[str, str] | None = None
) -> Iterator[Stack]:
    """A migrated database, a bucket and a queue of their own; start processes with `start_app`/`start_worker`.
    Everything is stopped and removed after the block (the database dropped, the queue's keys deleted)."""
    root = Path(tempfile.mkdtemp(prefix="carbonms-stack-"))
    queue_name = f"carbonms-stack-{secrets.token_hex(6)}"
    with ExitStack() as cleanup:
        cleanup.callback(shutil.rmtree, root, ignore_errors=True)
        database_url = cleanup.enter_context(temporary_postgres(admin_url, prefix="carbonms_stack"))
        env = {
            **os.environ,
            "CARBONMS_DATABASE_URL": database_url,
            "CARBONMS_BLOB_URL": seaweed.url(),
            "CARBONMS_REDIS_URL": REDIS_URL,
            "CARBONMS_JOBS_QUEUE": queue_name,
            "CARBONMS_SEARCH_BACKEND": "postgres",
            "CARBONMS_SECRET_KEY": secrets.token_urlsafe(32),
            "CARBONMS_JOBS_ASYNC": "true",
            "CARBONMS_SEARCH_INDEX_ASYNC": "true",
            **(settings or {}),
        }
        stack = Stack(env=env, root=root)
        cleanup.callback(_delete_queue, queue_name)
        init_env = {**env, "CARBONMS_DATA_DIR": str(root / "init")}
        subprocess.run(
            [sys.executable, "-m", "app.cli", "init"],
            cwd=REPO,
            env=init_env,
            check=True,
            stdout=subprocess.DEVNULL,
            timeout=300,
        )
        try:
            yield stack
        finally:
            for process in [*stack.servers, *stack.workers]:
                _stop(process)
