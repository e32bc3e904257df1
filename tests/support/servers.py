"""One way to start the real server: uvicorn in a subprocess on a free port (benches, crash tests), or in a thread
of the test process (browser tests)."""

import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

import httpx

from tests.support import REPO

UVICORN_ARGS = ["app.main:create_app", "--factory", "--host", "127.0.0.1", "--log-level", "warning"]


class ServerDidNotStart(RuntimeError):
    pass


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(
    env: dict[str, str],
    *,
    output: IO[bytes] | int | None = subprocess.DEVNULL,
    errors: IO[bytes] | int | None = subprocess.STDOUT,
    python_code: str | None = None,
    timeout: float = 60.0,
    cwd: Path = REPO,
) -> tuple[subprocess.Popen, str]:
    """Start uvicorn on create_app() and wait until it answers; returns the process and its base URL.

    `python_code` replaces `-m uvicorn` with `-c CODE` (a bench's diagnostic patch that then calls uvicorn.main).
    """
    port = free_port()
    arguments = [*UVICORN_ARGS, "--port", str(port)]
    launcher = ["-c", python_code] if python_code else ["-m", "uvicorn"]
    process = subprocess.Popen([sys.executable, *launcher, *arguments], cwd=cwd, env=env, stdout=output, stderr=errors)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            detail = process.stderr.read().decode(errors="replace")[-2000:] if process.stderr else ""
            raise ServerDidNotStart(f"the server exited during start-up: {detail}")
        try:
            httpx.get(f"{base}/api/__ping__", timeout=2)
            return process, base
        except httpx.TransportError:
            time.sleep(0.05)
    process.kill()
    process.wait()
    raise ServerDidNotStart(f"the server did not start within {timeout:.0f} s")


@contextmanager
def server_in_thread(app: Any, *, timeout: float = 30.0) -> Iterator[str]:
    """Serve an ASGI app in a thread of this process (it then shares the test run's database and settings);
    yields its base URL and stops the server after the block."""
    import uvicorn

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + timeout
        while not server.started:
            if time.monotonic() > deadline or not thread.is_alive():
                raise ServerDidNotStart("the in-process web server did not start")
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=15)
        sock.close()
