"""The performance read model (碳排放绩效): what top management reads on the performance page and what the Annex B
report's chapters 5 and 6 say, computed from the tables with calculation.py, status.py and queries.py only.

One `performance_overview(session, park_id, year)` gathers, for the report year:
- the headline: the park's total emissions and emission intensity against their target and the baseline in force;
- every active indicator's value, its baseline and the change from it, and the trend over the years held (11.3);
- every target's status by the one rule of status.py (its wording is returned with it), and its completion rate;
- the largest emitters, the measures with their effect, and the year's significant deviations.

The inventory is read once per year for every indicator (calculation.indicator_values), plus once more for the
report year's largest emitters, so the cost follows the number of years shown, not of indicators or targets.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from app.inventory import overview as inventory_overview
from app.inventory.models import from_nano
from app.inventory.queries import Figure, confirmed_figures, submission_years
from app.performance import calculation, queries, status
from app.performance.calculation import IndicatorValue
from app.performance.models import (
    Baseline,
    Deviation,
    Direction,
    Indicator,
    IndicatorFormula,
    IndicatorLevel,
    Measure,
    MeasureProgress,
    MeasureStatus,
    MeasureTarget,
    Milestone,
    Objective,
    Target,
)

HUNDRED = Decimal(100)
TREND_YEARS = 10  # the trend shows at most the last ten years held
TOP = 10
HEADLINE_FORMULAS = (IndicatorFormula.total_emission, IndicatorFormula.intensity_output_value)
CLOSED_MEASURES = frozenset({MeasureStatus.completed, MeasureStatus.cancelled})


@dataclass
class TargetView:
    target: Target
    indicator: Indicator
    objective: Objective | None
    result: status.StatusResult
    baseline: Baseline | None
    completion_rate: Decimal | None  # % of the way from the baseline to the target value reached this year
    value: IndicatorValue | None  # the indicator's value of the report year


@dataclass
class IndicatorView:
    indicator: Indicator
    value: IndicatorValue | None  # the report year's
    previous: IndicatorValue | None  # the year before's
    baseline: Baseline | None
    change_from_baseline: Decimal | None  # in %, (value − baseline) / baseline
    trend: list[tuple[int, Decimal | None]] = field(default_factory=list)


@dataclass
class MeasureView:
    measure: Measure
    status: MeasureStatus  # the newest progress up to the report year, else planned
    achieved_reduction: Decimal | None  # the report year's verified effect (newest row per period, summed)
    overdue_milestones: list[Milestone]
    target_ids: list[int]

    @property
    def behind_schedule(self) -> bool:
        return self.status == MeasureStatus.behind or (
            self.status not in CLOSED_MEASURES and bool(self.overdue_milestones)
        )


@dataclass
class Overview:
    park_id: int
    year: int
    years: list[int]  # the trend's years
    headline: list[tuple[IndicatorView, TargetView | None]]  # per headline formula: the indicator and its target
    indicators: list[IndicatorView]
    targets: list[TargetView]
    top: list[dict[str, Any]]
    measures: list[MeasureView]
    deviations: list[Deviation]
    objectives: list[Objective]

    @property
    def attention(self) -> list[TargetView]:
        """Targets at risk or missed: what the page puts first."""
        return [t for t in self.targets if t.result.status in (status.TargetStatus.at_risk, status.TargetStatus.missed)]

    @property
    def names(self) -> dict[int, str]:
        return {v.indicator.id or 0: v.indicator.name for v in self.indicators}

    @property
    def behind(self) -> list[MeasureView]:
        return [m for m in self.measures if m.behind_schedule]


def completion_rate(value: Decimal | None, baseline: Decimal | None, target_value: Decimal) -> Decimal | None:
    """完成率: the share of the way from the baseline to the target value covered, in % (100 % = target met)."""
    if value is None or baseline is None or baseline == target_value:
        return None
    return (baseline - value) / (baseline - target_value) * HUNDRED


def change_percent(value: Decimal | None, reference: Decimal | None) -> Decimal | None:
    if value is None or reference is None or reference == 0:
        return None
    return (value - reference) / reference * HUNDRED


def trend_years(session: Session, park_id: int, year: int) -> list[int]:
    """The years with inventory data up to the report year (the last TREND_YEARS), always including it."""
    held = [y for y in submission_years(session, park_id) if y <= year]
    return sorted(set(held[-(TREND_YEARS - 1) :]) | {year})


def _active_targets(session: Session, park_id: int) -> list[Target]:
    return list(
        session.execute(
            select(Target)
            .where(col(Target.park_id) == park_id, col(Target.withdrawn_at).is_(None))
            .order_by(col(Target.deadline), col(Target.id))
        ).scalars()
    )


def _objectives(session: Session, park_id: int) -> list[Objective]:
    return list(
        session.execute(
            select(Objective)
            .where(col(Objective.park_id) == park_id, col(Objective.withdrawn_at).is_(None))
            .order_by(col(Objective.id))
        ).scalars()
    )


def annual_values(
    values: dict[tuple[int, int, int], IndicatorValue], year: int
) -> dict[int, dict[int, Decimal | None]]:
    """Per indicator, its annual values up to the report year: what a target's status is judged on."""
    out: dict[int, dict[int, Decimal | None]] = defaultdict(dict)
    for (indicator_id, value_year, period), value in values.items():
        if period == 0 and value_year <= year:
            out[indicator_id][value_year] = value.value
    return out


