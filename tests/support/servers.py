"""One way to start the real server for benches and crash tests: uvicorn in a subprocess on a free port."""

import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import IO

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
