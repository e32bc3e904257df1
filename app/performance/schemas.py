"""Shapes of indicators, their values and baselines for the API and the pages: decimals as exact strings, codes
with their labels, every value with the link to its trail."""

import json
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, Field

from app.inventory.schemas import dec
from app.labels import label_pair
from app.performance.baselines import Offer, Version
from app.performance.calculation import IndicatorValue
from app.performance.models import (
    AdjustmentReason,
    Direction,
    Frequency,
    Indicator,
    IndicatorFormula,
    IndicatorLevel,
    ManualValue,
)

Json = dict[str, Any]
Number = Decimal | int | str
DbInt = Field(ge=1, le=2_147_483_647)


# ---------------------------------------------------------------- input


class IndicatorIn(BaseModel):
    code: str = Field(min_length=1, max_length=40)
    name: str = Field(min_length=1, max_length=200)
    unit: str = Field(default="", max_length=40)
    level: IndicatorLevel
    enterprise_id: int | None = Field(default=None, ge=1, le=2_147_483_647)
    source_id: int | None = Field(default=None, ge=1, le=2_147_483_647)
    frequency: Frequency = Frequency.annual
    formula: IndicatorFormula
    scope: int | None = Field(default=None, ge=1, le=3)
    direction: Direction | None = None
    deviation_percent: Number | None = None
    deviation_reference: Literal["target", "baseline"] = "target"
    method: str = Field(default="", max_length=4000)


class IndicatorUpdate(BaseModel):
    code: str | None = Field(default=None, min_length=1, max_length=40)
    name: str | None = Field(default=None, min_length=1, max_length=200)
    unit: str | None = Field(default=None, max_length=40)
    level: IndicatorLevel | None = None
    enterprise_id: int | None = Field(default=None, ge=1, le=2_147_483_647)
    source_id: int | None = Field(default=None, ge=1, le=2_147_483_647)
    frequency: Frequency | None = None
    formula: IndicatorFormula | None = None
    scope: int | None = Field(default=None, ge=1, le=3)
    direction: Direction | None = None
    deviation_percent: Number | None = None
    deviation_reference: Literal["target", "baseline"] | None = None
    method: str | None = Field(default=None, max_length=4000)


class ReasonIn(BaseModel):
    reason: str = Field(default="", max_length=2000)


class ManualValueIn(BaseModel):
    year: int = Field(ge=1990, le=2100)
    period: int = Field(default=0, ge=0, le=12)
    value: Number
    evidence_document_id: int | None = Field(default=None, ge=1, le=2_147_483_647)
    evidence_note: str = Field(default="", max_length=2000)


class CorrectionIn(BaseModel):
    value: Number
    reason: str = Field(min_length=1, max_length=2000)
    evidence_document_id: int | None = Field(default=None, ge=1, le=2_147_483_647)
    evidence_note: str = Field(default="", max_length=2000)


