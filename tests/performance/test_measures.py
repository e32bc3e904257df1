"""Implementation measures (7.2 a–f) through the API: the plan's fields, links to targets, milestones, progress per
period with its verified effect, and the refusals; on SQLite and PostgreSQL."""

import json
from datetime import date, timedelta

from tests.factories import publish_new_document
from tests.inventory import helpers as inventory
from tests.performance.targets_helpers import API, events_of, indicator, objective, ok, refused, target


def _plan(**values: object) -> dict:
    return {
        "title": "燃煤锅炉改燃气",
        "kind": "能源结构",
        "technical_content": "2 台 10 t/h 燃煤锅炉改为燃气锅炉",
        "expected_reduction": "1200.5",
        "path_method": "拆除旧锅炉，新建燃气管线",
        "responsible_unit": "甲化工有限公司",
        "resources_people": "设备部 3 人",
        "resources_equipment": "燃气锅炉 2 台",
        "budget": "350",
        "start_date": "2025-01-01",
        "end_date": "2026-12-31",
        "verification_method": "改造前后燃料计量数据对比",
    } | values


def test_a_measure_carries_the_plan_serves_targets_and_records_progress(park):
    coordinator = park.headers("coordinator")
    enterprise = inventory.enterprise(park, "甲化工有限公司", 1)
    coal = inventory.source(park, enterprise["id"], "锅炉燃煤", "fuel_combustion", "烟煤", "t")
    document, _ = publish_new_document(park, "IMPLEMENTATION_PLAN", title="碳排放管理实施方案")
    total = indicator(park)
    goal = objective(park)
    first, second = target(park, goal["id"], total), target(park, goal["id"], total, title="第二项")
    body = _plan(source_id=coal["id"], plan_document_id=document["id"], target_ids=[first["id"]])
    created = ok(park.client.post(f"{API}/measures", json=body, headers=coordinator), 201)
    assert created["enterprise_id"] == enterprise["id"]  # the source names its enterprise
    assert created["expected_reduction"] == "1200.5" and created["budget"] == "350"
    assert created["target_ids"] == [first["id"]] and created["status"] == "planned"
    url = f"{API}/measures/{created['id']}"

    changed = ok(park.client.patch(url, json={"target_ids": [first["id"], second["id"]]}, headers=coordinator))
    assert changed["target_ids"] == sorted([first["id"], second["id"]])
    (update,) = events_of(park, "measure.update")
    assert json.loads(update.before_json)["target_ids"] == [first["id"]]
    linked = ok(park.client.get(f"{API}/measures?target_id={second['id']}", headers=park.headers("auditor")))
    assert [m["id"] for m in linked] == [created["id"]]

    stone = ok(
        park.client.post(
            f"{url}/milestones", json={"title": "新锅炉投运", "due_date": "2025-06-30"}, headers=coordinator
        ),
        201,
    )
    outside = park.client.post(f"{url}/milestones", json={"title": "x", "due_date": "2027-06-30"}, headers=coordinator)
    assert outside.status_code == 422
    # a milestone past its date and not done puts the measure behind schedule
    assert ok(park.client.get(url, headers=coordinator))["behind_schedule"] is True
    done = ok(
        park.client.post(f"{url}/milestones/{stone['id']}/done", json={"done_on": "2025-07-02"}, headers=coordinator)
    )
    assert done["done_on"] == "2025-07-02"
    assert ok(park.client.get(url, headers=coordinator))["behind_schedule"] is False

    progress = {"year": 2025, "status": "in_progress", "achieved_reduction": "600", "verification": "燃料计量对比"}
    ok(park.client.post(f"{url}/progress", json=progress, headers=coordinator), 201)
    ok(
        park.client.post(
            f"{url}/progress",
            json={"year": 2025, "period": 12, "status": "behind", "note": "管线延期"},
            headers=coordinator,
        ),
        201,
    )
    view = ok(park.client.get(url, headers=park.headers("top_management")))
    assert view["status"] == "behind" and view["status_label"]["zh"] == "滞后" and view["behind_schedule"] is True
    assert [(p["period"], p["status"]) for p in view["progress"]] == [(0, "in_progress"), (12, "behind")]
    assert view["progress"][0]["achieved_reduction"] == "600"
    recorded = events_of(park, "measure.progress")
    assert [json.loads(e.after_json)["status"] for e in recorded] == ["in_progress", "behind"]


