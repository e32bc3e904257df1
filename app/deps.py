"""Who is asking: the signed-in user (bearer token or session cookie) and the roles a route needs."""

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Path, Request
from sqlalchemy import select

from app.common import as_utc, utcnow
from app.db import session_scope
from app.errors import Forbidden, Unauthorized
from app.events.refusals import Rule, refusal
from app.users.models import AuthSession, Role, User
from app.users.security import COOKIE_NAME, token_digest, unsign_cookie


def _request_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    cookie = request.cookies.get(COOKIE_NAME)
    if cookie:
        return unsign_cookie(cookie)
    return None


def get_current_user(request: Request) -> User:
    token = _request_token(request)
    if not token:
        raise Unauthorized("请先登录", "Please sign in", headers={"WWW-Authenticate": "Bearer"})
    # A short read of its own: the request's writing transaction (and SQLite's write lock) starts only when the
    # service runs, not while a large upload is still being received and checked.
    with session_scope(write=False) as session:
        row = session.execute(
            select(AuthSession, User)
            .join(User, User.id == AuthSession.user_id)
            .where(AuthSession.token_hash == token_digest(token))
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

# Ids in paths: positive and within the databases' integer range, so bad ids are a 422, never a 500.
EntityId = Annotated[int, Path(ge=1, le=2_147_483_647)]


def require_role(*roles: Role) -> Callable[[User], User]:
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
