"""REST API: /api/registers/… (5.2, 7.6, 8.2, 8.3, 10.1.1, 10.1.2). Thin: parse, call, shape."""

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Body, File, Query, Request, Response, UploadFile
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from app.config import get_settings
from app.db import SessionDep
from app.deps import CurrentUser, EntityId
from app.documents import storage
from app.errors import Invalid
from app.labels import label_pair
from app.nonconformities.models import Severity
from app.registers import compliance, histories, publish, reading, schemas, service, sheets
from app.registers.lifecycle import RequirementAction
from app.registers.models import ComplianceResultValue
from app.registers.specs import SPECS, RegisterKind
from app.uploads.form import StagedFormRoute

router = APIRouter(prefix="/api/registers", tags=["registers"], route_class=StagedFormRoute)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
Text = Annotated[str, Field(max_length=10_000)]
Score = Annotated[int, Field(ge=1, le=5)]
_RESERVED_QUERY = {"q", "page", "per_page"}


class ReasonIn(BaseModel):
    reason: Text = ""


class AssessIn(BaseModel):
    likelihood: Score
    consequence: Score
    note: Text = ""
    assessed_on: date | None = None
    review_date: date | None = None


class CalibrationIn(BaseModel):
    calibrated_on: date
    certificate_document_id: Annotated[int, Field(ge=1, le=2_147_483_647)] | None = None


class SettingsIn(BaseModel):
    compliance_interval_months: Annotated[int, Field(ge=1, le=60)] | None = None
    risk_review_interval_months: Annotated[int, Field(ge=1, le=60)] | None = None
    risk_criteria: Text | None = None
    risk_medium_from: Annotated[int, Field(ge=1, le=25)] | None = None
    risk_high_from: Annotated[int, Field(ge=1, le=25)] | None = None


class RoundIn(BaseModel):
    title: Annotated[str, Field(min_length=1, max_length=200)]
    period_start: date
    period_end: date


class ResultIn(BaseModel):
    result: ComplianceResultValue
    evidence: Text = ""
    evaluated_on: date | None = None
    severity: Severity = Severity.minor


class CloseIn(BaseModel):
    conclusion: Text = ""


class PublishIn(BaseModel):
    change_reason: Annotated[str, Field(max_length=500)] = ""


def _settings_out(settings: Any) -> dict[str, Any]:
    names = ("compliance_interval_months", "risk_review_interval_months", "risk_criteria")
    return {name: getattr(settings, name) for name in (*names, "risk_medium_from", "risk_high_from")}


# ---------------------------------------------------------------- the registers, their settings


@router.get("")
def list_registers(session: SessionDep, user: CurrentUser) -> list[dict[str, Any]]:
    return [
        {"kind": str(kind), "doc_type": SPECS[kind].doc_type, "columns": schemas.columns_out(kind)}
        for kind in reading.visible_kinds(user)
    ]


@router.get("/settings")
def get_settings_(session: SessionDep, user: CurrentUser) -> dict[str, Any]:
    reading.require_reader(user, SPECS[RegisterKind.risks])
    return _settings_out(reading.open_registers(session, user))


@router.put("/settings")
def put_settings(body: SettingsIn, session: SessionDep, user: CurrentUser) -> dict[str, Any]:
    values = body.model_dump(exclude_none=True)
    return _settings_out(service.update_settings(session, actor=user, values=values))


# ---------------------------------------------------------------- compliance evaluation (10.1.2)


@router.get("/compliance/rounds")
def list_rounds(session: SessionDep, user: CurrentUser) -> list[dict[str, Any]]:
    return [schemas.round_out(r) for r in compliance.list_rounds(session, user=user)]


@router.post("/compliance/rounds", status_code=201)
def create_round(body: RoundIn, session: SessionDep, user: CurrentUser) -> dict[str, Any]:
    round_ = compliance.create_round(
        session, actor=user, title=body.title, period_start=body.period_start, period_end=body.period_end
    )
    return schemas.round_out(round_, [])


@router.get("/compliance/rounds/{round_id}")
def get_round(round_id: EntityId, session: SessionDep, user: CurrentUser) -> dict[str, Any]:
    round_ = compliance.get_round(session, user=user, round_id=round_id)
    return schemas.round_out(round_, compliance.results_of(session, round_id))


