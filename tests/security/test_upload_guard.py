"""The upload guard, driven through the ASGI interface with a body the test hands out piece by piece: the caller is
checked before the body is read, bytes are counted as they arrive (413 at once, chunked or not), slow bodies get 408,
uploads in flight are bounded per user, part files live in the data folder and are gone when the request ends."""

import asyncio
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import params
from fastapi.routing import APIRoute

from app.config import get_settings
from app.documents import storage
from app.uploads import form as upload_form
from app.uploads.form import StagedFormRoute
from app.uploads.guard import is_upload_path
from tests.factories import DOCX_MEDIA, docx_bytes, register
from tests.web.conftest import Browser, csrf_of

BOUNDARY = "carbonms-test-boundary"
CHUNK = 64 * 1024


def part_files() -> list[Path]:
    return sorted(get_settings().tmp_dir.glob("upload-*.part"))


def multipart_chunks(fields: dict[str, str], file_size: int = 0, *, content: bytes | None = None) -> Iterator[bytes]:
    """A multipart form: the text fields, then one file of `file_size` filler bytes (or `content`), in CHUNK pieces."""
    head = b""
    for name, value in fields.items():
        head += f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
    head += (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="方针.docx"\r\n'
        f"Content-Type: {DOCX_MEDIA}\r\n\r\n"
    ).encode()
    yield head
    if content is not None:
        yield content
    else:
        sent = 0
        while sent < file_size:
            piece = min(CHUNK, file_size - sent)
            yield b"\0" * piece
            sent += piece
    yield f"\r\n--{BOUNDARY}--\r\n".encode()


class Exchange:
    """One request through the app's ASGI interface; records in order when the body was read and the answer sent."""

    def __init__(self, chunks: Iterator[bytes], *, delay: float = 0.0, hold: asyncio.Event | None = None) -> None:
        self.chunks = chunks
        self.delay = delay
        self.hold = hold
        self.events: list[str] = []
        self.received = 0
        self.received_at_answer: int | None = None
        self.status: int | None = None
        self.body = b""
        self._next: bytes | None = next(chunks, None)

    async def receive(self) -> dict:
        if self._next is None:
            await asyncio.sleep(3600)  # only a disconnect would come now
        self.events.append("receive")
        if self.delay:
            await asyncio.sleep(self.delay)
        chunk = self._next or b""
        self._next = next(self.chunks, None)
        if self.hold is not None and self.received > 0:
            await self.hold.wait()
        self.received += len(chunk)
        return {"type": "http.request", "body": chunk, "more_body": self._next is not None}

    async def send(self, message: dict) -> None:
        if message["type"] == "http.response.start":
            self.events.append("answer")
            self.status = message["status"]
            self.received_at_answer = self.received
        elif message["type"] == "http.response.body":
            self.body += message.get("body", b"")

    async def run(self, app, path: str, headers: dict[str, str]) -> "Exchange":
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "POST",
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "query_string": b"",
            "root_path": "",
            "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
            "client": ("127.0.0.1", 50000),
            "server": ("testserver", 80),
            "state": {},
        }
        await app(scope, self.receive, self.send)
        return self


def multipart_headers(**extra: str) -> dict[str, str]:
    return {"host": "testserver", "content-type": f"multipart/form-data; boundary={BOUNDARY}", **extra}


@pytest.fixture()
def no_system_temp(monkeypatch):
    """Starlette's form parser spools file fields into the system temporary directory: it must never run."""
    import starlette.formparsers

    def refuse(*_args, **_kwargs):
        raise AssertionError("an upload went through the system temporary directory")

    monkeypatch.setattr(starlette.formparsers, "SpooledTemporaryFile", refuse)


def walk_routes(routes, prefix: str = "") -> Iterator[tuple[str, object]]:
    for route in routes:
        if isinstance(route, APIRoute):
            yield prefix + route.path, route
        elif hasattr(route, "original_router"):
            yield from walk_routes(route.original_router.routes, prefix + route.include_context.prefix)


def test_every_upload_route_is_guarded(app):
    taking_files = [
        (path, route)
        for path, route in walk_routes(app.router.routes)
        if any(isinstance(field.field_info, params.File) for field in route.dependant.body_params)
    ]
    paths = sorted(re.sub(r"\{[^}]+\}", "7", path) for path, _ in taking_files)
    assert paths == [
        "/api/documents/7/revisions",
        "/api/inventory/enterprises/7/workbook",
        "/api/inventory/factor-sets/7/evidence-factors",
        "/api/inventory/factor-sets/import",
        "/api/inventory/submissions/7/evidence",
        "/api/records",
        "/api/registers/7/import",
        "/documents/7/revisions",
        "/inventory/enterprises/7/workbook",
        "/records/new",
        "/registers/7/import",
    ]
    for path, route in taking_files:
        assert route.methods == {"POST"}
        assert isinstance(route, StagedFormRoute), path
    assert all(is_upload_path(path) for path in paths)


