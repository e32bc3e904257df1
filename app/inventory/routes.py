"""The inventory API under /api/inventory: thin routes over the inventory services."""

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, UploadFile
from fastapi.responses import JSONResponse, Response
from sqlalchemy import select
from sqlmodel import col
from starlette.concurrency import run_in_threadpool

from app.config import get_settings
from app.db import SessionDep
from app.deps import ClientAddress, CurrentUser, EntityId
from app.documents import storage
from app.errors import Invalid
from app.inventory import boundary, factor_import, factors, intake, queries, schemas, service, submissions
from app.inventory import export as inventory_export
from app.inventory.models import EmissionSource
from app.inventory.schemas import (
    AssignIn,
    BoundaryIn,
    CommentIn,
    DataSetIn,
    EconomicIn,
    EnterpriseIn,
    EnterpriseUpdate,
    FactorCorrection,
    FactorIn,
    RowsIn,
    SignIn,
    SourceIn,
    SourceUpdate,
    SubmissionIn,
)
from app.uploads.form import StagedFormRoute

router = APIRouter(prefix="/api/inventory", tags=["inventory"], route_class=StagedFormRoute)
Year = Annotated[int, Query(ge=1990, le=2100)]
Json = dict[str, Any]
XLSX_MEDIA = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


async def _stage(upload: UploadFile) -> storage.StagedFile:
    settings = get_settings()
    return await storage.stage_upload(upload, max_bytes=settings.max_upload_bytes, tmp_dir=settings.tmp_dir)


# ---------------------------------------------------------------- enterprises and sources


@router.get("/enterprises")
def list_enterprises(session: SessionDep, user: CurrentUser) -> list[Json]:
    return [schemas.enterprise_out(e) for e in service.list_enterprises(session, user=user)]


@router.post("/enterprises", status_code=201)
def create_enterprise(body: EnterpriseIn, session: SessionDep, user: CurrentUser) -> Json:
    return schemas.enterprise_out(service.create_enterprise(session, actor=user, **body.model_dump()))


@router.get("/enterprises/{enterprise_id}")
def get_enterprise(enterprise_id: EntityId, session: SessionDep, user: CurrentUser) -> Json:
    return schemas.enterprise_out(service.get_enterprise(session, enterprise_id=enterprise_id, user=user))


@router.patch("/enterprises/{enterprise_id}")
def update_enterprise(enterprise_id: EntityId, body: EnterpriseUpdate, session: SessionDep, user: CurrentUser) -> Json:
    enterprise = service.update_enterprise(
        session, actor=user, enterprise_id=enterprise_id, **body.model_dump(exclude_unset=True)
    )
    return schemas.enterprise_out(enterprise)


@router.delete("/enterprises/{enterprise_id}", status_code=204)
def delete_enterprise(enterprise_id: EntityId, session: SessionDep, user: CurrentUser) -> None:
    service.delete_enterprise(session, actor=user, enterprise_id=enterprise_id)


@router.put("/users/{user_id}/enterprise")
def assign_enterprise(user_id: EntityId, body: AssignIn, session: SessionDep, user: CurrentUser) -> Json:
    assigned = service.assign_contributor(session, actor=user, user_id=user_id, enterprise_id=body.enterprise_id)
    return {"user_id": assigned.id, "enterprise_id": assigned.enterprise_id}


@router.get("/enterprises/{enterprise_id}/sources")
def list_sources(enterprise_id: EntityId, session: SessionDep, user: CurrentUser) -> list[Json]:
    return [schemas.source_out(s) for s in service.list_sources(session, user=user, enterprise_id=enterprise_id)]


@router.post("/enterprises/{enterprise_id}/sources", status_code=201)
def create_source(enterprise_id: EntityId, body: SourceIn, session: SessionDep, user: CurrentUser) -> Json:
    source = service.create_source(session, actor=user, enterprise_id=enterprise_id, **body.model_dump())
    return schemas.source_out(source)


@router.patch("/sources/{source_id}")
def update_source(source_id: EntityId, body: SourceUpdate, session: SessionDep, user: CurrentUser) -> Json:
    source = service.update_source(session, actor=user, source_id=source_id, **body.model_dump(exclude_unset=True))
    return schemas.source_out(source)


@router.put("/enterprises/{enterprise_id}/economic/{year}")
def set_economic(enterprise_id: EntityId, year: int, body: EconomicIn, session: SessionDep, user: CurrentUser) -> Json:
    row = boundary.set_economic_data(
        session, actor=user, enterprise_id=enterprise_id, year=year, values=body.model_dump()
    )
    return schemas.economic_out(row)


# ---------------------------------------------------------------- boundary


@router.get("/boundaries/{year}")
def get_boundary(year: int, session: SessionDep, user: CurrentUser) -> Json:
    view = boundary.get_boundary(session, user=user, year=year)
    visible = service.visible_enterprise_ids(session, user)
    out = schemas.boundary_out(view)
    if visible is not None:  # a contributor sees its own enterprise's part of the boundary only
        own = set(visible)
        sources = {
            source_id
            for (source_id,) in session.execute(
                select(col(EmissionSource.id)).where(col(EmissionSource.enterprise_id).in_(own))
            ).all()
        }
        out["enterprise_ids"] = [e for e in out["enterprise_ids"] if e in own]
        out["source_ids"] = [s for s in out["source_ids"] if s in sources]
        out["changes"] = {
            key: [i for i in ids if i in (own if "enterprise" in key else sources)]
            for key, ids in out["changes"].items()
        }
    return out