@router.put("/compliance/rounds/{round_id}/results/{requirement_id}")
def record_result(
    round_id: EntityId, requirement_id: EntityId, body: ResultIn, session: SessionDep, user: CurrentUser
) -> dict[str, Any]:
    result = compliance.record_result(
        session,
        actor=user,
        round_id=round_id,
        requirement_id=requirement_id,
        result=body.result,
        evidence=body.evidence,
        evaluated_on=body.evaluated_on,
        severity=body.severity,
    )
    return schemas.result_out(result)


@router.post("/compliance/rounds/{round_id}/close")
def close_round(round_id: EntityId, body: CloseIn, session: SessionDep, user: CurrentUser) -> dict[str, Any]:
    round_ = compliance.close_round(session, actor=user, round_id=round_id, conclusion=body.conclusion)
    return schemas.round_out(round_, compliance.results_of(session, round_id))


@router.get("/compliance/rounds/{round_id}/report.docx")
def preview_report(round_id: EntityId, session: SessionDep, user: CurrentUser) -> Response:
    round_ = compliance.get_round(session, user=user, round_id=round_id)
    content = compliance.report_docx(session, round_)
    disposition = storage.content_disposition(f"合规性评价报告-{round_.period_end.isoformat()}.docx")
    return Response(content, media_type=DOCX, headers={"Content-Disposition": disposition})


@router.post("/compliance/rounds/{round_id}/report")
def file_report(round_id: EntityId, session: SessionDep, user: CurrentUser) -> dict[str, Any]:
    return schemas.round_out(compliance.file_report(session, actor=user, round_id=round_id))


# ---------------------------------------------------------------- row actions of particular registers


@router.post("/legal/{requirement_id}/{action}")
def review_requirement(
    requirement_id: EntityId,
    action: RequirementAction,
    session: SessionDep,
    user: CurrentUser,
    body: ReasonIn | None = None,
) -> dict[str, Any]:
    requirement = service.review_requirement(
        session, actor=user, requirement_id=requirement_id, action=action, reason=body.reason if body else ""
    )
    return schemas.row_out(RegisterKind.legal, requirement, user)


@router.post("/risks/{risk_id}/assess")
def assess_risk(risk_id: EntityId, body: AssessIn, session: SessionDep, user: CurrentUser) -> dict[str, Any]:
    risk = histories.assess_risk(
        session,
        actor=user,
        risk_id=risk_id,
        likelihood=body.likelihood,
        consequence=body.consequence,
        note=body.note,
        assessed_on=body.assessed_on,
        review_date=body.review_date,
    )
    return schemas.row_out(RegisterKind.risks, risk)


@router.get("/risks/{risk_id}/history")
def risk_history(risk_id: EntityId, session: SessionDep, user: CurrentUser) -> list[dict[str, Any]]:
    return [schemas.assessment_out(e) for e in histories.risk_history(session, user=user, risk_id=risk_id)]


@router.post("/equipment/{equipment_id}/calibrate")
def calibrate(equipment_id: EntityId, body: CalibrationIn, session: SessionDep, user: CurrentUser) -> dict[str, Any]:
    equipment = histories.record_calibration(
        session,
        actor=user,
        equipment_id=equipment_id,
        calibrated_on=body.calibrated_on,
        certificate_document_id=body.certificate_document_id,
    )
    return schemas.row_out(RegisterKind.equipment, equipment)


# ---------------------------------------------------------------- any register: rows, files, snapshots


@router.get("/{kind}")
def list_rows(
    kind: RegisterKind,
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    q: Annotated[str, Query(max_length=200)] = "",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=200)] = 50,
) -> dict[str, Any]:
    filters = {k: v for k, v in request.query_params.items() if k not in _RESERVED_QUERY}
    result = reading.list_rows(session, user=user, kind=kind, q=q, filters=filters, page=page, per_page=per_page)
    return {
        "rows": [schemas.row_out(kind, r, user) for r in result.rows],
        "total": result.total,
        "page": result.page,
        "per_page": result.per_page,
    }


