"""The inventory pages through TestClient: a coordinator registers an enterprise, its sources and the boundary; the
contributor types its year's data; the coordinator confirms it with a signature; the overview, a trail, the charts
and the .xlsx export show the hand-worked total. Factors are test inputs, not published values.

Coal 100 t × NCV 20 GJ/t × CC 0.025 tC/GJ × OF 0.9 × 44/12 = 165 tCO₂; electricity 10 MWh × 0.6 = 6 → 171 tCO₂.
"""

import io
import re

import pytest
from openpyxl import load_workbook

from tests.factories import PASSWORD
from tests.inventory.helpers import assign, credit_code, data_set, factor

YEAR = 2025
SUMMARY = "汇总"  # the sheet app.inventory.export writes the totals to


def _created_id(response, kind: str) -> int:
    assert response.status_code == 303, response.text
    return int(re.search(rf"/inventory/{kind}/(\d+)", response.headers["location"]).group(1))


@pytest.fixture()
def web_inventory(park, browser):
    coordinator = browser(park, "coordinator")
    page = "/inventory/enterprises"
    e = _created_id(
        coordinator.post(page, {"name": "甲化工有限公司", "credit_code": credit_code(1)}, page=page),
        "enterprises",
    )
    other = _created_id(
        coordinator.post(page, {"name": "乙材料有限公司", "credit_code": credit_code(2)}, page=page), "enterprises"
    )
    here = f"/inventory/enterprises/{e}"
    for name, category, quantity, unit in (
        ("锅炉燃煤", "fuel_combustion", "烟煤", "t"),
        ("外购电力", "purchased_electricity", "华东电网", "MWh"),
    ):
        body = {"name": name, "category": category, "quantity": quantity, "unit": unit}
        assert coordinator.post(f"{here}/sources", body, page=here).status_code == 303
    ds = data_set(park)
    factor(park, ds["id"], code="coal", kind="fuel", quantity="烟煤", activity_unit="t", ncv="20",
           carbon_content="0.025", oxidation_rate="0.9")  # fmt: skip
    factor(park, ds["id"], code="grid", kind="electricity", quantity="华东电网", activity_unit="MWh",
           direct_factor="0.6", region="华东")  # fmt: skip
    sources = re.findall(r'name="source_id" value="(\d+)"', coordinator.get(f"/inventory/boundary?year={YEAR}").text)
    assert len(sources) == 2
    saved = coordinator.post(
        "/inventory/boundary",
        {"year": str(YEAR), "source_id": sources, "note": "2025 年度边界"},
        page=f"/inventory/boundary?year={YEAR}",
    )
    assert saved.status_code == 303
    assign(park, "contributor", e)
    return {"coordinator": coordinator, "enterprise": e, "other": other, "sources": [int(s) for s in sources]}


def test_contributor_enters_coordinator_confirms_and_overview_shows_the_total(park, browser, web_inventory):
    coordinator, e = web_inventory["coordinator"], web_inventory["enterprise"]
    coal, grid = web_inventory["sources"]
    contributor = browser(park, "contributor")
    assert contributor.get("/inventory").headers["location"] == f"/inventory/enterprises/{e}"
    here = f"/inventory/enterprises/{e}?year={YEAR}"
    form = contributor.get(here).text
    assert f'name="q_{coal}"' in form and "下载空白工作簿" in form
    entered = contributor.post(
        f"/inventory/enterprises/{e}/entry",
        {"year": str(YEAR), f"q_{coal}": "100", f"unit_{coal}": "t", f"quality_{coal}": "metered",
         f"q_{grid}": "10", f"unit_{grid}": "MWh", f"quality_{grid}": "metered", "submit": "1"},
        page=here,
    )  # fmt: skip
    assert entered.status_code == 303, entered.text
    workbook = contributor.get(f"/inventory/enterprises/{e}/workbook?year={YEAR}")
    assert workbook.status_code == 200 and workbook.content[:2] == b"PK"

    review = coordinator.get(f"/inventory/review?year={YEAR}")
    submission = int(re.search(r"/inventory/submissions/(\d+)/confirm", review.text).group(1))
    url = f"/inventory/submissions/{submission}/confirm"
    wrong = coordinator.post(url, {"password": "not-the-password"}, page=f"/inventory/review?year={YEAR}")
    assert wrong.status_code in (401, 403, 422) and "171.00" not in coordinator.get(f"/inventory?year={YEAR}").text
    assert coordinator.post(url, {"password": PASSWORD}, page=f"/inventory/review?year={YEAR}").status_code == 303

    overview = coordinator.get(f"/inventory?year={YEAR}").text
    assert 'data-total="park"><a href="/inventory/trail?year=2025&amp;level=park&amp;key=park">171.00</a>' in overview
    assert f"/inventory/trail?year={YEAR}&amp;level=enterprise&amp;key={e}" in overview
    trail = coordinator.get(f"/inventory/trail?year={YEAR}&level=category&key=fuel_combustion").text
    assert "165.0000" in trail and "测试文件（测试输入值）" in trail and "外购电力" not in trail
    for name in ("category", "scope", "structure", "top", "trend"):
        chart = coordinator.get(f"/inventory/charts/{name}.png?year={YEAR}")
        assert chart.status_code == 200 and chart.content[:8] == b"\x89PNG\r\n\x1a\n", name
    exported = coordinator.get(f"/inventory/export.xlsx?year={YEAR}")
    sheet = load_workbook(io.BytesIO(exported.content))[SUMMARY]
    assert sheet["B2"].value == pytest.approx(171)


def test_contributor_sees_only_its_enterprise_and_forms_need_the_csrf_token(park, browser, web_inventory):
    contributor = browser(park, "contributor")
    assert contributor.get(f"/inventory/enterprises/{web_inventory['other']}").status_code == 404
    listed = contributor.get("/inventory/enterprises").text
    assert "甲化工有限公司" in listed and "乙材料有限公司" not in listed
    for url in ("/inventory/trail", "/inventory/review", "/inventory/export.xlsx", "/inventory/charts/top.png"):
        assert contributor.get(f"{url}?year={YEAR}").status_code == 403, url
    other = f"/inventory/enterprises/{web_inventory['other']}/entry"
    refused = contributor.post(other, {"year": str(YEAR), "q_1": "5"}, page="/inventory/enterprises")
    assert refused.status_code == 404
    own = f"/inventory/enterprises/{web_inventory['enterprise']}/entry"
    no_token = contributor.client.post(own, data={"year": "2025"})
    assert no_token.status_code == 403


def test_bad_input_is_a_clear_4xx_and_nothing_is_written(park, browser, web_inventory):
    coordinator, e = web_inventory["coordinator"], web_inventory["enterprise"]
    here = f"/inventory/enterprises/{e}?year={YEAR}"
    coal = web_inventory["sources"][0]
    bad = coordinator.post(f"/inventory/enterprises/{e}/entry", {"year": str(YEAR), f"q_{coal}": "abc",
                           f"unit_{coal}": "t", f"quality_{coal}": "metered"}, page=here)  # fmt: skip
    assert bad.status_code == 422 and "错误" in bad.text
    empty = coordinator.post(f"/inventory/enterprises/{e}/entry", {"year": str(YEAR)}, page=here)
    assert empty.status_code == 422 and "至少填写一个排放源" in empty.text
    assert "尚无报送" in coordinator.get(here).text
    code = coordinator.post("/inventory/enterprises", {"name": "丙", "credit_code": "123"}, page=here)
    assert code.status_code == 422
    boundary = coordinator.get(f"/inventory/boundary?year={YEAR}").text
    assert "新增企业" in boundary or "上一年度没有边界" in boundary
