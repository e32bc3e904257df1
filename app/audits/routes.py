"""REST API: /api/audits (10.2) and /api/tasks. Thin: parse, call, shape.

`router` is the one app.main mounts: it includes routes_nonconformities.py (/api/nonconformities, /api/actions)
and routes_reviews.py (/api/reviews).
"""

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, Field
from sqlmodel import Session

from app.audits import common, reports, service
from app.audits.checklist import resolve_scope
from app.audits.common import loads
from app.audits.models import Audit, AuditProgramme, FindingKind, LineResult
from app.audits.routes_common import AuditReasonIn, Id, ShortText, Text, docx_response, filed_out, user_names
from app.db import SessionDep
from app.deps import CurrentUser, EntityId
from app.errors import Invalid
from app.nonconformities import routes as routes_nonconformities
from app.nonconformities.models import Severity
from app.nonconformities.routes import nc_summary
from app.reviews import routes as routes_reviews
from app.tasks import service as tasks

router = APIRouter(prefix="/api", tags=["audits"])


# ---------------------------------------------------------------- bodies


class ProgrammeIn(BaseModel):
    year: int = Field(ge=2000, le=2100)
    title: ShortText = ""
    notes: Text = ""


class AuditIn(BaseModel):
    title: ShortText
    scope: list[Annotated[str, Field(max_length=32)]] = Field(min_length=1, max_length=100)
    criteria: Text = ""
    planned_start: date
    planned_end: date
    lead_auditor_id: Id
    auditor_ids: list[Id] = Field(default=[], max_length=50)
    units: list[Annotated[str, Field(max_length=200)]] = Field(min_length=1, max_length=50)
    programme_id: Id | None = None


class LineIn(BaseModel):
    result: LineResult
    notes: Text = ""
    evidence_document_ids: list[Id] = Field(default=[], max_length=200)
    severity: Severity | None = None
    description: Text = ""
    evidence_examined: Text = ""


class FindingIn(BaseModel):
    kind: FindingKind
    description: Text
    clause_id: Annotated[str, Field(max_length=16)] | None = None


class ConclusionIn(BaseModel):
    conclusion: Text = ""


# ---------------------------------------------------------------- shapes


def programme_out(programme: AuditProgramme) -> dict[str, Any]:
    return {
        "id": programme.id,
        "year": programme.year,
        "title": programme.title,
        "notes": programme.notes,
        "created_at": programme.created_at,
    }


def audit_summary(audit: Audit) -> dict[str, Any]:
    zh, en = service.AUDIT_STATE_LABELS[str(audit.state)]
    return {
        "id": audit.id,
        "programme_id": audit.programme_id,
        "title": audit.title,
        "scope": loads(audit.scope_json, []),
        "criteria": audit.criteria,
        "planned_start": audit.planned_start,
        "planned_end": audit.planned_end,
        "lead_auditor_id": audit.lead_auditor_id,
        "auditor_ids": loads(audit.auditor_ids_json, []),
        "units": loads(audit.units_json, []),
        "state": str(audit.state),
        "state_zh": zh,
        "state_en": en,
        "audit_date": audit.audit_date,
        "conclusion": audit.conclusion,
        "cancel_reason": audit.cancel_reason,
        "report_document_id": audit.report_document_id,
        "version": audit.version,
    }


def audit_detail(session: Session, audit: Audit) -> dict[str, Any]:
    lines = service.audit_lines(session, audit.id)
    ncs = service.audit_nonconformities(session, audit.id)
    by_line = {nc.audit_line_id: nc.id for nc in ncs if str(nc.state) != "cancelled"}
    names = user_names(session, set(service.team_ids(audit)))
    out = audit_summary(audit) | {"team": [{"id": i, "name": names.get(i, "")} for i in service.team_ids(audit)]}
    out["clauses"] = resolve_scope(session, loads(audit.scope_json, []))
    out["lines"] = [
        {
            "id": line.id,
            "position": line.position,
            "clause_id": line.clause_id,
            "item_label": line.item_label,
            "item_group": line.item_group,
            "requirement": line.requirement,
            "evidence": loads(line.evidence_json, []),
            "readiness_status": line.readiness_status,
            "readiness_reason_zh": line.readiness_reason_zh,
            "readiness_reason_en": line.readiness_reason_en,
            "result": str(line.result),
            "notes": line.notes,
            "evidence_document_ids": loads(line.evidence_document_ids_json, []),
            "nonconformity_id": by_line.get(line.id),
            "checked_at": line.checked_at,
        }
        for line in lines
    ]
    out["findings"] = [
        {"id": f.id, "kind": str(f.kind), "clause_id": f.clause_id, "line_id": f.line_id, "description": f.description}
        for f in service.audit_findings(session, audit.id)
    ]
    out["nonconformities"] = [nc_summary(session, nc) for nc in ncs]
    return out


# ---------------------------------------------------------------- audit programmes and audits


@router.get("/audits/programmes")
def list_programmes(session: SessionDep, user: CurrentUser) -> list[dict[str, Any]]:
    return [programme_out(p) for p in service.list_programmes(session, user=user)]


