"""Who is asking: the signed-in user (bearer token or session cookie) and the roles a route needs."""

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Path, Request
from sqlalchemy import select
from sqlmodel import col

from app.common import as_utc, utcnow
from app.csrf import check_cookie_api_call
from app.db import session_scope
from app.errors import Forbidden, Unauthorized
from app.events.refusals import Rule, refusal
from app.users.models import AuthSession, Role, User
from app.users.security import COOKIE_NAME, token_digest, unsign_cookie


def _request_token(request: Request) -> tuple[str | None, bool]:
    """The session token of the request, and whether it came from the browser's cookie (not a bearer header)."""
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip(), False
    cookie = request.cookies.get(COOKIE_NAME)
    if cookie:
        return unsign_cookie(cookie), True
    return None, False


def get_current_user(request: Request) -> User:
    token, from_cookie = _request_token(request)
    if not token:
        raise Unauthorized("请先登录", "Please sign in", headers={"WWW-Authenticate": "Bearer"})
    if from_cookie and request.url.path.startswith("/api/"):
        # The browser sends its cookie to any same-site page's requests: /api needs proof the call is ours
        # (web pages check their forms' token in app.web.csrf.verify_csrf).
        check_cookie_api_call(request, token)
    # A short read of its own: the request's writing transaction (and SQLite's write lock) starts only when the
    # service runs, not while a large upload is still being received and checked.
    with session_scope(write=False) as session:
        row = session.execute(
            select(AuthSession, User)
            .join(User, col(User.id) == col(AuthSession.user_id))
            .where(col(AuthSession.token_hash) == token_digest(token))
        ).first()
    if row is None:
        raise Unauthorized(
            "登录已失效，请重新登录",
            "Your session is invalid; please sign in again",
            headers={"WWW-Authenticate": "Bearer"},
        )
    auth_session, user = row
    if auth_session.revoked_at is not None or as_utc(auth_session.expires_at) <= utcnow() or not user.is_active:
        raise Unauthorized(
            "登录已失效，请重新登录",
            "Your session has ended; please sign in again",
            headers={"WWW-Authenticate": "Bearer"},
        )
    request.state.auth_session_id = auth_session.id
    request.state.user = user
    return user


CurrentUser = Annotated[User, Depends(get_current_user)]


def client_address(request: Request) -> str:
    """The caller's address for throttling and the audit trail (behind a proxy: what uvicorn was told to trust)."""
    return request.client.host if request.client else ""


ClientAddress = Annotated[str, Depends(client_address)]

# Ids in paths: positive and within the databases' integer range, so bad ids are a 422, never a 500.
EntityId = Annotated[int, Path(ge=1, le=2_147_483_647)]


def require_role(*roles: Role) -> Callable[..., User]:
    allowed = frozenset(roles)

    def dependency(user: CurrentUser, request: Request) -> User:
        if user.role not in allowed:
            raise Forbidden(
                "您的角色无权执行此操作",
                "Your role may not do this",
                audit=refusal(user, Rule.role, "route", f"{request.method} {request.url.path}"),
            )
        return user

    return dependency


# Role gates that the API routes and the web pages share (one rule, two uses).
AdminUser = Annotated[User, Depends(require_role(Role.admin))]
TrailReader = Annotated[User, Depends(require_role(Role.auditor, Role.coordinator, Role.top_management, Role.admin))]
