"""Internal audits (10.2), nonconformities and corrective actions (11.2), management reviews (10.3): the pages.

Thin like the API: parse the form, call the same service function (app.audits.*), redirect with a message. The
pages shape their data with the API's own shaping functions, so a page and the API never disagree.
"""

import json
import re
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import Response

from app.audits import lifecycle as nc_lifecycle
from app.audits import nonconformities as nc_service
from app.audits import reports, reviews, service, tasks
from app.audits.checklist import CHAPTERS
from app.audits.common import READERS, get_audit
from app.audits.models import AuditState, FindingKind, LineResult, NcOrigin, NcState, Nonconformity, Severity
from app.audits.routes import audit_detail, audit_summary
from app.audits.routes_nonconformities import action_out, nc_detail, nc_summary
from app.audits.routes_reviews import review_detail, review_summary
from app.clauses import queries as clause_queries
from app.db import SessionDep
from app.deps import EntityId
from app.errors import Invalid
from app.events import service as events
from app.labels import LABELS
from app.users.models import Role
from app.users.service import list_users
from app.web.common import TEMPLATES, WebUser, get_lang, render, see_other

router = APIRouter()
# The layout shows the audit links to the roles the services let read them (READERS: one rule, two uses).
TEMPLATES.env.globals["audit_readers"] = frozenset(str(role) for role in READERS)

Text = Annotated[str, Form(max_length=20000)]
Short = Annotated[str, Form(max_length=300)]
OptDate = Annotated[str, Form(max_length=10)]
OptId = Annotated[str, Form(max_length=12)]

# The one label table (app/labels.py), plus the review outputs, which are the standard's own words (10.3.2).
AUDIT_LABELS: dict[str, dict[str, tuple[str, str]]] = {**LABELS, "output": reviews.OUTPUT_ITEMS}


def _labeller(request: Request):  # noqa: ANN202
    """AL(kind, key): the audit domains' own label tables (service, lifecycle, reviews) in the reader's language."""
    lang = get_lang(request)

    def al(kind: str, key: Any) -> str:
        pair = AUDIT_LABELS.get(kind, {}).get(str(key) if key is not None else "")
        if pair is None:
            return "" if key is None else str(key)
        text = pair[0] if lang == "zh" else pair[1]
        return text[:1].upper() + text[1:]

    return al


def _page(request: Request, name: str, **context: Any) -> Response:
    return render(request, name, AL=_labeller(request), **context)


def _split(text: str) -> list[str]:
    """A list typed into one field: commas (either width), semicolons, new lines."""
    return [part.strip() for part in re.split(r"[,，;；、\n]+", text or "") if part.strip()]


def _day(value: str, what_zh: str, what_en: str) -> date | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise Invalid(f"{what_zh}不是有效日期（YYYY-MM-DD）", f"{what_en} is not a valid date (YYYY-MM-DD)") from None


def _id(value: str) -> int | None:
    value = (value or "").strip()
    if not value:
        return None
    if not value.isdigit() or not 1 <= int(value) <= 2_147_483_647:
        raise Invalid("编号不正确", "Bad id")
    return int(value)


def _people(session: SessionDep, user: WebUser) -> list[dict[str, Any]]:
    return [
        {"id": u.id, "name": u.full_name, "role": str(u.role), "unit": u.unit or ""}
        for u in list_users(session, park_id=user.park_id)
        if u.is_active
    ]


def _history(session: SessionDep, park_id: int, entities: list[tuple[str, int]]) -> list[dict]:
    """The audit events of these entities, oldest first, with one plain line each."""
    rows = []
    for entity_type, entity_id in entities:
        rows += events.list_events(
            session, park_id=park_id, entity_type=entity_type, entity_id=str(entity_id), limit=500
        )
    out = []
    for row in sorted(rows, key=lambda r: r.seq):
        before = json.loads(row.before_json or "{}") or {}
        after = json.loads(row.after_json or "{}") or {}
        out.append(
            {
                "seq": row.seq,
                "occurred_at": row.occurred_at,
                "actor_name": row.actor_name,
                "action": row.action,
                "before_state": before.get("state"),
                "after_state": after.get("state"),
                "text": "；".join(
                    str(after[key])
                    for key in (
                        "cause_analysis",
                        "verification",
                        "reason",
                        "comment",
                        "completion_evidence",
                        "evidence",
                        "description",
                    )
                    if after.get(key)
                ),
            }
        )
    return out


# ---------------------------------------------------------------- audits


