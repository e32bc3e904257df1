"""A light load client: the workload of bench/load.py's `Client` on asyncio with raw keep-alive sockets.

32 httpx clients on threads cost the machine a good part of a core (request building, header models, the GIL handed
between threads), on the same 2 cores the servers need: what the servers could do is then hidden by the client. Here
every request's bytes are built once per client (the GETs entirely, the upload's multipart body once), each simulated
user keeps one HTTP/1.1 connection, and only the lifecycle answers are parsed (for the new revision's id). Same
operations, same mix, same random choices as the thread client for a given seed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import time
import uuid
from contextlib import AbstractContextManager, suppress
from urllib.parse import quote, urlsplit

from bench.load import DOC_TYPE, DOCX_MEDIA, PASSWORD, SEARCH_TERMS, Stats, docx_bytes

BOUNDARY = "carbonms-load-" + uuid.uuid4().hex
REQUEST_TIMEOUT_SECONDS = 60.0  # as the httpx client's timeout


class Connection:
    """One keep-alive HTTP/1.1 connection; reconnects when the server closed it."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(self, raw: bytes) -> tuple[int, bytes]:
        for attempt in (1, 2):
            if self.writer is None:
                self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
            try:
                assert self.reader is not None
                self.writer.write(raw)
                return await self._response(self.reader)
            except (ConnectionError, asyncio.IncompleteReadError):
                await self.close()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    async def _response(self, reader: asyncio.StreamReader) -> tuple[int, bytes]:
        head = await reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        headers = {}
        for line in lines[1:]:
            if ":" in line:
                name, value = line.split(":", 1)
                headers[name.strip().lower()] = value.strip()
        if headers.get("transfer-encoding", "").lower() == "chunked":
            body = bytearray()
            while True:
                size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
                chunk = await reader.readexactly(size + 2)
                if size == 0:
                    break
                body += chunk[:-2]
            content = bytes(body)
        else:
            content = await reader.readexactly(int(headers.get("content-length", "0")))
        if headers.get("connection", "").lower() == "close":
            await self.close()
        return status, content

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            with suppress(ConnectionError):
                await self.writer.wait_closed()
        self.reader = self.writer = None


def build_request(
    method: str, path: str, host: str, token: str, body: bytes = b"", content_type: str | None = None
) -> bytes:
    head = [f"{method} {path} HTTP/1.1", f"Host: {host}", f"Authorization: Bearer {token}"]
    if method != "GET":
        head.append(f"Content-Length: {len(body)}")
    if content_type:
        head.append(f"Content-Type: {content_type}")
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


def multipart(fields: dict[str, str], file_name: str, payload: bytes, media: str) -> bytes:
    parts = [
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    ]
    parts.append(
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="{file_name}"\r\n'
        f"Content-Type: {media}\r\n\r\n".encode()
        + payload
        + b"\r\n"
    )
    return b"".join(parts) + f"--{BOUNDARY}--\r\n".encode()


