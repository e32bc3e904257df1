"""Reports and exports: thin routes over render, review_report, exports, oscal and the controlled copies.

Every route but the download is a sync `def`: FastAPI runs it in the threadpool, so building a large package never
blocks the event loop (and the server's other requests). The download is `async` so that it can give up its
admission slot while a controlled copy is stamped for it (app/reports/copy_cache.py).
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import FileResponse, Response
from pydantic import BaseModel, Field
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool

from app import timezones
from app.admission import release_slot
from app.config import get_settings
from app.db import SessionDep
from app.deps import CurrentUser, EntityId, require_role
from app.documents import detail_queries, queries, storage
from app.documents.models import AccessLevel
from app.documents.schemas import RecordPublic, RevisionPublic
from app.parks.queries import park_time_zone
from app.reports import access, copy_cache, exports, oscal, render, review_report
from app.reports.register import register_csv, register_rows, register_xlsx
from app.users.models import Park, Role, User

router = APIRouter(prefix="/api", tags=["reports"])

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# The role sets live in app/reports/access.py, which the reports page reads too (one rule, two uses).
Exporter = Annotated[User, Depends(require_role(*access.EXPORTERS))]
Reviewer = Annotated[User, Depends(require_role(*access.REVIEWERS))]
Drafter = Annotated[User, Depends(require_role(*access.DRAFTERS))]
Coordinator = Annotated[User, Depends(require_role(Role.coordinator))]
Year = Annotated[int, Query(ge=review_report.MIN_YEAR, le=review_report.MAX_YEAR)]


def _attachment(content: bytes, media_type: str, filename: str) -> Response:
    return Response(
        content, media_type=media_type, headers={"Content-Disposition": storage.content_disposition(filename)}
    )


@router.get("/revisions/{revision_id}/file")
async def download(
    revision_id: EntityId, request: Request, session: SessionDep, user: CurrentUser, original: bool = False
) -> FileResponse:
    """The controlled copy (受控标识 stamped, 8.4 b)); `?original=true` gives the stored bytes and their SHA-256.

    The copy is stamped on its first download and served from the store afterwards.
    """
    plan = await run_in_threadpool(
        copy_cache.plan_download, session, user=user, revision_id=revision_id, original=original
    )
    headers = {"Content-Disposition": storage.content_disposition(plan.file_name), "X-Content-Type-Options": "nosniff"}
    sha256 = plan.original.name
    if plan.job is None:
        kind = "original" if original else "not-marked"
        headers |= {"X-Controlled-Copy": kind, "X-Content-SHA256": sha256}
        return FileResponse(plan.original, media_type=plan.media_type, headers=headers)
    copy = plan.copy
    if copy is None:
        # Nothing left for this request's session to read: the slot goes to the next request while we wait.
        await run_in_threadpool(session.close)
        release_slot(request)
        copy = await copy_cache.queue_for_loop().obtain(plan.job)
    headers |= {"X-Controlled-Copy": copy.status, "X-Original-SHA256": sha256, "X-Copy-SHA256": copy.sha256}
    if copy.external_links_removed:
        headers["X-External-Links-Removed"] = str(copy.external_links_removed)
    return FileResponse(copy.path, media_type=plan.media_type, headers=headers)


class TemplateRevisionIn(BaseModel):
    change_reason: str = Field(default="", max_length=4000)


@router.post("/documents/{document_id}/revisions/from-template", response_model=RevisionPublic, status_code=201)
def revision_from_template(
    document_id: EntityId, session: SessionDep, user: Drafter, body: TemplateRevisionIn | None = None
) -> RevisionPublic:
    """由模板生成草稿版本 / a draft revision rendered from the document type's template."""
    revision = render.create_revision_from_template(session, user, document_id, body.change_reason if body else "")
    return detail_queries.revision_out(session, revision, user)


@router.get("/reports/review")
def review_report_docx(session: SessionDep, user: Reviewer, year: Year) -> Response:
    """碳排放管理体系评审报告（附录 B）/ the Annex B review report of a year, pre-filled from live data."""
    content = review_report.build_report(session, user=user, year=year)
    park = session.get_one(Park, user.park_id)
    return _attachment(content, DOCX, review_report.report_filename(park, year))


