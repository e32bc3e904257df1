"""Nonconformities and corrective actions (11.2): the pages. Thin like the API (see pages_audits.py)."""

from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import Response

from app.audits import filing
from app.audits.common import READERS, stored_id
from app.clauses import queries as clause_queries
from app.common import utcnow
from app.db import SessionDep
from app.deps import EntityId
from app.errors import Invalid, NotFound
from app.nonconformities import lifecycle as nc_lifecycle
from app.nonconformities import service as nc_service
from app.nonconformities.evidence import split_numbers
from app.nonconformities.lifecycle import NcAction
from app.nonconformities.models import NcOrigin, NcState, Nonconformity, Severity
from app.nonconformities.queries import nc_actions
from app.nonconformities.schemas import action_out, nc_detail, nc_summary
from app.web.common import WebUser, see_other
from app.web.pages_audits import Short, Text, _day, _history, _id, _page, _people

router = APIRouter()


# ---------------------------------------------------------------- nonconformities and actions


FilterText = Annotated[str | None, Query(max_length=32)]


@router.get("/nonconformities")
def nonconformities_page(
    request: Request,
    session: SessionDep,
    user: WebUser,
    state: FilterText = None,
    origin: FilterText = None,
    severity: FilterText = None,
) -> Response:
    rows = nc_service.list_nonconformities(
        session, user=user, state=state or None, origin=origin or None, severity=severity or None
    )
    return _page(
        request,
        "nonconformities.html",
        section="nonconformities",
        items=[nc_summary(session, nc) for nc in rows],
        params={"state": state or "", "origin": origin or "", "severity": severity or ""},
        states=[s.value for s in NcState],
        origins=[o.value for o in NcOrigin],
        severities=[s.value for s in Severity],
        may_raise=user.role in nc_service.NC_RAISERS,
        raise_origins=[o.value for o in RAISE_ORIGINS],
        clause_list=clause_queries.list_clauses(session),
    )


RAISE_ORIGINS = (NcOrigin.monitoring, NcOrigin.compliance_evaluation, NcOrigin.other)  # audits, reviews: own pages


@router.post("/nonconformities")
def raise_nonconformity(
    session: SessionDep,
    user: WebUser,
    origin: Annotated[NcOrigin, Form()],
    clause_id: Annotated[str, Form(max_length=16)],
    severity: Annotated[Severity, Form()],
    description: Text = "",
    origin_ref: Short = "",
    evidence_examined: Text = "",
) -> Response:
    nc = nc_service.raise_nonconformity(
        session,
        actor=user,
        origin=origin,
        clause_id=clause_id,
        severity=severity,
        description=description,
        evidence_examined=evidence_examined,
        origin_ref=origin_ref,
    )
    return see_other(f"/nonconformities/{nc.id}?done=nc_raised")


@router.get("/nonconformities/{nc_id:int}")
def nonconformity_page(nc_id: EntityId, request: Request, session: SessionDep, user: WebUser) -> Response:
    nc = nc_service.get_nonconformity(session, nc_id=nc_id, user=user)
    detail = nc_detail(session, nc, user)
    entities = [("nonconformity", nc.id)] + [("corrective_action", a["id"]) for a in detail["actions"]]
    steps = {
        a.id: nc_lifecycle.allowed_action_steps(a, user, nc_state=NcState(nc.state))
        for a in nc_actions(session, stored_id(nc))
    }
    return _page(
        request,
        "nonconformity.html",
        section="nonconformities",
        n=detail,
        me_id=user.id,
        people=_people(session, user),
        history=_history(session, user.park_id, entities),
        may_file=filing.may_file_reports(user),
        may_add_action=nc_lifecycle.may_add_action(nc, user),
        action_steps=steps,
    )


@router.post("/nonconformities/{nc_id:int}/file-report")
def file_nonconformity_record(nc_id: EntityId, session: SessionDep, user: WebUser) -> Response:
    filing.file_nonconformity_record(session, actor=user, nc_id=nc_id)
    return see_other(f"/nonconformities/{nc_id}?done=report_filed")


