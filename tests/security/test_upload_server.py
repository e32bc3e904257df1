"""The upload guard on the real server (`carbonms serve` in a subprocess, real sockets): a 51 MB body sent in one go
by urllib gets its 413, an unauthenticated chunked stream is refused without touching the disk, slow bodies and slow
headers get 408 (a silent connection is closed), and the part file of a killed upload is reported by `verify` and
removed at the next start."""

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.factories import DOCX_MEDIA, make_park, register
from tests.ops.conftest import scratch_env

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
BOUNDARY = "carbonms-server-test"
MiB = 1024 * 1024


@dataclass
class Server:
    process: subprocess.Popen
    base: str
    port: int
    data_dir: Path
    system_tmp: Path

    def written_bytes(self) -> int:
        """Bytes the server process passed to write() so far (files and sockets alike)."""
        for line in Path(f"/proc/{self.process.pid}/io").read_text().splitlines():
            if line.startswith("wchar:"):
                return int(line.split()[1])
        raise AssertionError("no wchar in /proc/<pid>/io")

    def part_files(self) -> list[Path]:
        return sorted((self.data_dir / "tmp").glob("upload-*.part"))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def running_server(data_dir: Path, **settings: str) -> Iterator[Server]:
    port = _free_port()
    system_tmp = Path(tempfile.mkdtemp(prefix="carbonms-systmp-"))
    env = {**os.environ, "TMPDIR": str(system_tmp), **{f"CARBONMS_{k.upper()}": v for k, v in settings.items()}}
    process = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, "the server exited during start-up"
            try:
                httpx.get(f"{base}/api/__ping__", timeout=1)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "the server did not start within 60 s"
                time.sleep(0.1)
        yield Server(process, base, port, data_dir, system_tmp)
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@pytest.fixture(scope="module")
def server(app_env: str) -> Iterator[Server]:
    dialect = "sqlite" if app_env.startswith("sqlite") else "postgresql"
    with (
        scratch_env(dialect) as env,
        running_server(env.data_dir, upload_rate_window_seconds="1", header_timeout_seconds="1") as running,
    ):
        yield running


def file_form_head(name: str = "方针.docx") -> bytes:
    return (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
        f"Content-Type: {DOCX_MEDIA}\r\n\r\n"
    ).encode()


FORM_TAIL = f"\r\n--{BOUNDARY}--\r\n".encode()


def signed_in(server: Server) -> tuple[dict, dict[str, str]]:
    park = make_park(httpx.Client(base_url=server.base, timeout=30))
    return register(park), park.headers("coordinator")


def read_status(sock: socket.socket, timeout: float) -> tuple[int | None, float]:
    """The status code of the first response line, and how long it took to arrive."""
    sock.settimeout(timeout)
    started = time.perf_counter()
    data = b""
    try:
        while b"\r\n" not in data:
            piece = sock.recv(4096)
            if not piece:
                break
            data += piece
    except (TimeoutError, ConnectionResetError):
        pass
    elapsed = time.perf_counter() - started
    if not data.startswith(b"HTTP/1.1 "):
        return None, elapsed
    return int(data.split()[1]), elapsed


def test_urllib_sending_51_mb_in_one_go_reads_the_413(server: Server, figure) -> None:
    document, headers = signed_in(server)
    body = file_form_head() + b"\0" * (51 * MiB) + FORM_TAIL
    request = urllib.request.Request(
        f"{server.base}/api/documents/{document['id']}/revisions",
        data=body,
        headers={**headers, "Content-Type": f"multipart/form-data; boundary={BOUNDARY}"},
        method="POST",
    )
    started = time.perf_counter()
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=60)
    elapsed = time.perf_counter() - started
    assert refused.value.code == 413
    payload = json.loads(refused.value.read())
    assert payload["message_zh"] == "文件超过 50 MB 的上限" and payload["code"] == "too_large"
    assert server.part_files() == []
    figure(f"\nurllib, 51 MB body with Content-Length: 413 and its message read after {elapsed:.2f} s")