@router.put("/boundaries/{year}")
def set_boundary(year: int, body: BoundaryIn, session: SessionDep, user: CurrentUser) -> Json:
    view = boundary.set_boundary(session, actor=user, year=year, source_ids=body.source_ids, note=body.note)
    return schemas.boundary_out(view)


# ---------------------------------------------------------------- factors


@router.get("/factor-sets")
def list_data_sets(session: SessionDep, user: CurrentUser) -> list[Json]:
    return [schemas.data_set_out(d) for d in factors.list_data_sets(session, user=user)]


@router.post("/factor-sets", status_code=201)
def create_data_set(body: DataSetIn, session: SessionDep, user: CurrentUser) -> Json:
    return schemas.data_set_out(factors.create_data_set(session, actor=user, **body.model_dump()))


@router.post("/factor-sets/import", status_code=201)
async def import_data_set(
    session: SessionDep,
    user: CurrentUser,
    file: Annotated[UploadFile, File()],
    code: Annotated[str, Form(min_length=1, max_length=64)],
    name: Annotated[str, Form(min_length=1, max_length=200)],
    source_document: Annotated[str, Form(max_length=4000)] = "",
) -> Json:
    service.require_manager(user, "factor_data_set")
    staged = await _stage(file)

    def run() -> Json:
        data_set, created = factor_import.import_data_set(
            session, actor=user, staged=staged, code=code, name=name, source_document=source_document
        )
        return schemas.data_set_out(data_set) | {"factors": [schemas.factor_out(session, f) for f in created]}

    return await run_in_threadpool(run)


@router.get("/factors")
def list_factors(session: SessionDep, user: CurrentUser, data_set_id: int | None = None) -> list[Json]:
    return [schemas.factor_out(session, f) for f in factors.list_factors(session, user=user, data_set_id=data_set_id)]


@router.post("/factor-sets/{data_set_id}/factors", status_code=201)
def add_factor(data_set_id: EntityId, body: FactorIn, session: SessionDep, user: CurrentUser) -> Json:
    factor = factors.add_factor(session, actor=user, data_set_id=data_set_id, values=body.model_dump())
    return schemas.factor_out(session, factor)


@router.get("/factors/{factor_id}")
def get_factor(factor_id: EntityId, session: SessionDep, user: CurrentUser) -> Json:
    return schemas.factor_out(session, factors.get_factor(session, factor_id=factor_id, user=user))


@router.post("/factors/{factor_id}/versions", status_code=201)
def correct_factor(factor_id: EntityId, body: FactorCorrection, session: SessionDep, user: CurrentUser) -> Json:
    values = body.model_dump(exclude_unset=True, exclude={"reason"})
    factor = factors.correct_factor(session, actor=user, factor_id=factor_id, values=values, reason=body.reason)
    return schemas.factor_out(session, factor)


@router.post("/factor-sets/{data_set_id}/evidence-factors", status_code=201)
async def add_factor_with_evidence(
    data_set_id: EntityId,
    session: SessionDep,
    user: CurrentUser,
    file: Annotated[UploadFile, File()],
    factor: Annotated[str, Form(max_length=20000)],
) -> Json:
    """A measured or supplier factor with its evidence file (test report, supplier statement)."""
    service.require_manager(user, "emission_factor")
    try:
        values = FactorIn.model_validate_json(factor).model_dump()
    except ValueError as exc:
        raise Invalid("因子数据格式不正确（JSON）", "The factor field is not valid JSON") from exc
    staged = await _stage(file)

    def run() -> Json:
        try:
            storage.store_blob(session, staged, blob_dir=get_settings().blob_dir)
            created = factors.add_factor(
                session,
                actor=user,
                data_set_id=data_set_id,
                values=values,
                evidence=(staged.sha256, staged.file_name),
            )
        finally:
            storage.discard(staged)
        return schemas.factor_out(session, created)

    return await run_in_threadpool(run)


# ---------------------------------------------------------------- submissions


@router.get("/submissions")
def list_submissions(
    session: SessionDep, user: CurrentUser, year: int | None = None, enterprise_id: int | None = None
) -> list[Json]:
    found = submissions.list_submissions(session, user=user, year=year, enterprise_id=enterprise_id)
    return [schemas.submission_out(session, s, with_rows=False) for s in found]


@router.post("/submissions", status_code=201)
def prepare_submission(body: SubmissionIn, session: SessionDep, user: CurrentUser) -> Json:
    submission = submissions.prepare(
        session,
        actor=user,
        enterprise_id=body.enterprise_id,
        year=body.year,
        month=body.month,
        rows=[row.model_dump() for row in body.rows],
        corrects_id=body.corrects_id,
        reason=body.reason,
    )
    return schemas.submission_out(session, submission)


