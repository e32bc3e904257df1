"""CSRF protection of /api/* calls signed in by the browser's session cookie (not by a bearer token).

Such an unsafe call needs the page's CSRF token in the `X-CSRF-Token` header and must come from this site: a page on
another port of the same host is same-site, so the browser sends it the SameSite=Lax cookie, but it is not
same-origin. "This site" is the request's own scheme://host[:port] (as the ASGI server sees it: behind a proxy, let
uvicorn trust its forwarded headers) or one of `CARBONMS_ALLOWED_ORIGINS`. `Origin` present → it must match;
absent → `Referer` must match (browsers send it to the same origin under our `Referrer-Policy: same-origin`); both
absent → refused. The token is the one the web pages carry (`app.web.csrf.token_for`), so a page's own script can
call the API with it.
"""

import hashlib
import hmac
from urllib.parse import urlsplit

from fastapi import Request

from app.config import get_settings
from app.errors import Forbidden

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class CsrfRefused(Forbidden):
    code = "csrf"


def csrf_mac(value: str) -> str:
    key = get_settings().resolved_secret_key().encode()
    return hmac.new(key, f"carbonms-csrf|{value}".encode(), hashlib.sha256).hexdigest()


def token_for_session(session_token: str) -> str:
    """The token of a signed-in browser session (what `token_for` gives a page of that session)."""
    return csrf_mac(f"session|{session_token}")


_DEFAULT_PORTS = {"http": 80, "https": 443}


def _origin_of(url: str) -> str | None:
    """scheme://host[:port], lower case and without the scheme's default port; None when `url` has none."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in _DEFAULT_PORTS or not parts.hostname:
        return None
    host = parts.hostname.lower()
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    return f"{parts.scheme}://{host}" + (f":{port}" if port and port != _DEFAULT_PORTS[parts.scheme] else "")


def _own_origins(request: Request) -> set[str]:
    own = {_origin_of(f"{request.url.scheme}://{request.headers.get('host', '')}")}
    own.update(_origin_of(origin) for origin in get_settings().allowed_origin_list)
    return {origin for origin in own if origin}


def cross_origin_problem(request: Request) -> str | None:
    """Why the request does not come from this site, or None when it does."""
    origin = request.headers.get("origin")
    if origin is not None:
        return None if _origin_of(origin) in _own_origins(request) else f"Origin {origin[:100]}"
    referer = request.headers.get("referer")
    if referer is not None:
        return None if _origin_of(referer) in _own_origins(request) else "Referer"
    return "no Origin or Referer"


def check_cookie_api_call(request: Request, session_token: str) -> None:
    """An unsafe /api call signed in by the session cookie: the CSRF header and a same-origin request, or 403."""
    if request.method in SAFE_METHODS:
        return
    sent = request.headers.get("X-CSRF-Token", "")
    if not sent or not hmac.compare_digest(sent, token_for_session(session_token)):
        raise CsrfRefused(
            "使用浏览器登录（Cookie）调用接口时，修改数据的请求必须带有 X-CSRF-Token 请求头（CSRF 校验失败）；"
            "请从本站页面操作，或改用 Bearer 令牌",
            "An API call that changes data and is signed in by the browser's cookie needs the X-CSRF-Token header "
            "(CSRF check failed); use this site's pages or a bearer token",
        )
    if cross_origin_problem(request):
        raise CsrfRefused(
            "请求不是来自本站（Origin/Referer 与本站地址不符），已拒绝（CSRF 校验失败）",
            "The request did not come from this site (its Origin/Referer does not match); refused (CSRF check failed)",
        )
