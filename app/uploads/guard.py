"""The upload guard: on the upload routes, the caller is checked before one byte of the body is read.

A plain ASGI middleware, in this order:
1. who is asking, from the headers alone: bearer token, or session cookie plus CSRF token (in `X-CSRF-Token`, or a
   web form's `csrf_token` field, which the form sends before its file — no file byte is written before it is checked);
2. at most `max_uploads_per_user` uploads in flight per user (429);
3. the body is streamed through python-multipart into a part file under `CARBONMS_DATA_DIR/tmp`, bytes counted as they
   arrive: 413 the moment the limit is passed (chunked or not), 408 when the client sends too slowly;
4. the route gets the finished form (`StagedFormRoute`); every part file is removed when the request ends, however
   it ends. Refusals drain the rest of the body (bounded) so that clients that send before reading see the answer.

Multipart bodies to any other route are refused (415): only these routes stage files.
"""

from __future__ import annotations

import asyncio
import hmac
import re
import weakref

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.config import get_settings
from app.deps import get_current_user
from app.errors import AppError, Invalid, TooLarge, TooManyRequests, Unauthorized, Unsupported
from app.uploads.body import (
    DRAIN_SECONDS,
    REFUSAL_DRAIN_BYTES,
    REFUSAL_DRAIN_SECONDS,
    BodyReader,
    ClientGone,
    SlowBody,
    refuse,
)
from app.uploads.form import FORM_SCOPE_KEY, FormCollector
from app.users.models import User

UPLOAD_OVERHEAD_BYTES = 1024 * 1024  # multipart framing and form fields around the file

# Every route that takes a file (tests/security/test_upload_guard.py checks that this list is complete). Ids are
# matched loosely: a malformed id is still the route's 422 after the caller has been checked.
UPLOAD_PATHS = (
    re.compile(r"/api/documents/[^/]+/revisions"),
    re.compile(r"/api/records"),
    re.compile(r"/api/inventory/factor-sets/import"),
    re.compile(r"/api/inventory/factor-sets/[^/]+/evidence-factors"),
    re.compile(r"/api/inventory/submissions/[^/]+/evidence"),
    re.compile(r"/api/inventory/enterprises/[^/]+/workbook"),
    re.compile(r"/api/registers/[^/]+/import"),
    re.compile(r"/documents/[^/]+/revisions"),
    re.compile(r"/inventory/enterprises/[^/]+/workbook"),
    re.compile(r"/records/new"),
    re.compile(r"/registers/[^/]+/import"),
)


def is_upload_path(path: str) -> bool:
    return any(pattern.fullmatch(path) for pattern in UPLOAD_PATHS)


def _too_large_error(max_mb: int) -> TooLarge:
    return TooLarge(f"文件超过 {max_mb} MB 的上限", f"The upload exceeds the {max_mb} MB limit")


class UploadSlots:
    """How many uploads each user has in flight, for one event loop."""

    def __init__(self) -> None:
        self.in_flight: dict[int, int] = {}

    def take(self, user_id: int, limit: int) -> None:
        if self.in_flight.get(user_id, 0) >= limit:
            raise TooManyRequests(
                f"您同时进行的上传过多（最多 {limit} 个），请等待当前上传完成后再试",
                f"You have too many uploads in progress (at most {limit}); wait for one to finish and retry",
                headers={"Retry-After": "5"},
            )
        self.in_flight[user_id] = self.in_flight.get(user_id, 0) + 1

    def give_back(self, user_id: int) -> None:
        left = self.in_flight.get(user_id, 1) - 1
        if left > 0:
            self.in_flight[user_id] = left
        else:
            self.in_flight.pop(user_id, None)


_slots: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, UploadSlots] = weakref.WeakKeyDictionary()


def slots_for_loop() -> UploadSlots:
    loop = asyncio.get_running_loop()
    slots = _slots.get(loop)
    if slots is None:
        slots = _slots[loop] = UploadSlots()
    return slots


class CsrfCheck:
    """For a cookie-authenticated upload: the token from the header, or the form field that precedes the file."""

    def __init__(self, request: Request, *, by_cookie: bool) -> None:
        from app.web import csrf

        self._csrf = csrf
        self.expected = csrf.token_for(request) if by_cookie else ""
        self.satisfied = not by_cookie
        sent = request.headers.get("X-CSRF-Token", "")
        if by_cookie and sent:
            self._check(sent)

    def _refuse(self) -> AppError:
        return self._csrf.CsrfRefused(
            "页面已过期或请求来源不明（CSRF 校验失败），请刷新页面后重试",
            "This form has expired or did not come from this site (CSRF check failed); reload the page and try again",
        )

    def _check(self, sent: str) -> None:
        if not hmac.compare_digest(sent.encode(), self.expected.encode()):
            raise self._refuse()
        self.satisfied = True

    def from_fields(self, items: list[tuple[str, str | UploadFile]]) -> None:
        if self.satisfied:
            return
        sent = next((value for key, value in items if key == self._csrf.FIELD and isinstance(value, str)), "")
        self._check(sent)


