"""REST API: /api/audits, /api/nonconformities, /api/actions, /api/reviews, /api/tasks. Thin: parse, call, shape."""

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlmodel import Session

from app.audits import lifecycle as nc_lifecycle
from app.audits import reports, reviews, service, tasks
from app.audits.models import (
    Audit,
    AuditProgramme,
    CorrectiveAction,
    FindingKind,
    LineResult,
    ManagementReview,
    NcOrigin,
    Nonconformity,
    Severity,
)
from app.clauses.models import Clause
from app.db import SessionDep
from app.deps import CurrentUser, EntityId
from app.errors import Invalid
from app.users.models import User

router = APIRouter(prefix="/api", tags=["audits"])

DOCX_MEDIA = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
Text = Annotated[str, Field(max_length=20000)]
ShortText = Annotated[str, Field(max_length=300)]
Id = Annotated[int, Field(ge=1, le=2_147_483_647)]


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


class ReasonIn(BaseModel):
    reason: Text = ""


class NonconformityIn(BaseModel):
    origin: NcOrigin
    origin_ref: ShortText = ""
    clause_id: Annotated[str, Field(max_length=16)]
    severity: Severity
    description: Text
    evidence_examined: Text = ""
    audit_id: Id | None = None
    review_id: Id | None = None
    origin_document_id: Id | None = None


class AnalyseIn(BaseModel):
    cause_analysis: Text = ""
    similar_elsewhere: bool | None = None
    similar_details: Text = ""


class ActionIn(BaseModel):
    description: Text
    owner_id: Id
    due_date: date


class PlanIn(BaseModel):
    actions: list[ActionIn] = Field(default=[], max_length=50)


class CompleteIn(BaseModel):
    completion_evidence: Text = ""


class VerifyIn(BaseModel):
    verification: Text = ""


class CommentIn(BaseModel):
    comment: Text = ""


class ActionDoneIn(BaseModel):
    evidence: Text = ""
    evidence_document_ids: list[Id] = Field(default=[], max_length=200)


class ReviewIn(BaseModel):
    title: ShortText = ""
    review_date: date


class ReviewInputIn(BaseModel):
    key: Annotated[str, Field(max_length=64)]
    text: Text


class DecisionIn(BaseModel):
    output_item: Annotated[str, Field(max_length=4)]
    decision: Text
    action: ActionIn | None = None


class SignIn(BaseModel):
    password: str = Field(default="", max_length=256)
    comment: Text = ""


TodayQuery = Annotated[date | None, Query(description="compute as of this day (default: today, UTC)")]


# ---------------------------------------------------------------- shapes


def _names(session: Session, ids: set[int]) -> dict[int, str]:
    ids = {i for i in ids if i}
    if not ids:
        return {}
    return dict(session.execute(select(User.id, User.full_name).where(User.id.in_(ids))).all())


def programme_out(programme: AuditProgramme) -> dict[str, Any]:
    return {"id": programme.id, "year": programme.year, "title": programme.title, "notes": programme.notes,
            "created_at": programme.created_at}


def audit_summary(audit: Audit) -> dict[str, Any]:
    zh, en = service.AUDIT_STATE_LABELS[str(audit.state)]
    return {"id": audit.id, "programme_id": audit.programme_id, "title": audit.title,
            "scope": service.loads(audit.scope_json, []), "criteria": audit.criteria,
            "planned_start": audit.planned_start, "planned_end": audit.planned_end,
            "lead_auditor_id": audit.lead_auditor_id, "auditor_ids": service.loads(audit.auditor_ids_json, []),
            "units": service.loads(audit.units_json, []), "state": str(audit.state), "state_zh": zh, "state_en": en,
            "audit_date": audit.audit_date, "conclusion": audit.conclusion, "cancel_reason": audit.cancel_reason,
            "report_document_id": audit.report_document_id, "version": audit.version}