def target_view(
    target: Target,
    indicator: Indicator,
    values: dict[tuple[int, int, int], IndicatorValue],
    baseline: Baseline | None,
    year: int,
    objective: Objective | None = None,
    annual: dict[int, dict[int, Decimal | None]] | None = None,
) -> TargetView:
    """A target's status judged on the indicator's annual values up to the report year (later years not held yet);
    `annual`, when given, is every indicator's {year: value} worked out once for many targets."""
    if annual is None:
        annual = annual_values(values, year)
    result = status.target_status(
        values=annual.get(indicator.id or 0, {}),
        target_value=target.target_value,
        start_year=target.start_year,
        deadline_year=target.deadline.year,
        direction=Direction(indicator.direction),
        baseline_year=baseline.base_year if baseline else None,
        baseline_value=baseline.value if baseline else None,
    )
    current = values.get((indicator.id or 0, year, 0))
    base_value = baseline.value if baseline else None
    rate = completion_rate(current.value if current else None, base_value, target.target_value)
    return TargetView(target, indicator, objective, result, baseline, rate, current)


def measure_views(session: Session, park_id: int, year: int, today: date) -> list[MeasureView]:
    measures = list(
        session.execute(select(Measure).where(col(Measure.park_id) == park_id).order_by(col(Measure.id))).scalars()
    )
    ids = [m.id for m in measures]
    if not ids:
        return []
    progress: dict[int, list[MeasureProgress]] = defaultdict(list)
    for row in session.execute(
        select(MeasureProgress)
        .where(col(MeasureProgress.measure_id).in_(ids), col(MeasureProgress.year) <= year)
        .order_by(col(MeasureProgress.year), col(MeasureProgress.period), col(MeasureProgress.id))
    ).scalars():
        progress[row.measure_id].append(row)
    overdue: dict[int, list[Milestone]] = defaultdict(list)
    for milestone in session.execute(
        select(Milestone)
        .where(col(Milestone.measure_id).in_(ids), col(Milestone.due_date) < today, col(Milestone.done_on).is_(None))
        .order_by(col(Milestone.due_date))
    ).scalars():
        overdue[milestone.measure_id].append(milestone)
    links: dict[int, list[int]] = defaultdict(list)
    for measure_id, target_id in session.execute(
        select(col(MeasureTarget.measure_id), col(MeasureTarget.target_id)).where(
            col(MeasureTarget.measure_id).in_(ids)
        )
    ).all():
        links[measure_id].append(target_id)
    views = []
    for measure in measures:
        rows = progress.get(measure.id or 0, [])
        newest = rows[-1] if rows else None
        of_year = {row.period: row for row in rows if row.year == year}  # newest per period (ordered by id)
        effects = [row.achieved_reduction for row in of_year.values() if row.achieved_reduction is not None]
        views.append(
            MeasureView(
                measure,
                MeasureStatus(newest.status) if newest else MeasureStatus.planned,
                sum(effects, Decimal(0)) if effects else None,
                overdue.get(measure.id or 0, []),
                sorted(links.get(measure.id or 0, [])),
            )
        )
    return views


def _deviations(session: Session, park_id: int, year: int) -> list[Deviation]:
    return list(
        session.execute(
            select(Deviation)
            .where(col(Deviation.park_id) == park_id, col(Deviation.year) == year)
            .order_by(col(Deviation.indicator_id), col(Deviation.period))
        ).scalars()
    )


