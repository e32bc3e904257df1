"""Shapes of objectives, targets, measures, completion and letters for the API and the pages: request bodies
validated here, decimals written exactly as strings, codes with their labels."""

import json
from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, Field

from app.labels import label_pair
from app.performance.completion import RULE_EN, RULE_ZH, Completion
from app.performance.measures import MeasureView
from app.performance.models import (
    MeasureProgress,
    MeasureStatus,
    Milestone,
    Objective,
    ObjectiveCategory,
    ResponsibilityLetter,
    Target,
)

Id = Annotated[int, Field(ge=1, le=2_147_483_647)]
Year = Annotated[int, Field(ge=1990, le=2100)]
Amount = Annotated[Decimal, Field(allow_inf_nan=False, max_digits=28, decimal_places=10)]
NonNegative = Annotated[Decimal, Field(allow_inf_nan=False, max_digits=28, decimal_places=10, ge=0)]
Title = Annotated[str, Field(min_length=1, max_length=300)]
Unit = Annotated[str, Field(min_length=1, max_length=200)]
Text = Annotated[str, Field(max_length=10_000)]
Considerations = dict[Annotated[str, Field(max_length=40)], Annotated[str, Field(max_length=2000)]]


class ObjectiveIn(BaseModel):
    category: ObjectiveCategory
    title: Title
    description: Text = ""
    target_year: Year | None = None
    considerations: Considerations = {}


class ObjectivePatch(BaseModel):
    category: ObjectiveCategory | None = None
    title: Title | None = None
    description: Text | None = None
    target_year: Year | None = None
    considerations: Considerations | None = None


class TargetIn(BaseModel):
    objective_id: Id
    parent_id: Id | None = None
    indicator_id: Id
    title: Title
    target_value: Amount
    base_year: Year | None = None
    start_year: Year
    deadline: date
    responsible_unit: Unit
    responsible_enterprise_id: Id | None = None
    responsible_person: Annotated[str, Field(max_length=100)] = ""
    considerations: Considerations = {}
    industry_benchmark: Amount | None = None
    benchmark_source: Text = ""


class TargetPatch(BaseModel):
    parent_id: Id | None = None
    indicator_id: Id | None = None
    title: Title | None = None
    target_value: Amount | None = None
    base_year: Year | None = None
    start_year: Year | None = None
    deadline: date | None = None
    responsible_unit: Unit | None = None
    responsible_enterprise_id: Id | None = None
    responsible_person: Annotated[str, Field(max_length=100)] | None = None
    considerations: Considerations | None = None
    industry_benchmark: Amount | None = None
    benchmark_source: Text | None = None


class WithdrawIn(BaseModel):
    reason: Annotated[str, Field(min_length=1, max_length=2000)]


class MeasureIn(BaseModel):
    title: Title
    enterprise_id: Id | None = None
    source_id: Id | None = None
    kind: Annotated[str, Field(max_length=32)] = ""
    technical_content: Text = ""
    expected_reduction: NonNegative | None = None
    path_method: Text = ""
    responsible_unit: Unit
    resources_people: Text = ""
    resources_equipment: Text = ""
    budget: NonNegative | None = None
    start_date: date
    end_date: date
    verification_method: Text = ""
    plan_document_id: Id | None = None
    target_ids: Annotated[list[Id], Field(max_length=200)] = []


class MeasurePatch(BaseModel):
    title: Title | None = None
    enterprise_id: Id | None = None
    source_id: Id | None = None
    kind: Annotated[str, Field(max_length=32)] | None = None
    technical_content: Text | None = None
    expected_reduction: NonNegative | None = None
    path_method: Text | None = None
    responsible_unit: Unit | None = None
    resources_people: Text | None = None
    resources_equipment: Text | None = None
    budget: NonNegative | None = None
    start_date: date | None = None
    end_date: date | None = None
    verification_method: Text | None = None
    plan_document_id: Id | None = None
    target_ids: Annotated[list[Id], Field(max_length=200)] | None = None


class MilestoneIn(BaseModel):
    title: Title
    due_date: date


class MilestoneDoneIn(BaseModel):
    done_on: date


class ProgressIn(BaseModel):
    year: Year
    period: Annotated[int, Field(ge=0, le=12)] = 0
    status: MeasureStatus
    achieved_reduction: Amount | None = None
    verification: Text = ""
    evidence_document_id: Id | None = None
    note: Text = ""


class LetterIn(BaseModel):
    responsible_unit: Unit
    year: Year


class ChecklistIn(BaseModel):
    year: Year


# ---------------------------------------------------------------- out


def dec(value: Decimal | None) -> str | None:
    return None if value is None else "0" if value == 0 else format(value.normalize(), "f")


def _label(kind: str, code: Any) -> dict[str, str]:
    zh, en = label_pair(kind, code)
    return {"zh": zh, "en": en}


def _considerations(stored: str) -> list[dict[str, Any]]:
    return [
        {"code": code, "label": _label("consideration", code), "text": text}
        for code, text in json.loads(stored).items()
    ]


