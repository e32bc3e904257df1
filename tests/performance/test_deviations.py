"""Significant deviations (10.1.1), on SQLite and PostgreSQL, each figure worked by hand.

The park's total is purchased electricity × 0.6 tCO₂/MWh (a test factor): 2024 1000 MWh → 600 t, 2025 1100 MWh →
660 t. The 2024 baseline is 600 t; the target is 500 t by 2026, so its straight path asks 600 + (500 − 600) × 1/2
= 550 t in 2025: 660 t is (660 − 550) / 550 = 20 % worse. Against the baseline, 660 t is (660 − 600) / 600 = 10 %
worse.
"""

from datetime import date
from decimal import Decimal

import pytest

from app.performance.deviations import reference_for, worse_by_percent
from app.performance.lifecycle import TRANSITIONS, DeviationAction
from app.performance.models import DeviationState, Direction, Indicator, IndicatorFormula, Target
from tests.factories import PASSWORD
from tests.performance.monitor_helpers import (
    approved_baseline,
    electricity_park,
    events_of,
    indicator,
    manual_value,
    refusals,
    target,
)

API = "/api/performance/deviations"


@pytest.fixture()
def monitored(park):
    built = electricity_park(park, {2024: "1000", 2025: "1100"})
    total = indicator(park, "E-TOTAL", deviation_percent=Decimal("5"), deviation_reference="target")
    approved_baseline(park, total, 2024, "600")
    target_id = target(park, total, "500", 2025, date(2026, 12, 31))
    return {"total": total, "target": target_id, "enterprise_id": built["enterprise"]["id"]}


def detect(park, year: int = 2025, role: str = "coordinator"):
    return park.client.post(f"{API}/detect", json={"year": year}, headers=park.headers(role))


def test_the_rule_worked_by_hand():
    assert worse_by_percent(Decimal("660"), Decimal("550"), Direction.lower_is_better) == Decimal(20)
    assert worse_by_percent(Decimal("500"), Decimal("550"), Direction.lower_is_better) < 0
    assert worse_by_percent(Decimal("40"), Decimal("50"), Direction.higher_is_better) == Decimal(20)
    assert worse_by_percent(Decimal("1"), Decimal("0"), Direction.lower_is_better) is None
    rule = Indicator(park_id=1, code="x", name="x", unit="t", level="park", formula="total_emission", created_by_id=1)
    late = Target(
        park_id=1,
        objective_id=1,
        indicator_id=1,
        title="t",
        target_value=Decimal("500"),
        start_year=2026,
        deadline=date(2027, 12, 31),
        responsible_unit="u",
        created_by_id=1,
    )
    assert reference_for(rule, 2025, [late], None) is None  # the target has not started in 2025


def test_every_deviation_code_has_its_words():
    from app.labels import LABELS

    assert set(LABELS["deviation_state"]) == {state.value for state in DeviationState}
    assert set(LABELS["deviation_action"]) == {action.value for action in DeviationAction}
    assert {"deviation.detect", "deviation.close", "deviation.file_record"} <= set(LABELS["event"])


def test_the_transition_table():
    assert TRANSITIONS[DeviationAction.investigate] == (frozenset({DeviationState.open}), DeviationState.investigating)
    assert TRANSITIONS[DeviationAction.close][1] == DeviationState.closed
    assert TRANSITIONS[DeviationAction.reopen][0] == frozenset({DeviationState.closed})


def test_a_value_worse_than_the_target_path_opens_one_deviation_once(park, monitored):
    response = detect(park)
    assert response.status_code == 200, response.text
    [opened] = response.json()["opened"]
    assert opened["indicator"]["id"] == monitored["total"]
    assert (opened["value"], opened["reference_kind"], opened["target_id"]) == ("660", "target", monitored["target"])
    assert Decimal(opened["reference_value"]) == Decimal("550")
    assert opened["deviation_percent"] == "20.00" and opened["threshold_percent"] == "5"
    assert opened["state"] == "open" and opened["state_label_zh"] == "待调查"
    assert opened["allowed_actions"] == ["investigate"]
    assert opened["trail"] == "/api/inventory/years/2025/trail?level=park&key=park"
    trail = park.client.get(opened["trail"], headers=park.headers("coordinator"))
    assert trail.status_code == 200, trail.text
    assert detect(park).json()["opened"] == []  # idempotent: one per (indicator, period)
    listed = park.client.get(API, params={"year": 2025}, headers=park.headers("top_management")).json()
    assert [d["id"] for d in listed] == [opened["id"]]
    assert events_of("deviation", opened["id"])[0][0] == "deviation.detect"
    assert detect(park, 2024).json()["opened"] == []  # 2024 is the baseline year: 600 t is the path itself


