"""The management review's performance inputs (10.3.1 c, e, f, g), assembled from the performance data:

- c) how far each live target is achieved: its indicator's value against the target and the baseline, with the
  status of `app.performance.status` and the rule that gives it;
- e), f) each active indicator's values over the years against the baseline in force, and the significant
  deviations found since the last review with their investigation and nonconformity;
- g) each implementation measure's newest status and achieved effect against what was expected, and the measures
  behind schedule (status behind, or a milestone past its date and not done).

Values come from the confirmed inventory (`calculation.indicator_values`, one read per year) or the manual values;
"the past year" is the last calendar year before the review. `summary_lines` are what the review report prints.
"""

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from app.labels import label_pair, label_zh
from app.nonconformities.models import Nonconformity
from app.nonconformities.queries import nc_code
from app.performance.calculation import IndicatorValue, indicator_values
from app.performance.deviations import percent, plain
from app.performance.models import (
    Baseline,
    Deviation,
    Direction,
    Indicator,
    Measure,
    MeasureProgress,
    MeasureStatus,
    Milestone,
    Objective,
    Target,
)
from app.performance.queries import active_indicators, baselines_in_force
from app.performance.status import RULE_EN, RULE_ZH, target_status

HISTORY_YEARS = 10  # at most this many years of values are read for a review


def _text(value: Decimal | None) -> str | None:
    return plain(value) if value is not None else None


def _baseline_ref(baseline: Baseline | None) -> dict[str, Any] | None:
    if baseline is None:
        return None
    return {
        "id": baseline.id,
        "version": baseline.version,
        "base_year": baseline.base_year,
        "value": plain(baseline.value),
    }


def _indicator_ref(indicator: Indicator) -> dict[str, Any]:
    return {"id": indicator.id, "code": indicator.code, "name": indicator.name, "unit": indicator.unit}


def _targets_part(
    session: Session,
    park_id: int,
    indicators: dict[int, Indicator],
    values: dict[tuple[int, int, int], IndicatorValue],
    baselines: dict[int, Baseline],
    years: list[int],
) -> dict[str, Any]:
    rows = session.execute(
        select(Target, Objective)
        .join(Objective, col(Objective.id) == col(Target.objective_id))
        .where(col(Target.park_id) == park_id, col(Target.withdrawn_at).is_(None))
        .order_by(col(Target.objective_id), col(Target.id))
    ).all()
    targets: list[dict[str, Any]] = []
    counts: dict[str, int] = {}
    for target, objective in rows:
        indicator = indicators.get(target.indicator_id)
        if indicator is None:
            continue  # a deactivated indicator measures nothing any more
        baseline = baselines.get(target.indicator_id)
        by_year = {year: values[(target.indicator_id, year, 0)].value for year in years}
        result = target_status(
            values=by_year,
            target_value=target.target_value,
            start_year=target.start_year,
            deadline_year=target.deadline.year,
            direction=Direction(indicator.direction),
            baseline_year=baseline.base_year if baseline else None,
            baseline_value=baseline.value if baseline else None,
        )
        status_zh, status_en = label_pair("target_status", result.status)
        counts[str(result.status)] = counts.get(str(result.status), 0) + 1
        targets.append(
            {
                "id": target.id,
                "title": target.title,
                "objective": {"id": objective.id, "title": objective.title, "category": str(objective.category)},
                "indicator": _indicator_ref(indicator),
                "target_value": plain(target.target_value),
                "deadline": target.deadline.isoformat(),
                "responsible_unit": target.responsible_unit,
                "baseline_year": baseline.base_year if baseline else None,
                "baseline_value": _text(baseline.value) if baseline else None,
                "status": str(result.status),
                "status_label_zh": status_zh,
                "status_label_en": status_en,
                "judged_year": result.year,
                "value": _text(result.value),
                "expected": _text(result.expected),
            }
        )
    lines = [
        f"指标“{t['title']}”（{t['indicator']['name']}）：{t['status_label_zh']}"
        + (
            f"，{t['judged_year']} 年 {t['value']} {t['indicator']['unit']}，应达 {t['expected']}，"
            f"指标值 {t['target_value']}（{t['deadline']} 前）"
            if t["value"] is not None
            else ""
        )
        for t in targets
    ]
    return {"targets": targets, "status_counts": counts, "rule_zh": RULE_ZH, "rule_en": RULE_EN, "lines": lines}


