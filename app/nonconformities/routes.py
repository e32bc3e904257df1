"""REST API: /api/nonconformities and /api/actions (11.2). Thin: parse, call, shape."""

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, Field

from app.audits import filing, reports
from app.audits.common import stored_id
from app.audits.schemas_common import AuditReasonIn, Id, ShortText, Text, docx_response, filed_out, user_names
from app.common import utcnow
from app.db import SessionDep
from app.deps import CurrentUser, EntityId
from app.nonconformities import service as nc_service
from app.nonconformities.lifecycle import NcAction
from app.nonconformities.models import NcOrigin, Severity
from app.nonconformities.schemas import ActionIn, action_out, nc_detail, nc_summary

router = APIRouter(prefix="/api", tags=["audits"])


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
    evidence_numbers: list[str] = Field(default=[], max_length=50)  # "CMS-001" or "CMS-001@2" (a revision)


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


@router.post("/nonconformities/{nc_id}/actions", status_code=201)
def add_action(nc_id: EntityId, body: ActionIn, session: SessionDep, user: CurrentUser) -> dict[str, Any]:
    action = nc_service.add_action(
        session, actor=user, nc_id=nc_id, description=body.description, owner_id=body.owner_id, due_date=body.due_date
    )
    return action_out(action, user_names(session, {action.owner_id}), utcnow().date())


# ---------------------------------------------------------------- the steps: one route, the action its parameter
# Each step keeps its own path and body (the API's contract); they all go through nc_service.act.

STEP_BODIES: dict[NcAction, type[BaseModel]] = {
    NcAction.analyse: AnalyseIn,
    NcAction.plan: PlanIn,
    NcAction.complete: CompleteIn,
    NcAction.verify: VerifyIn,
    NcAction.reopen: AuditReasonIn,
    NcAction.close: CommentIn,
    NcAction.cancel: AuditReasonIn,
}


def _step_route(action: NcAction, body_model: type[BaseModel]) -> Callable[..., dict[str, Any]]:
    def step(nc_id: EntityId, body: body_model, session: SessionDep, user: CurrentUser) -> dict[str, Any]:  # type: ignore[valid-type]
        payload: BaseModel = body  # the model of this step (FastAPI reads the annotation above)
        nc = nc_service.act(session, actor=user, nc_id=nc_id, action=action, content=payload.model_dump())
        return nc_detail(session, nc, user)

    return step


for _action, _body in STEP_BODIES.items():
    router.add_api_route(
        f"/nonconformities/{{nc_id}}/{_action}", _step_route(_action, _body), methods=["POST"], name=str(_action)
    )


@router.get("/nonconformities/{nc_id}/report.docx")
def nonconformity_report(nc_id: EntityId, session: SessionDep, user: CurrentUser) -> Response:
    nc = nc_service.get_nonconformity(session, nc_id=nc_id, user=user)
    return docx_response(
        reports.nonconformity_report_docx(session, nc), reports.report_filename("nonconformity", stored_id(nc))
    )


@router.post("/nonconformities/{nc_id}/file-report", status_code=201)
def file_nonconformity_record(nc_id: EntityId, session: SessionDep, user: CurrentUser) -> dict[str, Any]:
    return filed_out(*filing.file_nonconformity_record(session, actor=user, nc_id=nc_id))


@router.get("/actions/{action_id}")
def get_action(action_id: EntityId, session: SessionDep, user: CurrentUser) -> dict[str, Any]:
    action = nc_service.get_action(session, action_id=action_id, user=user)
    return action_out(action, user_names(session, {action.owner_id}), utcnow().date())


@router.post("/actions/{action_id}/done")
def mark_action_done(action_id: EntityId, body: ActionDoneIn, session: SessionDep, user: CurrentUser) -> dict[str, Any]:
    action = nc_service.mark_action_done(
        session,
        actor=user,
        action_id=action_id,
        evidence=body.evidence,
        evidence_document_ids=body.evidence_document_ids,
        evidence_numbers=body.evidence_numbers,
    )
    return action_out(action, user_names(session, {action.owner_id}), utcnow().date(), session)
