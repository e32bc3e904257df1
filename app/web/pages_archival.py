"""四性检测 (archival check) pages for coordinators and auditors: the runs of the park (on demand and before
evidence exports) with their verdicts, a form to check a scope, and one run's figures, problems and report."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from app.archival import service
from app.archival.access import CHECKERS
from app.archival.models import ScopeKind
from app.archival.result import CHECKS
from app.archival.schemas import check_detail, check_public
from app.clauses import queries as clause_queries
from app.db import SessionDep
from app.deps import EntityId
from app.web.common import TEMPLATES, WebUser, render, see_other
from app.web.i18n import TEXT

router = APIRouter()

TEMPLATES.env.globals["archival_checkers"] = frozenset(str(role) for role in CHECKERS)

TEXT.update(
    {
        "nav.archival": ("四性检测", "Archival check"),
        "archival.title": ("电子档案四性检测", "Archival check (four properties)"),
        "archival.intro": (
            "按 DA/T 70—2018 的真实性、完整性、可用性、安全性检查所选范围内每个版本的文件、签名、审计追踪和元数据；"
            "导出证据包前也会自动检测，报告随包导出。",
            "Checks every revision in the scope (files, signatures, audit trail, metadata) for the four properties of "
            "DA/T 70-2018: authenticity, integrity, usability, security. Evidence exports run it first and carry the "
            "report.",
        ),
        "archival.new_h": ("进行检测", "Run a check"),
        "archival.kind": ("范围", "Scope"),
        "archival.doc_types": ("文件类型（可多选）", "Document types (several allowed)"),
        "archival.clause": ("条款（含下级条款）", "Clause (with its sub-clauses)"),
        "archival.control_nos": ("受控编号（逗号或换行分隔）", "Control numbers (comma or line separated)"),
        "archival.period_from": ("归档/生效起", "Filed or effective from"),
        "archival.period_to": ("归档/生效止", "Filed or effective to"),
        "archival.run": ("开始检测", "Run the check"),
        "archival.runs_h": ("检测记录", "Check runs"),
        "archival.none": ("尚无检测记录。", "No check yet."),
        "archival.no": ("编号", "No."),
        "archival.when": ("时间", "When"),
        "archival.by": ("检测人", "By"),
        "archival.origin": ("来源", "Origin"),
        "archival.verdict": ("结论", "Verdict"),
        "archival.revisions": ("版本数", "Revisions"),
        "archival.problems": ("问题数", "Problems"),
        "archival.report": ("下载报告（.docx）", "Download the report (.docx)"),
        "archival.property": ("性质", "Property"),
        "archival.check": ("检测项", "Check"),
        "archival.passed": ("通过", "Passed"),
        "archival.failed": ("未通过", "Failed"),
        "archival.not_checked": ("未检", "Not checked"),
        "archival.problems_h": ("问题清单", "Problems"),
        "archival.no_problem": ("未发现问题。", "No problem found."),
        "archival.document": ("文件", "Document"),
        "archival.whole_scope": ("整个范围", "Whole scope"),
        "archival.message": ("问题", "Problem"),
        "archival.back": ("返回检测记录", "Back to the runs"),
        "archival.formats": ("允许的格式", "Allowed formats"),
        "archival.choose": ("（请选择）", "(choose)"),
    }
)


@router.get("/archival")
def archival_page(request: Request, session: SessionDep, user: WebUser) -> Response:
    runs = [check_public(run) for run in service.list_checks(session, user=user)]
    return render(
        request,
        "archival.html",
        section="archival",
        runs=runs,
        kinds=list(ScopeKind),
        doc_types=clause_queries.list_doc_types(session),
        clause_list=clause_queries.list_clauses(session),
    )


def _split(text: str) -> list[str]:
    return [part for part in text.replace("\n", ",").replace("，", ",").split(",") if part.strip()]


@router.post("/archival/checks")
def run_check(
    session: SessionDep,
    user: WebUser,
    kind: Annotated[ScopeKind, Form()] = ScopeKind.park,
    doc_types: Annotated[list[str] | None, Form()] = None,
    clause: Annotated[str, Form(max_length=16)] = "",
    control_nos: Annotated[str, Form(max_length=20_000)] = "",
    period_from: Annotated[date | None, Form()] = None,
    period_to: Annotated[date | None, Form()] = None,
) -> Response:
    """The form's check: fields that do not belong to the chosen scope kind are ignored (the form shows them all)."""
    run = service.check_request(
        session,
        actor=user,
        kind=kind,
        doc_types=(doc_types or []) if kind == ScopeKind.doc_types else [],
        clause=clause if kind == ScopeKind.clause else None,
        control_nos=_split(control_nos) if kind == ScopeKind.documents else None,
        period_from=period_from,
        period_to=period_to,
    )
    return see_other(f"/archival/{run.id}")


@router.get("/archival/{check_id:int}")
def check_page(check_id: EntityId, request: Request, session: SessionDep, user: WebUser) -> Response:
    run = service.get_check(session, user=user, check_id=check_id)
    return render(
        request,
        "archival_check.html",
        section="archival",
        run=check_detail(run, service.problems_of(session, check_id)),
        checks=CHECKS,
    )