class VariableIn(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    unit: str = Field(default="", max_length=40)
    value: Number
    source: str = Field(default="", max_length=300)


class BaselineIn(BaseModel):
    base_year: int | None = Field(default=None, ge=1990, le=2100)
    base_line: str = Field(default="", max_length=2000)
    value: Number | None = None
    variables: list[VariableIn] = Field(default_factory=list, max_length=50)


class AdjustmentIn(BaselineIn):
    reason: AdjustmentReason
    note: str = Field(min_length=1, max_length=4000)


# ---------------------------------------------------------------- output


def _labelled(kind: str, code: Any) -> Json:
    zh, en = label_pair(kind, code)
    return {"code": None if code is None else str(code), "label_zh": zh, "label_en": en}


def indicator_out(indicator: Indicator) -> Json:
    return {
        "id": indicator.id,
        "code": indicator.code,
        "name": indicator.name,
        "unit": indicator.unit,
        "level": str(indicator.level),
        "level_label": _labelled("indicator_level", indicator.level),
        "enterprise_id": indicator.enterprise_id,
        "source_id": indicator.source_id,
        "frequency": str(indicator.frequency),
        "formula": str(indicator.formula),
        "formula_label": _labelled("indicator_formula", indicator.formula),
        "scope": indicator.scope,
        "direction": str(indicator.direction),
        "direction_label": _labelled("direction", indicator.direction),
        "deviation_percent": dec(indicator.deviation_percent),
        "deviation_reference": indicator.deviation_reference,
        "method": indicator.method,
        "active": indicator.active,
        "created_at": indicator.created_at.isoformat(),
    }


def trail_url(trail: dict[str, Any]) -> str | None:
    if trail.get("kind") == "inventory":
        return f"/api/inventory/years/{trail['year']}/trail?level={trail['level']}&key={trail['key']}"
    if trail.get("kind") == "manual":
        return f"/api/performance/manual-values/{trail['manual_value_id']}"
    return None


def value_out(value: IndicatorValue) -> Json:
    missing = label_pair("value_missing", value.missing) if value.missing else None
    return {
        "indicator_id": value.indicator_id,
        "year": value.year,
        "period": value.period,
        "value": dec(value.value),
        "origin": value.origin,
        "numerator": dec(value.numerator),
        "denominator": dec(value.denominator),
        "missing": value.missing or None,
        "missing_zh": missing[0] if missing else None,
        "missing_en": missing[1] if missing else None,
        "trail": value.trail,
        "trail_url": trail_url(value.trail),
    }


def manual_out(row: ManualValue) -> Json:
    return {
        "id": row.id,
        "indicator_id": row.indicator_id,
        "year": row.year,
        "period": row.period,
        "value": dec(row.value),
        "evidence_document_id": row.evidence_document_id,
        "evidence_url": f"/api/documents/{row.evidence_document_id}" if row.evidence_document_id else None,
        "evidence_note": row.evidence_note,
        "supersedes_id": row.supersedes_id,
        "change_reason": row.change_reason,
        "entered_by_id": row.entered_by_id,
        "entered_at": row.entered_at.isoformat(),
    }


def manual_history_out(rows: list[ManualValue]) -> list[Json]:
    """Oldest first; each row says whether a later correction replaced it."""
    replaced = {row.supersedes_id for row in rows if row.supersedes_id is not None}
    return [manual_out(row) | {"current": row.id not in replaced} for row in rows]


def version_out(version: Version) -> Json:
    baseline = version.baseline
    return {
        "id": baseline.id,
        "indicator_id": baseline.indicator_id,
        "version": baseline.version,
        "base_year": baseline.base_year,
        "base_line": baseline.base_line,
        "value": dec(baseline.value),
        "previous_value": dec(version.previous_value),
        "variables": json.loads(baseline.variables_json),
        "supersedes_id": baseline.supersedes_id,
        "adjustment_reason": baseline.adjustment_reason or None,
        "adjustment_reason_label": _labelled("adjustment_reason", baseline.adjustment_reason)
        if baseline.adjustment_reason
        else None,
        "adjustment_note": baseline.adjustment_note,
        "document_id": baseline.document_id,
        "revision_id": baseline.revision_id,
        "revision_state": version.revision_state,
        "revision_state_label": _labelled("state", version.revision_state) if version.revision_state else None,
        "revision_url": f"/api/revisions/{baseline.revision_id}" if baseline.revision_id else None,
        "in_force": version.in_force,
        "created_at": baseline.created_at.isoformat(),
    }


def offer_out(offer: Offer) -> Json:
    baseline = offer.baseline
    return {
        "baseline_id": baseline.id,
        "indicator_id": baseline.indicator_id,
        "version": baseline.version,
        "base_year": baseline.base_year,
        "value": dec(baseline.value),
        "current_value": dec(offer.current_value),
        "reason": str(offer.reason),
        "reason_label": _labelled("adjustment_reason", offer.reason),
        "changed_at": offer.changed_at.isoformat(),
        "adjust_url": f"/api/performance/baselines/{baseline.id}/adjust",
    }
