"""The inventory's data pages: enterprises and their sources, the year's boundary with its changes from the
previous year, and an enterprise's data entry (typed form or workbook) for its contributors and the coordinator.

A contributor sees its own enterprise only: the services answer "not found" for any other.
"""

from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from app.config import get_settings
from app.db import SessionDep
from app.deps import EntityId
from app.documents import storage
from app.errors import Invalid
from app.inventory import boundary, intake, overview, service, submissions
from app.inventory.models import DataQuality, SourceCategory
from app.inventory.schemas import boundary_out, submission_out
from app.uploads.form import StagedFormRoute
from app.users.models import Role
from app.web.common import WebUser, see_other
from app.web.pages_inventory import XLSX_MEDIA, OptYear, default_year, inv_page

router = APIRouter(route_class=StagedFormRoute)
Short = Annotated[str, Form(max_length=200)]


@router.get("/inventory/enterprises")
def enterprises_page(request: Request, session: SessionDep, user: WebUser) -> Response:
    return inv_page(
        request,
        "inventory_enterprises.html",
        items=service.list_enterprises(session, user=user),
        may_manage=user.role == Role.coordinator,
        year=default_year(),
    )


@router.post("/inventory/enterprises")
def create_enterprise(
    session: SessionDep,
    user: WebUser,
    name: Short = "",
    credit_code: Annotated[str, Form(max_length=18)] = "",
    industry_code: Annotated[str, Form(max_length=8)] = "",
    industry_name: Short = "",
    key_emitter: Annotated[str, Form(max_length=8)] = "",
    contact_name: Annotated[str, Form(max_length=100)] = "",
    contact_phone: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    enterprise = service.create_enterprise(
        session,
        actor=user,
        name=name,
        credit_code=credit_code,
        industry_code=industry_code,
        industry_name=industry_name,
        key_emitter=bool(key_emitter),
        contact_name=contact_name,
        contact_phone=contact_phone,
    )
    return see_other(f"/inventory/enterprises/{enterprise.id}?done=enterprise_created")


@router.get("/inventory/enterprises/{enterprise_id:int}")
def enterprise_page(
    enterprise_id: EntityId, request: Request, session: SessionDep, user: WebUser, year: OptYear = None
) -> Response:
    enterprise = service.get_enterprise(session, enterprise_id=enterprise_id, user=user)
    year = year or default_year()
    sources = service.list_sources(session, user=user, enterprise_id=enterprise_id)
    in_scope = boundary.in_scope_source_ids(session, user.park_id, year)
    found = submissions.list_submissions(session, user=user, year=year, enterprise_id=enterprise_id)
    return inv_page(
        request,
        "inventory_enterprise.html",
        e=enterprise,
        year=year,
        sources=sources,
        entry_sources=[s for s in sources if s.id in in_scope],
        items=[submission_out(session, s, with_rows=False) for s in found],
        categories=[c.value for c in SourceCategory],
        qualities=[q.value for q in DataQuality],
        may_manage=user.role == Role.coordinator,
        may_enter=user.role == Role.coordinator
        or (user.role == Role.contributor and user.enterprise_id == enterprise.id),
    )


@router.post("/inventory/enterprises/{enterprise_id:int}/sources")
def create_source(
    enterprise_id: EntityId,
    session: SessionDep,
    user: WebUser,
    name: Short = "",
    category: Annotated[str, Form(max_length=32)] = "",
    quantity: Short = "",
    unit: Annotated[str, Form(max_length=16)] = "",
    renewable: Annotated[str, Form(max_length=8)] = "",
    description: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    if category not in {c.value for c in SourceCategory}:
        raise Invalid("请选择排放类别", "Choose an emission category")
    service.create_source(
        session,
        actor=user,
        enterprise_id=enterprise_id,
        name=name,
        category=category,
        quantity=quantity,
        unit=unit,
        renewable=bool(renewable),
        description=description,
    )
    return see_other(f"/inventory/enterprises/{enterprise_id}?done=source_created")


def _typed_rows(form: FormData, source_ids: list[int]) -> list[dict[str, str | int]]:
    """One row per source whose quantity was typed (q_<id>, unit_<id>, quality_<id>, meter_<id>)."""
    rows: list[dict[str, str | int]] = []
    for source_id in source_ids:
        quantity = str(form.get(f"q_{source_id}") or "").strip()
        if not quantity:
            continue
        row: dict[str, str | int] = {
            "source_id": source_id,
            "quantity": quantity[:40],
            "unit": str(form.get(f"unit_{source_id}") or "")[:16],
            "quality": str(form.get(f"quality_{source_id}") or "")[:16],
        }
        meter = str(form.get(f"meter_{source_id}") or "").strip()[:100]
        if meter:
            row["meter_ref"] = meter
        rows.append(row)
    if not rows:
        raise Invalid("请至少填写一个排放源的活动数据", "Enter the activity data of at least one source")
    return rows


@router.post("/inventory/enterprises/{enterprise_id:int}/entry")
async def enter_data(enterprise_id: EntityId, request: Request, session: SessionDep, user: WebUser) -> Response:
    form = await request.form()
    try:
        year = service.check_year(int(str(form.get("year") or "")))
    except ValueError as exc:
        raise Invalid("年度不正确", "The year is not valid") from exc
    sources = service.list_sources(session, user=user, enterprise_id=enterprise_id)
    rows = _typed_rows(form, [s.id for s in sources if s.id is not None])
    submit = bool(form.get("submit"))

    def run() -> int:
        submission = submissions.prepare(
            session, actor=user, enterprise_id=enterprise_id, year=year, month=None, rows=rows
        )
        if submit:
            submissions.submit(session, actor=user, submission_id=submission.id or 0)
        return submission.id or 0

    await run_in_threadpool(run)
    done = "submission_submitted" if submit else "submission_prepared"
    return see_other(f"/inventory/enterprises/{enterprise_id}?year={year}&done={done}")


@router.get("/inventory/enterprises/{enterprise_id:int}/workbook")
def download_workbook(enterprise_id: EntityId, session: SessionDep, user: WebUser, year: OptYear = None) -> Response:
    enterprise = service.get_enterprise(session, enterprise_id=enterprise_id, user=user)
    year = year or default_year()
    data = intake.blank_workbook(session, enterprise=enterprise, year=year)
    name = f"{enterprise.credit_code}-{year}-活动数据.xlsx"
    return Response(data, media_type=XLSX_MEDIA, headers={"Content-Disposition": storage.content_disposition(name)})


@router.post("/inventory/enterprises/{enterprise_id:int}/workbook")
async def import_workbook(
    enterprise_id: EntityId,
    session: SessionDep,
    user: WebUser,
    file: Annotated[UploadFile, File()],
    year: Annotated[int, Form(ge=1990, le=2100)],
) -> Response:
    service.get_enterprise(session, enterprise_id=enterprise_id, user=user)  # 404 before storing anything
    settings = get_settings()
    staged = await storage.stage_upload(file, max_bytes=settings.max_upload_bytes, tmp_dir=settings.tmp_dir)
    await run_in_threadpool(
        intake.import_workbook, session, actor=user, enterprise_id=enterprise_id, year=year, staged=staged
    )
    return see_other(f"/inventory/enterprises/{enterprise_id}?year={year}&done=submission_prepared")


# ---------------------------------------------------------------- boundary


@router.get("/inventory/boundary")
def boundary_page(request: Request, session: SessionDep, user: WebUser, year: OptYear = None) -> Response:
    service.require_park_reader(user)
    year = year or default_year()
    view = boundary_out(boundary.get_boundary(session, user=user, year=year))
    enterprises = service.list_enterprises(session, user=user)
    sources = {e.id: service.list_sources(session, user=user, enterprise_id=e.id or 0) for e in enterprises}
    return inv_page(
        request,
        "inventory_boundary.html",
        year=year,
        b=view,
        enterprises=enterprises,
        sources=sources,
        names=overview.enterprise_names(session, user.park_id),
        source_names=overview.source_names(session, user.park_id),
        may_manage=user.role == Role.coordinator,
    )


@router.post("/inventory/boundary")
async def set_boundary(request: Request, session: SessionDep, user: WebUser) -> Response:
    form = await request.form()
    try:
        year = service.check_year(int(str(form.get("year") or "")))
        source_ids = [int(str(value)) for value in form.getlist("source_id")]
    except ValueError as exc:
        raise Invalid("年度或排放源不正确", "The year or a source is not valid") from exc
    note = str(form.get("note") or "")[:4000]
    boundary.set_boundary(session, actor=user, year=year, source_ids=source_ids, note=note)
    return see_other(f"/inventory/boundary?year={year}&done=boundary_saved")