@router.post("/reports/review/register", response_model=RecordPublic, status_code=201)
def register_review_report(session: SessionDep, user: Coordinator, year: Year) -> RecordPublic:
    """把生成的评审报告登记为《产业园区碳评审报告》草稿记录 / file the report as a draft CARBON_REVIEW_REPORT record."""
    document, revision = review_report.register_report(session, actor=user, year=year)
    return detail_queries.record_public(session, document, revision)


class RegisterFilters(BaseModel):
    """The filters of GET /api/documents."""

    doc_type: str | None = Field(default=None, alias="type", max_length=48)
    clause: str | None = Field(default=None, max_length=16)
    state: str | None = Field(default=None, max_length=16)
    owner_unit: str | None = Field(default=None, max_length=200)
    access_level: AccessLevel | None = None
    kind: str | None = Field(default=None, pattern="^(document|record)$")
    q: str | None = Field(default=None, max_length=200)
    sort: str = Field(default="control_no", pattern="^-?(control_no|title|created_at|doc_type|owner_unit)$")

    def to_filters(self) -> queries.DocumentFilters:
        return queries.DocumentFilters(
            doc_type=self.doc_type,
            clause=self.clause,
            state=self.state,
            owner_unit=self.owner_unit,
            access_level=self.access_level,
            kind=self.kind,
            q=self.q,
            sort=self.sort.lstrip("-"),
            descending=self.sort.startswith("-"),
        )


Filters = Annotated[RegisterFilters, Query()]


def _register_name(user: User, session: SessionDep, suffix: str) -> str:
    park = session.get_one(Park, user.park_id)
    return f"{park.code}_文件和记录清单_{timezones.today(park_time_zone(session, user.park_id))}.{suffix}"


@router.get("/exports/register.xlsx")
def export_register_xlsx(session: SessionDep, user: Exporter, filters: Filters) -> Response:
    """文件和记录清单（Excel）/ the document register as .xlsx."""
    rows = register_rows(session, user=user, filters=filters.to_filters())
    park = session.get_one(Park, user.park_id)
    zone = park_time_zone(session, user.park_id)
    return _attachment(register_xlsx(rows, park_name=park.name, zone=zone), XLSX, _register_name(user, session, "xlsx"))


@router.get("/exports/register.csv")
def export_register_csv(session: SessionDep, user: Exporter, filters: Filters) -> Response:
    """文件和记录清单（CSV，UTF-8 BOM）/ the document register as .csv."""
    rows = register_rows(session, user=user, filters=filters.to_filters())
    return _attachment(register_csv(rows), "text/csv; charset=utf-8", _register_name(user, session, "csv"))


@router.get("/exports/evidence")
def export_evidence(
    session: SessionDep, user: Exporter, scope: Annotated[str, Query(max_length=16)] = "all"
) -> FileResponse:
    """证据包（受控副本、index.html、manifest.json、就绪度快照）/ an evidence package (clause, chapter or all)."""
    parsed = exports.parse_scope(session, scope)
    settings = get_settings()
    settings.tmp_dir.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(dir=settings.tmp_dir, prefix="evidence-"))
    try:
        target = folder / "package.zip"
        exports.build_evidence_package(session, user=user, scope=parsed, target=target)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    park = session.get_one(Park, user.park_id)
    name = f"{park.code}_证据包_{parsed.value}_{timezones.today(park_time_zone(session, user.park_id))}.zip"
    return FileResponse(
        target,
        media_type="application/zip",
        headers={"Content-Disposition": storage.content_disposition(name)},
        background=BackgroundTask(shutil.rmtree, folder, ignore_errors=True),
    )


@router.get("/exports/oscal/catalog.json")
def oscal_catalog(session: SessionDep, user: Reviewer) -> dict[str, Any]:
    """条款映射的 OSCAL 目录 / the clause map as an OSCAL 1.1 catalog."""
    return oscal.catalog(session)


@router.get("/exports/oscal/assessment-results.json")
def oscal_assessment_results(session: SessionDep, user: Reviewer) -> dict[str, Any]:
    """就绪度的 OSCAL 评估结果 / the park's readiness as OSCAL 1.1 assessment results."""
    return oscal.assessment_results(session, user=user)
