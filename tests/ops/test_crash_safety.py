"""SIGKILL the real server (uvicorn in a subprocess) in the middle of uploads and transitions, five times; after a
restart nothing is half-written, no event lacks its change, orphans are only reported/cleaned, `verify` passes."""

import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from app.config import get_settings
from app.db import session_scope
from app.documents.models import Blob, Revision
from app.events.models import Event
from app.ops.verify import verify
from tests.factories import DOCX_MEDIA, PASSWORD, approver_role, docx_bytes, make_park, register
from tests.ops.conftest import scratch_env
from tests.support import blob_stores, servers

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
KILLS = 5
WORKERS = 6
DOC_TYPE = "DATA_MANAGEMENT_RULES"


def start_server(env: dict[str, str]) -> tuple[subprocess.Popen, str]:
    # A start-up bound, not a speed figure: a shared 2-core machine under load, the S3 stack's bucket check included.
    return servers.start_server(env, output=subprocess.DEVNULL, errors=subprocess.PIPE, timeout=90)


class Traffic:
    """Worker threads driving documents through upload → submit → review → approve → publish → upload again."""

    def __init__(self, base: str, tokens: dict[str, str], documents: list[int], rng: random.Random) -> None:
        self.base = base
        self.tokens = tokens
        self.documents = documents
        self.rng = rng
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.in_flight = 0
        self.sent = 0
        self.completed = 0
        self.server_errors: list[str] = []
        reviewer = "top_management" if approver_role(DOC_TYPE) == "approver" else "approver"
        self.steps = {
            "draft": ("submit", "coordinator"),
            "in_review": ("review", reviewer),
            "in_approval": ("approve", approver_role(DOC_TYPE)),
            "approved": ("publish", "coordinator"),
        }

    def _call(self, client: httpx.Client, method: str, path: str, role: str, **kwargs) -> httpx.Response | None:
        with self.lock:
            self.in_flight += 1
            self.sent += 1
        try:
            response = client.request(method, path, headers={"Authorization": f"Bearer {self.tokens[role]}"}, **kwargs)
        except httpx.TransportError:
            time.sleep(0.01)
            return None  # the server was killed under this request
        finally:
            with self.lock:
                self.in_flight -= 1
        with self.lock:
            self.completed += 1
            if response.status_code >= 500:
                self.server_errors.append(f"{method} {path} -> {response.status_code} {response.text[:200]}")
        return response

    def _payload(self) -> tuple[str, bytes, str]:
        if self.rng.random() < 0.5:
            return "制度.docx", docx_bytes(f"数据管理制度 {self.rng.random()}", "正文" * 2000), DOCX_MEDIA
        # A few MB of text: the kill often lands while the body is still streaming or being hashed.
        size = self.rng.randint(1, 4) * 1024 * 1024
        line = f"碳排放数据 {self.rng.random()}\n".encode()
        return "数据.txt", line * (size // len(line)), "text/plain"

    def worker(self, index: int) -> None:
        mine = self.documents[index::WORKERS]
        with httpx.Client(base_url=self.base, timeout=30) as client:
            while not self.stop.is_set():
                document_id = self.rng.choice(mine)
                detail = self._call(client, "GET", f"/api/documents/{document_id}", "coordinator")
                if detail is None or detail.status_code != 200:
                    continue
                open_revision = next((r for r in detail.json()["revisions"] if r["state"] in self.steps), None)
                if open_revision is None:
                    name, content, media = self._payload()
                    self._call(
                        client,
                        "POST",
                        f"/api/documents/{document_id}/revisions",
                        "coordinator",
                        files={"file": (name, content, media)},
                        data={"change_reason": "崩溃测试 / crash test"},
                    )
                    continue
                action, role = self.steps[open_revision["state"]]
                body = {"password": PASSWORD, "comment": "同意"} if action in ("review", "approve") else None
                self._call(client, "POST", f"/api/revisions/{open_revision['id']}/{action}", role, json=body)


def test_sigkill_mid_uploads_and_transitions_leaves_nothing_half_written(client, dialect, figure):
    rng = random.Random(20261123)
    with scratch_env(dialect) as env:
        park = make_park(client)
        tokens = {role: park.token(role) for role in ("coordinator", "approver", "top_management")}
        documents = [register(park, DOC_TYPE, title=f"崩溃测试 {i}")["id"] for i in range(12)]
        server_env = {**os.environ, **env.env}
        in_flight_at_kill: list[int] = []
        sent = completed = 0
        server_errors: list[str] = []
        timings: dict[str, list[float]] = {"start": [], "warm-up": [], "stop": []}
        for _round in range(KILLS):
            clock = time.monotonic()
            process, base = start_server(server_env)
            timings["start"].append(time.monotonic() - clock)
            clock = time.monotonic()
            traffic = Traffic(base, tokens, documents, rng)
            threads = [threading.Thread(target=traffic.worker, args=(i,)) for i in range(WORKERS)]
            for thread in threads:
                thread.start()
            # Once every worker has had answers (the fresh server is warm), kill after a random delay.
            deadline = time.monotonic() + 60
            while traffic.completed < 2 * WORKERS and time.monotonic() < deadline:
                time.sleep(0.01)
            timings["warm-up"].append(time.monotonic() - clock)
            time.sleep(rng.uniform(0.05, 0.5))
            with traffic.lock:
                in_flight_at_kill.append(traffic.in_flight)
            os.kill(process.pid, signal.SIGKILL)
            process.wait()
            clock = time.monotonic()
            traffic.stop.set()
            for thread in threads:
                thread.join()
            timings["stop"].append(time.monotonic() - clock)
            process.stderr.close()
            sent += traffic.sent
            completed += traffic.completed
            server_errors += traffic.server_errors

        # Restart: the server comes back and serves the documents.
        process, base = start_server(server_env)
        try:
            response = httpx.get(
                f"{base}/api/documents/{documents[0]}",
                timeout=10,
                headers={"Authorization": f"Bearer {tokens['coordinator']}"},
            )
            assert response.status_code == 200, response.text
        finally:
            process.terminate()
            process.wait(timeout=30)
            process.stderr.close()

        blob_dir = get_settings().blob_dir
        with session_scope(write=False) as session:
            revisions = session.execute(select(Revision.id, Revision.blob_sha256)).all()
            blob_rows = set(session.execute(select(Blob.sha256)).scalars())
            created = set(session.execute(select(Event.entity_id).where(Event.action == "revision.create")).scalars())
        # No half-written revision: every revision has its blob row and its file.
        for revision_id, sha in revisions:
            assert sha in blob_rows, revision_id
            assert blob_stores.exists(sha), revision_id
        # No event without its change, and no revision without its event.
        assert created == {str(revision_id) for revision_id, _ in revisions}

        # The real command: orphans (an upload killed between placing its file and committing) are warnings only,
        # and every orphan file on disk is named.
        result = subprocess.run(
            [sys.executable, "-m", "app.cli", "verify", "--clean-orphans"],
            cwd=ROOT,
            env=server_env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        referenced = {sha for _, sha in revisions} | blob_rows
        on_disk = blob_stores.names()
        orphans = on_disk - referenced
        for name in orphans:
            assert name in result.stdout, name
        with session_scope(write=False) as session:
            cleaned = verify(session, blob_dir, clean_orphans=True, orphan_min_age=0)
            after = verify(session, blob_dir)
        assert cleaned.ok and after.ok and not after.problems, [p.line() for p in after.problems]
        assert blob_stores.names() == referenced

    figure(
        f"[{dialect}] crash safety: kills={KILLS}, requests in flight at each kill={in_flight_at_kill} "
        f"(total {sum(in_flight_at_kill)}), requests sent={sent}, completed={completed}, "
        f"revisions={len(revisions)}, orphan files after the kills={len(orphans)} (reported, then cleaned), "
        f"5xx responses={len(server_errors)}; seconds per round: "
        + ", ".join(f"{k} {' '.join(f'{v:.1f}' for v in vs)}" for k, vs in timings.items())
    )
    assert not server_errors, server_errors[:5]
    assert sum(in_flight_at_kill) >= KILLS  # the kills did land in the middle of requests
