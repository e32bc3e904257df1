"""The objectives and targets page (目标和指标) in the browser: completion with its rule, forms that keep what was
typed on a refusal, the letter and checklist in one click; on SQLite and PostgreSQL."""

import re

import pytest

from app.web.i18n import TEXT
from tests.performance.targets_helpers import API, approved_baseline, indicator, manual, objective, ok, target
from tests.web.conftest import Browser, csrf_of

PAGE = "/performance/targets"
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture()
def web(app):
    """Signed-in browsers, as tests/web's `browser` fixture gives them."""
    opened: list[Browser] = []

    def open_web(park=None, role: str | None = None, lang: str | None = None) -> Browser:
        opened.append(Browser(app, park, role, lang))
        return opened[-1]

    yield open_web
    for item in opened:
        item.close()


def test_the_page_shows_completion_and_the_coordinator_adds_an_objective_and_a_target(web, park):
    total = indicator(park)
    manual(park, total, 2025, "97")
    approved_baseline(park, total, 2024, "100")
    goal = objective(park, title="园区碳排放总量下降")
    target(park, goal["id"], total, target_value="80", deadline="2028-12-31", responsible_unit="甲化工有限公司")
    top = web(park, "top_management")
    page = top.get(f"{PAGE}?year=2025")
    assert page.status_code == 200
    assert "有风险" in page.text and "判定规则" in page.text and "园区碳排放总量下降" in page.text
    assert 'action="/performance/targets/objectives"' not in page.text  # top management reads

    coordinator = web(park, "coordinator")
    form = {"category": "compliance", "title": "满足地方控排要求", "consideration_other": "省级控排名单"}
    done = coordinator.post(f"{PAGE}/objectives", form, page=PAGE)
    assert done.status_code == 303
    listed = ok(park.client.get(f"{API}/objectives", headers=park.headers("auditor")))
    added = next(o for o in listed if o["title"] == "满足地方控排要求")
    assert [(c["code"], c["text"]) for c in added["considerations"]] == [("other", "省级控排名单")]

    bad = {
        "objective_id": str(goal["id"]),
        "indicator_id": str(total),
        "title": "甲企业强度",
        "target_value": "0.5",
        "start_year": "2025",
        "deadline": "2024-12-31",
        "responsible_unit": "甲化工有限公司",
    }
    refused = coordinator.post(f"{PAGE}/targets", bad | {"consideration_trading": "参与碳市场"}, page=PAGE)
    assert refused.status_code == 422
    assert "截止日期不能早于起始年度" in refused.text and 'value="甲企业强度"' in refused.text
    assert 'value="参与碳市场"' in refused.text  # what was typed is kept
    considered = {"deadline": "2027-12-31", "consideration_production_plan": "2026 年扩产"}
    assert coordinator.post(f"{PAGE}/targets", bad | considered, page=PAGE).status_code == 303
    listed_targets = ok(park.client.get(f"{API}/targets", headers=park.headers("auditor")))
    assert [t["title"] for t in listed_targets] == ["园区碳排放总量控制", "甲企业强度"]
    assert [(c["code"], c["text"]) for c in listed_targets[1]["considerations"]] == [("production_plan", "2026 年扩产")]
    url = f"{PAGE}/targets/{listed_targets[1]['id']}/withdraw"
    no_reason = coordinator.post(url, {"reason": " "}, page=PAGE)
    assert no_reason.status_code == 422 and "撤销须说明理由" in no_reason.text
    assert coordinator.post(url, {"reason": "重复"}, page=PAGE).status_code == 303
    remaining = ok(park.client.get(f"{API}/targets", headers=park.headers("auditor")))
    assert [t["title"] for t in remaining] == ["园区碳排放总量控制"]


