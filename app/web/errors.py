"""Errors on web pages: the same AppError family, rendered as a friendly page in the reader's language.

The API keeps its JSON; a page asked for while signed out redirects to /login; a refused sign-in shows the sign-in
form again with the reason.
"""

from urllib.parse import quote

from fastapi import Request
from fastapi.responses import Response

from app.errors import AppError

NON_WEB_PREFIXES = ("/api", "/static", "/docs", "/redoc", "/openapi.json")


def wants_html(request: Request) -> bool:
    path = request.url.path
    return not any(path == prefix or path.startswith(prefix + "/") for prefix in NON_WEB_PREFIXES)


def html_error(
    request: Request,
    status_code: int,
    message_zh: str,
    message_en: str,
    exc: Exception | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    from app.web.common import SignInRequired, get_lang, here, render, see_other

    if isinstance(exc, SignInRequired):
        target = "/login"
        if request.method == "GET" and request.url.path not in ("/", "/login"):
            target += "?next=" + quote(here(request), safe="")
        return see_other(target)
    message = message_en if get_lang(request) == "en" else message_zh
    kept = {key: value for key, value in (headers or {}).items() if key.lower() == "retry-after"}
    retry = getattr(request.state, "form_retry", None)
    response = None
    if retry is not None:
        # The form's own page again, with the reason beside the form and what was typed kept (pages_documents).
        try:
            response = retry(request, status_code, message)
        except AppError:  # the page itself is gone or closed to this user meanwhile: the plain error page
            response = None
    if response is not None:
        pass
    elif request.url.path == "/login" and request.method == "POST":
        response = render(
            request, "login.html", status_code=status_code, error=message, next=request.query_params.get("next", "")
        )
    else:
        response = render(
            request,
            "error.html",
            status_code=status_code,
            error=message,
            status=status_code,
            code=getattr(exc, "code", "error"),
        )
    response.headers.update(kept)
    return response


def app_error_page(request: Request, exc: AppError) -> Response:
    return html_error(request, exc.status_code, exc.message_zh, exc.message_en, exc, exc.headers)


def install(app) -> None:
    """Wrap every exception handler of the app: API requests keep their JSON, web pages get HTML.

    Called once at the end of create_app(), so handlers added by any domain are covered.
    """
    for key, handler in list(app.exception_handlers.items()):
        app.exception_handlers[key] = _wrap(handler)


def _wrap(handler):
    import inspect
    import json

    from fastapi.responses import JSONResponse
    from starlette.concurrency import run_in_threadpool

    async def wrapped(request: Request, exc: Exception) -> Response:
        if inspect.iscoroutinefunction(handler):
            response = await handler(request, exc)
        else:
            response = await run_in_threadpool(handler, request, exc)
        if not wants_html(request) or not isinstance(response, JSONResponse):
            return response
        if isinstance(exc, AppError):
            if getattr(request.state, "form_retry", None) is not None:  # it reads the database: not on the loop
                return await run_in_threadpool(app_error_page, request, exc)
            return app_error_page(request, exc)
        try:
            body = json.loads(bytes(response.body))
        except ValueError:
            body = {}
        return html_error(
            request,
            response.status_code,
            body.get("message_zh") or "请求未能完成",
            body.get("message_en") or "The request could not be completed",
            exc,
            dict(response.headers),
        )

    return wrapped
