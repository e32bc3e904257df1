"""Objectives (7.1 a–e) and targets decomposed per level through the API: validation, events, refusals; on SQLite
and PostgreSQL."""

import json

from app.db import session_scope
from app.performance.models import Target
from tests.inventory import helpers as inventory
from tests.performance.targets_helpers import API, events_of, indicator, objective, ok, refused, target


def test_an_objective_keeps_its_category_and_considerations_and_is_withdrawn_with_a_reason(park):
    coordinator = park.headers("coordinator")
    created = objective(
        park,
        category="fulfilment",
        title="按期完成碳排放履约",
        target_year=2028,
        considerations={"trading": "参与全国碳市场交易", "other": "省级控排要求"},
    )
    assert created["category_label"]["zh"] == "完成碳排放履约"
    assert {c["code"]: c["text"] for c in created["considerations"]} == {
        "trading": "参与全国碳市场交易",
        "other": "省级控排要求",
    }
    assert created["considerations"][0]["label"]["zh"] in (
        "其他应当考虑的因素（如外部合规性要求）",
        "碳排放的交易与管理",
    )
    url = f"{API}/objectives/{created['id']}"
    changed = ok(park.client.patch(url, json={"title": "按期足额完成履约"}, headers=coordinator))
    assert changed["title"] == "按期足额完成履约" and changed["target_year"] == 2028
    (update,) = events_of(park, "objective.update")
    assert json.loads(update.before_json)["title"] == "按期完成碳排放履约"
    assert json.loads(update.after_json)["title"] == "按期足额完成履约"

    assert park.client.post(f"{url}/withdraw", json={"reason": ""}, headers=coordinator).status_code == 422
    withdrawn = ok(park.client.post(f"{url}/withdraw", json={"reason": "并入强度目标"}, headers=coordinator))
    assert withdrawn["withdrawn"] is True and withdrawn["withdrawn_reason"] == "并入强度目标"
    again = park.client.post(f"{url}/withdraw", json={"reason": "再次"}, headers=coordinator)
    assert again.status_code == 409
    assert park.client.patch(url, json={"title": "x"}, headers=coordinator).status_code == 409
    listed = ok(park.client.get(f"{API}/objectives", headers=park.headers("auditor")))
    assert listed == []
    listed = ok(park.client.get(f"{API}/objectives?include_withdrawn=true", headers=park.headers("auditor")))
    assert [o["id"] for o in listed] == [created["id"]]
    (event,) = events_of(park, "objective.withdraw")
    assert json.loads(event.after_json) == {"withdrawn": True, "reason": "并入强度目标"}


def test_bad_objectives_are_refused_with_a_message(park):
    coordinator = park.headers("coordinator")
    for body in (
        {"category": "wishes", "title": "x"},
        {"category": "performance", "title": ""},
        {"category": "performance", "title": "x", "target_year": 3000},
        {"category": "performance", "title": "x", "considerations": {"luck": "好运"}},
        {"category": "performance", "title": "x", "considerations": {"trading": "  "}},
    ):
        response = park.client.post(f"{API}/objectives", json=body, headers=coordinator)
        assert response.status_code == 422, (body, response.text)
    unknown = park.client.post(
        f"{API}/objectives",
        json={"category": "performance", "title": "x", "considerations": {"luck": "好运"}},
        headers=coordinator,
    )
    assert "未知的考虑因素" in unknown.json()["message_zh"]
    created = objective(park)
    cleared = park.client.patch(f"{API}/objectives/{created['id']}", json={"category": None}, headers=coordinator)
    assert cleared.status_code == 422 and "category" in cleared.json()["message_en"]


def test_only_the_coordinator_writes_and_other_parks_get_404(park, other_park):
    created = objective(park)
    for role in ("approver", "top_management", "auditor", "contributor", "admin"):
        response = park.client.post(
            f"{API}/objectives", json={"category": "performance", "title": "x"}, headers=park.headers(role)
        )
        assert response.status_code == 403, role
        assert refused(park, role, "objective", "role")
    url = f"{API}/objectives/{created['id']}"
    assert park.client.get(url, headers=other_park.headers("coordinator")).status_code == 404
    assert refused(other_park, "coordinator", "objective", "other_park")
    patched = park.client.patch(url, json={"title": "改"}, headers=other_park.headers("coordinator"))
    assert patched.status_code == 404
    assert ok(park.client.get(url, headers=park.headers("coordinator")))["title"] == created["title"]
    assert ok(park.client.get(f"{API}/objectives", headers=other_park.headers("auditor"))) == []