def _indicators_part(
    session: Session,
    park_id: int,
    indicators: dict[int, Indicator],
    values: dict[tuple[int, int, int], IndicatorValue],
    baselines: dict[int, Baseline],
    years: list[int],
    since: date | None,
) -> dict[str, Any]:
    out: list[dict[str, Any]] = []
    lines: list[str] = []
    for indicator_id, indicator in indicators.items():
        baseline = baselines.get(indicator_id)
        series = []
        for year in years:
            found = values[(indicator_id, year, 0)]
            change = None
            if found.value is not None and baseline is not None and baseline.value:
                change = percent((found.value - baseline.value) / abs(baseline.value) * Decimal(100))
            series.append(
                {
                    "year": year,
                    "value": _text(found.value),
                    "missing": found.missing,
                    "change_from_baseline_percent": change,
                    "trail": found.trail,
                }
            )
        out.append(
            _indicator_ref(indicator)
            | {
                "direction": str(indicator.direction),
                "baseline": _baseline_ref(baseline),
                "values": series,
            }
        )
        held = [entry for entry in series if entry["value"] is not None]
        if held:
            latest = held[-1]
            against = (
                f"，较基准（{baseline.base_year} 年 {plain(baseline.value)}）{latest['change_from_baseline_percent']}%"
                if baseline and latest["change_from_baseline_percent"] is not None
                else "，无经批准的基准"
            )
            lines.append(f"{indicator.name}：{latest['year']} 年 {latest['value']} {indicator.unit}{against}")
    query = select(Deviation).where(col(Deviation.park_id) == park_id).order_by(col(Deviation.id))
    deviations = [d for d in session.execute(query).scalars() if since is None or d.detected_at.date() > since]
    ncs = {
        nc.id: nc
        for nc in session.execute(
            select(Nonconformity).where(
                col(Nonconformity.id).in_([d.nonconformity_id for d in deviations if d.nonconformity_id])
            )
        ).scalars()
    }
    named = {i.id: i for i in indicators.values()}
    found_deviations = []
    for deviation in deviations:
        nc = ncs.get(deviation.nonconformity_id or 0)
        indicator_name = named[deviation.indicator_id].name if deviation.indicator_id in named else ""
        found_deviations.append(
            {
                "id": deviation.id,
                "indicator_id": deviation.indicator_id,
                "indicator_name": indicator_name,
                "year": deviation.year,
                "deviation_percent": percent(deviation.deviation_percent),
                "reference_kind": deviation.reference_kind,
                "state": str(deviation.state),
                "investigation": deviation.investigation,
                "response": deviation.response,
                "nonconformity": nc_code(nc) if nc else None,
            }
        )
        lines.append(
            f"严重偏离：{indicator_name} {deviation.year} 年劣于"
            f"{label_zh('deviation_reference', deviation.reference_kind)} {percent(deviation.deviation_percent)}%，"
            f"{label_zh('deviation_state', deviation.state)}" + (f"，已提出不符合项 {nc_code(nc)}" if nc else "")
        )
    counts: dict[str, int] = {}
    for entry in found_deviations:
        counts[entry["state"]] = counts.get(entry["state"], 0) + 1
    return {"indicators": out, "deviations": found_deviations, "deviation_counts": counts, "lines": lines}


