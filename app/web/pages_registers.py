"""The registers' pages (/registers/…): a list and a form per register, and the actions of some rows. Thin like the
API: the same service functions and the same row shapes (app/registers/schemas.py)."""

from math import ceil
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from app.config import get_settings
from app.db import SessionDep
from app.deps import EntityId
from app.documents import storage
from app.errors import Invalid
from app.registers import compliance, histories, lifecycle, publish, reading, schemas, service, sheets
from app.registers.lifecycle import RequirementAction
from app.registers.models import ComplianceResultValue, ReviewState
from app.registers.specs import SPECS, RegisterKind
from app.uploads.form import StagedFormRoute
from app.web.common import WebUser, render, see_other
from app.web.pages_audits import OptDate, Short, Text, _day, _id

router = APIRouter(route_class=StagedFormRoute)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PER_PAGE = 50


def _may_edit(user: Any) -> bool:
    return user.role in lifecycle.EDITORS


def _body(kind: RegisterKind, form: FormData, *, partial: bool) -> dict[str, Any]:
    """A row body from a form, as the API takes it; `service.parse_body` then checks it the same way."""
    body: dict[str, Any] = {}
    for column in SPECS[kind].editable:
        if partial and column.create_only:
            continue
        if column.type == "bool":
            body[column.name] = form.get(column.name) == "on"
            continue
        if column.type == "multi":
            body[column.name] = [str(v) for v in form.getlist(column.name)]
            continue
        raw = str(form.get(column.name) or "").strip()
        if column.name not in form:
            continue
        if column.type == "ids":
            body[column.name] = [_id(part) for part in raw.replace("，", ",").split(",") if part.strip()]
        elif column.type in ("int", "enterprise", "source", "document", "party"):
            if raw and not raw.isdigit():
                raise Invalid(f"“{column.zh}”应为整数", f"“{column.en}” takes a whole number")
            body[column.name] = int(raw) if raw else None
        elif column.type in ("date", "enum"):
            body[column.name] = raw or None
        else:
            body[column.name] = raw
    if not partial:
        body = {k: v for k, v in body.items() if v is not None}
    return body


@router.get("/registers")
def registers_page(request: Request, session: SessionDep, user: WebUser) -> Response:
    kinds = reading.visible_kinds(user)
    settings = reading.open_registers(session, user) if RegisterKind.risks in kinds else None
    return render(
        request,
        "registers_index.html",
        section="registers",
        kinds=kinds,
        specs=SPECS,
        settings=settings,
        may_edit=_may_edit(user),
    )


@router.post("/registers/settings")
def save_settings(
    session: SessionDep,
    user: WebUser,
    compliance_interval_months: Annotated[int, Form(ge=1, le=60)],
    risk_medium_from: Annotated[int, Form(ge=1, le=25)],
    risk_high_from: Annotated[int, Form(ge=1, le=25)],
    risk_criteria: Text = "",
) -> Response:
    values = {
        "compliance_interval_months": compliance_interval_months,
        "risk_medium_from": risk_medium_from,
        "risk_high_from": risk_high_from,
        "risk_criteria": risk_criteria,
    }
    service.update_settings(session, actor=user, values=values)
    return see_other("/registers?done=saved")


# ---------------------------------------------------------------- compliance evaluation


@router.get("/registers/compliance")
def rounds_page(request: Request, session: SessionDep, user: WebUser) -> Response:
    rounds = [schemas.round_out(r) for r in compliance.list_rounds(session, user=user)]
    return render(request, "registers_rounds.html", section="registers", rounds=rounds, may_edit=_may_edit(user))


@router.post("/registers/compliance")
def create_round(
    session: SessionDep, user: WebUser, title: Short, period_start: OptDate, period_end: OptDate
) -> Response:
    start = _day(period_start, "开始日期", "The start date")
    end = _day(period_end, "结束日期", "The end date")
    if start is None or end is None:
        raise Invalid("请填写评价期间", "The period is required")
    round_ = compliance.create_round(session, actor=user, title=title, period_start=start, period_end=end)
    return see_other(f"/registers/compliance/{round_.id}")


