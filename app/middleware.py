"""The outermost guard: refuses oversized bodies before they are read, and sets the security headers.

A plain ASGI middleware, not Starlette's BaseHTTPMiddleware: that one runs every request through an extra task and
memory streams, which costs measurable time per request under load.
"""

from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.config import get_settings
from app.errors import TooLarge

UPLOAD_OVERHEAD_BYTES = 1024 * 1024  # multipart framing and form fields around the file

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

        too_large = self._too_large(scope)
        if too_large is not None:
            await too_large(scope, receive, send_with_headers)
            return
        await self.app(scope, receive, send_with_headers)

    @staticmethod
    def _too_large(scope: Scope) -> Response | None:
        settings = get_settings()
        length = dict(scope.get("headers") or ()).get(b"content-length", b"")
        if not (length.isdigit() and int(length) > settings.max_upload_bytes + UPLOAD_OVERHEAD_BYTES):
            return None
        from app.web import errors as web_errors

        error = TooLarge(
            f"文件超过 {settings.max_upload_mb} MB 的上限", f"The upload exceeds the {settings.max_upload_mb} MB limit"
        )
        request = Request(scope)
        if web_errors.wants_html(request):
            return web_errors.app_error_page(request, error)
        return JSONResponse(error.to_dict(), status_code=413)
