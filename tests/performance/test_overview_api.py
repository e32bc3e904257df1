"""GET /api/performance/overview on SQLite and PostgreSQL, with the numbers of tests/performance/helpers.py, and
its refusals: a contributor (recorded), signed out; another park sees only its own (empty) performance.
"""

import json
from decimal import Decimal as D

import pytest
from sqlalchemy import select

from app.db import session_scope
from app.events.models import Event
from tests.performance.helpers import build_performance

URL = "/api/performance/overview"


@pytest.fixture()
def built(park):
    return build_performance(park)


def test_the_overview_gives_the_pages_figures_with_their_trails(park, built):
    response = park.client.get(URL, params={"year": 2025}, headers=park.headers("top_management"))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["year"] == 2025 and body["years"] == [2024, 2025]
    assert body["status_rule"]["zh"].startswith("截止年度的数值达到指标值")
    total = body["headline"][0]
    assert total["indicator"]["code"] == "TOTAL" and D(total["indicator"]["current"]["value"]) == D(750)
    assert total["indicator"]["current"]["href"] == "/inventory/trail?year=2025&level=park&key=park"
    assert D(total["indicator"]["baseline"]["value"]) == D(840) and total["indicator"]["baseline"]["base_year"] == 2024
    # (750 − 840) / 840 × 100 and (840 − 750) / (840 − 600) × 100 = 37.5
    assert D(total["indicator"]["change_from_baseline_percent"]) == (D(750) - D(840)) / D(840) * 100
    assert total["target"]["status"] == "on_track" and D(total["target"]["expected"]) == D(760)
    assert D(total["target"]["completion_rate_percent"]) == D("37.5")
    assert total["target"]["status_label"] == ["按计划推进", "On track"]
    intensity = body["headline"][1]["indicator"]
    assert D(intensity["current"]["numerator"]) == D(750) and D(intensity["current"]["denominator"]) == D(3500)
    assert intensity["baseline"] is None  # a draft baseline is not in force
    statuses = {t["id"]: t["status"] for t in body["targets"]}
    t = built.targets
    assert statuses == {
        t["T_TOTAL"]: "on_track",
        t["T_INT"]: "at_risk",
        t["T_A"]: "missed",
        t["T_HEAT"]: "achieved",
        t["T_LATER"]: "no_data",
    }
    assert body["attention_target_ids"] == [t["T_A"], t["T_INT"]]
    assert [(e["name"], D(e["emission"]), D(e["share_percent"])) for e in body["top_emitters"]] == [
        ("甲化工有限公司", D(480), D(64)),
        ("乙材料有限公司", D(270), D(36)),
    ]
    led = next(m for m in body["measures"] if m["id"] == built.measures["M_LED"])
    assert led["behind_schedule"] is True and D(led["achieved_reduction"]) == D(40)
    assert led["overdue_milestones"] == [{"title": "一期完工", "due_date": "2025-06-30"}]
    (deviation,) = body["deviations"]
    assert deviation["state"] == "open" and deviation["state_label"] == ["待调查", "Open"]


def test_every_reader_role_may_read_it_and_others_are_refused_on_record(park, built, client):
    for role in ("top_management", "coordinator", "approver", "auditor"):
        assert park.client.get(URL, params={"year": 2025}, headers=park.headers(role)).status_code == 200
    for role in ("contributor", "admin"):
        refused = park.client.get(URL, params={"year": 2025}, headers=park.headers(role))
        assert refused.status_code == 403 and refused.json()["code"] == "forbidden"
        assert "只有最高管理者" in refused.json()["message_zh"]
    with session_scope(write=False) as session:
        rows = session.execute(
            select(Event)
            .where(Event.action == "access.refused", Event.park_id == park.id, Event.entity_type == "performance")
            .order_by(Event.seq)
        ).scalars()
        refusals = [(row.actor_id, json.loads(row.after_json)["rule"]) for row in rows]
    assert refusals == [(park.user_ids["contributor"], "role"), (park.user_ids["admin"], "role")]
    assert client.get(URL).status_code == 401


def test_a_wrong_year_is_a_clear_422_and_another_park_sees_only_its_own(park, other_park, built):
    wrong = park.client.get(URL, params={"year": "1800"}, headers=park.headers("coordinator"))
    assert wrong.status_code == 422
    other = other_park.client.get(URL, params={"year": 2025}, headers=other_park.headers("coordinator")).json()
    assert other["targets"] == [] and other["indicators"] == [] and other["top_emitters"] == []
    assert "甲化工" not in json.dumps(other, ensure_ascii=False)
