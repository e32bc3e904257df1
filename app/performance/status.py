"""A target's completion status (7.1 完成情况) and the one rule behind it, shown to users as written here.

- achieved (已完成): the value of the deadline's year (or of a later year held) meets the target value.
- missed (未完成): the deadline's year has a value and it does not meet the target value.
- on track (按计划推进): before the deadline's year, the newest value is at least as good as the straight path from the
  baseline (its base year and value) to the target value at the deadline's year; with no baseline, as good as the
  target value itself.
- at risk (有风险): before the deadline's year, the newest value is worse than that path.
- no data (暂无数据): no value for any year from the target's start year on.

"Meets" and "as good as" follow the indicator's direction: lower is better for emissions and intensities, higher for
shares of renewables.
"""

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from app.performance.models import Direction

RULE_ZH = (
    "截止年度的数值达到指标值为“已完成”，未达到为“未完成”；截止年度之前，最新数值不劣于从基准（基准年数值）到截止年度"
    "指标值的直线进度为“按计划推进”，劣于该进度为“有风险”；无基准时与指标值本身比较；尚无数值为“暂无数据”。"
)
RULE_EN = (
    "Achieved when the deadline year's value meets the target, missed when it does not; before the deadline year, on "
    "track when the newest value is at least as good as the straight path from the baseline (base year value) to the "
    "target at the deadline year, at risk when worse; without a baseline the target value itself is the path; no data "
    "when no value is held yet."
)


class TargetStatus(StrEnum):
    achieved = "achieved"
    on_track = "on_track"
    at_risk = "at_risk"
    missed = "missed"
    no_data = "no_data"


@dataclass(frozen=True)
class StatusResult:
    status: TargetStatus
    year: int | None  # the year whose value was judged
    value: Decimal | None
    expected: Decimal | None  # the value the path asks for in that year (the target value at or after the deadline)


def at_least_as_good(value: Decimal, reference: Decimal, direction: Direction) -> bool:
    return value <= reference if direction == Direction.lower_is_better else value >= reference


def expected_on_path(
    year: int, *, target_value: Decimal, deadline_year: int, baseline_year: int | None, baseline_value: Decimal | None
) -> Decimal:
    """The straight path from the baseline to the target; the target itself without a usable baseline."""
    if baseline_value is None or baseline_year is None or baseline_year >= deadline_year or year >= deadline_year:
        return target_value
    if year <= baseline_year:
        return baseline_value
    share = Decimal(year - baseline_year) / Decimal(deadline_year - baseline_year)
    return baseline_value + (target_value - baseline_value) * share


def target_status(
    *,
    values: dict[int, Decimal | None],
    target_value: Decimal,
    start_year: int,
    deadline_year: int,
    direction: Direction,
    baseline_year: int | None = None,
    baseline_value: Decimal | None = None,
) -> StatusResult:
    """`values`: the indicator's annual values by year (None where the year has no data)."""
    held = {year: value for year, value in values.items() if value is not None and year >= start_year}
    if not held:
        return StatusResult(TargetStatus.no_data, None, None, None)
    final = [year for year in held if year >= deadline_year]
    if final:
        year = min(final)
        value = held[year]
        met = at_least_as_good(value, target_value, direction)
        return StatusResult(TargetStatus.achieved if met else TargetStatus.missed, year, value, target_value)
    year = max(held)
    value = held[year]
    expected = expected_on_path(
        year,
        target_value=target_value,
        deadline_year=deadline_year,
        baseline_year=baseline_year,
        baseline_value=baseline_value,
    )
    on_track = at_least_as_good(value, expected, direction)
    return StatusResult(TargetStatus.on_track if on_track else TargetStatus.at_risk, year, value, expected)