def _authenticate(request: Request) -> User:
    try:
        return get_current_user(request)
    except Unauthorized as exc:
        if request.url.path.startswith("/api/"):
            raise
        from app.web.common import SignInRequired

        raise SignInRequired(exc.message_zh, exc.message_en) from None


def _is_multipart(scope: Scope) -> bool:
    for key, value in scope.get("headers") or ():
        if key == b"content-type":
            return value.lower().startswith(b"multipart/form-data")
    return False


class UploadGuard:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        if is_upload_path(scope["path"]):
            await self._upload(scope, receive, send)
            return
        if _is_multipart(scope):
            settings = get_settings()
            reader = BodyReader(
                receive, min_rate=settings.upload_min_rate_bytes, window=settings.upload_rate_window_seconds
            )
            error = Unsupported("此地址不接受文件上传", "This address does not accept file uploads")
            await refuse(
                scope, send, error, reader, drain_bytes=REFUSAL_DRAIN_BYTES, drain_seconds=REFUSAL_DRAIN_SECONDS
            )
            return
        await self.app(scope, receive, send)

    async def _upload(self, scope: Scope, receive: Receive, send: Send) -> None:
        settings = get_settings()
        request = Request(scope)
        reader = BodyReader(
            receive, min_rate=settings.upload_min_rate_bytes, window=settings.upload_rate_window_seconds
        )
        slots = slots_for_loop()
        try:
            # Checked from the headers only: nothing of the body has been read yet.
            user = await run_in_threadpool(_authenticate, request)
            scheme, _, token = request.headers.get("authorization", "").partition(" ")
            by_cookie = not (scheme.lower() == "bearer" and token.strip())  # as app.deps picks the credential
            csrf_check = CsrfCheck(request, by_cookie=by_cookie)
            if not _is_multipart(scope):
                raise Invalid("请以 multipart/form-data 表单上传文件", "Send the file as a multipart/form-data form")
            user_id = int(user.id or 0)
            slots.take(user_id, settings.max_uploads_per_user)
        except AppError as error:
            await refuse(
                scope, send, error, reader, drain_bytes=REFUSAL_DRAIN_BYTES, drain_seconds=REFUSAL_DRAIN_SECONDS
            )
            return
        try:
            await self._receive_and_run(scope, receive, send, reader, csrf_check)
        finally:
            slots.give_back(user_id)

    async def _receive_and_run(
        self, scope: Scope, receive: Receive, send: Send, reader: BodyReader, csrf_check: CsrfCheck
    ) -> None:
        settings = get_settings()
        max_body = settings.max_upload_bytes + UPLOAD_OVERHEAD_BYTES
        collector: FormCollector | None = None
        try:
            collector = FormCollector(
                Request(scope).headers.get("content-type", ""),
                tmp_dir=settings.tmp_dir,
                max_file_bytes=settings.max_upload_bytes,
                before_file=csrf_check.from_fields,
            )
            length = Request(scope).headers.get("content-length", "")
            if length.isdigit() and int(length) > max_body:
                raise _too_large_error(settings.max_upload_mb)
            while (chunk := await reader.next_chunk()) is not None:
                if reader.received > max_body:
                    raise _too_large_error(settings.max_upload_mb)
                collector.feed(chunk)
            form = collector.finish()
            csrf_check.from_fields(list(form.multi_items()))
        except ClientGone:
            if collector is not None:
                collector.abort()
            return
        except AppError as error:
            if collector is not None:
                collector.abort()  # before the drain: nothing of a refused upload stays on disk meanwhile
            if isinstance(error, TooLarge):
                drain_bytes, drain_seconds = 2 * settings.max_upload_bytes, DRAIN_SECONDS
            elif isinstance(error, SlowBody):
                drain_bytes, drain_seconds = 0, 0.0
            else:
                drain_bytes, drain_seconds = REFUSAL_DRAIN_BYTES, REFUSAL_DRAIN_SECONDS
            await refuse(scope, send, error, reader, drain_bytes=drain_bytes, drain_seconds=drain_seconds)
            return
        except BaseException:
            if collector is not None:
                collector.abort()
            raise
        scope[FORM_SCOPE_KEY] = form
        replayed = False

        async def body_already_read() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": b"", "more_body": False}
            return await receive()  # after the body: only the client's disconnect

        try:
            await self.app(scope, body_already_read, send)
        finally:
            collector.abort()