@router.get("/audits")
def audits_page(
    request: Request, session: SessionDep, user: WebUser, year: Annotated[int | None, Query(ge=2000, le=2100)] = None
) -> Response:
    programmes = service.list_programmes(session, user=user)
    audits = [audit_summary(a) for a in service.list_audits(session, user=user, year=year)]
    names = {p["id"]: p["name"] for p in _people(session, user)}
    return _page(
        request,
        "audits.html",
        section="audits",
        programmes=programmes,
        audits=audits,
        year=year,
        names=names,
        may_plan=user.role in service.AUDIT_PLANNERS,
        auditors=[p for p in _people(session, user) if p["role"] == "auditor"],
        chapters=CHAPTERS,
    )


@router.post("/audits")
def create_audit(
    session: SessionDep,
    user: WebUser,
    title: Short,
    scope: Short,
    units: Short,
    planned_start: OptDate,
    planned_end: OptDate,
    lead_auditor_id: OptId,
    criteria: Text = "",
    auditor_ids: Annotated[list[str] | None, Form(max_length=12)] = None,
) -> Response:
    start = _day(planned_start, "计划开始日期", "The planned start")
    end = _day(planned_end, "计划结束日期", "The planned end")
    lead = _id(lead_auditor_id)
    if start is None or end is None or lead is None:
        raise Invalid("请填写计划日期并选择审核组长", "Give the planned dates and choose the lead auditor")
    audit = service.create_audit(
        session,
        actor=user,
        title=title,
        scope=_split(scope),
        criteria=criteria,
        planned_start=start,
        planned_end=end,
        lead_auditor_id=lead,
        auditor_ids=[i for i in (_id(v) for v in auditor_ids or []) if i],
        units=_split(units),
    )
    return see_other(f"/audits/{audit.id}?done=audit_created")


@router.get("/audits/{audit_id:int}")
def audit_page(audit_id: EntityId, request: Request, session: SessionDep, user: WebUser) -> Response:
    audit = get_audit(session, audit_id=audit_id, user=user)
    detail = audit_detail(session, audit)
    team = service.team_ids(audit)
    on_team = user.role == Role.auditor and user.id in team
    may_add_finding = on_team and audit.state == AuditState.in_progress  # service.add_finding: the team, in progress
    return _page(
        request,
        "audit.html",
        section="audits",
        a=detail,
        on_team=on_team,
        may_add_finding=may_add_finding,
        finding_kinds=[k.value for k in FindingKind],
        clause_list=clause_queries.list_clauses(session) if may_add_finding else [],
        is_lead=user.role == Role.auditor and user.id == audit.lead_auditor_id,
        may_cancel=user.role == Role.coordinator or (user.role == Role.auditor and user.id == audit.lead_auditor_id),
        may_file=user.role == Role.coordinator,
        results=[r.value for r in LineResult if r != LineResult.pending],
        severities=[s.value for s in Severity],
    )


@router.post("/audits/{audit_id:int}/start")
def start_audit(audit_id: EntityId, session: SessionDep, user: WebUser) -> Response:
    service.start_audit(session, actor=user, audit_id=audit_id)
    return see_other(f"/audits/{audit_id}?done=audit_started")


@router.post("/audits/{audit_id:int}/lines/{line_id:int}")
def mark_line(
    audit_id: EntityId,
    line_id: EntityId,
    session: SessionDep,
    user: WebUser,
    result: Annotated[LineResult, Form()],
    notes: Text = "",
    severity: Annotated[str, Form(max_length=8)] = "",
    description: Text = "",
    evidence_examined: Text = "",
    evidence_document_ids: Annotated[list[str] | None, Form(max_length=12)] = None,
) -> Response:
    service.mark_line(
        session,
        actor=user,
        audit_id=audit_id,
        line_id=line_id,
        result=result,
        notes=notes,
        evidence_document_ids=[i for i in (_id(v) for v in evidence_document_ids or []) if i],
        severity=Severity(severity) if severity in {s.value for s in Severity} else None,
        description=description,
        evidence_examined=evidence_examined,
    )
    return see_other(f"/audits/{audit_id}?done=line_marked#line-{line_id}")


@router.post("/audits/{audit_id:int}/complete")
def complete_audit(audit_id: EntityId, session: SessionDep, user: WebUser, conclusion: Text = "") -> Response:
    service.complete_audit(session, actor=user, audit_id=audit_id, conclusion=conclusion)
    return see_other(f"/audits/{audit_id}?done=audit_completed")


@router.post("/audits/{audit_id:int}/cancel")
def cancel_audit(audit_id: EntityId, session: SessionDep, user: WebUser, reason: Text = "") -> Response:
    service.cancel_audit(session, actor=user, audit_id=audit_id, reason=reason)
    return see_other(f"/audits/{audit_id}?done=audit_cancelled")