@router.get("/registers/compliance/{round_id:int}")
def round_page(round_id: EntityId, request: Request, session: SessionDep, user: WebUser) -> Response:
    round_ = compliance.get_round(session, user=user, round_id=round_id)
    results = {r.requirement_id: schemas.result_out(r) for r in compliance.results_of(session, round_id)}
    confirmed = reading.list_rows(
        session, user=user, kind=RegisterKind.legal, filters={"state": ReviewState.confirmed}, per_page=200
    )
    return render(
        request,
        "registers_round.html",
        section="registers",
        r=schemas.round_out(round_),
        requirements=[schemas.row_out(RegisterKind.legal, x) for x in confirmed.rows],
        results=results,
        values=[v.value for v in ComplianceResultValue],
        actions=lifecycle.round_allowed_actions(round_, user),
        may_edit=_may_edit(user),
    )


@router.post("/registers/compliance/{round_id:int}/results/{requirement_id:int}")
def record_result(
    round_id: EntityId,
    requirement_id: EntityId,
    session: SessionDep,
    user: WebUser,
    result: Annotated[ComplianceResultValue, Form()],
    evidence: Text = "",
) -> Response:
    compliance.record_result(
        session, actor=user, round_id=round_id, requirement_id=requirement_id, result=result, evidence=evidence
    )
    return see_other(f"/registers/compliance/{round_id}?done=saved")


@router.post("/registers/compliance/{round_id:int}/close")
def close_round(round_id: EntityId, session: SessionDep, user: WebUser, conclusion: Text = "") -> Response:
    compliance.close_round(session, actor=user, round_id=round_id, conclusion=conclusion)
    return see_other(f"/registers/compliance/{round_id}?done=saved")


@router.post("/registers/compliance/{round_id:int}/report")
def file_report(round_id: EntityId, session: SessionDep, user: WebUser) -> Response:
    round_ = compliance.file_report(session, actor=user, round_id=round_id)
    return see_other(f"/records/{round_.report_document_id}")


# ---------------------------------------------------------------- any register


@router.get("/registers/{kind}")
def list_page(
    kind: RegisterKind, request: Request, session: SessionDep, user: WebUser, q: str = "", page: int = 1
) -> Response:
    q = q[:200]
    result = reading.list_rows(session, user=user, kind=kind, q=q, page=max(1, min(page, 100_000)), per_page=PER_PAGE)
    return render(
        request,
        "registers_list.html",
        section="registers",
        kind=kind,
        spec=SPECS[kind],
        columns=schemas.columns_out(kind),
        rows=[schemas.row_out(kind, r, user) for r in result.rows],
        total=result.total,
        page=result.page,
        pages=max(1, ceil(result.total / PER_PAGE)),
        params={"q": q} if q else {},
        q=q,
        may_edit=_may_edit(user),
        snapshots=[schemas.snapshot_out(s) for s in publish.list_snapshots(session, user=user, kind=kind)][:10],
    )


@router.post("/registers/{kind}")
async def create_row(kind: RegisterKind, request: Request, session: SessionDep, user: WebUser) -> Response:
    body = _body(kind, await request.form(), partial=False)
    row = service.create_row(session, actor=user, kind=kind, body=body)
    return see_other(f"/registers/{kind}/{row.id}?done=saved")


@router.post("/registers/{kind}/import")
async def import_rows(
    kind: RegisterKind, session: SessionDep, user: WebUser, file: Annotated[UploadFile, File()]
) -> Response:
    settings = get_settings()
    staged = await storage.stage_upload(file, max_bytes=settings.max_upload_bytes, tmp_dir=settings.tmp_dir)
    try:
        if staged.media_type != XLSX:
            raise Invalid("请上传 .xlsx 文件", "Upload an .xlsx file")
        content = staged.temp_path.read_bytes()
    finally:
        storage.discard(staged)
    await run_in_threadpool(sheets.import_rows, session, actor=user, kind=kind, content=content)
    return see_other(f"/registers/{kind}?done=saved")