def audit_detail(session: Session, audit: Audit) -> dict[str, Any]:
    lines = service.audit_lines(session, audit.id)
    ncs = service.audit_nonconformities(session, audit.id)
    by_line = {nc.audit_line_id: nc.id for nc in ncs if str(nc.state) != "cancelled"}
    names = _names(session, set(service.team_ids(audit)))
    out = audit_summary(audit) | {"team": [{"id": i, "name": names.get(i, "")} for i in service.team_ids(audit)]}
    out["clauses"] = service.resolve_scope(session, service.loads(audit.scope_json, []))
    out["lines"] = [{
        "id": line.id, "position": line.position, "clause_id": line.clause_id, "item_label": line.item_label,
        "item_group": line.item_group, "requirement": line.requirement,
        "evidence": service.loads(line.evidence_json, []), "readiness_status": line.readiness_status,
        "readiness_reason_zh": line.readiness_reason_zh, "readiness_reason_en": line.readiness_reason_en,
        "result": str(line.result), "notes": line.notes,
        "evidence_document_ids": service.loads(line.evidence_document_ids_json, []),
        "nonconformity_id": by_line.get(line.id), "checked_at": line.checked_at,
    } for line in lines]
    out["findings"] = [{"id": f.id, "kind": str(f.kind), "clause_id": f.clause_id, "line_id": f.line_id,
                        "description": f.description} for f in service.audit_findings(session, audit.id)]
    out["nonconformities"] = [nc_summary(session, nc) for nc in ncs]
    return out


def action_out(action: CorrectiveAction, names: dict[int, str], today: date) -> dict[str, Any]:
    return {"id": action.id, "nonconformity_id": action.nonconformity_id, "decision_id": action.decision_id,
            "description": action.description, "owner_id": action.owner_id,
            "owner_name": names.get(action.owner_id, ""), "due_date": action.due_date, "state": str(action.state),
            "overdue": str(action.state) == "open" and action.due_date < today,
            "completion_evidence": action.completion_evidence,
            "evidence_document_ids": service.loads(action.evidence_document_ids_json, []),
            "done_at": action.done_at}


def nc_summary(session: Session, nc: Nonconformity) -> dict[str, Any]:
    zh, en = nc_lifecycle.STATE_LABELS[str(nc.state)]
    return {"id": nc.id, "code": service.nc_code(nc.id), "origin": service.origin_display(session, nc),
            "clause_id": nc.clause_id, "severity": str(nc.severity), "description": nc.description,
            "state": str(nc.state), "state_zh": zh, "state_en": en, "raised_at": nc.raised_at,
            "audit_id": nc.audit_id, "review_id": nc.review_id}


def nc_detail(session: Session, nc: Nonconformity, user: User) -> dict[str, Any]:
    actions = service.nc_actions(session, nc.id)
    owners, open_count = service.action_facts(actions)
    names = _names(session, {a.owner_id for a in actions} | {nc.raised_by_id, nc.verified_by_id or 0})
    clause = session.get(Clause, nc.clause_id)
    return nc_summary(session, nc) | {
        "origin_ref": nc.origin_ref, "audit_line_id": nc.audit_line_id, "origin_document_id": nc.origin_document_id,
        "clause_title_zh": clause.title_zh if clause else "", "evidence_examined": nc.evidence_examined,
        "cause_analysis": nc.cause_analysis, "similar_elsewhere": nc.similar_elsewhere,
        "similar_details": nc.similar_details, "completion_evidence": nc.completion_evidence,
        "verification": nc.verification, "verified_by": names.get(nc.verified_by_id or 0),
        "verified_at": nc.verified_at, "end_reason": nc.end_reason, "ended_at": nc.ended_at,
        "raised_by": names.get(nc.raised_by_id), "version": nc.version,
        "report_document_id": nc.report_document_id,
        "actions": [action_out(a, names, tasks.today_utc()) for a in actions],
        "allowed_actions": nc_lifecycle.allowed_actions(nc, user, owner_ids=owners, open_actions=open_count),
    }


def review_summary(review: ManagementReview) -> dict[str, Any]:
    return {"id": review.id, "title": review.title, "review_date": review.review_date, "state": str(review.state),
            "previous_review_id": review.previous_review_id, "closed_by": review.closed_by_name or None,
            "closed_at": review.closed_at, "report_document_id": review.report_document_id,
            "version": review.version}


def review_detail(session: Session, review: ManagementReview) -> dict[str, Any]:
    notes = service.loads(review.notes_json, {}) or {}
    sections = []
    for section in service.loads(review.inputs_json, []) or []:
        text = notes.get(section["key"], "")
        sections.append(section | {"notes": text, "missing": section["to_complete"] and not text})
    rows = reviews.decisions(session, review.id)
    actions = reviews.decision_actions(session, [d.id for d in rows])
    names = _names(session, {a.owner_id for group in actions.values() for a in group})
    today = tasks.today_utc()
    return review_summary(review) | {
        "inputs_assembled_at": review.inputs_assembled_at, "closing_comment": review.closing_comment,
        "inputs": sections,
        "decisions": [{"id": d.id, "output_item": d.output_item, "output_title_zh": reviews.OUTPUT_ITEMS[
            d.output_item][0], "decision": d.decision,
            "actions": [action_out(a, names, today) for a in actions.get(d.id, [])]} for d in rows],
        "next_review_due": reviews.next_review_due(review),
    }


