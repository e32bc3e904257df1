"""The target status rule (status.py), each branch worked by hand.

The example: a park total with baseline 345 tCO₂ in 2024 and target 300 tCO₂ by the deadline year 2027; the straight
path asks 345 − 45 × (y − 2024) / 3, i.e. 330 in 2025, 315 in 2026, 300 in 2027.
"""

from decimal import Decimal as D

from app.performance.models import Direction
from app.performance.status import (
    RULE_EN,
    RULE_ZH,
    TargetStatus,
    at_least_as_good,
    expected_on_path,
    target_status,
)

LOWER, HIGHER = Direction.lower_is_better, Direction.higher_is_better
PATH = {"target_value": D(300), "deadline_year": 2027, "baseline_year": 2024, "baseline_value": D(345)}


def _status(values, **overrides):
    arguments = {"start_year": 2024, "direction": LOWER, **PATH, **overrides}
    return target_status(values=values, **arguments)


def test_the_path_runs_straight_from_the_baseline_to_the_target():
    assert expected_on_path(2025, **PATH) == D(330)
    assert expected_on_path(2026, **PATH) == D(315)
    assert expected_on_path(2024, **PATH) == D(345)  # the base year itself
    assert expected_on_path(2023, **PATH) == D(345)  # before it
    assert expected_on_path(2027, **PATH) == D(300) and expected_on_path(2030, **PATH) == D(300)
    # Without a baseline (or one at or after the deadline) the target itself is the path.
    assert (
        expected_on_path(2025, target_value=D(300), deadline_year=2027, baseline_year=None, baseline_value=None) == 300
    )
    assert expected_on_path(2025, **{**PATH, "baseline_year": 2027}) == D(300)


def test_on_track_when_the_newest_value_is_no_worse_than_the_path():
    result = _status({2024: D(345), 2025: D(330)})  # exactly on the path: 330 ≤ 330
    assert (result.status, result.year, result.value, result.expected) == (TargetStatus.on_track, 2025, D(330), D(330))


def test_at_risk_when_the_newest_value_is_worse_than_the_path():
    result = _status({2025: D(320), 2026: D("315.5")})  # 2026 asks 315; 315.5 is worse
    assert (result.status, result.year, result.expected) == (TargetStatus.at_risk, 2026, D(315))


def test_achieved_and_missed_are_judged_on_the_deadline_year():
    achieved = _status({2026: D(340), 2027: D(300)})  # 300 ≤ 300 meets the target; an earlier bad year is history
    assert (achieved.status, achieved.year, achieved.expected) == (TargetStatus.achieved, 2027, D(300))
    missed = _status({2026: D(310), 2027: D("300.01")})
    assert (missed.status, missed.year, missed.value) == (TargetStatus.missed, 2027, D("300.01"))
    # Only a later year is held: the first year at or after the deadline is judged.
    later = _status({2028: D(290), 2029: D(320)})
    assert (later.status, later.year) == (TargetStatus.achieved, 2028)


def test_no_data_before_the_start_year_counts_as_none():
    assert _status({2022: D(100), 2023: None}).status == TargetStatus.no_data
    assert _status({}).status == TargetStatus.no_data
    assert _status({2025: None}).year is None


def test_higher_is_better_for_shares():
    # Renewable share: baseline 10 % in 2024, target 40 % in 2027: path 20 % in 2025.
    share = {"target_value": D(40), "deadline_year": 2027, "baseline_year": 2024, "baseline_value": D(10)}
    assert _status({2025: D(20)}, direction=HIGHER, **share).status == TargetStatus.on_track
    assert _status({2025: D("19.9")}, direction=HIGHER, **share).status == TargetStatus.at_risk
    assert _status({2027: D(41)}, direction=HIGHER, **share).status == TargetStatus.achieved
    assert at_least_as_good(D(5), D(4), HIGHER) and not at_least_as_good(D(5), D(4), LOWER)


def test_without_a_baseline_the_target_value_is_the_reference():
    no_base = {"baseline_year": None, "baseline_value": None}
    assert _status({2025: D(300)}, **no_base).status == TargetStatus.on_track
    assert _status({2025: D(301)}, **no_base).status == TargetStatus.at_risk


def test_the_rule_is_stated_in_both_languages():
    for word in ("已完成", "未完成", "按计划推进", "有风险", "暂无数据", "基准"):
        assert word in RULE_ZH
    for word in ("Achieved", "missed", "on track", "at risk", "no data", "baseline"):
        assert word in RULE_EN
