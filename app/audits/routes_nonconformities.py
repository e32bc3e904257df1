"""REST API: /api/nonconformities and /api/actions (11.2). Thin: parse, call, shape."""

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, Field
from sqlmodel import Session

from app.audits import lifecycle as nc_lifecycle
from app.audits import nonconformities as nc_service
from app.audits import reports, tasks
from app.audits.common import loads
from app.audits.models import CorrectiveAction, NcOrigin, Nonconformity, Severity
from app.audits.routes_common import AuditReasonIn, Id, ShortText, Text, docx_response, filed_out, user_names
from app.clauses.models import Clause
from app.db import SessionDep
from app.deps import CurrentUser, EntityId
from app.users.models import User

router = APIRouter()  # app.audits.routes includes it under its /api prefix and tag


# ---------------------------------------------------------------- bodies


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


# ---------------------------------------------------------------- shapes


def action_out(action: CorrectiveAction, names: dict[int, str], today: date) -> dict[str, Any]:
    return {
        "id": action.id,
        "nonconformity_id": action.nonconformity_id,
        "decision_id": action.decision_id,
        "description": action.description,
        "owner_id": action.owner_id,
        "owner_name": names.get(action.owner_id, ""),
        "due_date": action.due_date,
        "state": str(action.state),
        "overdue": str(action.state) == "open" and action.due_date < today,
        "completion_evidence": action.completion_evidence,
        "evidence_document_ids": loads(action.evidence_document_ids_json, []),
        "done_at": action.done_at,
    }


def nc_summary(session: Session, nc: Nonconformity) -> dict[str, Any]:
    zh, en = nc_lifecycle.STATE_LABELS[str(nc.state)]
    return {
        "id": nc.id,
        "code": nc_service.nc_code(nc),
        "origin": nc_service.origin_display(session, nc),
        "clause_id": nc.clause_id,
        "severity": str(nc.severity),
        "description": nc.description,
        "state": str(nc.state),
        "state_zh": zh,
        "state_en": en,
        "raised_at": nc.raised_at,
        "audit_id": nc.audit_id,
        "review_id": nc.review_id,
    }


def nc_detail(session: Session, nc: Nonconformity, user: User) -> dict[str, Any]:
    actions = nc_service.nc_actions(session, nc.id)
    owners, open_count = nc_service.action_facts(actions)
    names = user_names(session, {a.owner_id for a in actions} | {nc.raised_by_id, nc.verified_by_id or 0})
    clause = session.get(Clause, nc.clause_id)
    return nc_summary(session, nc) | {
        "origin_ref": nc.origin_ref,
        "audit_line_id": nc.audit_line_id,
        "origin_document_id": nc.origin_document_id,
        "clause_title_zh": clause.title_zh if clause else "",
        "evidence_examined": nc.evidence_examined,
        "cause_analysis": nc.cause_analysis,
        "similar_elsewhere": nc.similar_elsewhere,
        "similar_details": nc.similar_details,
        "completion_evidence": nc.completion_evidence,
        "verification": nc.verification,
        "verified_by": names.get(nc.verified_by_id or 0),
        "verified_at": nc.verified_at,
        "end_reason": nc.end_reason,
        "ended_at": nc.ended_at,
        "raised_by": names.get(nc.raised_by_id),
        "version": nc.version,
        "report_document_id": nc.report_document_id,
        "actions": [action_out(a, names, tasks.today_utc()) for a in actions],
        "allowed_actions": nc_lifecycle.allowed_actions(nc, user, owner_ids=owners, open_actions=open_count),
    }


# ---------------------------------------------------------------- nonconformities and actions


@router.post("/nonconformities", status_code=201)
def raise_nonconformity(body: NonconformityIn, session: SessionDep, user: CurrentUser) -> dict[str, Any]:
    nc = nc_service.raise_nonconformity(
        session,
        actor=user,
        origin=body.origin,
        clause_id=body.clause_id,
        severity=body.severity,
        description=body.description,
        evidence_examined=body.evidence_examined,
        origin_ref=body.origin_ref,
        audit_id=body.audit_id,
        review_id=body.review_id,
        origin_document_id=body.origin_document_id,
    )
    return nc_detail(session, nc, user)


@router.get("/nonconformities")
def list_nonconformities(
    session: SessionDep,
    user: CurrentUser,
    state: Annotated[str | None, Query(max_length=16)] = None,
    origin: Annotated[str | None, Query(max_length=32)] = None,
    severity: Annotated[str | None, Query(max_length=8)] = None,
    clause: Annotated[str | None, Query(max_length=16)] = None,
) -> list[dict[str, Any]]:
    rows = nc_service.list_nonconformities(
        session, user=user, state=state, origin=origin, severity=severity, clause_id=clause
    )
    return [nc_summary(session, nc) for nc in rows]