def _filed(audit_or_review: Any, document: Any, revision: Any) -> dict[str, Any]:
    return {"id": audit_or_review.id, "report_document_id": document.id, "record": {
        "id": document.id, "control_no": document.control_no, "doc_type": document.doc_type, "title": document.title,
        "revision_id": revision.id, "state": str(revision.state), "period_start": revision.period_start,
        "period_end": revision.period_end}}


def _docx(content: bytes, name: str) -> Response:
    from urllib.parse import quote

    return Response(content, media_type=DOCX_MEDIA, headers={
        "Content-Disposition": f"attachment; filename=\"report.docx\"; filename*=UTF-8''{quote(name)}"})


# ---------------------------------------------------------------- audit programmes and audits


@router.get("/audits/programmes")
def list_programmes(session: SessionDep, user: CurrentUser) -> list[dict[str, Any]]:
    return [programme_out(p) for p in service.list_programmes(session, user=user)]


@router.post("/audits/programmes", status_code=201)
def create_programme(body: ProgrammeIn, session: SessionDep, user: CurrentUser) -> dict[str, Any]:
    return programme_out(service.create_programme(session, actor=user, year=body.year, title=body.title,
                                                  notes=body.notes))


@router.post("/audits", status_code=201)
def create_audit(body: AuditIn, session: SessionDep, user: CurrentUser) -> dict[str, Any]:
    audit = service.create_audit(session, actor=user, title=body.title, scope=body.scope, criteria=body.criteria,
                                 planned_start=body.planned_start, planned_end=body.planned_end,
                                 lead_auditor_id=body.lead_auditor_id, auditor_ids=body.auditor_ids,
                                 units=body.units, programme_id=body.programme_id)
    return audit_detail(session, audit)


@router.get("/audits")
def list_audits(session: SessionDep, user: CurrentUser,
                year: Annotated[int | None, Query(ge=2000, le=2100)] = None) -> list[dict[str, Any]]:
    return [audit_summary(a) for a in service.list_audits(session, user=user, year=year)]


@router.get("/audits/{audit_id}")
def get_audit(audit_id: EntityId, session: SessionDep, user: CurrentUser) -> dict[str, Any]:
    return audit_detail(session, service.get_audit(session, audit_id=audit_id, user=user))


@router.post("/audits/{audit_id}/start")
def start_audit(audit_id: EntityId, session: SessionDep, user: CurrentUser) -> dict[str, Any]:
    return audit_detail(session, service.start_audit(session, actor=user, audit_id=audit_id))


@router.post("/audits/{audit_id}/lines/{line_id}")
def mark_line(audit_id: EntityId, line_id: EntityId, body: LineIn, session: SessionDep,
              user: CurrentUser) -> dict[str, Any]:
    service.mark_line(session, actor=user, audit_id=audit_id, line_id=line_id, result=body.result, notes=body.notes,
                      evidence_document_ids=body.evidence_document_ids, severity=body.severity,
                      description=body.description, evidence_examined=body.evidence_examined)
    return audit_detail(session, service.get_audit(session, audit_id=audit_id, user=user))


@router.post("/audits/{audit_id}/findings", status_code=201)
def add_finding(audit_id: EntityId, body: FindingIn, session: SessionDep, user: CurrentUser) -> dict[str, Any]:
    finding = service.add_finding(session, actor=user, audit_id=audit_id, kind=body.kind,
                                  description=body.description, clause_id=body.clause_id)
    return {"id": finding.id, "audit_id": finding.audit_id, "kind": str(finding.kind),
            "clause_id": finding.clause_id, "description": finding.description}


@router.post("/audits/{audit_id}/complete")
def complete_audit(audit_id: EntityId, body: ConclusionIn, session: SessionDep, user: CurrentUser) -> dict[str, Any]:
    return audit_detail(session, service.complete_audit(session, actor=user, audit_id=audit_id,
                                                        conclusion=body.conclusion))


@router.post("/audits/{audit_id}/cancel")
def cancel_audit(audit_id: EntityId, body: ReasonIn, session: SessionDep, user: CurrentUser) -> dict[str, Any]:
    return audit_detail(session, service.cancel_audit(session, actor=user, audit_id=audit_id, reason=body.reason))


@router.get("/audits/{audit_id}/report.docx")
def audit_report(audit_id: EntityId, session: SessionDep, user: CurrentUser) -> Response:
    audit = service.get_audit(session, audit_id=audit_id, user=user)
    return _docx(reports.audit_report_docx(session, audit), reports.report_filename("audit", audit.id))


