"""Reading a request body as it arrives: bytes counted, a minimum rate enforced, and the rest drained after a refusal.

Why drain: a client such as Python's `urllib` sends the whole body before it reads the answer. If the server answers
413 and closes with unread bytes in its socket, the kernel resets the connection and the client sees only the reset.
Reading (and throwing away) the rest, up to a bound, lets it read the 413 and its message.
"""

from __future__ import annotations

import asyncio
import time

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import Message, Receive, Scope, Send

from app.errors import AppError

DRAIN_SECONDS = 30.0
# After a refusal decided from the headers alone (sign-in, CSRF, too many uploads), an ordinary small request is
# still read to its end so its client sees the answer; a large one is cut off.
REFUSAL_DRAIN_BYTES = 1 << 20
REFUSAL_DRAIN_SECONDS = 5.0


class SlowBody(AppError):
    status_code = 408
    code = "request_timeout"


class ClientGone(Exception):
    """The client disconnected before its body was complete."""


def slow_body_error(min_rate: int, window: float) -> SlowBody:
    return SlowBody(
        f"上传速度过慢（{window:g} 秒内低于每秒 {min_rate // 1024} KB），连接已断开，请检查网络后重试",
        f"The upload was too slow (under {min_rate // 1024} KB/s over {window:g} s) and was cut off; "
        "check the connection and try again",
    )


class BodyReader:
    """Wraps `receive`: yields body chunks, counts them, and raises `SlowBody` when a window brings too few bytes."""

    def __init__(self, receive: Receive, *, min_rate: int, window: float) -> None:
        self._receive = receive
        self.min_rate = min_rate
        self.window = window
        self.received = 0
        self.complete = False
        self._window_start = time.monotonic()
        self._window_bytes = 0

    def _check_window(self, now: float) -> None:
        if self._window_bytes < self.min_rate * self.window:
            raise slow_body_error(self.min_rate, self.window)
        self._window_start, self._window_bytes = now, 0

    async def next_chunk(self) -> bytes | None:
        """The next piece of the body, or None at its end."""
        while not self.complete:
            now = time.monotonic()
            remaining = self._window_start + self.window - now
            if remaining <= 0:
                self._check_window(now)
                continue
            try:
                async with asyncio.timeout(remaining):
                    message = await self._receive()
            except TimeoutError:
                continue  # the window ended: checked at the top of the loop
            if message["type"] == "http.disconnect":
                raise ClientGone
            chunk = message.get("body", b"")
            self.complete = not message.get("more_body", False)
            self.received += len(chunk)
            self._window_bytes += len(chunk)
            if chunk:
                return chunk
        return None

    async def drain(self, *, max_bytes: int, seconds: float) -> None:
        """Read and discard the rest of the body, at most `max_bytes` more or for `seconds` (slow bodies stop early)."""
        start = self.received
        try:
            async with asyncio.timeout(seconds):
                while self.received - start < max_bytes:
                    if await self.next_chunk() is None:
                        return
        except (TimeoutError, SlowBody, ClientGone):
            return


def error_response(scope: Scope, error: AppError) -> Response:
    """The refusal as the client expects it: an HTML page (or the sign-in redirect) for the web, JSON for the API."""
    from app.web import errors as web_errors

    request = Request(scope)
    headers = {**(error.headers or {}), "Connection": "close"}
    if web_errors.wants_html(request):
        response = web_errors.app_error_page(request, error)
        response.headers.update(headers)
        return response
    return JSONResponse(error.to_dict(), status_code=error.status_code, headers=headers)


async def refuse(
    scope: Scope, send: Send, error: AppError, reader: BodyReader | None, *, drain_bytes: int, drain_seconds: float
) -> None:
    """Send the refusal at once, then drain the body before the response ends (uvicorn stops handing out the body
    as soon as a response is complete), then close."""
    response = error_response(scope, error)

    async def send_held_open(message: Message) -> None:
        if message["type"] == "http.response.body" and not message.get("more_body", False):
            message = {**message, "more_body": True}
        await send(message)

    async def no_body() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    await response(scope, no_body, send_held_open)
    if reader is not None and not reader.complete and drain_bytes > 0:
        await reader.drain(max_bytes=drain_bytes, seconds=drain_seconds)
    await send({"type": "http.response.body", "body": b"", "more_body": False})
