"""The workbook: generated with the enterprise's sources, units and drop-downs; imported all or nothing."""

import io
from decimal import Decimal as D

from openpyxl import load_workbook

from tests.inventory.helpers import API, assign, boundary, confirm, data_set, enterprise, factor, ok, source

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _setup(park):
    a = enterprise(park, "甲公司", 61)
    assign(park, "contributor", a["id"])
    coal = source(park, a["id"], "锅炉燃煤", "fuel_combustion", "烟煤", "t")
    grid = source(park, a["id"], "外购电力", "purchased_electricity", "华东电网", "MWh")
    outside = source(park, a["id"], "备用柴油机", "fuel_combustion", "柴油", "t")
    ds = data_set(park)
    factor(
        park,
        ds["id"],
        code="coal",
        kind="fuel",
        quantity="烟煤",
        activity_unit="t",
        ncv="20",
        carbon_content="0.025",
        oxidation_rate="0.9",
    )
    factor(
        park, ds["id"], code="grid", kind="electricity", quantity="华东电网", activity_unit="MWh", direct_factor="0.6"
    )
    boundary(park, 2025, [coal["id"], grid["id"]])
    return a, coal, grid, outside


def _download(park, enterprise_id):
    response = park.client.get(
        f"{API}/enterprises/{enterprise_id}/workbook", params={"year": 2025}, headers=park.headers("contributor")
    )
    assert response.status_code == 200 and response.headers["content-type"] == XLSX
    return load_workbook(io.BytesIO(response.content))


def _upload(park, enterprise_id, book):
    buffer = io.BytesIO()
    book.save(buffer)
    files = {"file": ("填报.xlsx", buffer.getvalue(), XLSX)}
    return park.client.post(
        f"{API}/enterprises/{enterprise_id}/workbook",
        files=files,
        data={"year": "2025"},
        headers=park.headers("contributor"),
    )


def test_the_workbook_lists_the_in_scope_sources_with_drop_downs(park):
    a, coal, grid, _ = _setup(park)
    book = _download(park, a["id"])
    sheet = book["活动数据"]
    assert sheet["A1"].value == "排放源编号" and sheet["F1"].value == "单位"
    assert [sheet.cell(row=r, column=1).value for r in (2, 3)] == [coal["id"], grid["id"]]  # not the diesel
    assert sheet["B2"].value == "锅炉燃煤" and sheet["C3"].value == "购入的电力" and sheet["F3"].value == "MWh"
    formulas = {str(dv.sqref): dv.formula1 for dv in sheet.data_validations.dataValidation}
    assert any("G2" in ref for ref in formulas)  # data quality drop-down
    unit_lists = book["选项"]
    electricity_row = next(row for row in unit_lists.iter_rows(values_only=True) if row[0] == "MWh")
    assert "万kWh" in electricity_row and "t" not in electricity_row  # only units of energy for electricity
    assert book["选项"].sheet_state == "hidden" and book["说明"]["B3"].value == 2025


def test_a_filled_in_workbook_is_imported_and_submitted(park):
    a, *_ = _setup(park)
    book = _download(park, a["id"])
    sheet = book["活动数据"]
    sheet["E2"], sheet["G2"], sheet["H2"] = 200, "实测", 21  # 200 t coal, measured NCV 21 GJ/t
    sheet["E3"], sheet["F3"], sheet["G3"] = 3.5, "万kWh", "计算"
    created = ok(_upload(park, a["id"], book), 201)
    assert created["state"] == "prepared" and len(created["rows"]) == 2
    assert created["rows"][0]["quality"] == "metered" and created["rows"][0]["ncv"] == "21"
    submitted = ok(park.client.post(f"{API}/submissions/{created['id']}/submit", headers=park.headers("contributor")))
    confirm(park, submitted["id"])
    totals = ok(park.client.get(f"{API}/years/2025", headers=park.headers("coordinator")))
    # coal: 200 t × 21 GJ/t = 4200 GJ × (0.025 × 0.9 × 44/12 = 0.0825) = 346.5; grid: 3.5 万kWh = 35 MWh × 0.6 = 21
    assert D(totals["total"]) == D("367.5")
    # the record's file is the workbook of the submitted rows: its hash covers the data
    record = ok(park.client.get(f"/api/records/{submitted['record_id']}", headers=park.headers("coordinator")))
    assert record["doc_type"] == "ACTIVITY_DATA_SUBMISSION"


def test_a_workbook_with_any_wrong_row_is_refused_whole_with_every_error(park):
    a, coal, _grid, outside = _setup(park)
    book = _download(park, a["id"])
    sheet = book["活动数据"]
    sheet["E2"], sheet["F2"], sheet["G2"] = 10, "kWh", "实测"  # kWh for coal
    sheet["E3"], sheet["G3"] = -5, "实测"  # negative
    sheet.append([outside["id"], "备用柴油机", "", "", 1, "t", "估算"])  # outside the boundary, and no factor
    sheet.append([coal["id"], "锅炉燃煤", "", "", 1, "桶", "实测"])  # unknown unit
    sheet.append([coal["id"], "锅炉燃煤", "", "", "十", "t", "实测"])  # not a number
    response = _upload(park, a["id"], book)
    assert response.status_code == 422, response.text
    errors = response.json()["row_errors"]
    assert all(error["sheet"] == "活动数据" for error in errors)
    found = {(error["row"], error["column"]) for error in errors}
    assert (2, "单位") in found and (3, "数量") in found and (4, "排放源编号") in found
    assert (5, "单位") in found and (6, "数量") in found
    reasons = " ".join(error["message_zh"] for error in errors)
    assert "量纲不符" in reasons and "负数" in reasons and "核算边界" in reasons and "没有适用于“柴油”" in reasons
    assert "未知的计量单位“桶”" in reasons and "不是数字" in reasons
    assert "未导入任何数据" in response.json()["message_zh"]
    assert ok(park.client.get(f"{API}/submissions", headers=park.headers("coordinator"))) == []


def test_a_workbook_of_another_enterprise_or_year_or_not_a_workbook_is_refused(park):
    a, *_ = _setup(park)
    b = enterprise(park, "乙公司", 62)
    book = _download(park, a["id"])
    book["活动数据"]["E2"], book["活动数据"]["G2"] = 1, "实测"
    buffer = io.BytesIO()
    book.save(buffer)
    files = {"file": ("填报.xlsx", buffer.getvalue(), XLSX)}
    wrong_year = park.client.post(
        f"{API}/enterprises/{a['id']}/workbook", files=files, data={"year": "2024"}, headers=park.headers("contributor")
    )
    assert wrong_year.status_code == 422 and any(e["column"] == "年度" for e in wrong_year.json()["row_errors"])
    other = park.client.post(
        f"{API}/enterprises/{b['id']}/workbook", files=files, data={"year": "2025"}, headers=park.headers("coordinator")
    )
    assert other.status_code == 422
    text = {"file": ("填报.txt", b"not a workbook", "text/plain")}
    response = park.client.post(
        f"{API}/enterprises/{a['id']}/workbook", files=text, data={"year": "2025"}, headers=park.headers("contributor")
    )
    assert response.status_code == 422 and ".xlsx" in response.json()["message_zh"]
