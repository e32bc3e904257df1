"""uvicorn's h11 protocol plus what it lacks: a deadline for a request's headers.

uvicorn closes idle keep-alive connections (`--timeout-keep-alive`) and bounds the size of a header block
(`h11_max_incomplete_event_size`, 16 KB), but a client that opens a connection and sends nothing, or trickles its
headers a byte at a time, is never timed out. Here every request's headers must be complete within
`header_timeout_seconds` of the connection opening (or of the first byte after the previous response); otherwise the
client gets 408 and the connection is closed. A connection that sent nothing at all is closed without an answer (as
uvicorn's keep-alive timeout does): a client that happens to send its request just then must not read a 408 that
belongs to nothing. Slow bodies are the upload guard's business (app/uploads/body.py).
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.h11_impl import H11Protocol

from app.config import get_settings

_MESSAGE = "请求头发送超时，连接已关闭 / The request headers did not arrive in time; the connection was closed\n"


def _timeout_response() -> bytes:
    body = _MESSAGE.encode()
    head = (
        "HTTP/1.1 408 Request Timeout\r\ncontent-type: text/plain; charset=utf-8\r\n"
        f"connection: close\r\ncontent-length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


class HeaderTimeoutProtocol(H11Protocol):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.header_timeout = get_settings().header_timeout_seconds
        self._header_deadline: asyncio.TimerHandle | None = None
        self._header_bytes = 0

    def _waiting_for_headers(self) -> bool:
        return self.cycle is None or self.cycle.response_complete

    def _arm(self) -> None:
        if self._header_deadline is None:
            self._header_bytes = 0
            self._header_deadline = self.loop.call_later(self.header_timeout, self._headers_too_slow)

    def _disarm(self) -> None:
        if self._header_deadline is not None:
            self._header_deadline.cancel()
            self._header_deadline = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def data_received(self, data: bytes) -> None:
        if self._waiting_for_headers():
            self._arm()
            self._header_bytes += len(data)
        super().data_received(data)
        if not self._waiting_for_headers():
            self._disarm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _headers_too_slow(self) -> None:
        self._header_deadline = None
        if self.transport.is_closing() or not self._waiting_for_headers():
            return
        if self._header_bytes:
            self.transport.write(_timeout_response())
        self.transport.close()