@router.post("/{kind}", status_code=201)
def create_row(
    kind: RegisterKind, session: SessionDep, user: CurrentUser, body: Annotated[dict[str, Any], Body()]
) -> dict[str, Any]:
    return schemas.row_out(kind, service.create_row(session, actor=user, kind=kind, body=body), user)


@router.get("/{kind}/export.xlsx")
def export_xlsx(kind: RegisterKind, session: SessionDep, user: CurrentUser) -> Response:
    rows = publish.all_rows(session, user=user, kind=kind)
    zh, en = label_pair("register", kind)
    content = sheets.xlsx_bytes(SPECS[kind], rows, title=f"{zh} / {en}")
    return Response(
        content, media_type=XLSX, headers={"Content-Disposition": storage.content_disposition(f"{kind}.xlsx")}
    )


@router.post("/{kind}/import")
async def import_xlsx(
    kind: RegisterKind, session: SessionDep, user: CurrentUser, file: Annotated[UploadFile, File()]
) -> dict[str, Any]:
    settings = get_settings()
    staged = await storage.stage_upload(file, max_bytes=settings.max_upload_bytes, tmp_dir=settings.tmp_dir)
    try:
        if staged.media_type != XLSX:
            raise Invalid("请上传 .xlsx 文件", "Upload an .xlsx file")
        content = staged.temp_path.read_bytes()
    finally:
        storage.discard(staged)
    count = await run_in_threadpool(sheets.import_rows, session, actor=user, kind=kind, content=content)
    return {"imported": count}


@router.post("/{kind}/publish", status_code=201)
def publish_register(
    kind: RegisterKind, session: SessionDep, user: CurrentUser, body: PublishIn | None = None
) -> dict[str, Any]:
    snapshot = publish.publish(session, actor=user, kind=kind, change_reason=body.change_reason if body else "")
    return schemas.snapshot_out(snapshot)


@router.get("/{kind}/snapshots")
def list_snapshots(kind: RegisterKind, session: SessionDep, user: CurrentUser) -> list[dict[str, Any]]:
    return [schemas.snapshot_out(s) for s in publish.list_snapshots(session, user=user, kind=kind)]


@router.get("/{kind}/snapshots/diff")
def snapshot_diff(
    kind: RegisterKind,
    session: SessionDep,
    user: CurrentUser,
    from_id: Annotated[int, Query(alias="from", ge=1, le=2_147_483_647)],
    to_id: Annotated[int, Query(alias="to", ge=1, le=2_147_483_647)],
) -> dict[str, Any]:
    return publish.diff(session, user=user, kind=kind, from_id=from_id, to_id=to_id)


@router.get("/{kind}/snapshots/{snapshot_id}/xlsx")
def snapshot_xlsx(kind: RegisterKind, snapshot_id: EntityId, session: SessionDep, user: CurrentUser) -> Response:
    snapshot = publish.get_snapshot(session, user=user, kind=kind, snapshot_id=snapshot_id)
    path = storage.open_blob(get_settings().blob_dir, snapshot.xlsx_sha256)
    return Response(
        path.read_bytes(),
        media_type=XLSX,
        headers={"Content-Disposition": storage.content_disposition(f"{kind}-{snapshot_id}.xlsx")},
    )


@router.get("/{kind}/{row_id}")
def get_row(kind: RegisterKind, row_id: EntityId, session: SessionDep, user: CurrentUser) -> dict[str, Any]:
    return schemas.row_out(kind, reading.get_row(session, user=user, kind=kind, row_id=row_id), user)


@router.patch("/{kind}/{row_id}")
def update_row(
    kind: RegisterKind,
    row_id: EntityId,
    session: SessionDep,
    user: CurrentUser,
    body: Annotated[dict[str, Any], Body()],
) -> dict[str, Any]:
    return schemas.row_out(kind, service.update_row(session, actor=user, kind=kind, row_id=row_id, body=body), user)


@router.delete("/{kind}/{row_id}", status_code=204)
def delete_row(kind: RegisterKind, row_id: EntityId, session: SessionDep, user: CurrentUser) -> Response:
    service.delete_row(session, actor=user, kind=kind, row_id=row_id)
    return Response(status_code=204)
