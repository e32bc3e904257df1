"""Baselines (7.5) on both databases: version 1 from a base year's value or an entered base line, approved through
the CARBON_BASELINE document lifecycle; adjustments with a reason of 7.5 a)–c) showing old and new values; the
offers when the base year's boundary or factors change; every refusal. Figures from calc_support's table."""

import io
from decimal import Decimal as D

from docx import Document as DocxDocument

from app.db import session_scope
from app.performance.queries import baselines_in_force
from tests.factories import make_park, sign
from tests.inventory.helpers import API, boundary, ok
from tests.performance.calc_support import PERF, events, indicator, inventory, refused

__all__ = ["inventory"]


def _create(park, indicator_id: int, role: str = "coordinator", **body):
    return park.client.post(f"{PERF}/indicators/{indicator_id}/baselines", json=body, headers=park.headers(role))


def _adjust(park, baseline_id: int, role: str = "coordinator", **body):
    payload = {"reason": "factors_or_method_changed", "note": "电网排放因子更新"} | body
    return park.client.post(f"{PERF}/baselines/{baseline_id}/adjust", json=payload, headers=park.headers(role))


def approve_and_publish(park, revision_id: int) -> None:
    """CARBON_BASELINE is approved by an approver (部门负责人); top management reviews."""
    assert (
        park.client.post(f"/api/revisions/{revision_id}/submit", headers=park.headers("coordinator")).status_code == 200
    )
    assert sign(park, revision_id, "review", "top_management").status_code == 200
    assert sign(park, revision_id, "approve", "approver").status_code == 200
    published = park.client.post(f"/api/revisions/{revision_id}/publish", headers=park.headers("coordinator"))
    assert published.status_code == 200, published.text


def _docx_text(park, revision_id: int) -> str:
    response = park.client.get(f"/api/revisions/{revision_id}/file", headers=park.headers("coordinator"))
    assert response.status_code == 200, response.text
    document = DocxDocument(io.BytesIO(response.content))
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


def test_a_base_year_baseline_is_approved_through_the_document_lifecycle(inventory):
    park = inventory.park
    intensity = indicator(park, "B-INT", "intensity_output_value")
    made = ok(_create(park, intensity["id"], base_year=2024), 201)
    # 2024: 345 tCO₂ / 1500 万元 = 0.23, its variables read from the same figures
    assert (made["version"], D(made["value"]), made["base_year"]) == (1, D("0.23"), 2024)
    assert [(v["name"], D(v["value"])) for v in made["variables"]] == [("碳排放量", D(345)), ("工业总产值", D(1500))]
    assert (made["revision_state"], made["in_force"]) == ("draft", False)
    document = ok(park.client.get(f"/api/documents/{made['document_id']}", headers=park.headers("coordinator")))
    assert document["doc_type"] == "CARBON_BASELINE" and document["title"] == "碳排放管理基准：参数 B-INT"
    text = _docx_text(park, made["revision_id"])
    assert "0.23 tCO₂/万元" in text and "2024 年" in text and "工业总产值" in text
    assert events(park.id, "baseline.create")[-1]["after"]["value"] == "0.23"
    with session_scope(write=False) as session:
        assert intensity["id"] not in baselines_in_force(session, [intensity["id"]])
    approve_and_publish(park, made["revision_id"])
    shown = ok(park.client.get(f"{PERF}/baselines/{made['id']}", headers=park.headers("top_management")))
    assert (shown["revision_state"], shown["in_force"]) == ("effective", True)
    with session_scope(write=False) as session:
        assert baselines_in_force(session, [intensity["id"]])[intensity["id"]].id == made["id"]