def test_unauthenticated_chunked_stream_never_reaches_the_disk(server: Server, figure) -> None:
    offered = 100 * MiB
    written_before = server.written_bytes()
    chunk = b"\0" * (256 * 1024)
    frame = f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n"
    sent, status, answered_after = 0, None, None
    started = time.perf_counter()
    with socket.create_connection(("127.0.0.1", server.port)) as sock:
        sock.sendall(
            b"POST /api/records HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n"
            + f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n\r\n".encode()
        )
        head = file_form_head()  # a well-formed file field: the old server spooled all of it, then answered 401
        sock.sendall(f"{len(head):x}\r\n".encode() + head + b"\r\n")
        sock.setblocking(False)
        try:
            while sent < offered:
                try:
                    reply = sock.recv(4096)
                except BlockingIOError:
                    reply = b""
                if reply:
                    status, answered_after = int(reply.split()[1]), sent
                    break
                sock.settimeout(5)
                sock.sendall(frame)
                sock.setblocking(False)
                sent += len(chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass
        if status is None:
            # On a loaded machine the client can send all of it before the server's answer is read: wait for it.
            with suppress(OSError):
                sock.setblocking(True)
                sock.settimeout(30)
                reply = sock.recv(4096)
                if reply:
                    status, answered_after = int(reply.split()[1]), sent
    elapsed = time.perf_counter() - started
    time.sleep(0.2)
    written = server.written_bytes() - written_before
    assert status == 401
    assert written < 64 * 1024  # the 401 and a log line or two, no body bytes
    assert server.part_files() == [] and list(server.system_tmp.iterdir()) == []
    figure(
        f"\nunauthenticated chunked stream (up to {offered // MiB} MB): 401 after {elapsed:.3f} s, the client had sent "
        f"{answered_after:,} bytes; the server passed {written:,} bytes to write() (files, logs): no body bytes"
    )


def test_slow_body_gets_408(server: Server, figure) -> None:
    document, headers = signed_in(server)
    head = file_form_head()
    with socket.create_connection(("127.0.0.1", server.port)) as sock:
        request = (
            f"POST /api/documents/{document['id']}/revisions HTTP/1.1\r\nHost: test\r\n"
            f"Authorization: {headers['Authorization']}\r\nContent-Length: {len(head) + MiB}\r\n"
            f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n\r\n"
        ).encode()
        sock.sendall(request + head)
        started = time.perf_counter()
        sock.settimeout(0.2)
        status = None
        while status is None and time.perf_counter() - started < 10:
            try:
                sock.sendall(b"x" * 200)  # 1 KB/s against a 10 KB/s floor
                status, _ = read_status(sock, 0.2)
            except (BrokenPipeError, ConnectionResetError):
                break
        elapsed = time.perf_counter() - started
    assert status == 408
    assert server.part_files() == []
    figure(f"\nbody at 1 KB/s (floor 10 KB/s over 1 s windows): 408 after {elapsed:.2f} s")


def test_slow_headers_get_408_and_silent_connections_are_closed(server: Server, figure) -> None:
    with socket.create_connection(("127.0.0.1", server.port)) as idle:
        idle.settimeout(5)
        started = time.perf_counter()
        assert idle.recv(4096) == b""  # closed without an answer: nothing was asked
        idle_after = time.perf_counter() - started
    with socket.create_connection(("127.0.0.1", server.port)) as trickling:
        trickling.sendall(b"POST /api/records HTTP/1.1\r\n")
        started = time.perf_counter()
        status = None
        while status is None and time.perf_counter() - started < 10:
            try:
                trickling.sendall(b"X-Slow: 1\r\n")
            except (BrokenPipeError, ConnectionResetError):
                break
            status, _ = read_status(trickling, 0.3)
        trickle_after = time.perf_counter() - started
    assert status == 408
    figure(
        f"\nheader timeout 1 s: silent connection closed after {idle_after:.2f} s, trickled headers 408 after "
        f"{trickle_after:.2f} s"
    )


def test_part_file_of_a_killed_upload_is_reported_then_removed_at_start(app_env: str) -> None:
    from app.config import get_settings
    from app.db import session_scope
    from app.ops.verify import verify

    dialect = "sqlite" if app_env.startswith("sqlite") else "postgresql"
    with scratch_env(dialect) as env:
        with running_server(env.data_dir) as server:
            document, headers = signed_in(server)
            head = file_form_head()
            sock = socket.create_connection(("127.0.0.1", server.port))
            sock.sendall(
                (
                    f"POST /api/documents/{document['id']}/revisions HTTP/1.1\r\nHost: test\r\n"
                    f"Authorization: {headers['Authorization']}\r\nContent-Length: {len(head) + 10 * MiB}\r\n"
                    f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n\r\n"
                ).encode()
                + head
                + b"\0" * (2 * MiB)
            )
            deadline = time.monotonic() + 10
            while not server.part_files() and time.monotonic() < deadline:
                time.sleep(0.05)
            left = server.part_files()
            assert len(left) == 1
            server.process.send_signal(signal.SIGKILL)
            server.process.wait()
            sock.close()
        time.sleep(2.1)  # part files younger than 2 s are left alone (their writer may not hold its lock yet)
        settings = get_settings()
        with session_scope(write=False) as session:
            report = verify(session, settings.blob_dir, tmp_dir=settings.tmp_dir)
        assert [p.path for p in report.warnings if p.kind == "part_file"] == [str(left[0])]
        assert report.counts["part_files"] == 1 and left[0].exists()
        with running_server(env.data_dir) as restarted:
            assert restarted.part_files() == []