@router.post("/registers/{kind}/publish")
def publish_register(kind: RegisterKind, session: SessionDep, user: WebUser, change_reason: Short = "") -> Response:
    snapshot = publish.publish(session, actor=user, kind=kind, change_reason=change_reason)
    return see_other(f"/documents/{snapshot.document_id}")


@router.get("/registers/{kind}/snapshots/diff")
def diff_page(
    kind: RegisterKind, request: Request, session: SessionDep, user: WebUser, from_id: int = 0, to_id: int = 0
) -> Response:
    if not (1 <= from_id <= 2_147_483_647 and 1 <= to_id <= 2_147_483_647):
        raise Invalid("请选择两个快照", "Choose two snapshots")
    changes = publish.diff(session, user=user, kind=kind, from_id=from_id, to_id=to_id)
    return render(
        request, "registers_diff.html", section="registers", kind=kind, columns=schemas.columns_out(kind), d=changes
    )


@router.get("/registers/{kind}/{row_id:int}")
def row_page(kind: RegisterKind, row_id: EntityId, request: Request, session: SessionDep, user: WebUser) -> Response:
    row = reading.get_row(session, user=user, kind=kind, row_id=row_id)
    history = (
        [schemas.assessment_out(e) for e in histories.risk_history(session, user=user, risk_id=row_id)]
        if kind == RegisterKind.risks
        else []
    )
    return render(
        request,
        "registers_row.html",
        section="registers",
        kind=kind,
        columns=schemas.columns_out(kind),
        row=schemas.row_out(kind, row, user),
        history=history,
        may_edit=_may_edit(user),
    )


@router.post("/registers/{kind}/{row_id:int}")
async def update_row(
    kind: RegisterKind, row_id: EntityId, request: Request, session: SessionDep, user: WebUser
) -> Response:
    body = _body(kind, await request.form(), partial=True)
    service.update_row(session, actor=user, kind=kind, row_id=row_id, body=body)
    return see_other(f"/registers/{kind}/{row_id}?done=saved")


@router.post("/registers/{kind}/{row_id:int}/delete")
def delete_row(kind: RegisterKind, row_id: EntityId, session: SessionDep, user: WebUser) -> Response:
    service.delete_row(session, actor=user, kind=kind, row_id=row_id)
    return see_other(f"/registers/{kind}?done=saved")


@router.post("/registers/legal/{row_id:int}/review")
def review_requirement(
    row_id: EntityId,
    session: SessionDep,
    user: WebUser,
    action: Annotated[RequirementAction, Form()],
    reason: Text = "",
) -> Response:
    service.review_requirement(session, actor=user, requirement_id=row_id, action=action, reason=reason)
    return see_other(f"/registers/legal/{row_id}?done=saved")


@router.post("/registers/risks/{row_id:int}/assess")
def assess_risk(
    row_id: EntityId,
    session: SessionDep,
    user: WebUser,
    likelihood: Annotated[int, Form(ge=1, le=5)],
    consequence: Annotated[int, Form(ge=1, le=5)],
    note: Text = "",
) -> Response:
    histories.assess_risk(
        session, actor=user, risk_id=row_id, likelihood=likelihood, consequence=consequence, note=note
    )
    return see_other(f"/registers/risks/{row_id}?done=saved")


@router.post("/registers/equipment/{row_id:int}/calibrate")
def calibrate(row_id: EntityId, session: SessionDep, user: WebUser, calibrated_on: OptDate) -> Response:
    day = _day(calibrated_on, "校准日期", "The calibration date")
    if day is None:
        raise Invalid("请填写校准日期", "The calibration date is required")
    histories.record_calibration(
        session, actor=user, equipment_id=row_id, calibrated_on=day, certificate_document_id=None
    )
    return see_other(f"/registers/equipment/{row_id}?done=saved")