@router.get("/submissions/{submission_id}")
def get_submission(submission_id: EntityId, session: SessionDep, user: CurrentUser) -> Json:
    return schemas.submission_out(session, submissions.get_submission(session, submission_id=submission_id, user=user))


@router.put("/submissions/{submission_id}/rows")
def replace_rows(submission_id: EntityId, body: RowsIn, session: SessionDep, user: CurrentUser) -> Json:
    rows = [row.model_dump() for row in body.rows]
    submission = submissions.replace_rows(session, actor=user, submission_id=submission_id, rows=rows)
    return schemas.submission_out(session, submission)


@router.post("/submissions/{submission_id}/evidence", status_code=201)
async def add_evidence(
    submission_id: EntityId,
    session: SessionDep,
    user: CurrentUser,
    file: Annotated[UploadFile, File()],
    source_id: Annotated[int | None, Form(ge=1, le=2_147_483_647)] = None,
) -> Json:
    submissions.get_submission(session, submission_id=submission_id, user=user)  # 404 before storing anything
    staged = await _stage(file)

    def run() -> Json:
        submissions.add_evidence(session, actor=user, submission_id=submission_id, staged=staged, source_id=source_id)
        return schemas.submission_out(
            session, submissions.get_submission(session, submission_id=submission_id, user=user)
        )

    return await run_in_threadpool(run)


@router.post("/submissions/{submission_id}/submit")
def submit(submission_id: EntityId, session: SessionDep, user: CurrentUser) -> Json:
    return schemas.submission_out(session, submissions.submit(session, actor=user, submission_id=submission_id))


@router.post("/submissions/{submission_id}/confirm")
def confirm(
    submission_id: EntityId, body: SignIn, session: SessionDep, user: CurrentUser, address: ClientAddress
) -> Json:
    submission = submissions.confirm(
        session,
        actor=user,
        submission_id=submission_id,
        password=body.password,
        comment=body.comment,
        client_address=address,
    )
    return schemas.submission_out(session, submission)


@router.post("/submissions/{submission_id}/reject")
def reject(submission_id: EntityId, body: CommentIn, session: SessionDep, user: CurrentUser) -> Json:
    submission = submissions.reject(session, actor=user, submission_id=submission_id, comment=body.comment)
    return schemas.submission_out(session, submission)


# ---------------------------------------------------------------- workbook


@router.get("/enterprises/{enterprise_id}/workbook")
def download_workbook(enterprise_id: EntityId, year: Year, session: SessionDep, user: CurrentUser) -> Response:
    enterprise = service.get_enterprise(session, enterprise_id=enterprise_id, user=user)
    data = intake.blank_workbook(session, enterprise=enterprise, year=year)
    name = f"{enterprise.credit_code}-{year}-活动数据.xlsx"
    return Response(data, media_type=XLSX_MEDIA, headers={"Content-Disposition": storage.content_disposition(name)})


@router.post("/enterprises/{enterprise_id}/workbook", status_code=201)
async def import_workbook(
    enterprise_id: EntityId,
    session: SessionDep,
    user: CurrentUser,
    file: Annotated[UploadFile, File()],
    year: Annotated[int, Form(ge=1990, le=2100)],
) -> Json:
    service.get_enterprise(session, enterprise_id=enterprise_id, user=user)  # 404 before storing anything
    staged = await _stage(file)

    def run() -> Json:
        submission = intake.import_workbook(session, actor=user, enterprise_id=enterprise_id, year=year, staged=staged)
        return schemas.submission_out(session, submission)

    return await run_in_threadpool(run)


# ---------------------------------------------------------------- results


@router.get("/years/{year}", response_model=Json)
def year_totals(year: int, session: SessionDep, user: CurrentUser) -> Response:
    service.check_year(year)
    service.require_park_reader(user)
    # Already plain JSON types (one entry per source of the park): rendered as is, not validated again by FastAPI.
    return JSONResponse(schemas.totals_out(queries.year_totals(session, user.park_id, year)))


@router.get("/years/{year}/trail")
def trail(
    year: int,
    session: SessionDep,
    user: CurrentUser,
    level: Annotated[str, Query(pattern="^(park|enterprise|category|scope|industry|source)$")] = "park",
    key: Annotated[str, Query(max_length=100)] = "park",
) -> Json:
    service.check_year(year)
    service.require_park_reader(user)
    return schemas.trail_out(queries.trail(session, user.park_id, year, level, key))


@router.get("/years/{year}/export")
def export_year(year: int, session: SessionDep, user: CurrentUser) -> Response:
    service.check_year(year)
    service.require_park_reader(user)
    data = inventory_export.inventory_workbook(session, user.park_id, year)
    name = f"碳排放清单-{year}.xlsx"
    return Response(data, media_type=XLSX_MEDIA, headers={"Content-Disposition": storage.content_disposition(name)})


@router.get("/years/{year}/missing")
def missing(year: int, session: SessionDep, user: CurrentUser) -> list[Json]:
    service.check_year(year)
    service.require_park_reader(user)
    return queries.missing_enterprises(session, user.park_id, year)
