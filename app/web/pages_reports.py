"""报告与导出 (reports and exports) and "按模板起草" (a draft from the type's template).

The reports page links the API's own report and export endpoints (cookie auth, GET): plain links work without
JavaScript; with it, /static/reports.js fetches the file with a spinner and a live status, then saves it. It offers
only what the services let this user make (app.reports.access, app.audits.common.READERS).
"""

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import Response

from app.archival import export_check
from app.archival.access import may_check
from app.audits import service as audits
from app.audits.schemas import audit_summary
from app.clauses import queries as clause_queries
from app.common import utcnow
from app.db import SessionDep
from app.deps import EntityId
from app.documents import storage
from app.documents.models import AccessLevel
from app.errors import Forbidden
from app.events.refusals import Rule, refusal
from app.nonconformities import service as nonconformities
from app.nonconformities.schemas import nc_summary
from app.readiness.service import READINESS_CHAPTERS
from app.reports import access
from app.reports import render as templates
from app.reports.review_report import MAX_YEAR, MIN_YEAR
from app.reviews import service as reviews
from app.reviews.schemas import review_summary
from app.web.common import WebUser, render, see_other

router = APIRouter()

# How many past years the Annex B report's year list offers (any year in range can still be typed in the API).
YEARS_SHOWN = 6
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@router.get("/reports")
def reports_page(request: Request, session: SessionDep, user: WebUser) -> Response:
    if not access.may_open_reports_page(user):
        raise Forbidden(
            "您的角色没有可生成的报告或导出",
            "Your role has no report or export to make",
            audit=refusal(user, Rule.role, "route", "GET /reports"),
        )
    this_year = utcnow().year
    system = access.may_read_system_reports(user)
    audit_reports = access.may_read_audit_reports(user)
    return render(
        request,
        "reports.html",
        section="reports",
        may_export=access.may_export(user),
        may_system=system,
        may_audit_reports=audit_reports,
        years=[year for year in range(this_year, this_year - YEARS_SHOWN, -1) if MIN_YEAR <= year <= MAX_YEAR],
        chapters=READINESS_CHAPTERS,
        clause_list=[clause for clause in clause_queries.list_clauses(session) if clause.chapter in READINESS_CHAPTERS],
        audits=[audit_summary(a) for a in audits.list_audits(session, user=user)] if audit_reports else [],
        nonconformities=(
            [nc_summary(session, nc) for nc in nonconformities.list_nonconformities(session, user=user)]
            if audit_reports
            else []
        ),
        reviews=[review_summary(r) for r in reviews.list_reviews(session, user=user)] if audit_reports else [],
        last_export_check=export_check.latest_export_check(session, park_id=user.park_id) if may_check(user) else None,
    )


@router.post("/documents/{document_id:int}/from-template")
def draft_from_template(
    document_id: EntityId,
    session: SessionDep,
    user: WebUser,
    change_reason: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    """The document page's "按模板起草": a new draft revision rendered from the type's template."""
    templates.draft_from_template(session, actor=user, document_id=document_id, change_reason=change_reason)
    return see_other(f"/documents/{document_id}?done=template_drafted")


@router.post("/documents/new/from-template")
def register_from_template(
    session: SessionDep,
    user: WebUser,
    doc_type: Annotated[str, Form(max_length=48)],
    title: Annotated[str, Form(max_length=300)],
    owner_unit: Annotated[str, Form(max_length=200)] = "",
    access_level: Annotated[AccessLevel, Form()] = AccessLevel.internal,
    control_no: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    """The register page's "登记并按模板起草": the document and its first draft, in one transaction."""
    revision = templates.register_from_template(
        session,
        actor=user,
        doc_type_code=doc_type,
        title=title,
        owner_unit=owner_unit,
        access_level=access_level,
        control_no=control_no or None,
    )
    return see_other(f"/documents/{revision.document_id}?done=registered_drafted")


@router.get("/records/new/template.docx")
def record_template(
    session: SessionDep,
    user: WebUser,
    doc_type: Annotated[str, Query(alias="type", max_length=48)],
    period: Annotated[str, Query(max_length=40)] = "",
) -> Response:
    """The register page's "按模板起草" for a record type: the template filled in, to complete and register."""
    content = templates.blank_record_from_template(session, actor=user, doc_type_code=doc_type, period=period)
    name = f"{doc_type}_{period or utcnow().date().isoformat()}.docx"
    return Response(content, media_type=DOCX, headers={"Content-Disposition": storage.content_disposition(name)})