@router.post("/audits/{audit_id:int}/file-report")
def file_audit_report(audit_id: EntityId, session: SessionDep, user: WebUser) -> Response:
    reports.file_audit_report(session, actor=user, audit_id=audit_id)
    return see_other(f"/audits/{audit_id}?done=report_filed")


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
    # nc_service.add_action: a coordinator, while the actions are under way
    may_add_action = user.role in nc_lifecycle.COORDINATORS and nc.state == NcState.action_planned
    return _page(
        request,
        "nonconformity.html",
        section="nonconformities",
        n=detail,
        me_id=user.id,
        people=_people(session, user),
        history=_history(session, user.park_id, entities),
        may_file=user.role == Role.coordinator,
        may_add_action=may_add_action,
    )


@router.post("/nonconformities/{nc_id:int}/analyse")
def analyse(
    nc_id: EntityId,
    session: SessionDep,
    user: WebUser,
    cause_analysis: Text = "",
    similar_elsewhere: Annotated[str, Form(max_length=3)] = "",
    similar_details: Text = "",
) -> Response:
    similar = {"yes": True, "no": False}.get(similar_elsewhere)
    nc_service.analyse(
        session,
        actor=user,
        nc_id=nc_id,
        cause_analysis=cause_analysis,
        similar_elsewhere=similar,
        similar_details=similar_details,
    )
    return see_other(f"/nonconformities/{nc_id}?done=nc_analyse")


@router.post("/nonconformities/{nc_id:int}/plan")
def plan(
    nc_id: EntityId,
    session: SessionDep,
    user: WebUser,
    description: Annotated[list[str] | None, Form(max_length=20000)] = None,
    owner_id: Annotated[list[str] | None, Form(max_length=12)] = None,
    due_date: Annotated[list[str] | None, Form(max_length=10)] = None,
) -> Response:
    actions = []
    rows = zip(description or [], owner_id or [], due_date or [], strict=False)
    for text, owner, due in rows:
        if not (text.strip() or owner.strip() or due.strip()):
            continue  # an empty row of the form
        owner_value = _id(owner)
        if owner_value is None:
            raise Invalid(
                "每项措施都必须有内容、负责人和完成期限", "Each action needs a description, an owner and a due date"
            )
        actions.append(
            {"description": text, "owner_id": owner_value, "due_date": _day(due, "完成期限", "The due date")}
        )
    nc_service.plan(session, actor=user, nc_id=nc_id, actions=actions)
    return see_other(f"/nonconformities/{nc_id}?done=nc_plan")


@router.post("/nonconformities/{nc_id:int}/complete")
def complete(nc_id: EntityId, session: SessionDep, user: WebUser, completion_evidence: Text = "") -> Response:
    nc_service.complete(session, actor=user, nc_id=nc_id, completion_evidence=completion_evidence)
    return see_other(f"/nonconformities/{nc_id}?done=nc_complete")


@router.post("/nonconformities/{nc_id:int}/verify")
def verify(nc_id: EntityId, session: SessionDep, user: WebUser, verification: Text = "") -> Response:
    nc_service.verify(session, actor=user, nc_id=nc_id, verification=verification)
    return see_other(f"/nonconformities/{nc_id}?done=nc_verify")


@router.post("/nonconformities/{nc_id:int}/reopen")
def reopen(nc_id: EntityId, session: SessionDep, user: WebUser, reason: Text = "") -> Response:
    nc_service.reopen(session, actor=user, nc_id=nc_id, reason=reason)
    return see_other(f"/nonconformities/{nc_id}?done=nc_reopen")


@router.post("/nonconformities/{nc_id:int}/close")
def close(nc_id: EntityId, session: SessionDep, user: WebUser, comment: Text = "") -> Response:
    nc_service.close(session, actor=user, nc_id=nc_id, comment=comment)
    return see_other(f"/nonconformities/{nc_id}?done=nc_close")


@router.post("/nonconformities/{nc_id:int}/cancel")
def cancel(nc_id: EntityId, session: SessionDep, user: WebUser, reason: Text = "") -> Response:
    nc_service.cancel(session, actor=user, nc_id=nc_id, reason=reason)
    return see_other(f"/nonconformities/{nc_id}?done=nc_cancel")


@router.post("/nonconformities/{nc_id:int}/file-report")
def file_nonconformity_record(nc_id: EntityId, session: SessionDep, user: WebUser) -> Response:
    reports.file_nonconformity_record(session, actor=user, nc_id=nc_id)
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
    nc_state = None
    if action.nonconformity_id is not None:
        nc_state = str(session.get(Nonconformity, action.nonconformity_id).state)
    return _page(
        request,
        "audit_action.html",
        section="tasks",
        act=action_out(action, names, tasks.today_utc()),
        me_id=user.id,
        nc_state=nc_state,
    )