def test_the_baseline_rule_opens_only_beyond_its_threshold(park):
    electricity_park(park, {2024: "1000", 2025: "1100"})
    at_limit = indicator(park, "E-BASE-10", deviation_percent=Decimal("10"), deviation_reference="baseline")
    beyond = indicator(park, "E-BASE-9", deviation_percent=Decimal("9.5"), deviation_reference="baseline")
    unruled = indicator(park, "E-NORULE")
    for indicator_id in (at_limit, beyond, unruled):
        approved_baseline(park, indicator_id, 2024, "600")
    [opened] = detect(park).json()["opened"]
    assert opened["indicator"]["id"] == beyond  # 10 % worse: beyond 9.5 %, not beyond 10 %
    assert opened["deviation_percent"] == "10.00" and Decimal(opened["reference_value"]) == Decimal("600")


def test_higher_is_better_and_a_target_without_baseline(park):
    share = indicator(
        park,
        "RE-SHARE",
        name="可再生能源占比",
        unit="%",
        formula=IndicatorFormula.manual,
        direction=Direction.higher_is_better,
        deviation_percent=Decimal("15"),
    )
    target(park, share, "50", 2025, date(2026, 12, 31))
    manual_value(park, share, 2025, "40")  # the path is the target itself: (50 − 40) / 50 = 20 % worse
    [opened] = detect(park).json()["opened"]
    assert opened["deviation_percent"] == "20.00" and Decimal(opened["reference_value"]) == Decimal("50")
    manual_value(park, share, 2024, "44")  # 12 % worse, within 15 %
    assert detect(park, 2024).json()["opened"] == []


def test_investigation_nonconformity_response_and_record(park, monitored):
    deviation_id = detect(park).json()["opened"][0]["id"]
    url = f"{API}/{deviation_id}"
    headers = park.headers("coordinator")
    assert park.client.post(f"{url}/close", json={"response": "x"}, headers=headers).status_code == 409
    started = park.client.post(f"{url}/investigate", json={"investigation": "新增产线用电"}, headers=headers)
    assert started.status_code == 200 and started.json()["state"] == "investigating"
    assert park.client.post(f"{url}/close", json={"response": ""}, headers=headers).status_code == 422
    raised = park.client.post(f"{url}/nonconformity", json={"severity": "major"}, headers=headers)
    assert raised.status_code == 201, raised.text
    nc = raised.json()["nonconformity"]
    assert nc["code"].startswith("NC-") and nc["state"] == "open"
    detail = park.client.get(f"/api/nonconformities/{nc['id']}", headers=headers).json()
    assert detail["origin"]["origin"] == "monitoring" and detail["clause_id"] == "10.1.1"
    assert "660" in detail["description"] and "20.00%" in detail["description"]
    again = park.client.post(f"{url}/nonconformity", json={"severity": "minor"}, headers=headers)
    assert again.status_code == 409
    closed = park.client.post(f"{url}/close", json={"response": "调整生产计划，增购绿电"}, headers=headers)
    assert closed.status_code == 200 and closed.json()["state"] == "closed"
    assert closed.json()["allowed_actions"] == ["reopen"]
    filed = park.client.post(f"{url}/record", headers=headers)
    assert filed.status_code == 201, filed.text
    record = park.client.get(f"/api/records/{filed.json()['record_id']}", headers=headers).json()
    assert record["doc_type"] == "DEVIATION_INVESTIGATION_RECORD"
    assert park.client.post(f"{url}/record", headers=headers).status_code == 409
    record_id = filed.json()["record_id"]
    confirm = {"password": PASSWORD, "comment": "确认"}
    confirmed = park.client.post(f"/api/records/{record_id}/approve", json=confirm, headers=park.headers("approver"))
    assert confirmed.status_code == 200, confirmed.text
    clauses = park.client.get("/api/readiness", headers=headers).json()["clauses"]
    [item] = [
        i
        for c in clauses
        if c["id"] == "10.1.1"
        for i in c["items"]
        if i["doc_type"] == "DEVIATION_INVESTIGATION_RECORD"
    ]
    assert item["status"] == "met" and item["evidence"] == [record_id]  # the evidence of 10.1.1
    actions = [action for action, _before, _after in events_of("deviation", deviation_id)]
    assert actions == [
        "deviation.detect",
        "deviation.investigate",
        "deviation.raise_nonconformity",
        "deviation.link_nonconformity",
        "deviation.close",
        "deviation.file_record",
    ]
    reopened = park.client.post(f"{url}/reopen", json={"reason": ""}, headers=headers)
    assert reopened.status_code == 422


def test_the_record_is_generated_from_the_deviation(park, monitored):
    import io

    from docx import Document as DocxDocument

    from app.db import session_scope
    from app.performance.investigation_record import record_docx
    from app.performance.models import Deviation

    deviation_id = detect(park).json()["opened"][0]["id"]
    with session_scope(write=False) as session:
        content = record_docx(session, session.get_one(Deviation, deviation_id))
    document = DocxDocument(io.BytesIO(content))
    text = "\n".join(p.text for p in document.paragraphs)
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    assert "严重偏离调查和响应记录" in text and "10.1.1" in text
    assert "660 tCO2" in cells and "劣于比较对象 20.00%（严重偏离阈值 5%）" in cells


