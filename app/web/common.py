"""What every web page shares: the signed-in user, the language, rendering, labels and formats."""

from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates

from app import timezones
from app.config import get_settings
from app.db import session_scope
from app.deps import get_current_user
from app.errors import Forbidden, Unauthorized
from app.parks.queries import park_time_zone
from app.users.models import Park, User
from app.web import csrf
from app.web.i18n import LANGUAGES, describe, label, translator

TEMPLATES = Jinja2Templates(directory=Path(__file__).resolve().parent / "templates")
TEMPLATES.env.filters["combine"] = lambda base, extra: {**base, **extra}
LANG_COOKIE = "lang"


class SignInRequired(Unauthorized):
    """A page asked for while signed out: the browser is sent to /login."""

    code = "sign_in_required"


def get_lang(request: Request) -> str:
    lang = request.cookies.get(LANG_COOKIE)
    if lang in LANGUAGES:
        return lang
    default = get_settings().default_language
    return default if default in LANGUAGES else "zh"


def web_user(request: Request) -> User:
    """The signed-in user of a page; signed out (or an ended session) → SignInRequired, rendered as a redirect."""
    try:
        user = get_current_user(request)
    except Unauthorized as exc:
        raise SignInRequired(exc.message_zh, exc.message_en) from None
    with session_scope(write=False) as session:  # like get_current_user: no write lock before the service runs
        park = session.get(Park, user.park_id)
        time_zone = park_time_zone(session, user.park_id)
    # A plain snapshot for the layout: error pages render after the session has been rolled back and closed.
    request.state.web_user = {
        "id": user.id,
        "username": user.username,
        "full_name": user.full_name,
        "role": str(user.role),
        "park_name": park.name if park else "",
        "park_code": park.code if park else "",
        "time_zone": time_zone,
    }
    from app.deps import AdminUser, TrailReader
    from app.documents.service import may_upload_any
    from app.jobs.access import may_manage as may_manage_jobs
    from app.performance.reading import may_read as may_read_performance
    from app.reports.access import may_open_reports_page
    from app.retention import access as retention_access

    request.state.web_nav = {
        "trail": allowed_by(TrailReader, user),
        "users": allowed_by(AdminUser, user),
        "register": may_upload_any(user),
        "reports": may_open_reports_page(user),
        "performance": may_read_performance(user),
        "jobs": may_manage_jobs(user),
        "retention": user.role in retention_access.READERS,
    }
    return user


WebUser = Annotated[User, Depends(web_user)]


def allowed_by(annotated: Any, user: User) -> bool:
    """Whether an API role dependency (e.g. deps.TrailReader) lets `user` through: one rule, two uses."""
    dependency = annotated.__metadata__[0].dependency

    class _Probe:
        method = "GET"

        class url:  # mimics request.url
            path = "/"

    try:
        dependency(user, _Probe())
    except Forbidden:
        return False
    return True


def require(annotated: Any, user: User, request: Request) -> None:
    """Apply an API role dependency to a web page (the same refusal, audited the same way)."""
    annotated.__metadata__[0].dependency(user, request)


def fmt_time(value: datetime | str | None, zone: str | None = None) -> str:
    """A stored UTC moment in the park's zone (app/timezones.py, the one formatter of pages and documents)."""
    return timezones.fmt_time(value, zone)


def fmt_date(value: date | datetime | str | None, zone: str | None = None) -> str:
    return timezones.fmt_date(value, zone)


def fmt_size(size: int | None) -> str:
    if size is None:
        return ""
    amount = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if amount < 1024 or unit == "GB":
            return f"{amount:.0f} {unit}" if unit == "B" else f"{amount:.1f} {unit}"
        amount /= 1024
    return str(amount)


def pct(value: float | None) -> str:
    return f"{(value or 0) * 100:.0f}%"


def here(request: Request) -> str:
    """The current address (path and query), for `next=` links."""
    query = request.url.query
    return request.url.path + (f"?{query}" if query else "")


def safe_next(value: str | None, default: str = "/") -> str:
    """Only local addresses: never redirect to another site."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return default
    return value


def base_context(request: Request) -> dict[str, Any]:
    lang = get_lang(request)
    t = translator(lang)
    me = getattr(request.state, "web_user", None)
    # Signed out (login, error pages): the default zone, named in the footer all the same.
    zone = (me or {}).get("time_zone") or timezones.DEFAULT_ZONE
    flash_key = request.query_params.get("done")
    flash = t(f"flash.{flash_key}") if flash_key and t.has(f"flash.{flash_key}") else None
    return {
        "lang": lang,
        "t": t,
        "me": me,
        "csrf_token": csrf.token_for(request),
        "flash": flash,
        "next_here": here(request),
        "path": request.url.path,
        "L": lambda kind, key: label(kind, key, lang),
        "fmt_time": lambda value: fmt_time(value, zone),
        "fmt_date": lambda value: fmt_date(value, zone),
        "zone_note": timezones.zone_note(zone, lang),
        "fmt_size": fmt_size,
        "pct": pct,
        "pick": lambda zh, en: (en or zh) if lang == "en" else (zh or en),
        "quote": lambda value: quote(str(value), safe=""),
        "nav": getattr(request.state, "web_nav", {}),
        "describe": lambda before, after: describe(before, after, lang),
    }


def render(request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    response = TEMPLATES.TemplateResponse(request, name, base_context(request) | context, status_code=status_code)
    csrf.set_anon_cookie(request, response)
    response.headers.setdefault("Cache-Control", "no-store")
    return response


def see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)