UPLOAD_PATHS = [
    "/api/documents/1/revisions",
    "/api/records",
    "/documents/1/revisions",
    "/records/new",
    "/api/inventory/enterprises/1/workbook",
    "/api/inventory/factor-sets/import",
    "/api/inventory/factor-sets/1/evidence-factors",
    "/api/inventory/submissions/1/evidence",
]


@pytest.mark.parametrize("path", UPLOAD_PATHS)
def test_unauthenticated_upload_is_refused_before_its_body_is_read(client, app, path, no_system_temp, figure):
    before = part_files()
    offered = 8 * 1024 * 1024
    exchange = asyncio.run(Exchange(multipart_chunks({"period": "2025"}, offered)).run(app, path, multipart_headers()))
    assert exchange.events[0] == "answer", exchange.events[:3]  # answered before the first receive()
    assert exchange.status == (401 if path.startswith("/api/") else 303)
    assert exchange.received <= (1 << 20) + CHUNK  # only a bounded drain, then the connection is closed
    assert part_files() == before
    figure(f"\n{path}: unauthenticated, {exchange.received:,} of {offered:,} bytes read (discarded), 0 bytes staged")


def test_cookie_upload_needs_its_csrf_token_before_the_file(client, app, park, monkeypatch):
    created: list[Path] = []

    class CountedPartFile(storage.PartFile):
        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, **kwargs)
            created.append(self.path)

    monkeypatch.setattr(upload_form, "PartFile", CountedPartFile)
    document = register(park)
    browser = Browser(app, park, "coordinator")
    try:
        token = csrf_of(browser.get(f"/documents/{document['id']}").text)
        files = {"file": ("方针.docx", docx_bytes(), DOCX_MEDIA)}
        # No token, or a wrong one: refused before a file byte is written.
        refused = browser.client.post(f"/documents/{document['id']}/revisions", data={"version": "1"}, files=files)
        assert refused.status_code == 403 and "CSRF" in refused.text
        wrong = browser.client.post(
            f"/documents/{document['id']}/revisions", data={"version": "1", "csrf_token": "0" * 64}, files=files
        )
        assert wrong.status_code == 403
        api = browser.client.post(f"/api/documents/{document['id']}/revisions", files=files)
        assert api.status_code == 403 and api.json()["code"] == "csrf"
        assert created == []
        # The form's token (sent before the file, as browsers do) or the header: accepted.
        accepted = browser.post(
            f"/documents/{document['id']}/revisions", {"version": str(document["version"])}, files=files, token=token
        )
        assert accepted.status_code == 303, accepted.text
        second = register(park, title="第二份方针")
        header = browser.client.post(
            f"/api/documents/{second['id']}/revisions",
            files=files,
            headers={"X-CSRF-Token": token, "Origin": "http://testserver"},  # a cookie call to /api: token + origin
        )
        assert header.status_code == 201, header.text
        assert len(created) == 2 and part_files() == []
    finally:
        browser.close()


def test_chunked_upload_over_the_limit_gets_413_the_moment_it_passes(
    client, app, park, monkeypatch, no_system_temp, figure
):
    monkeypatch.setattr(get_settings(), "max_upload_mb", 1)
    document = register(park)
    offered = 6 * 1024 * 1024
    started = time.perf_counter()
    exchange = asyncio.run(
        Exchange(multipart_chunks({"change_reason": ""}, offered)).run(
            app, f"/api/documents/{document['id']}/revisions", multipart_headers(**park.headers("coordinator"))
        )
    )
    elapsed = time.perf_counter() - started
    assert exchange.status == 413 and "1 MB" in exchange.body.decode()
    limit = 1 << 20
    assert exchange.received_at_answer is not None and exchange.received_at_answer <= limit + 2 * CHUNK
    assert exchange.received <= exchange.received_at_answer + 2 * limit + CHUNK  # drained, bounded
    assert part_files() == []
    figure(f"\nchunked 6 MB against a 1 MB limit: 413 after {exchange.received_at_answer:,} bytes, {elapsed:.3f} s")


