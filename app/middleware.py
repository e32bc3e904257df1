"""The outermost guard: refuses oversized bodies before they are read (then drains them, so the client sees the 413),
and sets the security headers.

A plain ASGI middleware, not Starlette's BaseHTTPMiddleware: that one runs every request through an extra task and
memory streams, which costs measurable time per request under load.
"""

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.config import get_settings
from app.errors import TooLarge
from app.uploads.body import DRAIN_SECONDS, BodyReader, refuse
from app.uploads.guard import UPLOAD_OVERHEAD_BYTES, is_upload_path

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "frame-ancestors 'none'; form-action 'self'; base-uri 'self'"
)


class GuardAndHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        is_docs = scope.get("path", "").startswith("/docs")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("Referrer-Policy", "same-origin")
                if headers.get("content-type", "").startswith("text/html") and not is_docs:
                    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
            await send(message)

        settings = get_settings()
        length = dict(scope.get("headers") or ()).get(b"content-length", b"")
        # Upload routes check the caller first (the upload guard), then the length.
        too_long = length.isdigit() and int(length) > settings.max_upload_bytes + UPLOAD_OVERHEAD_BYTES
        if too_long and not is_upload_path(scope.get("path", "")):
            error = TooLarge(
                f"文件超过 {settings.max_upload_mb} MB 的上限",
                f"The upload exceeds the {settings.max_upload_mb} MB limit",
            )
            reader = BodyReader(
                receive, min_rate=settings.upload_min_rate_bytes, window=settings.upload_rate_window_seconds
            )
            await refuse(
                scope,
                send_with_headers,
                error,
                reader,
                drain_bytes=2 * settings.max_upload_bytes,
                drain_seconds=DRAIN_SECONDS,
            )
            return
        await self.app(scope, receive, send_with_headers)