def _measures_part(session: Session, park_id: int, today: date) -> dict[str, Any]:
    measures = list(
        session.execute(select(Measure).where(col(Measure.park_id) == park_id).order_by(col(Measure.id))).scalars()
    )
    ids = [m.id for m in measures]
    newest: dict[int, MeasureProgress] = {}
    late: dict[int, int] = {}
    if ids:
        progress = session.execute(
            select(MeasureProgress)
            .where(col(MeasureProgress.measure_id).in_(ids))
            .order_by(col(MeasureProgress.year), col(MeasureProgress.period), col(MeasureProgress.id))
        ).scalars()
        newest = {row.measure_id: row for row in progress}
        for milestone in session.execute(
            select(Milestone).where(
                col(Milestone.measure_id).in_(ids), col(Milestone.done_on).is_(None), col(Milestone.due_date) < today
            )
        ).scalars():
            late[milestone.measure_id] = late.get(milestone.measure_id, 0) + 1
    out: list[dict[str, Any]] = []
    lines: list[str] = []
    counts: dict[str, int] = {}
    for measure in measures:
        row = newest.get(measure.id or 0)
        status = str(row.status) if row else str(MeasureStatus.planned)
        behind = status == MeasureStatus.behind or late.get(measure.id or 0, 0) > 0
        counts[status] = counts.get(status, 0) + 1
        entry = {
            "id": measure.id,
            "title": measure.title,
            "responsible_unit": measure.responsible_unit,
            "expected_reduction": _text(measure.expected_reduction),
            "achieved_reduction": _text(row.achieved_reduction) if row else None,
            "status": status,
            "status_label_zh": label_pair("measure_status", status)[0],
            "status_label_en": label_pair("measure_status", status)[1],
            "period": {"year": row.year, "period": row.period} if row else None,
            "milestones_overdue": late.get(measure.id or 0, 0),
            "behind_schedule": behind,
            "end_date": measure.end_date.isoformat(),
        }
        out.append(entry)
        effect = (
            f"，实际减排 {entry['achieved_reduction']} tCO2（预期 {entry['expected_reduction'] or '—'}）"
            if entry["achieved_reduction"] is not None
            else ""
        )
        lines.append(
            f"措施“{measure.title}”（{measure.responsible_unit}）：{entry['status_label_zh']}{effect}"
            + ("，进度滞后" if behind else "")
        )
    return {
        "measures": out,
        "measure_counts": counts,
        "behind_schedule": [m["id"] for m in out if m["behind_schedule"]],
        "lines": lines,
    }


def performance_inputs(
    session: Session, *, park_id: int, review_date: date, since: date | None, today: date
) -> dict[str, dict[str, Any]]:
    """Section key -> what the performance data adds to it (merged into the review's inputs)."""
    indicators = {i.id or 0: i for i in active_indicators(session, park_id)}
    last_year = review_date.year - 1
    baselines = baselines_in_force(session, indicators)
    starts = [
        year
        for (year,) in session.execute(
            select(col(Target.start_year)).where(col(Target.park_id) == park_id, col(Target.withdrawn_at).is_(None))
        ).all()
    ]
    starts += [b.base_year for b in baselines.values() if b.base_year]
    first = max(min(starts, default=last_year), last_year - HISTORY_YEARS + 1)
    years = list(range(first, last_year + 1))
    values = indicator_values(session, park_id, list(indicators.values()), years) if indicators else {}
    targets = _targets_part(session, park_id, indicators, values, baselines, years)
    monitoring = _indicators_part(session, park_id, indicators, values, baselines, years, since)
    measures = _measures_part(session, park_id, today)
    return {
        "objectives": {"performance_year": last_year, **_without_lines(targets), "summary_lines": targets["lines"]},
        "monitoring_performance": {
            "performance_years": years,
            **_without_lines(monitoring),
            "summary_lines": monitoring["lines"],
        },
        "action_plans": {**_without_lines(measures), "summary_lines": measures["lines"]},
    }


def _without_lines(part: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in part.items() if key != "lines"}