def objective_out(objective: Objective, targets: list[Target] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": objective.id,
        "category": str(objective.category),
        "category_label": _label("objective_category", objective.category),
        "title": objective.title,
        "description": objective.description,
        "target_year": objective.target_year,
        "considerations": _considerations(objective.considerations_json),
        "withdrawn": objective.withdrawn_at is not None,
        "withdrawn_reason": objective.withdrawn_reason,
    }
    if targets is not None:
        out["targets"] = [target_out(t) for t in targets]
    return out


def target_out(target: Target) -> dict[str, Any]:
    return {
        "id": target.id,
        "objective_id": target.objective_id,
        "parent_id": target.parent_id,
        "indicator_id": target.indicator_id,
        "title": target.title,
        "target_value": dec(target.target_value),
        "base_year": target.base_year,
        "start_year": target.start_year,
        "deadline": target.deadline.isoformat(),
        "responsible_unit": target.responsible_unit,
        "responsible_enterprise_id": target.responsible_enterprise_id,
        "responsible_person": target.responsible_person,
        "considerations": _considerations(target.considerations_json),
        "industry_benchmark": dec(target.industry_benchmark),
        "benchmark_source": target.benchmark_source,
        "withdrawn": target.withdrawn_at is not None,
        "withdrawn_reason": target.withdrawn_reason,
    }


def milestone_out(milestone: Milestone) -> dict[str, Any]:
    return {
        "id": milestone.id,
        "title": milestone.title,
        "due_date": milestone.due_date.isoformat(),
        "done_on": milestone.done_on.isoformat() if milestone.done_on else None,
    }


def progress_out(row: MeasureProgress) -> dict[str, Any]:
    return {
        "id": row.id,
        "year": row.year,
        "period": row.period,
        "status": str(row.status),
        "status_label": _label("measure_status", row.status),
        "achieved_reduction": dec(row.achieved_reduction),
        "verification": row.verification,
        "evidence_document_id": row.evidence_document_id,
        "note": row.note,
    }


def measure_out(view: MeasureView) -> dict[str, Any]:
    m = view.measure
    return {
        "id": m.id,
        "title": m.title,
        "enterprise_id": m.enterprise_id,
        "source_id": m.source_id,
        "kind": m.kind,
        "technical_content": m.technical_content,
        "expected_reduction": dec(m.expected_reduction),
        "path_method": m.path_method,
        "responsible_unit": m.responsible_unit,
        "resources_people": m.resources_people,
        "resources_equipment": m.resources_equipment,
        "budget": dec(m.budget),
        "start_date": m.start_date.isoformat(),
        "end_date": m.end_date.isoformat(),
        "verification_method": m.verification_method,
        "plan_document_id": m.plan_document_id,
        "target_ids": view.target_ids,
        "milestones": [milestone_out(s) for s in view.milestones],
        "progress": [progress_out(p) for p in view.progress],
        "status": str(view.status),
        "status_label": _label("measure_status", view.status),
        "behind_schedule": view.behind_schedule,
        "achieved_reduction": dec(view.achieved_reduction),
    }


def trail_out(value: Any) -> dict[str, Any] | None:
    """The judged value's trail, with the API address that shows it."""
    if value is None:
        return None
    trail = dict(value.trail)
    if trail.get("kind") == "inventory":
        trail["href"] = f"/api/inventory/years/{trail['year']}/trail?level={trail['level']}&key={trail['key']}"
    return trail


def completion_out(row: Completion) -> dict[str, Any]:
    baseline = row.baseline
    result = row.result
    return {
        "target": target_out(row.target),
        "objective_title": row.objective_title,
        "indicator": {
            "id": row.indicator.id,
            "code": row.indicator.code,
            "name": row.indicator.name,
            "unit": row.indicator.unit,
            "direction": str(row.indicator.direction),
        },
        "baseline": None
        if baseline is None
        else {
            "id": baseline.id,
            "version": baseline.version,
            "base_year": baseline.base_year,
            "base_line": baseline.base_line,
            "value": dec(baseline.value),
        },
        "status": str(result.status),
        "status_label": _label("target_status", result.status),
        "year": result.year,
        "value": dec(result.value),
        "expected": dec(result.expected),
        "against_target": dec(row.against_target),
        "against_baseline": dec(row.against_baseline),
        "against_baseline_percent": dec(row.against_baseline_percent),
        "trail": trail_out(row.judged),
        "values": [
            {"year": y, "value": dec(v.value), "missing": v.missing, "trail": trail_out(v)}
            for y, v in sorted(row.values.items())
        ],
        "measures": [
            {
                "id": m.measure.id,
                "title": m.measure.title,
                "status": str(m.status),
                "behind_schedule": m.behind_schedule,
            }
            for m in row.measures
        ],
    }


def rule_out() -> dict[str, str]:
    return {"zh": RULE_ZH, "en": RULE_EN}


def letter_out(letter: ResponsibilityLetter, state: Any) -> dict[str, Any]:
    return {
        "id": letter.id,
        "responsible_unit": letter.responsible_unit,
        "year": letter.year,
        "document_id": letter.document_id,
        "revision_id": letter.revision_id,
        "revision_state": str(state),
        "revision_state_label": _label("state", state),
        "targets": json.loads(letter.targets_json),
    }