@router.post("/actions/{action_id:int}/done")
def action_done(action_id: EntityId, session: SessionDep, user: WebUser, evidence: Text = "") -> Response:
    action = nc_service.mark_action_done(session, actor=user, action_id=action_id, evidence=evidence)
    link = nc_service.action_link(action, session)
    return see_other(f"{link if not link.startswith('/actions/') else '/tasks'}?done=action_done")


# ---------------------------------------------------------------- management reviews


@router.get("/reviews")
def reviews_page(request: Request, session: SessionDep, user: WebUser) -> Response:
    rows = [review_summary(r) for r in reviews.list_reviews(session, user=user)]
    return _page(request, "reviews.html", section="reviews", items=rows, may_create=user.role == Role.coordinator)


@router.post("/reviews")
def create_review(session: SessionDep, user: WebUser, review_date: OptDate, title: Short = "") -> Response:
    day = _day(review_date, "评审日期", "The review date")
    if day is None:
        raise Invalid("请填写评审日期", "The review date is required")
    review = reviews.create_review(session, actor=user, title=title, review_date=day)
    return see_other(f"/reviews/{review.id}?done=review_created")


@router.get("/reviews/{review_id:int}")
def review_page(review_id: EntityId, request: Request, session: SessionDep, user: WebUser) -> Response:
    review = reviews.get_review(session, review_id=review_id, user=user)
    detail = review_detail(session, review)
    raised = [
        nc_summary(session, nc)
        for nc in nc_service.list_nonconformities(session, user=user, origin=NcOrigin.management_review)
        if nc.review_id == review.id
    ]
    may_raise = user.role in nc_service.NC_RAISERS  # nc_service.raise_nonconformity: any state of the review
    return _page(
        request,
        "review.html",
        section="reviews",
        r=detail,
        people=_people(session, user),
        may_edit=user.role in reviews.REVIEW_EDITORS and detail["state"] == "draft",
        may_close=user.role == Role.top_management and detail["state"] == "draft",
        may_file=user.role == Role.coordinator,
        outputs=reviews.OUTPUT_ITEMS,
        raised=raised,
        may_raise=may_raise,
        severities=[s.value for s in Severity],
        clause_list=clause_queries.list_clauses(session) if may_raise else [],
    )


@router.post("/reviews/{review_id:int}/inputs")
def set_input(
    review_id: EntityId, session: SessionDep, user: WebUser, key: Annotated[str, Form(max_length=64)], text: Text = ""
) -> Response:
    reviews.set_input(session, actor=user, review_id=review_id, key=key, text=text)
    return see_other(f"/reviews/{review_id}?done=review_input#in-{key}")


@router.post("/reviews/{review_id:int}/refresh-inputs")
def refresh_inputs(review_id: EntityId, session: SessionDep, user: WebUser) -> Response:
    reviews.refresh_inputs(session, actor=user, review_id=review_id)
    return see_other(f"/reviews/{review_id}?done=review_refreshed")


@router.post("/reviews/{review_id:int}/decisions")
def add_decision(
    review_id: EntityId,
    session: SessionDep,
    user: WebUser,
    output_item: Annotated[str, Form(max_length=4)],
    decision: Text = "",
    action_description: Text = "",
    action_owner_id: OptId = "",
    action_due_date: OptDate = "",
) -> Response:
    action = None
    owner = _id(action_owner_id)
    due = _day(action_due_date, "完成期限", "The due date")
    if owner is not None or due is not None or action_description.strip():
        if owner is None:
            raise Invalid(
                "每项措施都必须有内容、负责人和完成期限", "Each action needs a description, an owner and a due date"
            )
        action = {"description": action_description, "owner_id": owner, "due_date": due}
    reviews.add_decision(
        session, actor=user, review_id=review_id, output_item=output_item, decision=decision, action=action
    )
    return see_other(f"/reviews/{review_id}?done=review_decision")


@router.post("/reviews/{review_id:int}/close")
def close_review(
    review_id: EntityId,
    session: SessionDep,
    user: WebUser,
    password: Annotated[str, Form(max_length=256)] = "",
    comment: Text = "",
) -> Response:
    reviews.close_review(session, actor=user, review_id=review_id, password=password, comment=comment)
    return see_other(f"/reviews/{review_id}?done=review_closed")


@router.post("/reviews/{review_id:int}/file-report")
def file_review_report(review_id: EntityId, session: SessionDep, user: WebUser) -> Response:
    reports.file_review_report(session, actor=user, review_id=review_id)
    return see_other(f"/reviews/{review_id}?done=report_filed")