def test_slow_body_is_cut_off_with_408(client, app, park, monkeypatch, figure):
    monkeypatch.setattr(get_settings(), "upload_rate_window_seconds", 0.3)
    monkeypatch.setattr(get_settings(), "upload_min_rate_bytes", 10 * 1024)
    document = register(park)

    def trickle() -> Iterator[bytes]:
        yield from multipart_chunks({"change_reason": ""}, content=b"")
        while True:
            yield b"x" * 100

    started = time.perf_counter()
    exchange = asyncio.run(
        Exchange(trickle(), delay=0.05).run(
            app, f"/api/documents/{document['id']}/revisions", multipart_headers(**park.headers("coordinator"))
        )
    )
    elapsed = time.perf_counter() - started
    assert exchange.status == 408 and "上传速度过慢" in exchange.body.decode()
    assert part_files() == []
    figure(f"\n2 KB/s against a 10 KB/s floor over 0.3 s windows: 408 after {elapsed:.2f} s")


def test_uploads_in_flight_are_bounded_per_user(client, app, park, monkeypatch):
    monkeypatch.setattr(get_settings(), "max_uploads_per_user", 2)
    documents = [register(park, "CARBON_POLICY", title=f"方针 {i}")["id"] for i in range(3)]
    coordinator = multipart_headers(**park.headers("coordinator"))

    async def scenario() -> tuple[list[Exchange], Exchange, Exchange]:
        hold = asyncio.Event()
        # Different contents: two new blobs with one hash at once would be a (PostgreSQL) conflict of their own.
        held = [Exchange(multipart_chunks({}, content=docx_bytes(f"方针 {i}")), hold=hold) for i in range(2)]
        tasks = [
            asyncio.create_task(x.run(app, f"/api/documents/{d}/revisions", coordinator))
            for x, d in zip(held, documents[:2], strict=True)
        ]
        while sum(x.received > 0 for x in held) < 2:  # noqa: ASYNC110 - polls counters the app under test updates
            await asyncio.sleep(0.01)
        staging = part_files()  # the two uploads in progress stage inside the data folder
        assert len(staging) == 2 and all(path.parent == get_settings().tmp_dir for path in staging)
        third = await Exchange(multipart_chunks({}, content=docx_bytes())).run(
            app, f"/api/documents/{documents[2]}/revisions", coordinator
        )
        hold.set()
        await asyncio.gather(*tasks)
        after = await Exchange(multipart_chunks({}, content=docx_bytes())).run(
            app, f"/api/documents/{documents[2]}/revisions", coordinator
        )
        return held, third, after

    held, third, after = asyncio.run(scenario())
    assert third.status == 429 and third.body.decode().find("上传过多") > 0
    assert [x.status for x in held] == [201, 201]
    assert after.status == 201
    assert part_files() == []


def test_part_files_are_removed_on_every_exit_path(client, app, park):
    document = register(park)
    path = f"/api/documents/{document['id']}/revisions"
    coordinator = multipart_headers(**park.headers("coordinator"))

    class Disconnecting(Exchange):
        async def receive(self) -> dict:
            if self.received > 3 * CHUNK:
                return {"type": "http.disconnect"}
            return await super().receive()

    gone = asyncio.run(Disconnecting(multipart_chunks({}, 1 << 20)).run(app, path, coordinator))
    assert gone.status is None and part_files() == []
    truncated = iter([next(multipart_chunks({}, content=b"PK\x03\x04 half a file"))])
    broken = asyncio.run(Exchange(truncated).run(app, path, coordinator))
    assert broken.status == 422 and "multipart" in broken.body.decode() and part_files() == []
    exe = asyncio.run(Exchange(multipart_chunks({}, content=b"MZ\x90\x00 program")).run(app, path, coordinator))
    assert exe.status == 415 and part_files() == []
    stored = asyncio.run(Exchange(multipart_chunks({}, content=docx_bytes())).run(app, path, coordinator))
    assert stored.status == 201 and part_files() == []


def test_multipart_bodies_to_other_routes_are_refused(client, app, park, no_system_temp):
    exchange = asyncio.run(
        Exchange(multipart_chunks({"doc_type": "CARBON_POLICY"}, 4 * 1024 * 1024)).run(
            app, "/api/documents", multipart_headers(**park.headers("coordinator"))
        )
    )
    assert exchange.status == 415 and "不接受文件上传" in exchange.body.decode()
    assert exchange.received <= (1 << 20) + CHUNK
