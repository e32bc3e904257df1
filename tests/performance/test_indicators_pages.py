"""The indicator and baseline pages on both databases: forms that keep what was typed on a refusal, values linked
to their trail, entered values and corrections, the baseline's draft revision, who sees what. Figures from
calc_support's table (park total 345 tCO₂ in 2024)."""

import html
import re

import pytest

from tests.inventory.helpers import boundary
from tests.performance.calc_support import inventory
from tests.web.conftest import Browser
from tests.web.test_english_pages import _leaks

__all__ = ["inventory"]


@pytest.fixture()
def browser(app):
    opened: list[Browser] = []

    def open_browser(park=None, role: str | None = None, lang: str | None = None) -> Browser:
        opened.append(Browser(app, park, role, lang))
        return opened[-1]

    yield open_browser
    for item in opened:
        item.close()


LIST = "/performance/indicators"


def _created(response) -> str:
    assert response.status_code == 303, response.text
    found = re.search(r"/performance/indicators/\d+", response.headers["location"])
    assert found, response.headers["location"]
    return found.group(0)


def test_the_coordinator_creates_an_indicator_and_sees_its_values_with_their_trail(inventory, browser):
    coordinator = browser(inventory.park, "coordinator")
    body = {
        "code": "W-TOT",
        "name": "园区碳排放总量",
        "level": "park",
        "formula": "total_emission",
        "deviation_percent": "5",
    }
    page = _created(coordinator.post(LIST, body, page=LIST))
    shown = coordinator.get(page)
    assert shown.status_code == 200
    text = html.unescape(shown.text)
    assert "园区碳排放总量" in text and "严重偏离" in text
    # 2024: 345 tCO₂, a click away from its rows
    assert '<a href="/inventory/trail?year=2024&level=park&key=park">345</a> tCO₂' in text
    listed = coordinator.get(LIST)
    assert "W-TOT" in listed.text and "新建绩效参数" in listed.text


def test_a_refused_form_comes_back_with_the_reason_and_what_was_typed(inventory, browser):
    coordinator = browser(inventory.park, "coordinator")
    body = {"code": "W-BAD", "name": "范围排放量", "level": "park", "formula": "scope_emission", "method": "按范围统计"}
    refused = coordinator.post(LIST, body, page=LIST)
    assert refused.status_code == 422
    assert "范围排放量需要指定范围 1 或范围 2" in refused.text
    assert 'value="W-BAD"' in refused.text and "按范围统计</textarea>" in refused.text
    assert '<option value="scope_emission" selected>' in refused.text


def test_manual_values_and_corrections_through_the_page(inventory, browser):
    coordinator = browser(inventory.park, "coordinator")
    body = {"code": "W-HEAT", "name": "余热余压利用率", "level": "park", "formula": "manual", "unit": "%"}
    page = _created(coordinator.post(LIST, body, page=LIST))
    missing = coordinator.post(f"{page}/manual-values", {"year": "2025", "value": "42.5"}, page=page)
    assert missing.status_code == 422 and "请提供证据文件或说明数据来源" in missing.text
    assert 'id="m-value" name="value" inputmode="decimal" maxlength="40" required value="42.5"' in missing.text
    entered = coordinator.post(
        f"{page}/manual-values", {"year": "2025", "value": "42.5", "evidence_note": "余热回收台账"}, page=page
    )
    assert entered.status_code == 303 and "done=value_entered" in entered.headers["location"]
    value_id = re.search(r"/performance/manual-values/(\d+)/correct", coordinator.get(page).text).group(1)
    no_reason = coordinator.post(f"/performance/manual-values/{value_id}/correct", {"value": "41"}, page=page)
    assert no_reason.status_code == 422 and "更正须填写原因" in no_reason.text
    corrected = coordinator.post(
        f"/performance/manual-values/{value_id}/correct", {"value": "41.8", "reason": "复核更正"}, page=page
    )
    assert corrected.status_code == 303
    shown = html.unescape(coordinator.get(f"{page}?done=value_corrected").text)
    assert "数值已更正，原值保留在记录中。" in shown
    assert "42.5 (已被更正)" in shown and "复核更正" in shown