@router.post("/audits/programmes", status_code=201)
def create_programme(body: ProgrammeIn, session: SessionDep, user: CurrentUser) -> dict[str, Any]:
    return programme_out(
        service.create_programme(session, actor=user, year=body.year, title=body.title, notes=body.notes)
    )


@router.post("/audits", status_code=201)
def create_audit(body: AuditIn, session: SessionDep, user: CurrentUser) -> dict[str, Any]:
    audit = service.create_audit(
        session,
        actor=user,
        title=body.title,
        scope=body.scope,
        criteria=body.criteria,
        planned_start=body.planned_start,
        planned_end=body.planned_end,
        lead_auditor_id=body.lead_auditor_id,
        auditor_ids=body.auditor_ids,
        units=body.units,
        programme_id=body.programme_id,
    )
    return audit_detail(session, audit)


@router.get("/audits")
def list_audits(
    session: SessionDep, user: CurrentUser, year: Annotated[int | None, Query(ge=2000, le=2100)] = None
) -> list[dict[str, Any]]:
    return [audit_summary(a) for a in service.list_audits(session, user=user, year=year)]


@router.get("/audits/{audit_id}")
def get_audit(audit_id: EntityId, session: SessionDep, user: CurrentUser) -> dict[str, Any]:
    return audit_detail(session, common.get_audit(session, audit_id=audit_id, user=user))


@router.post("/audits/{audit_id}/start")
def start_audit(audit_id: EntityId, session: SessionDep, user: CurrentUser) -> dict[str, Any]:
    return audit_detail(session, service.start_audit(session, actor=user, audit_id=audit_id))


@router.post("/audits/{audit_id}/lines/{line_id}")
def mark_line(
    audit_id: EntityId, line_id: EntityId, body: LineIn, session: SessionDep, user: CurrentUser
) -> dict[str, Any]:
    service.mark_line(
        session,
        actor=user,
        audit_id=audit_id,
        line_id=line_id,
        result=body.result,
        notes=body.notes,
        evidence_document_ids=body.evidence_document_ids,
        severity=body.severity,
        description=body.description,
        evidence_examined=body.evidence_examined,
    )
    return audit_detail(session, common.get_audit(session, audit_id=audit_id, user=user))


@router.post("/audits/{audit_id}/findings", status_code=201)
def add_finding(audit_id: EntityId, body: FindingIn, session: SessionDep, user: CurrentUser) -> dict[str, Any]:
    finding = service.add_finding(
        session, actor=user, audit_id=audit_id, kind=body.kind, description=body.description, clause_id=body.clause_id
    )
    return {
        "id": finding.id,
        "audit_id": finding.audit_id,
        "kind": str(finding.kind),
        "clause_id": finding.clause_id,
        "description": finding.description,
    }


@router.post("/audits/{audit_id}/complete")
def complete_audit(audit_id: EntityId, body: ConclusionIn, session: SessionDep, user: CurrentUser) -> dict[str, Any]:
    return audit_detail(
        session, service.complete_audit(session, actor=user, audit_id=audit_id, conclusion=body.conclusion)
    )


@router.post("/audits/{audit_id}/cancel")
def cancel_audit(audit_id: EntityId, body: AuditReasonIn, session: SessionDep, user: CurrentUser) -> dict[str, Any]:
    return audit_detail(session, service.cancel_audit(session, actor=user, audit_id=audit_id, reason=body.reason))


@router.get("/audits/{audit_id}/report.docx")
def audit_report(audit_id: EntityId, session: SessionDep, user: CurrentUser) -> Response:
    audit = common.get_audit(session, audit_id=audit_id, user=user)
    return docx_response(reports.audit_report_docx(session, audit), reports.report_filename("audit", audit.id))


@router.post("/audits/{audit_id}/file-report", status_code=201)
def file_audit_report(audit_id: EntityId, session: SessionDep, user: CurrentUser) -> dict[str, Any]:
    return filed_out(*reports.file_audit_report(session, actor=user, audit_id=audit_id))


# ---------------------------------------------------------------- nonconformities, actions and reviews
# Included here, between the audits and the tasks, so the API keeps its order of operations.

router.include_router(routes_nonconformities.router)
router.include_router(routes_reviews.router)


# ---------------------------------------------------------------- tasks


TodayQuery = Annotated[date | None, Query(description="compute as of this day (default: today, UTC)")]


@router.get("/tasks")
def my_tasks(session: SessionDep, user: CurrentUser, today: TodayQuery = None) -> dict[str, Any]:
    day = today or tasks.today_utc()
    if not 2000 <= day.year <= 2100:
        raise Invalid("日期超出范围（2000–2100 年）", "The date is out of range (2000–2100)")
    items = tasks.tasks_for(session, user, day)
    return {
        "today": day,
        "count": len(items),
        "overdue": sum(1 for t in items if t.overdue),
        "tasks": [t.as_dict() for t in items],
    }
