"""CSRF protection for the web forms: a per-session token (HMAC of the session token with the secret key).

Before sign-in the token is the HMAC of a random value kept in its own cookie, so the sign-in form is protected too.
Every POST to a web page must send the token in the hidden field `csrf_token`; a missing or wrong token is refused
with 403 and a clear message. Calls to /api/* signed in by the cookie are checked in `app.csrf`.
"""

import hmac
import secrets

from fastapi import Request, Response

from app.csrf import SAFE_METHODS, CsrfRefused, token_for_session
from app.csrf import csrf_mac as _mac
from app.users.security import COOKIE_NAME, unsign_cookie

ANON_COOKIE = "carbonms_csrf"
FIELD = "csrf_token"
__all__ = ["SAFE_METHODS", "CsrfRefused", "set_anon_cookie", "token_for", "token_for_session", "verify_csrf"]


def _anon_value(request: Request) -> str:
    value = request.cookies.get(ANON_COOKIE) or getattr(request.state, "anon_csrf", None)
    if not value:
        value = secrets.token_urlsafe(24)
        request.state.anon_csrf = value
    return value


def token_for(request: Request) -> str:
    """The token the current browser must send back: bound to its session, or to its anonymous cookie."""
    cookie = request.cookies.get(COOKIE_NAME)
    session_token = unsign_cookie(cookie) if cookie else None
    if session_token:
        return token_for_session(session_token)
    return _mac(f"anon|{_anon_value(request)}")


def set_anon_cookie(request: Request, response: Response) -> None:
    """Keep the anonymous value that the sign-in form's token was made from."""
    value = getattr(request.state, "anon_csrf", None)
    if value and not request.cookies.get(ANON_COOKIE):
        response.set_cookie(
            ANON_COOKIE, value, httponly=True, samesite="lax", secure=request.url.scheme == "https", path="/"
        )


async def verify_csrf(request: Request) -> None:
    """Router dependency: every unsafe request must carry the right token."""
    if request.method in SAFE_METHODS:
        return
    sent = ""
    content_type = request.headers.get("content-type", "")
    if content_type.startswith(("multipart/form-data", "application/x-www-form-urlencoded")):
        form = await request.form()
        value = form.get(FIELD)
        sent = value if isinstance(value, str) else ""
    sent = sent or request.headers.get("X-CSRF-Token", "")
    if not sent or not hmac.compare_digest(sent, token_for(request)):
        raise CsrfRefused(
            "页面已过期或请求来源不明（CSRF 校验失败），请刷新页面后重试",
            "This form has expired or did not come from this site (CSRF check failed); reload the page and try again",
        )
