"""Three more forms of the audit pages, on the services the API calls:

- a corrective action added to a nonconformity whose actions are under way
  (11.2; POST /api/nonconformities/{id}/actions),
- an observation or opportunity for improvement recorded in an audit (10.2; POST /api/audits/{id}/findings),
- a nonconformity raised from a management review (10.3; POST /api/nonconformities with origin management_review).

Thin like pages_audits: parse the form, call one service function, redirect with a message. Who may, and when, is
the services' decision; the pages only hide the forms the services would refuse (see pages_audits' GET routes).
"""

from typing import Annotated

from fastapi import APIRouter, Form
from fastapi.responses import Response

from app.audits import findings
from app.audits.models import FindingKind
from app.db import SessionDep
from app.deps import EntityId
from app.errors import Invalid
from app.nonconformities import service as nc_service
from app.nonconformities.models import NcOrigin, Severity
from app.web.common import WebUser, see_other
from app.web.pages_audits import OptDate, OptId, Short, Text, _day, _id

router = APIRouter()

ClauseId = Annotated[str, Form(max_length=16)]


@router.post("/nonconformities/{nc_id:int}/actions")
def add_action(
    nc_id: EntityId,
    session: SessionDep,
    user: WebUser,
    description: Text = "",
    owner_id: OptId = "",
    due_date: OptDate = "",
) -> Response:
    owner = _id(owner_id)
    due = _day(due_date, "完成期限", "The due date")
    if owner is None or due is None:
        raise Invalid(
            "每项措施都必须有内容、负责人和完成期限", "Each action needs a description, an owner and a due date"
        )
    action = nc_service.add_action(
        session, actor=user, nc_id=nc_id, description=description, owner_id=owner, due_date=due
    )
    return see_other(f"/nonconformities/{nc_id}?done=action_added#action-{action.id}")


@router.post("/audits/{audit_id:int}/findings")
def add_finding(
    audit_id: EntityId,
    session: SessionDep,
    user: WebUser,
    kind: Annotated[FindingKind, Form()],
    description: Text = "",
    clause_id: ClauseId = "",
) -> Response:
    findings.add_finding(
        session, actor=user, audit_id=audit_id, kind=kind, description=description, clause_id=clause_id.strip() or None
    )
    return see_other(f"/audits/{audit_id}?done=finding_added#findings")


@router.post("/reviews/{review_id:int}/nonconformities")
def raise_from_review(
    review_id: EntityId,
    session: SessionDep,
    user: WebUser,
    severity: Annotated[Severity, Form()],
    clause_id: ClauseId = "",
    description: Text = "",
    origin_ref: Short = "",
    evidence_examined: Text = "",
) -> Response:
    if not clause_id.strip():
        raise Invalid("请选择不符合项涉及的条款", "Choose the clause of the nonconformity")
    nc = nc_service.raise_nonconformity(
        session,
        actor=user,
        origin=NcOrigin.management_review,
        clause_id=clause_id.strip(),
        severity=severity,
        description=description,
        evidence_examined=evidence_examined,
        origin_ref=origin_ref,
        review_id=review_id,
    )
    return see_other(f"/nonconformities/{nc.id}?done=nc_raised")