@router.get("/actions/{action_id:int}")
def action_page(action_id: EntityId, request: Request, session: SessionDep, user: WebUser) -> Response:
    """A task's link to an action: the page of its nonconformity or review; an owner who may not read those
    (a contributor) gets the action alone, with its form."""
    action = nc_service.get_action(session, action_id=action_id, user=user)
    link = nc_service.action_link(action, session)
    if user.role in READERS and not link.startswith("/actions/"):
        return see_other(link)
    names = {action.owner_id: user.full_name} if action.owner_id == user.id else {}
    nc = session.get(Nonconformity, action.nonconformity_id) if action.nonconformity_id is not None else None
    nc_state = NcState(nc.state) if nc is not None else None
    return _page(
        request,
        "audit_action.html",
        section="tasks",
        act=action_out(action, names, utcnow().date(), session),
        me_id=user.id,
        nc_state=nc_state,
        steps=nc_lifecycle.allowed_action_steps(action, user, nc_state=nc_state),
    )


@router.post("/actions/{action_id:int}/done")
def action_done(
    action_id: EntityId, session: SessionDep, user: WebUser, evidence: Text = "", evidence_numbers: Short = ""
) -> Response:
    action = nc_service.mark_action_done(
        session,
        actor=user,
        action_id=action_id,
        evidence=evidence,
        evidence_numbers=split_numbers(evidence_numbers),
    )
    link = nc_service.action_link(action, session)
    return see_other(f"{link if not link.startswith('/actions/') else '/tasks'}?done=action_done")


def _planned_actions(descriptions: list[str], owners: list[str], dues: list[str]) -> list[dict[str, Any]]:
    """The rows of the plan form; a row left empty is skipped."""
    actions = []
    for text, owner, due in zip(descriptions, owners, dues, strict=False):
        if not (text.strip() or owner.strip() or due.strip()):
            continue
        owner_value = _id(owner)
        if owner_value is None:
            raise Invalid(
                "每项措施都必须有内容、负责人和完成期限", "Each action needs a description, an owner and a due date"
            )
        actions.append(
            {"description": text, "owner_id": owner_value, "due_date": _day(due, "完成期限", "The due date")}
        )
    return actions


# Registered last (app.web.routes includes this module last): the step is a path parameter, so the fixed paths
# (/file-report, /actions) must come first.
@router.post("/nonconformities/{nc_id:int}/{action}")
def nonconformity_step(
    nc_id: EntityId,
    action: Annotated[str, Path(max_length=16)],
    session: SessionDep,
    user: WebUser,
    cause_analysis: Text = "",
    similar_elsewhere: Annotated[str, Form(max_length=3)] = "",
    similar_details: Text = "",
    description: Annotated[list[str] | None, Form(max_length=20000)] = None,
    owner_id: Annotated[list[str] | None, Form(max_length=12)] = None,
    due_date: Annotated[list[str] | None, Form(max_length=10)] = None,
    completion_evidence: Text = "",
    verification: Text = "",
    reason: Text = "",
    comment: Text = "",
) -> Response:
    """One form per step of the nonconformity's lifecycle, all through nc_service.act."""
    if action not in NcAction.__members__:
        raise NotFound("页面不存在", "Page not found")
    step = NcAction(action)
    forms: dict[NcAction, dict[str, Any]] = {
        NcAction.analyse: {
            "cause_analysis": cause_analysis,
            "similar_elsewhere": {"yes": True, "no": False}.get(similar_elsewhere),
            "similar_details": similar_details,
        },
        NcAction.plan: {"actions": []},
        NcAction.complete: {"completion_evidence": completion_evidence},
        NcAction.verify: {"verification": verification},
        NcAction.reopen: {"reason": reason},
        NcAction.close: {"comment": comment},
        NcAction.cancel: {"reason": reason},
    }
    content = forms[step]
    if step == NcAction.plan:
        content["actions"] = _planned_actions(description or [], owner_id or [], due_date or [])
    nc_service.act(session, actor=user, nc_id=nc_id, action=step, content=content)
    return see_other(f"/nonconformities/{nc_id}?done=nc_{step}")