@router.post("/audits/{audit_id}/file-report", status_code=201)
def file_audit_report(audit_id: EntityId, session: SessionDep, user: CurrentUser) -> dict[str, Any]:
    return _filed(*reports.file_audit_report(session, actor=user, audit_id=audit_id))


# ---------------------------------------------------------------- nonconformities and actions


@router.post("/nonconformities", status_code=201)
def raise_nonconformity(body: NonconformityIn, session: SessionDep, user: CurrentUser) -> dict[str, Any]:
    nc = service.raise_nonconformity(session, actor=user, origin=body.origin, clause_id=body.clause_id,
                                     severity=body.severity, description=body.description,
                                     evidence_examined=body.evidence_examined, origin_ref=body.origin_ref,
                                     audit_id=body.audit_id, review_id=body.review_id,
                                     origin_document_id=body.origin_document_id)
    return nc_detail(session, nc, user)


@router.get("/nonconformities")
def list_nonconformities(
    session: SessionDep, user: CurrentUser, state: Annotated[str | None, Query(max_length=16)] = None,
    origin: Annotated[str | None, Query(max_length=32)] = None,
    severity: Annotated[str | None, Query(max_length=8)] = None,
    clause: Annotated[str | None, Query(max_length=16)] = None,
) -> list[dict[str, Any]]:
    rows = service.list_nonconformities(session, user=user, state=state, origin=origin, severity=severity,
                                        clause_id=clause)
    return [nc_summary(session, nc) for nc in rows]


@router.get("/nonconformities/{nc_id}")
def get_nonconformity(nc_id: EntityId, session: SessionDep, user: CurrentUser) -> dict[str, Any]:
    return nc_detail(session, service.get_nonconformity(session, nc_id=nc_id, user=user), user)


@router.post("/nonconformities/{nc_id}/analyse")
def analyse(nc_id: EntityId, body: AnalyseIn, session: SessionDep, user: CurrentUser) -> dict[str, Any]:
    nc = service.analyse(session, actor=user, nc_id=nc_id, cause_analysis=body.cause_analysis,
                         similar_elsewhere=body.similar_elsewhere, similar_details=body.similar_details)
    return nc_detail(session, nc, user)


@router.post("/nonconformities/{nc_id}/plan")
def plan(nc_id: EntityId, body: PlanIn, session: SessionDep, user: CurrentUser) -> dict[str, Any]:
    nc = service.plan(session, actor=user, nc_id=nc_id, actions=[a.model_dump() for a in body.actions])
    return nc_detail(session, nc, user)


@router.post("/nonconformities/{nc_id}/actions", status_code=201)
def add_action(nc_id: EntityId, body: ActionIn, session: SessionDep, user: CurrentUser) -> dict[str, Any]:
    action = service.add_action(session, actor=user, nc_id=nc_id, description=body.description,
                                owner_id=body.owner_id, due_date=body.due_date)
    return action_out(action, _names(session, {action.owner_id}), tasks.today_utc())


@router.post("/nonconformities/{nc_id}/complete")
def complete(nc_id: EntityId, body: CompleteIn, session: SessionDep, user: CurrentUser) -> dict[str, Any]:
    nc = service.complete(session, actor=user, nc_id=nc_id, completion_evidence=body.completion_evidence)
    return nc_detail(session, nc, user)


@router.post("/nonconformities/{nc_id}/verify")
def verify(nc_id: EntityId, body: VerifyIn, session: SessionDep, user: CurrentUser) -> dict[str, Any]:
    return nc_detail(session, service.verify(session, actor=user, nc_id=nc_id, verification=body.verification), user)


@router.post("/nonconformities/{nc_id}/reopen")
def reopen(nc_id: EntityId, body: ReasonIn, session: SessionDep, user: CurrentUser) -> dict[str, Any]:
    return nc_detail(session, service.reopen(session, actor=user, nc_id=nc_id, reason=body.reason), user)


@router.post("/nonconformities/{nc_id}/close")
def close(nc_id: EntityId, body: CommentIn, session: SessionDep, user: CurrentUser) -> dict[str, Any]:
    return nc_detail(session, service.close(session, actor=user, nc_id=nc_id, comment=body.comment), user)


@router.post("/nonconformities/{nc_id}/cancel")
def cancel(nc_id: EntityId, body: ReasonIn, session: SessionDep, user: CurrentUser) -> dict[str, Any]:
    return nc_detail(session, service.cancel(session, actor=user, nc_id=nc_id, reason=body.reason), user)


