"""The deviation pages in the browser (Chinese first, English available), on SQLite and PostgreSQL: detect, then
investigate, raise the nonconformity, respond and file the record; a refused step keeps what was typed."""

import re
from datetime import date
from decimal import Decimal

from tests.performance.monitor_helpers import approved_baseline, electricity_park, indicator, target
from tests.web.conftest import browser  # the browser fixture

__all__ = ["browser"]

CJK = re.compile(r"[\u4e00-\u9fff]")


def test_a_deviation_from_detection_to_its_record_in_the_browser(browser, park):
    electricity_park(park, {2024: "1000", 2025: "1100"})
    total = indicator(park, "E-TOTAL", deviation_percent=Decimal("5"))
    approved_baseline(park, total, 2024, "600")
    target(park, total, "500", 2025, date(2026, 12, 31))
    coordinator = browser(park, "coordinator")
    page = "/performance/deviations"
    found = coordinator.post(f"{page}/detect", {"year": "2025"}, page=page)
    assert found.status_code == 303 and found.headers["location"] == f"{page}?year=2025&opened=1"
    listing = coordinator.get(found.headers["location"]).text
    assert "新发现 1 项偏离。" in listing and "20.00%" in listing and "待调查" in listing
    deviation_id = int(re.search(r'href="/performance/deviations/(\d+)"', listing)[1])
    url = f"{page}/{deviation_id}"
    detail = coordinator.get(url).text
    assert "660 tCO2" in detail and "指标进度 550" in detail and 'action="' + url + '/investigate"' in detail
    trail = re.search(r'href="(/inventory/trail\?[^"]+)"', detail)[1].replace("&amp;", "&")
    assert trail == "/inventory/trail?year=2025&level=park&key=park"
    assert coordinator.get(trail).status_code == 200

    assert coordinator.post(f"{url}/investigate", {"investigation": "新增产线"}, page=url).status_code == 303
    refused = coordinator.post(f"{url}/close", {"investigation": "新增产线", "response": ""}, page=url)
    assert refused.status_code == 422
    assert "关闭偏离前须填写调查结果和响应措施" in refused.text and "新增产线" in refused.text
    raised = coordinator.post(f"{url}/raise_nonconformity", {"severity": "major"}, page=url)
    assert raised.status_code == 303
    closed = coordinator.post(f"{url}/close", {"response": "增购绿电"}, page=url)
    assert closed.status_code == 303
    detail = coordinator.get(url).text
    assert "已响应关闭" in detail and "NC-" in detail and "增购绿电" in detail
    assert coordinator.post(f"{url}/record", {}, page=url).status_code == 303
    assert 'href="/documents/' in coordinator.get(url).text
    assert coordinator.post(f"{url}/record", {}, page=url).status_code == 409

    english = browser(park, "auditor", lang="en").get(url).text
    assert "Significant performance deviations" in english and "Closed" in english
    visible = re.sub(r"<[^>]+>", " ", english.split("<main", 1)[1])
    leftovers = set(CJK.findall(visible)) - set("新增产线增购绿电园区碳排放总量")
    assert not leftovers
    assert 'action="' + url + '/reopen"' not in english  # an auditor reads, does not act
    assert browser(park, "admin").get(url).status_code == 403