def test_a_baseline_made_on_the_page_is_a_draft_of_its_document(inventory, browser):
    coordinator = browser(inventory.park, "coordinator")
    body = {"code": "W-INT", "name": "单位产值碳排放强度", "level": "park", "formula": "intensity_output_value"}
    page = _created(coordinator.post(LIST, body, page=LIST))
    no_data = coordinator.post(f"{page}/baselines", {"base_year": "2023"}, page=page)
    assert no_data.status_code == 422 and "2023 年没有该参数的数值" in no_data.text
    assert 'name="base_year" inputmode="numeric" maxlength="4" value="2023"' in no_data.text
    made = coordinator.post(f"{page}/baselines", {"base_year": "2024"}, page=page)
    assert made.status_code == 303
    shown = html.unescape(coordinator.get(page).text)
    # 345 / 1500 = 0.23, waiting for its approval
    assert "0.23 tCO₂/万元" in shown and "编制中" in shown and "调整基准（新版本）" in shown
    boundary(inventory.park, 2024, list(inventory.sources.values()))  # the base year's boundary set again
    offered = html.unescape(coordinator.get(page).text)
    assert "基准年数据已变化，建议调整基准：b) 静态因素" in offered
    assert "基准值 0.23 → 基准年现值 0.23 tCO₂/万元" in offered


def test_readers_see_no_forms_and_a_contributor_only_its_enterprise(inventory, browser):
    coordinator = browser(inventory.park, "coordinator")
    own = {"code": "W-A", "name": "甲企业排放量", "level": "enterprise", "formula": "total_emission",
           "subject_id": str(inventory.a)}  # fmt: skip
    theirs = own | {"code": "W-B", "name": "乙企业排放量", "subject_id": str(inventory.b)}
    own_page = _created(coordinator.post(LIST, own, page=LIST))
    their_page = _created(coordinator.post(LIST, theirs, page=LIST))
    auditor = browser(inventory.park, "auditor")
    seen = auditor.get(their_page)
    assert seen.status_code == 200 and "乙企业排放量" in seen.text and "data-action" not in seen.text
    refused = auditor.post(LIST, {"code": "W-AUD", "name": "x", "level": "park", "formula": "total_emission"},
                           page=LIST)  # fmt: skip
    assert refused.status_code == 403
    contributor = browser(inventory.park, "contributor")
    listed = contributor.get(LIST).text
    assert "W-A" in listed and "W-B" not in listed
    assert contributor.get(own_page).status_code == 200
    assert contributor.get(their_page).status_code == 404


def test_the_pages_in_english_show_no_chinese_interface_words(inventory, browser):
    coordinator = browser(inventory.park, "coordinator", lang="en")
    body = {"code": "W-EN", "name": "Park intensity", "level": "park", "formula": "intensity_output_value"}
    page = _created(coordinator.post(LIST, body, page=LIST))
    assert coordinator.post(f"{page}/baselines", {"base_year": "2024"}, page=page).status_code == 303
    manual = {"code": "W-EN-M", "name": "Waste heat", "level": "park", "formula": "manual", "unit": "%"}
    manual_page = _created(coordinator.post(LIST, manual, page=LIST))
    entered = {"year": "2025", "value": "40", "evidence_note": "meter log"}
    assert coordinator.post(f"{manual_page}/manual-values", entered, page=manual_page).status_code == 303
    shown = coordinator.get(page).text
    assert "Values over the years" in shown and "Emission intensity per output value" in shown
    assert "Adjust (a new version)" in shown
    user_data = ["tCO₂/万元", "甲化工有限公司", "乙材料有限公司", f"测试园区 {inventory.park.code}", "coordinator 测试"]
    for url in (LIST, page, manual_page):
        assert _leaks(coordinator.get(url).text, user_data + _indicator_names(inventory)) == [], url


def _indicator_names(inventory) -> list[str]:
    """Names and units typed by the other tests of this module (user data, shown as typed)."""
    from sqlalchemy import select

    from app.db import session_scope
    from app.performance.models import Indicator

    with session_scope(write=False) as session:
        rows = session.execute(select(Indicator).where(Indicator.park_id == inventory.park.id)).scalars()
        return [text for row in rows for text in (row.name, row.unit, row.method)]