def test_the_letter_and_the_checklist_are_one_click_each(web, park):
    total = indicator(park)
    manual(park, total, 2025, "97")
    target(park, objective(park)["id"], total, responsible_unit="甲化工有限公司")
    coordinator = web(park, "coordinator")
    page = coordinator.get(f"{PAGE}?year=2025").text
    token = csrf_of(page)
    letter = coordinator.post(f"{PAGE}/letters", {"responsible_unit": "甲化工有限公司", "year": "2026"}, token=token)
    assert letter.status_code == 303
    (made,) = ok(park.client.get(f"{API}/letters", headers=park.headers("coordinator")))
    assert made["revision_state"] == "in_review"
    again = coordinator.post(f"{PAGE}/letters", {"responsible_unit": "甲化工有限公司", "year": "2026"}, token=token)
    assert again.status_code == 409 and "未完成的版本" in again.text
    filed = coordinator.post(f"{PAGE}/checklist", {"year": "2025"}, token=token)
    assert filed.status_code == 303
    records = park.client.get(
        "/api/documents?type=TARGET_COMPLETION_CHECKLIST&kind=record", headers=park.headers("auditor")
    )
    assert records.status_code == 200 and "目标和指标完成情况检查表（2025 年）" in records.text


def test_the_page_in_english_and_for_a_contributor(web, park):
    english = web(park, "auditor", lang="en")
    page = english.get(PAGE).text
    assert "Carbon management objectives and targets" in page and "Status rule" in page
    own_words = {zh for key, (zh, en) in TEXT.items() if key.startswith("pt.") and zh != en and CJK.search(zh)}
    assert not [word for word in own_words if f">{word}<" in page]
    contributor = web(park, "contributor").get(PAGE)
    assert contributor.status_code == 200 and 'id="letters-h"' not in contributor.text


def test_measures_milestones_and_progress_from_the_page(web, park):
    created = target(park, objective(park)["id"], indicator(park))
    coordinator = web(park, "coordinator")
    token = csrf_of(coordinator.get(PAGE).text)
    measure = {
        "title": "燃煤锅炉改燃气",
        "responsible_unit": "甲化工有限公司",
        "start_date": "2025-01-01",
        "end_date": "2026-12-31",
        "expected_reduction": "1200",
        "target_ids": [str(created["id"])],
    }
    assert coordinator.post(f"{PAGE}/measures", measure, token=token).status_code == 303
    (made,) = ok(park.client.get(f"{API}/measures", headers=park.headers("auditor")))
    assert made["target_ids"] == [created["id"]] and made["expected_reduction"] == "1200"
    base = f"{PAGE}/measures/{made['id']}"
    outside = coordinator.post(f"{base}/milestones", {"title": "投运", "due_date": "2027-03-01"}, token=token)
    assert outside.status_code == 422 and 'value="投运"' in outside.text
    assert (
        coordinator.post(f"{base}/milestones", {"title": "投运", "due_date": "2025-06-30"}, token=token).status_code
        == 303
    )
    (stone,) = ok(park.client.get(f"{API}/measures/{made['id']}", headers=park.headers("auditor")))["milestones"]
    done = coordinator.post(f"{base}/milestones/{stone['id']}/done", {"done_on": "2025-07-01"}, token=token)
    assert done.status_code == 303
    unverified = {"year": "2025", "status": "completed", "achieved_reduction": "900"}
    refused = coordinator.post(f"{base}/progress", unverified, token=token)
    assert refused.status_code == 422 and 'value="900"' in refused.text
    verified = unverified | {"verification": "燃料计量对比"}
    assert coordinator.post(f"{base}/progress", verified, token=token).status_code == 303
    view = ok(park.client.get(f"{API}/measures/{made['id']}", headers=park.headers("auditor")))
    assert view["milestones"][0]["done_on"] == "2025-07-01"
    assert (view["status"], view["achieved_reduction"], view["behind_schedule"]) == ("completed", "900", False)
    page = web(park, "top_management").get(PAGE).text
    assert "已完成" in page and "900" in page and "投运" in page
