"""The performance read model on SQLite and PostgreSQL, every figure worked by hand (tests/performance/helpers.py):
park total 2024 840 t, 2025 750 t; intensity 2025 750 / 3500 tCO₂/万元; enterprise A 2025 480 t, B 270 t.
"""

from datetime import date
from decimal import Decimal as D

import pytest

from app.db import session_scope
from app.performance import overview
from app.performance.models import MeasureStatus
from app.performance.status import TargetStatus
from tests.performance.helpers import build_performance

TODAY = date(2026, 12, 1)


@pytest.fixture()
def built(park):
    return build_performance(park)


def _overview(park, year: int = 2025) -> overview.Overview:
    with session_scope(write=False) as session:
        return overview.performance_overview(session, park.id, year, today=TODAY)


def test_every_target_is_judged_by_the_status_rule_on_the_inventory_values(park, built):
    view = _overview(park)
    by_id = {t.target.id: t for t in view.targets}
    t = built.targets
    # T_TOTAL: path from the 2024 baseline 840 to 600 in 2027: 2025 asks 840 − (840 − 600) × 1/3 = 760; 750 ≤ 760.
    total = by_id[t["T_TOTAL"]]
    assert total.result.status == TargetStatus.on_track
    assert (total.result.year, total.result.value, total.result.expected) == (2025, D("750"), D("760"))
    # completion rate: (840 − 750) / (840 − 600) = 90 / 240 = 37.5 %
    assert total.completion_rate == D("37.5")
    assert total.baseline is not None and total.baseline.id == built.baselines["TOTAL"]
    # T_INT: its baseline is still a draft (not in force), so the path is the target 0.2 itself; 750 / 3500 > 0.2.
    intensity = by_id[t["T_INT"]]
    assert intensity.baseline is None and intensity.completion_rate is None
    assert intensity.result.status == TargetStatus.at_risk
    assert intensity.result.value == D(750) / D(3500) and intensity.result.expected == D("0.2")
    # T_A: the deadline year 2025 holds A's 480 t > 450 t.
    assert by_id[t["T_A"]].result.status == TargetStatus.missed
    assert by_id[t["T_A"]].result.value == D("480")
    # T_HEAT: higher is better; the corrected manual value 35 (not the superseded 30) ≥ 30.
    heat = by_id[t["T_HEAT"]]
    assert heat.result.status == TargetStatus.achieved and heat.result.value == D("35")
    # T_LATER starts in 2026: no value of 2026 or later is held for the 2025 report.
    assert by_id[t["T_LATER"]].result.status == TargetStatus.no_data
    # the withdrawn target is not judged; attention lists the at-risk and missed ones, by deadline
    assert set(by_id) == set(t.values())
    assert [a.target.id for a in view.attention] == [t["T_A"], t["T_INT"]]


def test_the_headline_shows_total_and_intensity_against_their_target_and_the_baseline(park, built):
    view = _overview(park)
    (total, total_target), (intensity, intensity_target) = view.headline
    assert total.indicator.code == "TOTAL" and total.value is not None and total.value.value == D("750")
    assert total.value.trail == {"kind": "inventory", "year": 2025, "level": "park", "key": "park"}
    assert total_target is not None and total_target.target.id == built.targets["T_TOTAL"]
    # against the 2024 baseline: (750 − 840) / 840 = −10.714… %
    assert total.change_from_baseline == (D(750) - D(840)) / D(840) * 100
    assert total.previous is not None and total.previous.value == D("840")
    assert intensity.indicator.code == "INT" and intensity.value is not None
    assert intensity.value.numerator == D("750") and intensity.value.denominator == D("3500")
    # T_INT (deadline 2026) is nearer than T_LATER (2028)
    assert intensity_target is not None and intensity_target.target.id == built.targets["T_INT"]
    assert intensity.change_from_baseline is None  # its baseline is not in force


def test_the_trend_emitters_measures_and_deviations_of_the_year(park, built):
    view = _overview(park)
    assert view.years == [2024, 2025]
    total = next(v for v in view.indicators if v.indicator.code == "TOTAL")
    assert total.trend == [(2024, D("840")), (2025, D("750"))]
    intensity = next(v for v in view.indicators if v.indicator.code == "INT")
    assert intensity.trend == [(2024, D("0.28")), (2025, D(750) / D(3500))]
    # largest emitters 2025: A 480 t (480 / 750 = 64 %), B 270 t (36 %)
    assert [(e["id"], e["emission"], e["share"]) for e in view.top] == [
        (built.enterprises["a"], D("480"), D("64")),
        (built.enterprises["b"], D("270"), D("36")),
    ]
    measures = {m.measure.id: m for m in view.measures}
    led, done = measures[built.measures["M_LED"]], measures[built.measures["M_DONE"]]
    # the newer 2025 row (40) replaces the first (30); its milestone due 2025-06-30 is not done → behind schedule
    assert led.status == MeasureStatus.in_progress and led.achieved_reduction == D("40")
    assert led.behind_schedule and led.target_ids == [built.targets["T_TOTAL"]]
    assert done.status == MeasureStatus.completed and done.achieved_reduction is None and not done.behind_schedule
    assert [m.measure.id for m in view.behind] == [built.measures["M_LED"]]
    assert [d.id for d in view.deviations] == [built.deviation_id]


def test_an_earlier_report_year_does_not_see_later_values(park, built):
    view = _overview(park, 2024)
    by_id = {t.target.id: t for t in view.targets}
    # 2024 is the baseline year itself: the path asks 840 and the value is 840 → on track
    total = by_id[built.targets["T_TOTAL"]]
    assert total.result.status == TargetStatus.on_track and total.result.value == D("840")
    assert total.completion_rate == D("0")
    # T_A judged on 2024 (540 t) before its deadline year, path = the target 450 (no baseline) → at risk
    assert by_id[built.targets["T_A"]].result.status == TargetStatus.at_risk
    assert by_id[built.targets["T_HEAT"]].result.status == TargetStatus.no_data
    assert view.deviations == [] and view.years == [2024]


def test_another_parks_rows_never_appear(park, other_park, built):
    with session_scope(write=False) as session:
        view = overview.performance_overview(session, other_park.id, 2025, today=TODAY)
    assert view.targets == [] and view.indicators == [] and view.top == [] and view.deviations == []
    assert view.measures == [] and view.headline == []


def test_the_charts_headline_only_read_gives_the_same_headline_and_nothing_else(park, built):
    full = _overview(park)
    with session_scope(write=False) as session:
        light = overview.performance_overview(session, park.id, 2025, today=TODAY, headline_only=True)
    assert [(i.indicator.code, i.trend, t.target.id if t else None) for i, t in light.headline] == [
        (i.indicator.code, i.trend, t.target.id if t else None) for i, t in full.headline
    ]
    assert {v.indicator.code for v in light.indicators} == {"TOTAL", "INT"}
    assert light.top == [] and light.measures == [] and light.deviations == []