def test_targets_are_decomposed_per_level_and_validated(park, other_park):
    coordinator = park.headers("coordinator")
    enterprise = inventory.enterprise(park, "甲化工有限公司", 1)
    park_total = indicator(park)
    enterprise_total = indicator(
        park, "ENT-A", name="甲企业碳排放总量", level="enterprise", enterprise_id=enterprise["id"]
    )
    goal = objective(park)
    top = target(park, goal["id"], park_total, considerations={"industry_benchmark": "对标行业先进值"})
    child = target(
        park,
        goal["id"],
        enterprise_total,
        parent_id=top["id"],
        title="甲企业碳排放总量控制",
        target_value="30.5",
        responsible_unit="甲化工有限公司",
        responsible_enterprise_id=enterprise["id"],
        responsible_person="张三",
        industry_benchmark="28",
        benchmark_source="《行业能效标杆水平》（测试来源）",
    )
    assert child["parent_id"] == top["id"] and child["target_value"] == "30.5"
    # the enterprise indicator's target belongs to that enterprise, given or not
    implied = target(park, goal["id"], enterprise_total, title="甲企业强度")
    assert implied["responsible_enterprise_id"] == enterprise["id"]
    stranger = inventory.enterprise(park, "乙热电有限公司", 2)
    body = {
        "objective_id": goal["id"],
        "indicator_id": enterprise_total,
        "title": "t",
        "target_value": "1",
        "start_year": 2025,
        "deadline": "2028-12-31",
        "responsible_unit": "乙热电有限公司",
        "responsible_enterprise_id": stranger["id"],
    }
    mismatch = park.client.post(f"{API}/targets", json=body, headers=coordinator)
    assert mismatch.status_code == 422 and "所属的企业" in mismatch.json()["message_zh"]
    assert child["industry_benchmark"] == "28" and child["responsible_person"] == "张三"
    detail = ok(park.client.get(f"{API}/objectives/{goal['id']}", headers=park.headers("approver")))
    assert [t["id"] for t in detail["targets"]] == [top["id"], child["id"], implied["id"]]
    (created,) = [e for e in events_of(park, "target.create") if e.entity_id == str(child["id"])]
    assert json.loads(created.after_json)["target_value"] == "30.5"

    other_indicator = indicator(other_park, "OTHER")
    other_goal = objective(park, title="第二个目标")
    bad = {
        "deadline before start": {"start_year": 2025, "deadline": "2024-12-31"},
        "base year after start": {"base_year": 2026, "start_year": 2025},
        "benchmark without its source": {"industry_benchmark": "10"},
        "not a number": {"target_value": "abc"},
        "infinite": {"target_value": "Infinity"},
        "parent of another objective": {"parent_id": top["id"], "objective_id": other_goal["id"]},
        "no title": {"title": ""},
    }
    for name, change in bad.items():
        body = {
            "objective_id": goal["id"],
            "indicator_id": park_total,
            "title": "t",
            "target_value": "1",
            "start_year": 2025,
            "deadline": "2028-12-31",
            "responsible_unit": "园区管委会",
        } | change
        response = park.client.post(f"{API}/targets", json=body, headers=coordinator)
        assert response.status_code == 422, (name, response.text)
    body = {
        "objective_id": goal["id"],
        "indicator_id": other_indicator,
        "title": "t",
        "target_value": "1",
        "start_year": 2025,
        "deadline": "2028-12-31",
        "responsible_unit": "园区管委会",
    }
    assert park.client.post(f"{API}/targets", json=body, headers=coordinator).status_code == 404
    assert refused(park, "coordinator", "indicator", "other_park")
    loop = park.client.patch(f"{API}/targets/{top['id']}", json={"parent_id": child["id"]}, headers=coordinator)
    assert loop.status_code == 422 and loop.json()["message_zh"] == "上级指标不能是本指标或其下级"
    with session_scope(write=False) as session:
        assert session.get_one(Target, top["id"]).parent_id is None  # nothing half-written

    # the objective keeps its live targets: withdraw them first
    withdraw = park.client.post(f"{API}/objectives/{goal['id']}/withdraw", json={"reason": "x"}, headers=coordinator)
    assert withdraw.status_code == 409
    gone = ok(
        park.client.post(f"{API}/targets/{child['id']}/withdraw", json={"reason": "企业关停"}, headers=coordinator)
    )
    assert gone["withdrawn"] is True
    assert [t["id"] for t in ok(park.client.get(f"{API}/targets", headers=coordinator))] == [top["id"], implied["id"]]


def test_a_contributor_reads_only_its_enterprises_targets(park):
    a = inventory.enterprise(park, "甲化工有限公司", 1)
    b = inventory.enterprise(park, "乙热电有限公司", 2)
    inventory.assign(park, "contributor", a["id"])
    goal = objective(park)
    other_goal = objective(park, title="乙企业目标")
    total = indicator(park)
    mine = target(park, goal["id"], total, responsible_unit="甲化工有限公司", responsible_enterprise_id=a["id"])
    theirs = target(park, other_goal["id"], total, responsible_unit="乙热电有限公司", responsible_enterprise_id=b["id"])
    contributor = park.headers("contributor")
    assert [t["id"] for t in ok(park.client.get(f"{API}/targets", headers=contributor))] == [mine["id"]]
    assert [o["id"] for o in ok(park.client.get(f"{API}/objectives", headers=contributor))] == [goal["id"]]
    assert park.client.get(f"{API}/targets/{theirs['id']}", headers=contributor).status_code == 404
    assert refused(park, "contributor", "target", "assignment")
    assert park.client.get(f"{API}/objectives/{other_goal['id']}", headers=contributor).status_code == 404
    change = park.client.patch(f"{API}/targets/{mine['id']}", json={"title": "改"}, headers=contributor)
    assert change.status_code == 403 and refused(park, "contributor", "target", "role")