@router.get("/nonconformities/{nc_id}/report.docx")
def nonconformity_report(nc_id: EntityId, session: SessionDep, user: CurrentUser) -> Response:
    nc = service.get_nonconformity(session, nc_id=nc_id, user=user)
    return _docx(reports.nonconformity_report_docx(session, nc), reports.report_filename("nonconformity", nc.id))


@router.post("/nonconformities/{nc_id}/file-report", status_code=201)
def file_nonconformity_record(nc_id: EntityId, session: SessionDep, user: CurrentUser) -> dict[str, Any]:
    return _filed(*reports.file_nonconformity_record(session, actor=user, nc_id=nc_id))


@router.get("/actions/{action_id}")
def get_action(action_id: EntityId, session: SessionDep, user: CurrentUser) -> dict[str, Any]:
    action = service.get_action(session, action_id=action_id, user=user)
    return action_out(action, _names(session, {action.owner_id}), tasks.today_utc())


@router.post("/actions/{action_id}/done")
def mark_action_done(action_id: EntityId, body: ActionDoneIn, session: SessionDep, user: CurrentUser
                     ) -> dict[str, Any]:
    action = service.mark_action_done(session, actor=user, action_id=action_id, evidence=body.evidence,
                                      evidence_document_ids=body.evidence_document_ids)
    return action_out(action, _names(session, {action.owner_id}), tasks.today_utc())


# ---------------------------------------------------------------- management reviews


@router.post("/reviews", status_code=201)
def create_review(body: ReviewIn, session: SessionDep, user: CurrentUser) -> dict[str, Any]:
    review = reviews.create_review(session, actor=user, title=body.title, review_date=body.review_date)
    return review_detail(session, review)


@router.get("/reviews")
def list_reviews(session: SessionDep, user: CurrentUser) -> list[dict[str, Any]]:
    return [review_summary(r) for r in reviews.list_reviews(session, user=user)]


@router.get("/reviews/{review_id}")
def get_review(review_id: EntityId, session: SessionDep, user: CurrentUser) -> dict[str, Any]:
    return review_detail(session, reviews.get_review(session, review_id=review_id, user=user))


@router.post("/reviews/{review_id}/refresh-inputs")
def refresh_inputs(review_id: EntityId, session: SessionDep, user: CurrentUser) -> dict[str, Any]:
    return review_detail(session, reviews.refresh_inputs(session, actor=user, review_id=review_id))


@router.post("/reviews/{review_id}/inputs")
def set_input(review_id: EntityId, body: ReviewInputIn, session: SessionDep, user: CurrentUser) -> dict[str, Any]:
    return review_detail(session, reviews.set_input(session, actor=user, review_id=review_id, key=body.key,
                                                    text=body.text))


@router.post("/reviews/{review_id}/decisions", status_code=201)
def add_decision(review_id: EntityId, body: DecisionIn, session: SessionDep, user: CurrentUser) -> dict[str, Any]:
    reviews.add_decision(session, actor=user, review_id=review_id, output_item=body.output_item,
                         decision=body.decision, action=body.action.model_dump() if body.action else None)
    return review_detail(session, reviews.get_review(session, review_id=review_id, user=user))


@router.post("/reviews/{review_id}/close")
def close_review(review_id: EntityId, body: SignIn, session: SessionDep, user: CurrentUser) -> dict[str, Any]:
    return review_detail(session, reviews.close_review(session, actor=user, review_id=review_id,
                                                       password=body.password, comment=body.comment))


@router.get("/reviews/{review_id}/report.docx")
def review_report(review_id: EntityId, session: SessionDep, user: CurrentUser) -> Response:
    review = reviews.get_review(session, review_id=review_id, user=user)
    return _docx(reports.review_report_docx(session, review), reports.report_filename("review", review.id))


@router.post("/reviews/{review_id}/file-report", status_code=201)
def file_review_report(review_id: EntityId, session: SessionDep, user: CurrentUser) -> dict[str, Any]:
    return _filed(*reports.file_review_report(session, actor=user, review_id=review_id))


# ---------------------------------------------------------------- tasks


@router.get("/tasks")
def my_tasks(session: SessionDep, user: CurrentUser, today: TodayQuery = None) -> dict[str, Any]:
    day = today or tasks.today_utc()
    if not 2000 <= day.year <= 2100:
        raise Invalid("日期超出范围（2000–2100 年）", "The date is out of range (2000–2100)")
    items = tasks.tasks_for(session, user, day)
    return {"today": day, "count": len(items), "overdue": sum(1 for t in items if t.overdue),
            "tasks": [t.as_dict() for t in items]}
