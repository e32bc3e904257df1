"""Sign in, sign out and the language switch."""

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from app.config import get_settings
from app.db import SessionDep
from app.deps import ClientAddress
from app.users import service as users
from app.users.security import COOKIE_NAME, sign_cookie
from app.web.common import LANG_COOKIE, WebUser, render, safe_next, see_other
from app.web.i18n import LANGUAGES

router = APIRouter()


@router.get("/login")
def login_page(request: Request, next: str = "") -> Response:
    return render(request, "login.html", next=safe_next(next, ""))


@router.post("/login")
def login(
    request: Request,
    session: SessionDep,
    address: ClientAddress,
    username: Annotated[str, Form(max_length=64)] = "",
    password: Annotated[str, Form(max_length=256)] = "",
    next: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    _user, token = users.authenticate(session, username=username, password=password, via="web", client_address=address)
    response = see_other(safe_next(next))
    response.set_cookie(
        COOKIE_NAME,
        sign_cookie(token),
        max_age=get_settings().session_hours * 3600,
        path="/",
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )
    return response


@router.post("/logout")
def logout(request: Request, session: SessionDep, user: WebUser) -> Response:
    users.logout(session, user=user, auth_session_id=getattr(request.state, "auth_session_id", None))
    response = see_other("/login?done=signed_out")
    response.delete_cookie(COOKIE_NAME, path="/")
    return response


@router.get("/lang/{lang}")
def switch_language(lang: str, request: Request, next: str = "/") -> Response:
    response = see_other(safe_next(next))
    if lang in LANGUAGES:
        response.set_cookie(
            LANG_COOKIE, lang, max_age=365 * 24 * 3600, path="/", samesite="lax", secure=request.url.scheme == "https"
        )
    return response
