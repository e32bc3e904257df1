"""The park's inventory pages: the year's overview with charts, the trail of any total, the .xlsx export, and the
coordinator's review and confirmation of submissions (signature with password). Enterprises, sources, the boundary
and data entry are in pages_inventory_data.py. Thin like the API: every rule is in app/inventory.
"""

from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from app.db import SessionDep
from app.deps import ClientAddress, EntityId
from app.documents import storage
from app.inventory import charts, export, overview, queries, report, service, submissions
from app.inventory.calculation import display
from app.inventory.models import Enterprise
from app.inventory.schemas import submission_out
from app.users.models import Role
from app.web.common import WebUser, get_lang, render, see_other

router = APIRouter()
XLSX_MEDIA = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
OptYear = Annotated[int | None, Query(ge=1990, le=2100)]
Level = Annotated[str, Query(pattern="^(park|enterprise|category|scope|industry|source)$")]


def default_year() -> int:
    """The year being inventoried by default: the last complete calendar year."""
    return datetime.now(UTC).year - 1


def num(value: Decimal | None, places: int = 2) -> str:
    return "" if value is None else display(value, places)


def trail_href(year: int, level: str, key: object) -> str:
    return f"/inventory/trail?year={year}&level={level}&key={key}"


def inv_page(request: Request, name: str, **context: Any) -> Response:
    return render(request, name, section="inventory", num=num, trail_href=trail_href, **context)


@router.get("/inventory")
def inventory_overview(request: Request, session: SessionDep, user: WebUser, year: OptYear = None) -> Response:
    if user.role == Role.contributor:  # a contributor's inventory is its own enterprise's data entry
        target = f"/inventory/enterprises/{user.enterprise_id}" if user.enterprise_id else "/inventory/enterprises"
        return see_other(target)
    service.require_park_reader(user)
    year = year or default_year()
    view = overview.year_overview(session, user.park_id, year)
    return inv_page(
        request,
        "inventory_overview.html",
        year=year,
        v=view,
        years=overview.years_held(session, user.park_id),
        chart_names=charts.CHART_NAMES,
        may_manage=user.role == Role.coordinator,
    )


CHART_TITLES = {
    "category": ("按排放类别的排放量", "Emissions by category"),
    "scope": ("按范围的排放量", "Emissions by scope"),
    "structure": ("排放结构", "Emission structure"),
    "top": ("排放量前十的企业", "Top emitters"),
    "trend": ("历年排放总量", "Park total over the years"),
}


@router.get("/inventory/charts/{name}.png")
def inventory_chart(
    name: str,
    request: Request,
    session: SessionDep,
    user: WebUser,
    year: OptYear = None,
) -> Response:
    service.require_park_reader(user)
    if name not in charts.CHART_NAMES:
        return Response(status_code=404)
    year = year or default_year()
    lang = get_lang(request)
    title = CHART_TITLES[name]
    if name == "trend":
        png = charts.trend_chart(overview.trend(session, user.park_id, year), title=title, lang=lang)
    else:
        items = overview.chart_items(session, user.park_id, year, name)  # one level, summed by the database
        if name == "top":
            png = charts.bar_chart(items, title=title, lang=lang, horizontal=True)
        elif name == "scope":
            png = charts.bar_chart(items, title=title, lang=lang)
        else:
            draw = charts.pie_chart if name == "structure" else charts.bar_chart
            png = draw(items, title=title, lang=lang)
    return Response(png, media_type="image/png", headers={"Cache-Control": "no-store"})


@router.get("/inventory/trail")
def inventory_trail(
    request: Request,
    session: SessionDep,
    user: WebUser,
    year: Annotated[int, Query(ge=1990, le=2100)],
    level: Level = "park",
    key: Annotated[str, Query(max_length=100)] = "park",
) -> Response:
    service.require_park_reader(user)
    found = queries.trail(session, user.park_id, year, level, key)
    names = overview.enterprise_names(session, user.park_id)
    return inv_page(request, "inventory_trail.html", year=year, level=level, key=key, tr=found, names=names)


@router.get("/inventory/export.xlsx")
def inventory_export(session: SessionDep, user: WebUser, year: Annotated[int, Query(ge=1990, le=2100)]) -> Response:
    service.require_park_reader(user)
    data = export.inventory_workbook(session, user.park_id, year)
    name = f"{year}-温室气体排放清单.xlsx"
    return Response(data, media_type=XLSX_MEDIA, headers={"Content-Disposition": storage.content_disposition(name)})


DOCX_MEDIA = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@router.get("/inventory/report.docx")
def inventory_report(session: SessionDep, user: WebUser, year: Annotated[int, Query(ge=1990, le=2100)]) -> Response:
    data = report.report_docx(session, user=user, year=year)
    name = f"{year}-温室气体排放核算报告.docx"
    return Response(data, media_type=DOCX_MEDIA, headers={"Content-Disposition": storage.content_disposition(name)})


@router.post("/inventory/report/file")
async def file_inventory_report(
    session: SessionDep, user: WebUser, year: Annotated[int, Form(ge=1990, le=2100)]
) -> Response:
    document, _revision = await run_in_threadpool(report.file_report, session, actor=user, year=year)
    return see_other(f"/documents/{document.id}?done=report_filed")


# ---------------------------------------------------------------- review and confirmation (coordinator)


@router.get("/inventory/review")
def review_page(request: Request, session: SessionDep, user: WebUser, year: OptYear = None) -> Response:
    service.require_park_reader(user)
    year = year or default_year()
    found = submissions.list_submissions(session, user=user, year=year)
    items = [submission_out(session, s) for s in found]
    names = overview.enterprise_names(session, user.park_id)
    sources = overview.source_names(session, user.park_id)
    return inv_page(
        request,
        "inventory_review.html",
        year=year,
        items=items,
        names=names,
        sources=sources,
        missing=queries.missing_enterprises(session, user.park_id, year),
        may_confirm=user.role == Role.coordinator,
    )


@router.post("/inventory/submissions/{submission_id:int}/confirm")
def confirm_submission(
    submission_id: EntityId,
    session: SessionDep,
    user: WebUser,
    address: ClientAddress,
    password: Annotated[str, Form(max_length=256)] = "",
    comment: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    submission = submissions.confirm(
        session, actor=user, submission_id=submission_id, password=password, comment=comment, client_address=address
    )
    return see_other(f"/inventory/review?year={submission.year}&done=submission_confirmed")


@router.post("/inventory/submissions/{submission_id:int}/reject")
def reject_submission(
    submission_id: EntityId,
    session: SessionDep,
    user: WebUser,
    comment: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    submission = submissions.reject(session, actor=user, submission_id=submission_id, comment=comment)
    return see_other(f"/inventory/review?year={submission.year}&done=submission_rejected")


@router.post("/inventory/submissions/{submission_id:int}/submit")
async def submit_submission(submission_id: EntityId, session: SessionDep, user: WebUser) -> Response:
    submission = await run_in_threadpool(submissions.submit, session, actor=user, submission_id=submission_id)
    enterprise = session.get_one(Enterprise, submission.enterprise_id)
    return see_other(f"/inventory/enterprises/{enterprise.id}?year={submission.year}&done=submission_submitted")
