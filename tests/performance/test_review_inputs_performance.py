"""Management review inputs 10.3.1 c), e), f), g) from the performance data, on SQLite and PostgreSQL.

Worked by hand: purchased electricity × 0.6 tCO₂/MWh (a test factor) gives 600 t in 2024 and 660 t in 2025. The
2024 baseline is 600 t; the target is 500 t by 2026 from 2025, so 2025 should be at 600 + (500 − 600) × 1/2 = 550 t:
660 t is worse, the target is at risk. Against the baseline 2025 is (660 − 600) / 600 = +10.00 %.
A review held on 2026-03-15 looks at the years up to 2025.
"""

from datetime import date
from decimal import Decimal

from app.db import session_scope
from app.performance.models import Measure, MeasureProgress, MeasureStatus, Milestone
from app.performance.status import RULE_ZH
from tests.audits.helpers import post
from tests.performance.monitor_helpers import approved_baseline, electricity_park, indicator, target


def _measure(park, title: str, expected: str, status: MeasureStatus, achieved: str | None, late: bool) -> int:
    with session_scope() as session:
        measure = Measure(
            park_id=park.id,
            title=title,
            expected_reduction=Decimal(expected),
            responsible_unit="甲电子有限公司",
            start_date=date(2025, 1, 1),
            end_date=date(2026, 12, 31),
            created_by_id=park.user_ids["coordinator"],
        )
        session.add(measure)
        session.flush()
        session.add(
            MeasureProgress(
                measure_id=measure.id or 0,
                year=2025,
                status=status,
                achieved_reduction=Decimal(achieved) if achieved else None,
                recorded_by_id=park.user_ids["coordinator"],
            )
        )
        session.add(
            Milestone(
                measure_id=measure.id or 0,
                title="设备到货",
                due_date=date(2025, 6, 30),
                done_on=None if late else date(2025, 6, 1),
            )
        )
        return measure.id or 0


def _section(review: dict, key: str) -> dict:
    return next(section for section in review["inputs"] if section["key"] == key)


def test_targets_indicators_deviations_and_measures_feed_the_review(park):
    electricity_park(park, {2024: "1000", 2025: "1100"})
    total = indicator(park, "E-TOTAL", deviation_percent=Decimal("5"))
    approved_baseline(park, total, 2024, "600")
    target_id = target(park, total, "500", 2025, date(2026, 12, 31))
    deviation = post(park, "/api/performance/deviations/detect", "coordinator", {"year": 2025}).json()["opened"][0]
    url = f"/api/performance/deviations/{deviation['id']}"
    post(park, f"{url}/investigate", "coordinator", {"investigation": "新增产线"})
    raised = post(park, f"{url}/nonconformity", "coordinator", {"severity": "minor"}).json()
    behind = _measure(park, "余热回收改造", "50", MeasureStatus.in_progress, None, late=True)
    done = _measure(park, "屋顶光伏", "40", MeasureStatus.completed, "30", late=False)

    created = post(park, "/api/reviews", "coordinator", {"review_date": "2026-03-15"})
    assert created.status_code == 201, created.text
    review = created.json()

    objectives = _section(review, "objectives")["data"]
    assert objectives["performance_year"] == 2025 and objectives["rule_zh"] == RULE_ZH
    [row] = objectives["targets"]
    assert (row["id"], row["status"], row["status_label_zh"]) == (target_id, "at_risk", "有风险")
    assert (row["judged_year"], row["value"], row["baseline_value"]) == (2025, "660", "600")
    assert Decimal(row["expected"]) == Decimal("550")
    assert objectives["status_counts"] == {"at_risk": 1}
    assert objectives["documents"] == []  # the documents of the section are still listed (none here)
    assert objectives["summary_lines"][0].startswith(
        "指标“园区碳排放总量指标”（园区碳排放总量）：有风险，2025 年 660 tCO2"
    )

    monitoring = _section(review, "monitoring_performance")["data"]
    assert monitoring["performance_years"] == [2024, 2025]
    [series] = monitoring["indicators"]
    assert [(v["year"], v["value"], v["change_from_baseline_percent"]) for v in series["values"]] == [
        (2024, "600", "0.00"),
        (2025, "660", "10.00"),
    ]
    assert series["values"][1]["trail"] == {"kind": "inventory", "year": 2025, "level": "park", "key": "park"}
    [found] = monitoring["deviations"]
    assert (found["id"], found["deviation_percent"], found["state"]) == (deviation["id"], "20.00", "investigating")
    assert found["nonconformity"] == raised["nonconformity"]["code"]
    assert monitoring["deviation_counts"] == {"investigating": 1}
    assert [n["code"] for n in monitoring["nonconformities_from_monitoring"]] == [raised["nonconformity"]["code"]]
    assert "园区碳排放总量：2025 年 660 tCO2，较基准（2024 年 600）10.00%" in monitoring["summary_lines"]

    plans = _section(review, "action_plans")["data"]
    by_id = {m["id"]: m for m in plans["measures"]}
    assert by_id[behind]["behind_schedule"] and by_id[behind]["milestones_overdue"] == 1
    assert (by_id[done]["status"], by_id[done]["achieved_reduction"], by_id[done]["expected_reduction"]) == (
        "completed",
        "30",
        "40",
    )
    assert plans["behind_schedule"] == [behind] and plans["measure_counts"] == {"in_progress": 1, "completed": 1}
    assert "open_actions" in plans  # what the section held before stays
    assert "措施“屋顶光伏”（甲电子有限公司）：已完成，实际减排 30 tCO2（预期 40）" in plans["summary_lines"]


def test_a_park_without_performance_data_has_empty_inputs(park):
    review = post(park, "/api/reviews", "coordinator", {"review_date": "2026-03-15"}).json()
    assert _section(review, "objectives")["data"]["targets"] == []
    assert _section(review, "monitoring_performance")["data"]["indicators"] == []
    assert _section(review, "action_plans")["data"]["measures"] == []