def test_an_adjustment_is_a_new_version_with_its_reason_and_the_old_stays_until_approved(inventory):
    park = inventory.park
    total = indicator(park, "B-TOT", "total_emission")
    other = indicator(park, "B-OTHER", "total_emission", "enterprise", enterprise_id=inventory.b)
    first = ok(_create(park, total["id"], base_year=2024), 201)
    kept = ok(_create(park, other["id"], base_year=2024), 201)  # B 2024: 60 tCO₂
    early = _adjust(park, first["id"], base_year=2025)
    assert early.status_code == 409 and "未完成的版本" in early.json()["message_zh"]
    approve_and_publish(park, first["revision_id"])
    approve_and_publish(park, kept["revision_id"])
    assert _adjust(park, first["id"], reason="because").status_code == 422
    assert _adjust(park, first["id"], note="").status_code == 422
    second = ok(_adjust(park, first["id"], base_year=2025, reason="static_factors_changed", note="园区扩区"), 201)
    # 345 → 268 (2025: 132 + 90 + 45 + 1)
    assert (second["version"], D(second["previous_value"]), D(second["value"])) == (2, D(345), D(268))
    assert second["adjustment_reason_label"]["label_zh"].startswith("b) 静态因素")
    assert second["document_id"] == first["document_id"] and second["supersedes_id"] == first["id"]
    text = _docx_text(park, second["revision_id"])
    assert "基准值由 345 调整为 268 tCO₂" in text and "园区扩区" in text
    adjusted = events(park.id, "baseline.adjust")[-1]
    assert (adjusted["before"]["value"], adjusted["after"]["value"]) == ("345", "268")
    history = ok(park.client.get(f"{PERF}/indicators/{total['id']}/baselines", headers=park.headers("auditor")))
    assert [(v["version"], v["in_force"], v["revision_state"]) for v in history] == [
        (1, True, "effective"),
        (2, False, "draft"),
    ]
    stale = _adjust(park, first["id"], base_year=2025)
    assert stale.status_code == 409 and "最新版本" in stale.json()["message_zh"]
    approve_and_publish(park, second["revision_id"])
    history = ok(park.client.get(f"{PERF}/indicators/{total['id']}/baselines", headers=park.headers("auditor")))
    assert [(v["version"], v["in_force"], v["revision_state"]) for v in history] == [
        (1, False, "superseded"),
        (2, True, "effective"),
    ]
    # Another indicator's baseline lives in its own document: it stays in force.
    assert ok(park.client.get(f"{PERF}/baselines/{kept['id']}", headers=park.headers("auditor")))["in_force"] is True
    listed = {
        row["indicator_id"]: row for row in ok(park.client.get(f"{PERF}/baselines", headers=park.headers("auditor")))
    }
    assert listed[total["id"]]["version"] == 2 and D(listed[other["id"]]["value"]) == D(60)


def test_a_base_line_is_entered_with_its_variables_and_bad_input_is_refused(inventory):
    park = inventory.park
    heat = indicator(park, "B-HEAT", "manual", unit="%", direction="higher")
    variables = [{"name": "余热回收量", "unit": "GJ", "value": "1200", "source": "能源计量台账"}]
    for body, status, words in (
        ({"base_line": "2022—2024 年平均水平"}, 422, "须填写基准值"),
        ({}, 422, "请选择基准年或填写基准线"),
        ({"base_year": 2024}, 422, "2024 年没有该参数的数值"),
        ({"base_year": 2024, "value": "12"}, 422, "不能另行填写"),
        ({"base_line": "平均", "value": "x"}, 422, "基准值不是数字"),
        ({"base_line": "平均", "value": "1", "variables": [{"name": "v", "value": "bad"}]}, 422, "活动水平不是数字"),
    ):
        response = _create(park, heat["id"], **body)
        assert response.status_code == status and words in response.json()["message_zh"], (body, response.text)
    made = ok(_create(park, heat["id"], base_line="2022—2024 年平均水平", value="35.5", variables=variables), 201)
    assert (made["base_year"], made["base_line"], made["value"]) == (None, "2022—2024 年平均水平", "35.5")
    assert made["variables"] == variables
    again = _create(park, heat["id"], base_line="另一条", value="1")
    assert again.status_code == 409 and "请调整基准" in again.json()["message_zh"]
    no_data = indicator(park, "B-NODATA", "total_emission")
    missing = _create(park, no_data["id"], base_year=2023)
    assert missing.status_code == 422 and "尚无已确认的碳排放数据" in missing.json()["message_zh"]