def top_emitters(
    session: Session, park_id: int, year: int, figures: list[Figure] | None = None
) -> list[dict[str, Any]]:
    """The report year's largest emitters from the stored results: id, name, emission, share of the park total."""
    if figures is None:
        figures = confirmed_figures(session, park_id, year)
    sums: dict[int, int] = defaultdict(int)
    for figure in figures:
        sums[figure.enterprise_id] += figure.emission_mg
    total = from_nano(sum(sums.values()))
    names = inventory_overview.enterprise_names(session, park_id)
    ranked = sorted(sums.items(), key=lambda item: (-item[1], item[0]))[:TOP]
    return [
        {
            "id": enterprise_id,
            "name": names.get(str(enterprise_id), str(enterprise_id)),
            "emission": from_nano(emission),
            "share": from_nano(emission) / total * HUNDRED if total else Decimal(0),
        }
        for enterprise_id, emission in ranked
    ]


def _headline(
    indicators: list[IndicatorView], targets: list[TargetView], year: int
) -> list[tuple[IndicatorView, TargetView | None]]:
    """Per headline formula, the first park-level indicator (by code) and its target: the one whose deadline is
    the nearest not before the report year, else the latest."""
    out: list[tuple[IndicatorView, TargetView | None]] = []
    for formula in HEADLINE_FORMULAS:
        view = next(
            (v for v in indicators if v.indicator.formula == formula and v.indicator.level == IndicatorLevel.park),
            None,
        )
        if view is None:
            continue
        own = [t for t in targets if t.indicator.id == view.indicator.id]
        coming = [t for t in own if t.target.deadline.year >= year]
        chosen = min(coming, key=lambda t: t.target.deadline) if coming else (own[-1] if own else None)
        out.append((view, chosen))
    return out


def _headline_indicators(indicators: list[Indicator]) -> list[Indicator]:
    park = [i for i in indicators if i.level == IndicatorLevel.park]
    return [found for f in HEADLINE_FORMULAS if (found := next((i for i in park if i.formula == f), None))]


def performance_overview(
    session: Session, park_id: int, year: int, *, today: date | None = None, headline_only: bool = False
) -> Overview:
    """The performance page's figures for the report year (see the module's docstring); `headline_only` (the
    charts) keeps the headline indicators and their targets and leaves out emitters, measures and deviations."""
    today = today or date.today()
    indicators = queries.active_indicators(session, park_id)
    if headline_only:
        indicators = _headline_indicators(indicators)
    years = trend_years(session, park_id, year)
    wanted = sorted(set(years) | {year - 1})
    read: dict[int, calculation.YearData] = {}  # the report year's figures also give the largest emitters
    values = calculation.indicator_values(session, park_id, indicators, wanted, read)
    baselines = queries.baselines_in_force(session, [i.id or 0 for i in indicators])
    indicator_views = []
    for indicator in indicators:
        key = indicator.id or 0
        current = values.get((key, year, 0))
        baseline = baselines.get(key)
        indicator_views.append(
            IndicatorView(
                indicator,
                current,
                values.get((key, year - 1, 0)),
                baseline,
                change_percent(current.value if current else None, baseline.value if baseline else None),
                [(y, v.value if (v := values.get((key, y, 0))) else None) for y in years],
            )
        )
    by_id = {i.id: i for i in indicators}
    objectives = _objectives(session, park_id)
    objective_by_id = {o.id: o for o in objectives}
    annual = annual_values(values, year)
    target_views = [
        target_view(
            t,
            by_id[t.indicator_id],
            values,
            baselines.get(t.indicator_id),
            year,
            objective_by_id.get(t.objective_id),
            annual,
        )
        for t in _active_targets(session, park_id)
        if t.indicator_id in by_id  # a target on a deactivated indicator is not judged
    ]
    return Overview(
        park_id=park_id,
        year=year,
        years=years,
        headline=_headline(indicator_views, target_views, year),
        indicators=indicator_views,
        targets=target_views,
        top=[] if headline_only else top_emitters(session, park_id, year, read[year].figures if year in read else None),
        measures=[] if headline_only else measure_views(session, park_id, year, today),
        deviations=[] if headline_only else _deviations(session, park_id, year),
        objectives=objectives,
    )
