"""Performance findings on the readiness items of 7.1, 7.4 and 7.5, on SQLite and PostgreSQL.

Readiness is asked for today (2026 or later): the past period is last year. Findings are shown with the items and
never change what counts.
"""

from datetime import date
from decimal import Decimal

from sqlalchemy import event

from app.common import utcnow
from app.db import session_scope
from app.performance.models import IndicatorFormula
from app.performance.readiness_findings import performance_findings
from tests.performance.monitor_helpers import (
    approved_baseline,
    baseline,
    electricity_park,
    indicator,
    manual_value,
    target,
)

PAST = utcnow().year - 1


def _items(park) -> dict[tuple[str, str], dict]:
    response = park.client.get("/api/readiness", headers=park.headers("coordinator"))
    assert response.status_code == 200, response.text
    return {(c["id"], i["doc_type"]): i for c in response.json()["clauses"] for i in c["items"]}


def _codes(item: dict) -> list[tuple[str, str, int]]:
    return [(f["code"], f["entity_type"], f["entity_id"]) for f in item["findings"]]


def test_a_new_park_has_no_findings_and_every_item_has_the_key(park):
    items = _items(park)
    assert all(item["findings"] == [] for item in items.values())


def test_an_objective_without_targets_is_shown_on_7_1(park):
    from app.performance.models import Objective, ObjectiveCategory

    with session_scope() as session:
        objective = Objective(
            park_id=park.id,
            category=ObjectiveCategory.compliance,
            title="满足碳排放法律法规要求",
            created_by_id=park.user_ids["coordinator"],
        )
        session.add(objective)
        session.flush()
        objective_id = objective.id
    item = _items(park)[("7.1", "OBJECTIVES_RESPONSIBILITY_LETTER")]
    assert _codes(item) == [("objective_without_targets", "objective", objective_id)]
    assert item["findings"][0]["reason_zh"] == "目标未分解为指标：目标“满足碳排放法律法规要求”尚未分解为任何层级的指标"
    assert item["status"] == "missing"  # the finding is shown; what counts is still the documents


def test_a_target_without_a_value_for_the_past_year_is_shown_on_7_1_and_7_4(park):
    total = indicator(park, "E-TOTAL")
    share = indicator(park, "RE-SHARE", name="可再生能源占比", unit="%", formula=IndicatorFormula.manual)
    total_target = target(park, total, "500", PAST, date(PAST + 1, 12, 31))
    share_target = target(park, share, "50", PAST, date(PAST + 1, 12, 31), title="可再生能源占比指标")
    target(park, total, "400", PAST + 1, date(PAST + 2, 12, 31), title="下一期指标")  # not started last year
    target(park, total, "700", PAST - 3, date(PAST - 1, 12, 31), title="上一期指标")  # ended before last year
    items = _items(park)
    expected = [("target_without_value", "target", total_target), ("target_without_value", "target", share_target)]
    assert _codes(items[("7.4", "PERFORMANCE_INDICATOR_VALUES")]) == expected
    assert _codes(items[("7.1", "TARGET_COMPLETION_CHECKLIST")]) == expected
    assert _codes(items[("7.1", "OBJECTIVES_RESPONSIBILITY_LETTER")]) == []  # each objective has its target
    electricity_park(park, {PAST: "1000"})
    manual_value(park, share, PAST, "35")
    assert _codes(_items(park)[("7.4", "PERFORMANCE_INDICATOR_VALUES")]) == []


def test_an_intensity_needs_the_economic_data_too(park):
    electricity_park(park, {PAST: "1000"})
    intensity = indicator(
        park, "E-INT", name="单位产值碳排放", unit="tCO2/万元", formula=IndicatorFormula.intensity_output_value
    )
    target_id = target(park, intensity, "0.5", PAST, date(PAST + 1, 12, 31))
    assert _codes(_items(park)[("7.4", "PERFORMANCE_INDICATOR_VALUES")]) == [
        ("target_without_value", "target", target_id)
    ]


def test_a_baseline_never_approved_is_shown_on_7_5_and_an_approved_one_is_not(park):
    approved = indicator(park, "E-TOTAL")
    draft = indicator(park, "E-SCOPE1", name="范围一排放")
    approved_baseline(park, approved, 2024, "600")
    baseline(park, draft, 2024, "400")  # no revision approved it
    item = _items(park)[("7.5", "CARBON_BASELINE")]
    assert _codes(item) == [("baseline_never_approved", "indicator", draft)]
    assert item["status"] == "met"  # the effective CARBON_BASELINE document counts; the finding is shown beside it
    assert "范围一排放" in item["findings"][0]["reason_zh"]
    response = park.client.get("/api/readiness", headers=park.headers("contributor"))
    assert response.status_code == 200  # a contributor's own view of readiness names none of the park's data
    hidden = {(c["id"], i["doc_type"]): i for c in response.json()["clauses"] for i in c["items"]}
    assert hidden[("7.5", "CARBON_BASELINE")]["findings"] == []


def test_findings_cost_a_few_queries_whatever_the_data(park):
    total = indicator(park, "E-TOTAL")
    manual = indicator(park, "M-1", formula=IndicatorFormula.manual)
    intensity = indicator(park, "E-INT", formula=IndicatorFormula.intensity_output_value)
    for number, indicator_id in enumerate([total, manual, intensity] * 5):
        target(park, indicator_id, str(Decimal(100 + number)), PAST, date(PAST + 1, 12, 31))
        baseline(park, indicator_id, 2024, "1", version=number + 1)
    statements: list[str] = []
    with session_scope(write=False) as session:

        def count(*args: object) -> None:
            statements.append(str(args[2]))

        event.listen(session.connection(), "before_cursor_execute", count)
        found = performance_findings(session, park.id, utcnow().date())
    assert len(found[("7.4", "PERFORMANCE_INDICATOR_VALUES")]) == 15
    assert len(found[("7.5", "CARBON_BASELINE")]) == 3
    assert len(statements) <= 6


def test_the_clause_page_shows_the_findings_with_the_item(app, park):
    from tests.web.conftest import Browser

    total = indicator(park, "E-TOTAL", name="园区碳排放总量")
    baseline(park, total, 2024, "600")
    page = Browser(app, park, "coordinator")
    try:
        html = page.get("/clauses/7.5").text
    finally:
        page.close()
    assert 'data-finding="baseline_never_approved"' in html
    assert "基准从未批准：绩效参数“园区碳排放总量”的基准尚未经文件审批流程批准" in html