@router.get("/nonconformities/{nc_id}")
def get_nonconformity(nc_id: EntityId, session: SessionDep, user: CurrentUser) -> dict[str, Any]:
    return nc_detail(session, nc_service.get_nonconformity(session, nc_id=nc_id, user=user), user)


@router.post("/nonconformities/{nc_id}/analyse")
def analyse(nc_id: EntityId, body: AnalyseIn, session: SessionDep, user: CurrentUser) -> dict[str, Any]:
    nc = nc_service.analyse(
        session,
        actor=user,
        nc_id=nc_id,
        cause_analysis=body.cause_analysis,
        similar_elsewhere=body.similar_elsewhere,
        similar_details=body.similar_details,
    )
    return nc_detail(session, nc, user)


@router.post("/nonconformities/{nc_id}/plan")
def plan(nc_id: EntityId, body: PlanIn, session: SessionDep, user: CurrentUser) -> dict[str, Any]:
    nc = nc_service.plan(session, actor=user, nc_id=nc_id, actions=[a.model_dump() for a in body.actions])
    return nc_detail(session, nc, user)


@router.post("/nonconformities/{nc_id}/actions", status_code=201)
def add_action(nc_id: EntityId, body: ActionIn, session: SessionDep, user: CurrentUser) -> dict[str, Any]:
    action = nc_service.add_action(
        session, actor=user, nc_id=nc_id, description=body.description, owner_id=body.owner_id, due_date=body.due_date
    )
    return action_out(action, user_names(session, {action.owner_id}), tasks.today_utc())


@router.post("/nonconformities/{nc_id}/complete")
def complete(nc_id: EntityId, body: CompleteIn, session: SessionDep, user: CurrentUser) -> dict[str, Any]:
    nc = nc_service.complete(session, actor=user, nc_id=nc_id, completion_evidence=body.completion_evidence)
    return nc_detail(session, nc, user)


@router.post("/nonconformities/{nc_id}/verify")
def verify(nc_id: EntityId, body: VerifyIn, session: SessionDep, user: CurrentUser) -> dict[str, Any]:
    return nc_detail(session, nc_service.verify(session, actor=user, nc_id=nc_id, verification=body.verification), user)


@router.post("/nonconformities/{nc_id}/reopen")
def reopen(nc_id: EntityId, body: AuditReasonIn, session: SessionDep, user: CurrentUser) -> dict[str, Any]:
    return nc_detail(session, nc_service.reopen(session, actor=user, nc_id=nc_id, reason=body.reason), user)


@router.post("/nonconformities/{nc_id}/close")
def close(nc_id: EntityId, body: CommentIn, session: SessionDep, user: CurrentUser) -> dict[str, Any]:
    return nc_detail(session, nc_service.close(session, actor=user, nc_id=nc_id, comment=body.comment), user)


@router.post("/nonconformities/{nc_id}/cancel")
def cancel(nc_id: EntityId, body: AuditReasonIn, session: SessionDep, user: CurrentUser) -> dict[str, Any]:
    return nc_detail(session, nc_service.cancel(session, actor=user, nc_id=nc_id, reason=body.reason), user)


@router.get("/nonconformities/{nc_id}/report.docx")
def nonconformity_report(nc_id: EntityId, session: SessionDep, user: CurrentUser) -> Response:
    nc = nc_service.get_nonconformity(session, nc_id=nc_id, user=user)
    return docx_response(
        reports.nonconformity_report_docx(session, nc), reports.report_filename("nonconformity", nc.id)
    )


@router.post("/nonconformities/{nc_id}/file-report", status_code=201)
def file_nonconformity_record(nc_id: EntityId, session: SessionDep, user: CurrentUser) -> dict[str, Any]:
    return filed_out(*reports.file_nonconformity_record(session, actor=user, nc_id=nc_id))


@router.get("/actions/{action_id}")
def get_action(action_id: EntityId, session: SessionDep, user: CurrentUser) -> dict[str, Any]:
    action = nc_service.get_action(session, action_id=action_id, user=user)
    return action_out(action, user_names(session, {action.owner_id}), tasks.today_utc())


@router.post("/actions/{action_id}/done")
def mark_action_done(action_id: EntityId, body: ActionDoneIn, session: SessionDep, user: CurrentUser) -> dict[str, Any]:
    action = nc_service.mark_action_done(
        session,
        actor=user,
        action_id=action_id,
        evidence=body.evidence,
        evidence_document_ids=body.evidence_document_ids,
    )
    return action_out(action, user_names(session, {action.owner_id}), tasks.today_utc())
