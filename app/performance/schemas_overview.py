"""The performance overview as the API returns it (GET /api/performance/overview): the read model of
overview.py with quantities as decimal strings, labels in both languages, and every value's trail address.
"""

from decimal import Decimal
from typing import Any

from app.labels import label_pair
from app.performance import status
from app.performance.calculation import IndicatorValue
from app.performance.models import Baseline
from app.performance.overview import IndicatorView, MeasureView, Overview, TargetView
from app.performance.reading import value_href

Json = dict[str, Any]


def _s(value: Decimal | None) -> str | None:
    return None if value is None else format(value, "f")


def _value(value: IndicatorValue | None, indicator_id: int) -> Json:
    return {
        "value": _s(value.value) if value else None,
        "missing": value.missing if value else "",
        "numerator": _s(value.numerator) if value else None,
        "denominator": _s(value.denominator) if value else None,
        "trail": value.trail if value else {},
        "href": value_href(value, indicator_id),
    }


def _baseline(baseline: Baseline | None) -> Json | None:
    if baseline is None:
        return None
    return {
        "id": baseline.id,
        "version": baseline.version,
        "base_year": baseline.base_year,
        "base_line": baseline.base_line,
        "value": _s(baseline.value),
        "revision_id": baseline.revision_id,
    }


def indicator_out(view: IndicatorView) -> Json:
    indicator = view.indicator
    key = indicator.id or 0
    return {
        "id": key,
        "code": indicator.code,
        "name": indicator.name,
        "unit": indicator.unit,
        "level": str(indicator.level),
        "formula": str(indicator.formula),
        "current": _value(view.value, key),
        "previous": _value(view.previous, key),
        "baseline": _baseline(view.baseline),
        "change_from_baseline_percent": _s(view.change_from_baseline),
        "trend": [{"year": year, "value": _s(value)} for year, value in view.trend],
    }


def target_out(view: TargetView) -> Json:
    target, result = view.target, view.result
    return {
        "id": target.id,
        "objective_id": target.objective_id,
        "indicator_id": target.indicator_id,
        "title": target.title,
        "target_value": _s(target.target_value),
        "start_year": target.start_year,
        "deadline": target.deadline.isoformat(),
        "responsible_unit": target.responsible_unit,
        "baseline": _baseline(view.baseline),
        "judged_year": result.year,
        "value": _s(result.value),
        "expected": _s(result.expected),
        "completion_rate_percent": _s(view.completion_rate),
        "status": str(result.status),
        "status_label": label_pair("target_status", result.status),
    }


def measure_out(view: MeasureView) -> Json:
    measure = view.measure
    return {
        "id": measure.id,
        "title": measure.title,
        "responsible_unit": measure.responsible_unit,
        "status": str(view.status),
        "status_label": label_pair("measure_status", view.status),
        "expected_reduction": _s(measure.expected_reduction),
        "achieved_reduction": _s(view.achieved_reduction),
        "behind_schedule": view.behind_schedule,
        "overdue_milestones": [{"title": m.title, "due_date": m.due_date.isoformat()} for m in view.overdue_milestones],
        "target_ids": view.target_ids,
    }


def overview_out(view: Overview) -> Json:
    return {
        "year": view.year,
        "years": view.years,
        "status_rule": {"zh": status.RULE_ZH, "en": status.RULE_EN},
        "headline": [
            {"indicator": indicator_out(item), "target": target_out(target) if target else None}
            for item, target in view.headline
        ],
        "indicators": [indicator_out(item) for item in view.indicators],
        "targets": [target_out(item) for item in view.targets],
        "attention_target_ids": [item.target.id for item in view.attention],
        "top_emitters": [
            {
                "enterprise_id": e["id"],
                "name": e["name"],
                "emission": _s(e["emission"]),
                "share_percent": _s(e["share"]),
                "href": f"/inventory/trail?year={view.year}&level=enterprise&key={e['id']}",
            }
            for e in view.top
        ],
        "measures": [measure_out(item) for item in view.measures],
        "deviations": [
            {
                "id": d.id,
                "indicator_id": d.indicator_id,
                "target_id": d.target_id,
                "year": d.year,
                "period": d.period,
                "value": _s(d.value),
                "reference_value": _s(d.reference_value),
                "reference_kind": d.reference_kind,
                "deviation_percent": _s(d.deviation_percent),
                "threshold_percent": _s(d.threshold_percent),
                "state": str(d.state),
                "state_label": label_pair("deviation_state", d.state),
                "nonconformity_id": d.nonconformity_id,
            }
            for d in view.deviations
        ],
    }