class RawClient:
    """One simulated user: `bench.load.Client`'s operations with pre-built requests on one connection."""

    def __init__(
        self, base: str, tokens: dict[str, str], stats: Stats, rng: random.Random, documents: list[int]
    ) -> None:
        address = urlsplit(base)
        self.host = address.netloc
        self.connection = Connection(address.hostname or "127.0.0.1", address.port or 80)
        self.tokens = tokens
        self.stats = stats
        self.rng = rng
        self.documents: dict[int, dict[str, int | str | None]] = {
            document_id: {"state": None, "revision": None} for document_id in documents
        }
        coordinator = tokens["coordinator"]
        self.browse = build_request("GET", "/api/documents?limit=50", self.host, coordinator)
        self.readiness = build_request("GET", "/api/readiness", self.host, coordinator)
        self.searches = [
            build_request("GET", f"/api/search?q={quote(term)}", self.host, coordinator) for term in SEARCH_TERMS
        ]
        payload = docx_bytes(f"客户端 {uuid.uuid4().hex[:6]}")
        media = f"multipart/form-data; boundary={BOUNDARY}"
        self.first_upload = multipart({}, "数据管理制度.docx", payload, DOCX_MEDIA)
        self.next_upload = multipart({"change_reason": "定期修订"}, "数据管理制度.docx", payload, DOCX_MEDIA)
        self.upload_media = media
        self.signature = json.dumps({"password": PASSWORD, "comment": "同意"}).encode()
        self.record_from = 0.0  # perf_counter() from which requests are counted (the end of the warm-up)

    async def call(self, op: str, raw: bytes) -> tuple[int, bytes] | None:
        started = time.perf_counter()
        try:
            status, body = await asyncio.wait_for(self.connection.request(raw), REQUEST_TIMEOUT_SECONDS)
        except (OSError, asyncio.IncompleteReadError, ValueError, TimeoutError) as exc:
            await self.connection.close()  # a half-read answer must not be taken for the next one's
            if started >= self.record_from:
                self.stats.add(op, time.perf_counter() - started, f"{type(exc).__name__}: {exc}")
            return None
        elapsed = time.perf_counter() - started
        if started >= self.record_from:  # requests started during the warm-up are not counted
            error = None if status < 400 else f"{status} {body[:160].decode(errors='replace')}"
            self.stats.add(op, elapsed, error)
        return status, body

    async def step(self) -> None:
        roll = self.rng.random()
        if roll < 0.35:
            await self.call("browse", self.browse)
        elif roll < 0.45:
            await self.call("readiness", self.readiness)
        elif roll < 0.60 and not self.stats.search_missing:
            answer = await self.call("search", self.rng.choice(self.searches))
            if answer is not None and answer[0] == 404:
                self.stats.search_missing = True
        else:
            await self.advance(self.rng.choice(list(self.documents)))

    async def advance(self, document_id: int) -> None:
        doc = self.documents[document_id]
        state, revision = doc["state"], doc["revision"]
        coordinator = self.tokens["coordinator"]
        if state in (None, "effective"):
            body = self.next_upload if state == "effective" else self.first_upload
            path = f"/api/documents/{document_id}/revisions"
            raw = build_request("POST", path, self.host, coordinator, body, self.upload_media)
            op, target = "upload", "draft"
        elif state == "draft":
            raw = build_request("POST", f"/api/revisions/{revision}/submit", self.host, coordinator)
            op, target = "submit", "in_review"
        elif state == "in_review":
            token = self.tokens["top_management"]
            path = f"/api/revisions/{revision}/review"
            raw = build_request("POST", path, self.host, token, self.signature, "application/json")
            op, target = "review", "in_approval"
        elif state == "in_approval":
            token = self.tokens["approver"]
            path = f"/api/revisions/{revision}/approve"
            raw = build_request("POST", path, self.host, token, self.signature, "application/json")
            op, target = "approve", "approved"
        else:
            raw = build_request("POST", f"/api/revisions/{revision}/publish", self.host, coordinator)
            op, target = "publish", "effective"
        answer = await self.call(op, raw)
        if answer is not None and answer[0] < 300:
            doc["state"] = target
            doc["revision"] = json.loads(answer[1])["id"]


async def _run(clients: list[RawClient], warmup: float, seconds: float, timed: AbstractContextManager[object]) -> float:
    """Warm up (every process's lazy imports, caches and pool filled; not counted), then the measured seconds, with
    `timed` entered at their start; returns their wall time (until the last counted request has its answer)."""
    record_from = time.perf_counter() + warmup
    deadline = record_from + seconds
    for client in clients:
        client.record_from = record_from

    async def loop(client: RawClient) -> None:
        while time.perf_counter() < deadline:
            await client.step()
        await client.connection.close()

    tasks = [asyncio.ensure_future(loop(client)) for client in clients]
    await asyncio.sleep(max(0.0, record_from - time.perf_counter()))
    with timed:
        started = time.perf_counter()
        await asyncio.gather(*tasks)
        return time.perf_counter() - started


def run_raw_load(
    base: str,
    tokens: dict[str, str],
    args: argparse.Namespace,
    documents: list[list[int]],
    timed: AbstractContextManager[object],
) -> Stats:
    """`args.clients` simulated users for `args.seconds`, each on its own documents (made by the caller); `timed` is
    entered around the measured seconds only."""
    stats = Stats()
    rng = random.Random(args.seed)
    clients = [RawClient(base, tokens, stats, random.Random(rng.random()), ids) for ids in documents]
    stats.wall = asyncio.run(_run(clients, getattr(args, "warmup", 0.0), args.seconds, timed))
    return stats


__all__ = ["DOC_TYPE", "run_raw_load"]
