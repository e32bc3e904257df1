"""Completion (7.1): each target's actual value against its target and the approved baseline, with the status rule,
worked by hand here; the checklist generated from the same rows and filed as the year's record in one step."""

import json
from datetime import date
from decimal import Decimal as D

from app.performance.status import RULE_ZH
from tests.inventory import helpers as inventory
from tests.performance.targets_helpers import (
    API,
    approved_baseline,
    docx_cells,
    docx_paragraphs,
    events_of,
    indicator,
    manual,
    objective,
    ok,
    refused,
    target,
)


def _by_target(report: dict) -> dict[int, dict]:
    return {row["target"]["id"]: row for row in report["targets"]}


def test_each_status_rule_worked_by_hand(park):
    total = indicator(park)  # lower is better
    share = indicator(park, "RENEWABLE", name="可再生能源占比", unit="%", direction="higher")
    empty = indicator(park, "WASTE-HEAT", name="余热余压利用率", unit="%", direction="higher")
    manual(park, total, 2024, "100")
    manual(park, total, 2025, "97")
    manual(park, share, 2025, "22")
    approved_baseline(park, total, 2024, "100")
    goal = objective(park)
    # baseline 100 (2024) → 80 at 2028: the 2025 path is 100 + (80 − 100) × 1/4 = 95; 97 is worse → at risk
    at_risk = target(park, goal["id"], total, target_value="80", deadline="2028-12-31")
    # deadline year 2025 holds 97, not ≤ 90 → missed
    missed = target(park, goal["id"], total, target_value="90", deadline="2025-12-31", title="2025 年总量")
    # no baseline for the share: the path is the target itself; 22 ≥ 20 before 2027 → on track
    on_track = target(park, goal["id"], share, target_value="20", deadline="2027-12-31", title="可再生能源占比")
    # deadline year 2025 holds 22 ≥ 21 → achieved
    achieved = target(park, goal["id"], share, target_value="21", deadline="2025-12-31", title="2025 年占比")
    no_data = target(park, goal["id"], empty, target_value="30", deadline="2027-12-31", title="余热利用")

    report = ok(park.client.get(f"{API}/completion?year=2025", headers=park.headers("top_management")))
    assert report["year"] == 2025 and report["rule"]["zh"] == RULE_ZH
    rows = _by_target(report)
    risk = rows[at_risk["id"]]
    assert (risk["status"], risk["status_label"]["zh"], risk["year"]) == ("at_risk", "有风险", 2025)
    assert D(risk["value"]) == D("97") and D(risk["expected"]) == D("95")
    assert risk["baseline"]["value"] == "100" and risk["baseline"]["base_year"] == 2024
    # against the baseline: 97 − 100 = −3, i.e. −3 %; still 97 − 80 = 17 to go
    assert D(risk["against_baseline"]) == D("-3") and D(risk["against_baseline_percent"]) == D("-3")
    assert D(risk["against_target"]) == D("17")
    assert risk["trail"]["kind"] == "manual"
    assert [(v["year"], v["value"]) for v in risk["values"]] == [(2024, "100"), (2025, "97")]
    assert (rows[missed["id"]]["status"], rows[missed["id"]]["expected"]) == ("missed", "90")
    assert (rows[on_track["id"]]["status"], rows[on_track["id"]]["expected"]) == ("on_track", "20")
    assert rows[on_track["id"]]["baseline"] is None and rows[on_track["id"]]["against_baseline"] is None
    assert rows[achieved["id"]]["status"] == "achieved" and rows[achieved["id"]]["value"] == "22"
    assert rows[no_data["id"]]["status"] == "no_data" and rows[no_data["id"]]["value"] is None

    # judged on what was known by 2024: every target starts in 2025 → no data yet
    earlier = _by_target(ok(park.client.get(f"{API}/completion?year=2024", headers=park.headers("auditor"))))
    assert {row["status"] for row in earlier.values()} == {"no_data"}


