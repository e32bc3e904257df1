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
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from app.audits import filing, findings, lifecycle, marking, service
from app.audits.checklist import CHAPTERS
from app.audits.common import READERS, get_audit
from app.audits.models import FindingKind, LineResult
from app.audits.schemas import audit_detail, audit_summary
from app.clauses import queries as clause_queries
from app.db import SessionDep, session_scope
from app.deps import EntityId
from app.errors import Invalid
from app.events import service as events
from app.labels import LABELS
from app.nonconformities.models import Severity
from app.reviews.inputs import OUTPUT_ITEMS
from app.users.models import User
from app.users.service import list_users
from app.web.common import TEMPLATES, WebUser, get_lang, render, see_other
from app.web.trail import people_names

router = APIRouter()
# The layout shows the audit links to the roles the services let read them (READERS: one rule, two uses).
TEMPLATES.env.globals["audit_readers"] = frozenset(str(role) for role in READERS)

Text = Annotated[str, Form(max_length=20000)]
Short = Annotated[str, Form(max_length=300)]
OptDate = Annotated[str, Form(max_length=10)]
OptId = Annotated[str, Form(max_length=12)]

# The one label table (app/labels.py), plus the review outputs, which are the standard's own words (10.3.2).
AUDIT_LABELS: dict[str, dict[str, tuple[str, str]]] = {**LABELS, "output": OUTPUT_ITEMS}


def _labeller(request: Request):
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


def _person(people: dict[int, tuple[str, str]], actor_id: int | None, fallback: str) -> str:
    full_name, username = people.get(actor_id or 0, ("", fallback))
    return f"{full_name} ({username})" if full_name else username


def _history(session: SessionDep, park_id: int, entities: list[tuple[str, int]]) -> list[dict]:
    """The audit events of these entities, oldest first, with one plain line each."""
    rows = []
    for entity_type, entity_id in entities:
        rows += events.list_events(
            session, park_id=park_id, entity_type=entity_type, entity_id=str(entity_id), limit=500
        )
    out = []
    people = people_names(session, park_id, rows)  # printed name with the user name, as on the audit trail
    for row in sorted(rows, key=lambda r: r.seq):
        before = json.loads(row.before_json or "{}") or {}
        after = json.loads(row.after_json or "{}") or {}
        out.append(
            {
                "seq": row.seq,
                "occurred_at": row.occurred_at,
                "actor_name": _person(people, row.actor_id, row.actor_name),
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
        programme_title=service.programme_title,
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


def _audit_context(session: Session, user: User, audit_id: int) -> dict[str, Any]:
    audit = get_audit(session, audit_id=audit_id, user=user)
    detail = audit_detail(session, audit)
    actions = lifecycle.allowed_actions(audit, user)
    return {
        "section": "audits",
        "a": detail,
        "actions": actions,
        "finding_kinds": [k.value for k in FindingKind],
        "clause_list": clause_queries.list_clauses(session) if "add_finding" in actions else [],
        "may_file": filing.may_file_reports(user),
        "results": [r.value for r in LineResult if r != LineResult.pending],
        "severities": [s.value for s in Severity],
    }


@router.get("/audits/{audit_id:int}")
def audit_page(audit_id: EntityId, request: Request, session: SessionDep, user: WebUser) -> Response:
    return _page(request, "audit.html", **_audit_context(session, user, audit_id))


@router.post("/audits/{audit_id:int}/lines")
async def mark_lines(audit_id: EntityId, request: Request, session: SessionDep, user: WebUser) -> Response:
    """The whole checklist in one form: every changed line saved, or none, with each refused line saying why."""
    form = await request.form()
    line_ids = sorted({int(key[7:]) for key in form if key.startswith("result-") and key[7:].isdigit()})
    verdicts = marking.verdicts_from_form(form, line_ids)

    def retry(request: Request, status_code: int, message: str) -> Response:
        with session_scope(write=False) as read:
            context = _audit_context(read, user, audit_id)
        errors = getattr(request.state, "line_errors", {})
        index = 0 if get_lang(request) == "zh" else 1
        return render(
            request,
            "audit.html",
            status_code=status_code,
            AL=_labeller(request),
            **context,
            lines_error=message,
            line_errors={line_id: pair[index] for line_id, pair in errors.items()},
            line_values={v.line_id: v for v in verdicts},
        )

    request.state.form_retry = retry
    try:
        await run_in_threadpool(marking.mark_lines, session, actor=user, audit_id=audit_id, verdicts=verdicts)
    except marking.LinesRefused as exc:
        request.state.line_errors = exc.line_errors
        raise
    return see_other(f"/audits/{audit_id}?done=lines_marked#lines-h")


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
    findings.mark_line(
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
    filing.file_audit_report(session, actor=user, audit_id=audit_id)
    return see_other(f"/audits/{audit_id}?done=report_filed")