def test_refusals_are_recorded_and_other_parks_see_nothing(park, other_park, monitored):
    assert detect(park, role="approver").status_code == 403
    assert refusals(park.id, "deviation", "detect:2025")[0]["rule"] == "role"
    deviation_id = detect(park).json()["opened"][0]["id"]
    url = f"{API}/{deviation_id}"
    investigate = park.client.post(f"{url}/investigate", json={}, headers=park.headers("approver"))
    assert investigate.status_code == 403
    assert park.client.post(f"{url}/record", headers=park.headers("auditor")).status_code == 403
    assert park.client.get(url, headers=park.headers("admin")).status_code == 403
    assert park.client.get(url, headers=park.headers("auditor")).status_code == 200
    for method, path in (("GET", url), ("POST", f"{url}/investigate"), ("PUT", f"{url}/assignee")):
        response = other_park.client.request(method, path, json={}, headers=other_park.headers("coordinator"))
        assert response.status_code == 404, (method, path)
    assert {r["rule"] for r in refusals(other_park.id, "deviation", deviation_id)} == {"other_park"}
    assert other_park.client.get(API, headers=other_park.headers("coordinator")).json() == []
    assert detect(other_park).json()["opened"] == []
    assert park.client.get(f"{API}/999999", headers=park.headers("coordinator")).status_code == 404
    too_early = park.client.post(f"{API}/detect", json={"year": 1800}, headers=park.headers("coordinator"))
    assert too_early.status_code == 422


def test_the_open_deviation_is_a_task_for_the_coordinator_then_the_assignee(park, monitored):
    deviation_id = detect(park).json()["opened"][0]["id"]

    def kinds(role: str) -> list[str]:
        tasks = park.client.get("/api/tasks", headers=park.headers(role)).json()["tasks"]
        return [t["kind"] for t in tasks if t["entity_type"] == "deviation" and t["entity_id"] == deviation_id]

    assert kinds("coordinator") == ["deviation_investigate"] and kinds("approver") == []
    url = f"{API}/{deviation_id}"
    assigned = park.client.put(
        f"{url}/assignee", json={"assignee_id": park.user_ids["approver"]}, headers=park.headers("coordinator")
    )
    assert assigned.status_code == 200 and assigned.json()["assignee_id"] == park.user_ids["approver"]
    assert kinds("coordinator") == [] and kinds("approver") == ["deviation_investigate"]
    body = {"investigation": "查明原因"}
    started = park.client.post(f"{url}/investigate", json=body, headers=park.headers("approver"))
    assert started.status_code == 200  # the assignee may act
    assert kinds("approver") == ["deviation_respond"]
    # the approver may not raise a nonconformity: the nonconformity service's own rule
    assert park.client.post(f"{url}/nonconformity", json={}, headers=park.headers("approver")).status_code == 403
    park.client.post(f"{url}/close", json={"response": "已整改"}, headers=park.headers("approver"))
    assert kinds("approver") == [] and kinds("coordinator") == ["deviation_file_record"]
    park.client.post(f"{url}/record", headers=park.headers("coordinator"))
    assert kinds("coordinator") == []
    other = park.client.put(f"{url}/assignee", json={"assignee_id": 999999}, headers=park.headers("coordinator"))
    assert other.status_code == 404


def test_remind_detects_last_years_deviations_and_lists_them(park, monitored, monkeypatch):
    from typer.testing import CliRunner

    from app.cli import app as cli

    monkeypatch.delenv("CARBONMS_SMTP_HOST", raising=False)
    result = CliRunner().invoke(cli, ["remind", "--today", "2026-01-05", "--park", park.code])
    assert result.exit_code == 0, result.output
    assert "新发现的绩效严重偏离 / significant deviations found: 1" in result.output
    assert "调查偏离：园区碳排放总量 2025（20.00%）" in result.output
    again = CliRunner().invoke(cli, ["remind", "--today", "2026-01-05", "--park", park.code])
    assert "significant deviations found" not in again.output and "调查偏离" in again.output


def test_a_contributor_reads_only_its_own_enterprises_deviations(park, monitored):
    from app.performance.models import IndicatorLevel

    enterprise_id = monitored["enterprise_id"]
    own = indicator(
        park,
        "ENT-TOTAL",
        name="企业碳排放总量",
        level=IndicatorLevel.enterprise,
        enterprise_id=enterprise_id,
        deviation_percent=Decimal("5"),
        deviation_reference="baseline",
    )
    approved_baseline(park, own, 2024, "600")  # 660 t is 10 % worse
    opened = {d["indicator"]["id"]: d["id"] for d in detect(park).json()["opened"]}
    assert set(opened) == {monitored["total"], own}
    listed = park.client.get(API, headers=park.headers("contributor")).json()  # assigned to the enterprise
    assert [d["id"] for d in listed] == [opened[own]]
    assert park.client.get(f"{API}/{opened[own]}", headers=park.headers("contributor")).status_code == 200
    park_level = park.client.get(f"{API}/{opened[monitored['total']]}", headers=park.headers("contributor"))
    assert park_level.status_code == 403
    assert refusals(park.id, "deviation", opened[monitored["total"]])[0]["rule"] == "assignment"
    investigate = park.client.post(f"{API}/{opened[own]}/investigate", json={}, headers=park.headers("contributor"))
    assert investigate.status_code == 403  # reading is not acting