def test_bad_measures_are_refused_and_nothing_is_written(park, other_park):
    coordinator = park.headers("coordinator")
    a = inventory.enterprise(park, "甲化工有限公司", 1)
    b = inventory.enterprise(park, "乙热电有限公司", 2)
    b_source = inventory.source(park, b["id"], "燃气锅炉", "fuel_combustion", "天然气", "万Nm³")
    other_target = target(other_park, objective(other_park)["id"], indicator(other_park))
    for name, change in {
        "ends before it starts": {"end_date": "2024-12-31"},
        "negative reduction": {"expected_reduction": "-1"},
        "negative budget": {"budget": "-5"},
        "source of another enterprise": {"enterprise_id": a["id"], "source_id": b_source["id"]},
        "no responsible unit": {"responsible_unit": ""},
    }.items():
        response = park.client.post(f"{API}/measures", json=_plan(**change), headers=coordinator)
        assert response.status_code == 422, (name, response.text)
    foreign = park.client.post(f"{API}/measures", json=_plan(target_ids=[other_target["id"]]), headers=coordinator)
    assert foreign.status_code == 404 and refused(park, "coordinator", "target", "other_park")
    assert ok(park.client.get(f"{API}/measures", headers=coordinator)) == []  # nothing half-written

    created = ok(park.client.post(f"{API}/measures", json=_plan(), headers=coordinator), 201)
    url = f"{API}/measures/{created['id']}"
    unverified = park.client.post(
        f"{url}/progress", json={"year": 2025, "status": "completed", "achieved_reduction": "10"}, headers=coordinator
    )
    assert unverified.status_code == 422 and "7.2 f" in unverified.json()["message_zh"]
    future = (date.today() + timedelta(days=3)).isoformat()
    stone = ok(
        park.client.post(f"{url}/milestones", json={"title": "m", "due_date": "2026-01-31"}, headers=coordinator), 201
    )
    ahead = park.client.post(f"{url}/milestones/{stone['id']}/done", json={"done_on": future}, headers=coordinator)
    assert ahead.status_code == 422
    cleared = park.client.patch(url, json={"technical_content": None}, headers=coordinator)
    assert cleared.status_code == 422


def test_measure_refusals_by_role_park_and_enterprise(park, other_park):
    a = inventory.enterprise(park, "甲化工有限公司", 1)
    b = inventory.enterprise(park, "乙热电有限公司", 2)
    inventory.assign(park, "contributor", a["id"])
    coordinator = park.headers("coordinator")
    mine = ok(park.client.post(f"{API}/measures", json=_plan(enterprise_id=a["id"]), headers=coordinator), 201)
    theirs = ok(park.client.post(f"{API}/measures", json=_plan(enterprise_id=b["id"]), headers=coordinator), 201)
    for role in ("approver", "top_management", "auditor", "contributor"):
        response = park.client.post(
            f"{API}/measures/{mine['id']}/progress",
            json={"year": 2025, "status": "completed"},
            headers=park.headers(role),
        )
        assert response.status_code == 403 and refused(park, role, "measure", "role")
    contributor = park.headers("contributor")
    assert [m["id"] for m in ok(park.client.get(f"{API}/measures", headers=contributor))] == [mine["id"]]
    assert park.client.get(f"{API}/measures/{theirs['id']}", headers=contributor).status_code == 404
    assert refused(park, "contributor", "measure", "assignment")
    assert park.client.get(f"{API}/measures/{mine['id']}", headers=other_park.headers("auditor")).status_code == 404
    assert refused(other_park, "auditor", "measure", "other_park")
