"""Shapes of archival checks for the API and the page (one source, so they cannot disagree)."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, Field

from app.archival import service
from app.archival.models import ArchivalCheck, ArchivalProblem, ScopeKind
from app.archival.result import CHECKS
from app.archival.scope import scope_label
from app.common import as_utc
from app.labels import label_pair

DocTypeCode = Annotated[str, Field(max_length=48)]


class ScopeIn(BaseModel):
    """POST /api/archival/checks: what to check."""

    kind: ScopeKind = ScopeKind.park
    doc_types: list[DocTypeCode] = Field(default_factory=list, max_length=100)
    clause: str | None = Field(default=None, max_length=16)
    document_ids: list[Annotated[int, Field(ge=1, le=2_147_483_647)]] = Field(default_factory=list, max_length=1000)
    period_from: date | None = None
    period_to: date | None = None


class ProblemPublic(BaseModel):
    position: int
    property: str
    property_zh: str
    property_en: str
    check: str
    check_zh: str
    check_en: str
    document_id: int | None
    revision_id: int | None
    control_no: str
    revision_number: int | None
    message_zh: str
    message_en: str


class CheckPublic(BaseModel):
    id: int
    created_at: datetime
    created_by_name: str
    origin: str
    origin_zh: str
    origin_en: str
    scope: dict[str, Any]
    scope_zh: str
    scope_en: str
    verdict: str
    verdict_zh: str
    verdict_en: str
    documents_checked: int
    revisions_checked: int
    problems_count: int
    allowed_formats: list[str]
    figures: dict[str, Any]
    report_url: str


class CheckDetail(CheckPublic):
    chain: dict[str, Any]
    problems: list[ProblemPublic]


def _figures(run: ArchivalCheck) -> dict[str, Any]:
    """Per property, its counts and its checks' counts, with their words."""
    stored = service.figures_of(run)
    out: dict[str, Any] = {"destroyed": stored.get("destroyed", 0), "properties": []}
    for prop, checks in CHECKS.items():
        data = stored[str(prop)]
        zh, en = label_pair("archival_property", prop)
        out["properties"].append(
            {
                "property": str(prop),
                "label_zh": zh,
                "label_en": en,
                **{key: data[key] for key in ("passed", "failed", "not_checked")},
                "checks": [
                    {
                        "check": check,
                        "label_zh": label_pair("archival_check", check)[0],
                        "label_en": label_pair("archival_check", check)[1],
                        **data["checks"][check],
                    }
                    for check in checks
                ],
            }
        )
    return out


def check_public(run: ArchivalCheck) -> CheckPublic:
    assert run.id is not None  # a stored run
    scope = service.scope_of(run)
    scope_zh, scope_en = scope_label(scope)
    origin_zh, origin_en = label_pair("archival_origin", run.origin)
    verdict_zh, verdict_en = label_pair("archival_verdict", run.verdict)
    return CheckPublic(
        id=run.id,
        created_at=as_utc(run.created_at),
        created_by_name=run.created_by_name,
        origin=run.origin,
        origin_zh=origin_zh,
        origin_en=origin_en,
        scope=scope.as_dict(),
        scope_zh=scope_zh,
        scope_en=scope_en,
        verdict=run.verdict,
        verdict_zh=verdict_zh,
        verdict_en=verdict_en,
        documents_checked=run.documents_checked,
        revisions_checked=run.revisions_checked,
        problems_count=run.problems_count,
        allowed_formats=[code for code in run.allowed_formats.split(",") if code],
        figures=_figures(run),
        report_url=f"/api/archival/checks/{run.id}/report.docx",
    )


def problem_public(problem: ArchivalProblem) -> ProblemPublic:
    property_zh, property_en = label_pair("archival_property", problem.property)
    check_zh, check_en = label_pair("archival_check", problem.check_code)
    return ProblemPublic(
        position=problem.position,
        property=problem.property,
        property_zh=property_zh,
        property_en=property_en,
        check=problem.check_code,
        check_zh=check_zh,
        check_en=check_en,
        document_id=problem.document_id,
        revision_id=problem.revision_id,
        control_no=problem.control_no,
        revision_number=problem.revision_number,
        message_zh=problem.message_zh,
        message_en=problem.message_en,
    )


def check_detail(run: ArchivalCheck, problems: list[ArchivalProblem]) -> CheckDetail:
    return CheckDetail(
        **check_public(run).model_dump(),
        chain=json.loads(run.chain_json or "{}"),
        problems=[problem_public(problem) for problem in problems],
    )