def test_values_come_from_the_confirmed_inventory_with_their_trail(park):
    enterprise = inventory.enterprise(park, "甲化工有限公司", 1)
    grid = inventory.source(park, enterprise["id"], "外购电力", "purchased_electricity", "华东电网", "MWh")
    ds = inventory.data_set(park)
    inventory.factor(
        park,
        ds["id"],
        code="grid",
        kind="electricity",
        quantity="华东电网",
        activity_unit="MWh",
        direct_factor="0.6",
        region="华东",
    )
    inventory.assign(park, "contributor", enterprise["id"])
    other = inventory.enterprise(park, "乙热电有限公司", 2)
    other_grid = inventory.source(park, other["id"], "外购电力", "purchased_electricity", "华东电网", "MWh")
    inventory.add_contributor(park, "contributor_b")
    inventory.assign(park, "contributor_b", other["id"])
    inventory.boundary(park, 2024, [grid["id"], other_grid["id"]])  # B only in 2024: 10 MWh × 0.6 = 6 tCO₂
    inventory.boundary(park, 2025, [grid["id"]])
    for who, company, source, year, mwh in (
        ("contributor", enterprise, grid, 2024, "100"),
        ("contributor_b", other, other_grid, 2024, "10"),
        ("contributor", enterprise, grid, 2025, "90"),
    ):
        rows = [{"source_id": source["id"], "quantity": mwh, "unit": "MWh", "quality": "metered"}]
        submission = inventory.submit_rows(park, who, company["id"], year, rows)
        inventory.confirm(park, submission["id"])
    total = indicator(park, formula="total_emission")
    approved_baseline(park, total, 2024, "60")  # the base line as approved (entered, 7.5)
    goal = objective(park)
    created = target(park, goal["id"], total, target_value="48", deadline="2027-12-31")
    report = ok(park.client.get(f"{API}/completion?year=2025", headers=park.headers("coordinator")))
    (row,) = report["targets"]
    # 2025: 90 MWh × 0.6 = 54 tCO₂; the path from 60 (2024) to 48 (2027) asks 60 − 12 × 1/3 = 56 in 2025 → on track
    assert row["target"]["id"] == created["id"]
    assert D(row["value"]) == D("54") and D(row["expected"]) == D("56") and row["status"] == "on_track"
    assert D(row["against_baseline"]) == D("-6") and D(row["against_baseline_percent"]) == D("-10")
    assert row["trail"]["href"] == "/api/inventory/years/2025/trail?level=park&key=park"
    trail = ok(park.client.get(row["trail"]["href"], headers=park.headers("coordinator")))
    assert D(trail["total"]) == D(row["value"])  # the same figure as its trail

    # the enterprise's and the source's own indicators read the same 54 tCO₂ (their only source)
    own = indicator(park, "ENT", level="enterprise", enterprise_id=enterprise["id"], formula="total_emission")
    process = indicator(park, "SRC", level="process", source_id=grid["id"], formula="total_emission")
    for indicator_id in (own, process):
        target(park, goal["id"], indicator_id, target_value="50", deadline="2027-12-31", title=f"指标{indicator_id}")
    report = ok(park.client.get(f"{API}/completion?year=2025", headers=park.headers("coordinator")))
    values = {row["indicator"]["code"]: (row["value"], row["trail"]["level"]) for row in report["targets"]}
    assert values == {"PARK-TOTAL": ("54", "park"), "ENT": ("54", "enterprise"), "SRC": ("54", "source")}
    # 2024: the park holds A's 60 and B's 6; A's own indicators only A's 60
    in_2024 = {row["indicator"]["code"]: row["values"][0] for row in report["targets"]}
    assert {code: (v["year"], v["value"]) for code, v in in_2024.items()} == {
        "PARK-TOTAL": (2024, "66"),
        "ENT": (2024, "60"),
        "SRC": (2024, "60"),
    }


def test_the_checklist_is_generated_from_the_data_and_filed_as_the_record_in_one_step(park):
    total = indicator(park)
    manual(park, total, 2025, "97")
    approved_baseline(park, total, 2024, "100")
    goal = objective(park, title="园区碳排放总量下降")
    created = target(park, goal["id"], total, target_value="80", deadline="2028-12-31")
    measure = {
        "title": "燃煤锅炉改燃气",
        "responsible_unit": "甲化工有限公司",
        "start_date": "2025-01-01",
        "end_date": "2026-12-31",
        "target_ids": [created["id"]],
    }
    measure_id = ok(park.client.post(f"{API}/measures", json=measure, headers=park.headers("coordinator")), 201)["id"]
    progress = {"year": 2025, "status": "in_progress", "achieved_reduction": "1.5", "verification": "计量表读数"}
    ok(
        park.client.post(f"{API}/measures/{measure_id}/progress", json=progress, headers=park.headers("coordinator")),
        201,
    )

    download = park.client.get(f"{API}/completion/checklist.docx?year=2025", headers=park.headers("auditor"))
    assert download.status_code == 200
    cells = docx_cells(download.content)
    assert {
        "园区碳排放总量下降",
        "园区碳排放总量控制",
        "80.00",
        "2024：100.00",
        "2025：97.00",
        "95.00",
        "有风险",
    } <= set(cells)
    assert "燃煤锅炉改燃气（实施中，已实现 1.50 tCO₂）" in cells
    assert RULE_ZH in docx_paragraphs(download.content)

    filed = ok(
        park.client.post(f"{API}/completion/checklist", json={"year": 2025}, headers=park.headers("coordinator")), 201
    )
    record = ok(park.client.get(f"/api/records/{filed['record_id']}", headers=park.headers("auditor")))
    assert record["doc_type"] == "TARGET_COMPLETION_CHECKLIST"
    assert record["state"] == "in_approval"  # submitted for confirmation in the same step
    assert record["period_start"] == "2025-01-01" and record["period_end"] == "2025-12-31"
    content = park.client.get(f"/api/revisions/{record['revision_id']}/file", headers=park.headers("auditor")).content
    assert "有风险" in docx_cells(content)
    (event,) = events_of(park, "target_completion.file_checklist")
    assert json.loads(event.after_json)["rows"] == [{"target_id": created["id"], "status": "at_risk", "value": "97"}]


def test_the_checklist_refusals(park):
    total = indicator(park)
    target(park, objective(park)["id"], total)
    approver = park.client.post(f"{API}/completion/checklist", json={"year": 2025}, headers=park.headers("approver"))
    assert approver.status_code == 403 and refused(park, "approver", "target_completion", "role")
    future = park.client.post(
        f"{API}/completion/checklist", json={"year": date.today().year + 1}, headers=park.headers("coordinator")
    )
    assert future.status_code == 422
    contributor = park.client.get(f"{API}/completion/checklist.docx?year=2025", headers=park.headers("contributor"))
    assert contributor.status_code == 403 and refused(park, "contributor", "target_completion", "role")
    assert park.client.get(f"{API}/completion?year=1800", headers=park.headers("auditor")).status_code == 422


def test_a_checklist_needs_targets(park):
    response = park.client.post(f"{API}/completion/checklist", json={"year": 2025}, headers=park.headers("coordinator"))
    assert response.status_code == 422 and response.json()["message_zh"] == "尚无指标，无法生成检查表"