def test_boundary_and_factor_changes_offer_an_adjustment(inventory):
    park = inventory.park
    scope2 = indicator(park, "B-S2", "scope_emission", scope=2)
    made = ok(_create(park, scope2["id"], base_year=2024), 201)  # 2024 scope 2: 120 + 60 = 180
    assert D(made["value"]) == D(180)

    def offers() -> list[tuple[str, int]]:
        listed = ok(park.client.get(f"{PERF}/baselines/adjustment-offers", headers=park.headers("coordinator")))
        return sorted((row["reason"], row["version"]) for row in listed if row["indicator_id"] == scope2["id"])

    assert offers() == []
    boundary(park, 2024, list(inventory.sources.values()))  # the base year's boundary set again: b)
    assert offers() == [("static_factors_changed", 1)]
    url = f"{API}/factors/{inventory.factors['grid']}/versions"
    body = {"reason": "电网因子更新（测试输入值）", "direct_factor": "0.58"}
    ok(park.client.post(url, json=body, headers=park.headers("coordinator")), 201)
    assert offers() == [("factors_or_method_changed", 1), ("static_factors_changed", 1)]
    listed = ok(park.client.get(f"{PERF}/baselines/adjustment-offers", headers=park.headers("auditor")))
    # The confirmed rows keep the factor version they were calculated with: today's 2024 value is still 180.
    assert {(D(row["value"]), D(row["current_value"])) for row in listed if row["indicator_id"] == scope2["id"]} == {
        (D(180), D(180))
    }
    approve_and_publish(park, made["revision_id"])
    ok(_adjust(park, made["id"], base_year=2024, note="电网因子已更正，按新版本重新核算"), 201)
    assert offers() == []


def test_who_may_create_adjust_and_read_baselines(inventory):
    park = inventory.park
    own = indicator(park, "B-OWN", "total_emission", "enterprise", enterprise_id=inventory.a)
    theirs = indicator(park, "B-THEIRS", "total_emission", "enterprise", enterprise_id=inventory.b)
    for role in ("approver", "top_management", "auditor", "contributor", "admin"):
        assert _create(park, own["id"], role=role, base_year=2024).status_code == 403
    assert refused(park.id, "baseline", f"indicator:{own['id']}", "role")
    mine = ok(_create(park, own["id"], base_year=2024), 201)  # A 2024: 165 + 120 = 285
    assert D(mine["value"]) == D(285)
    hers = ok(_create(park, theirs["id"], base_year=2024), 201)
    assert _adjust(park, mine["id"], role="top_management").status_code == 403
    assert refused(park.id, "baseline", mine["id"], "role")
    seen = ok(park.client.get(f"{PERF}/baselines/{mine['id']}", headers=park.headers("contributor")))
    assert D(seen["value"]) == D(285)
    hidden = park.client.get(f"{PERF}/baselines/{hers['id']}", headers=park.headers("contributor"))
    assert hidden.status_code == 404
    listed = ok(park.client.get(f"{PERF}/baselines", headers=park.headers("contributor")))
    assert {row["indicator_id"] for row in listed} == {own["id"]}
    other = make_park(park.client)
    for response in (
        park.client.get(f"{PERF}/baselines/{mine['id']}", headers=other.headers("coordinator")),
        _adjust(other, mine["id"]),
        _create(other, own["id"], base_year=2024),
    ):
        assert response.status_code == 404
    assert refused(other.id, "baseline", mine["id"], "other_park")
    assert refused(other.id, "indicator", own["id"], "other_park")


def test_a_withdrawn_baseline_document_makes_the_next_version_start_a_new_one(inventory):
    park = inventory.park
    total = indicator(park, "B-WITHDRAWN", "total_emission")
    first = ok(_create(park, total["id"], base_year=2024), 201)
    approve_and_publish(park, first["revision_id"])
    url = f"/api/documents/{first['document_id']}/obsolete"
    ok(park.client.post(url, json={"reason": "基准文件体系调整"}, headers=park.headers("coordinator")))
    second = ok(_adjust(park, first["id"], reason="indicator_no_longer_reflects", note="改按新文件管理"), 201)
    assert second["document_id"] != first["document_id"] and second["version"] == 2
    assert D(second["value"]) == D(345)  # the base year kept: 2024's 345 tCO₂
