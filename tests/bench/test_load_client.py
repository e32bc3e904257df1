"""The light load client of bench/load.py (bench/load_client.py) and the CPU meter of its output (bench/cpu_meter.py):
answers read whole on a kept-alive connection (content-length and chunked), a closed connection reopened, and each
party's CPU seconds counted from /proc."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time

from bench.cpu_meter import CpuMeter, cpu_seconds, process_tree
from bench.load_client import Connection, build_request, multipart

ANSWERS = [
    b'HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\n{"id": 41}',
    b'HTTP/1.1 201 Created\r\ntransfer-encoding: chunked\r\n\r\n5\r\n{"id"\r\n5\r\n: 42}\r\n0\r\n\r\n',
    b"HTTP/1.1 409 Conflict\r\ncontent-length: 2\r\nconnection: close\r\n\r\nno",
]


async def _exchange() -> tuple[list[tuple[int, bytes]], list[bytes], int]:
    received: list[bytes] = []
    connections = 0
    answers = iter(ANSWERS * 2)

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal connections
        connections += 1
        while True:
            try:
                head = await reader.readuntil(b"\r\n\r\n")
            except asyncio.IncompleteReadError:
                break
            received.append(head)
            answer = next(answers)
            writer.write(answer)
            await writer.drain()
            if b"connection: close" in answer:
                break
        writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    connection = Connection("127.0.0.1", port)
    request = build_request("GET", "/api/documents?limit=50", f"127.0.0.1:{port}", "TOKEN")
    results = [await connection.request(request) for _ in range(4)]
    await connection.close()
    server.close()
    await server.wait_closed()
    return results, received, connections


def test_answers_are_read_whole_on_one_connection_until_the_server_closes_it() -> None:
    results, received, connections = asyncio.run(_exchange())

    assert results == [(200, b'{"id": 41}'), (201, b'{"id": 42}'), (409, b"no"), (200, b'{"id": 41}')]
    assert connections == 2  # the fourth request went on a new connection after `connection: close`
    assert received[0].startswith(b"GET /api/documents?limit=50 HTTP/1.1\r\n")
    assert b"Authorization: Bearer TOKEN\r\n" in received[0]


def test_a_post_request_carries_its_length_and_the_multipart_body_its_fields() -> None:
    body = multipart({"change_reason": "定期修订"}, "制度.docx", b"PK\x03\x04", "application/octet-stream")
    raw = build_request("POST", "/api/documents/1/revisions", "host", "T", body, "multipart/form-data; boundary=b")

    head, _, sent = raw.partition(b"\r\n\r\n")
    assert f"Content-Length: {len(body)}".encode() in head
    assert sent == body
    assert "定期修订".encode() in body and b"PK\x03\x04" in body
    assert 'filename="制度.docx"'.encode() in body


BURN = (
    "import sys, time\nsys.stdin.readline()\nend = time.process_time() + 0.6\nwhile time.process_time() < end: pass\n"
)


def test_cpu_meter_counts_a_busy_child_process_and_not_an_idle_one() -> None:
    busy = subprocess.Popen([sys.executable, "-c", BURN + "time.sleep(30)"], stdin=subprocess.PIPE)
    idle = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        meter = CpuMeter({"busy": lambda: [busy.pid], "idle": lambda: [idle.pid]}, interval=0.1)
        with meter:
            assert busy.stdin is not None
            busy.stdin.write(b"go\n")  # it burns its 0.6 s of CPU only once the meter has started
            busy.stdin.flush()
            deadline = time.monotonic() + 60
            # /proc counts in clock ticks: 0.5 of the 0.6 s is surely there once the child is done
            while (cpu_seconds(busy.pid) or 0.0) - meter.start[busy.pid] < 0.5 and time.monotonic() < deadline:
                time.sleep(0.05)
        used = meter.used()
        assert used["busy"] >= 0.5
        assert used["idle"] < 0.1
        assert process_tree(busy.pid) == [busy.pid]
    finally:
        busy.kill()
        idle.kill()
        busy.wait()
        idle.wait()
