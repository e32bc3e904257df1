"""REST API: /api/audits (10.2). Thin: parse, call, shape (app.audits.schemas)."""

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, Field

from app.audits import common, filing, findings, reports, service
from app.audits.common import stored_id
from app.audits.models import FindingKind, LineResult
from app.audits.schemas import audit_detail, audit_summary, programme_out
from app.audits.schemas_common import AuditReasonIn, Id, ShortText, Text, docx_response, filed_out
from app.db import SessionDep
from app.deps import CurrentUser, EntityId
from app.nonconformities.models import Severity

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
    findings.mark_line(
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
    finding = findings.add_finding(
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
    return docx_response(reports.audit_report_docx(session, audit), reports.report_filename("audit", stored_id(audit)))


@router.post("/audits/{audit_id}/file-report", status_code=201)
def file_audit_report(audit_id: EntityId, session: SessionDep, user: CurrentUser) -> dict[str, Any]:
    return filed_out(*filing.file_audit_report(session, actor=user, audit_id=audit_id))
