"""The factor library: every refusal, measured factors with evidence, import from .xlsx and .csv all or nothing."""

import io

from openpyxl import Workbook

from tests.inventory.helpers import API, data_set, factor, ok

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADER = [
    "编码",
    "类型",
    "适用对象",
    "活动数据单位",
    "低位发热量",
    "单位热值含碳量",
    "碳氧化率",
    "排放因子",
    "起始年度",
    "截止年度",
    "区域",
    "来源类型",
    "来源文件",
    "表",
    "行",
]


def _post(park, data_set_id, **values):
    body = {"origin": "published", "source_document": "测试文件", "source_table": "表 1", "source_row": "第 1 行"}
    return park.client.post(
        f"{API}/factor-sets/{data_set_id}/factors", json=body | values, headers=park.headers("coordinator")
    )


def test_every_factor_refusal(park):
    ds = data_set(park)["id"]
    fuel = {"code": "f", "kind": "fuel", "quantity": "烟煤", "activity_unit": "t"}
    cases = [
        (fuel, "低位发热量、单位热值含碳量和碳氧化率"),  # a fuel without its parameters
        (fuel | {"ncv": "20", "carbon_content": "0.025", "oxidation_rate": "1.2"}, "不能大于 1"),
        (fuel | {"ncv": "-1", "carbon_content": "0.025", "oxidation_rate": "0.9"}, "负数"),
        (fuel | {"ncv": "abc", "carbon_content": "0.025", "oxidation_rate": "0.9"}, "不是数字"),
        (fuel | {"activity_unit": "桶", "direct_factor": "2"}, "未知的计量单位"),
        (
            {"code": "g", "kind": "electricity", "quantity": "华东电网", "activity_unit": "t", "direct_factor": "0.6"},
            "能量单位",
        ),
        ({"code": "g", "kind": "electricity", "quantity": "华东电网", "activity_unit": "MWh"}, "排放因子数值"),
        (fuel | {"direct_factor": "2", "source_document": ""}, "来源文件"),
        (fuel | {"direct_factor": "2", "source_row": ""}, "表和行"),
        (fuel | {"direct_factor": "2", "origin": "measured"}, "证据文件"),
        (fuel | {"direct_factor": "2", "valid_from_year": 2025, "valid_to_year": 2024}, "早于"),
    ]
    for values, reason in cases:
        response = _post(park, ds, **values)
        assert response.status_code == 422, (values, response.text)
        assert reason in response.json()["message_zh"], (values, response.json()["message_zh"])
    assert ok(park.client.get(f"{API}/factors", headers=park.headers("coordinator"))) == []
    factor(park, ds, **fuel, direct_factor="2")
    assert _post(park, ds, **fuel, direct_factor="3").status_code == 409  # a correction is a new version
    assert _post(park, ds, **fuel, direct_factor="3").json()["message_zh"].endswith("更正请建立新版本")
    for role in ("approver", "contributor", "auditor"):
        body = {"code": "x", "name": "x"}
        assert park.client.post(f"{API}/factor-sets", json=body, headers=park.headers(role)).status_code == 403


def test_a_measured_factor_comes_with_its_evidence_file(park):
    ds = data_set(park)["id"]
    values = {
        "code": "coal-lab",
        "kind": "fuel",
        "quantity": "烟煤",
        "activity_unit": "t",
        "ncv": "21.5",
        "carbon_content": "0.026",
        "oxidation_rate": "0.95",
        "origin": "measured",
        "source_document": "2025 年煤质检测报告 No. 17",
    }
    import json

    files = {"file": ("检测报告.txt", "低位发热量 21.5 GJ/t".encode(), "text/plain")}
    created = ok(
        park.client.post(
            f"{API}/factor-sets/{ds}/evidence-factors",
            files=files,
            data={"factor": json.dumps(values)},
            headers=park.headers("coordinator"),
        ),
        201,
    )
    assert created["origin"] == "measured" and len(created["evidence_sha256"]) == 64
    assert created["origin_label"]["zh"] == "实测"


def _xlsx(rows):
    book = Workbook()
    sheet = book.active
    sheet.title = "排放因子"
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _import(park, content, name, media):
    files = {"file": (name, content, media)}
    return park.client.post(
        f"{API}/factor-sets/import",
        files=files,
        data={"code": "SUPPLIER", "name": "供应商因子"},
        headers=park.headers("coordinator"),
    )


def test_a_data_set_is_imported_from_xlsx_and_a_second_import_is_a_new_version(park):
    good = [
        ["coal", "燃料", "烟煤", "t", 20, 0.025, 0.9, None, 2024, 2026, "", "供应商提供", "供应商煤质证明", "", ""],
        ["steam", "热力", "蒸汽", "GJ", None, None, None, 0.11, None, None, "", "供应商提供", "热力公司函", "", ""],
    ]
    created = ok(_import(park, _xlsx(good), "因子.xlsx", XLSX), 201)
    assert created["version"] == 1 and len(created["factors"]) == 2 and created["evidence_sha256"]
    coal = created["factors"][0]
    assert coal["ncv"] == "20" and coal["kind"] == "fuel" and coal["valid_to_year"] == 2026
    again = ok(_import(park, _xlsx(good[:1]), "因子.xlsx", XLSX), 201)
    assert again["version"] == 2 and again["factors"][0]["version"] == 2
    assert again["factors"][0]["supersedes_id"] == coal["id"]


def test_an_import_with_any_wrong_row_writes_nothing_and_lists_every_error(park):
    rows = [
        ["coal", "燃料", "烟煤", "t", 20, 0.025, 0.9, None, None, None, "", "公开发布", "某文件", "表 B.1", "第 3 行"],
        ["bad-unit", "燃料", "柴油", "桶", None, None, None, 3.1, None, None, "", "公开发布", "某文件", "表", "行"],
        ["no-source", "电力", "华北电网", "MWh", None, None, None, 0.5, None, None, "", "公开发布", "", "", ""],
        ["coal", "燃料", "烟煤", "t", None, None, None, 2.5, None, None, "", "公开发布", "某文件", "表", "行"],
        ["kind", "核能", "x", "t", None, None, None, 1, None, None, "", "公开发布", "某文件", "表", "行"],
    ]
    response = _import(park, _xlsx(rows), "因子.xlsx", XLSX)
    assert response.status_code == 422, response.text
    errors = {error["row"]: error for error in response.json()["row_errors"]}
    assert sorted(errors) == [3, 4, 5, 6]
    assert errors[3]["column"] == "活动数据单位" and "未知的计量单位" in errors[3]["message_zh"]
    assert errors[4]["column"] == "来源文件"
    assert "重复" in errors[5]["message_zh"] and errors[6]["column"] == "类型"
    assert all(error["sheet"] == "排放因子" for error in errors.values())
    assert ok(park.client.get(f"{API}/factor-sets", headers=park.headers("coordinator"))) == []


def test_a_data_set_is_imported_from_csv(park):
    lines = [",".join(HEADER), "grid,电力,华东电网,MWh,,,,0.6,2025,2025,华东,公开发布,测试文件,表 1,第 2 行"]
    created = ok(_import(park, ("\n".join(lines) + "\n").encode(), "因子.csv", "text/csv"), 201)
    assert created["factors"][0]["direct_factor"] == "0.6" and created["factors"][0]["region"] == "华东"
    not_utf8 = _import(park, ",".join(HEADER).encode("gbk") + b"\n", "因子.csv", "text/csv")
    assert not_utf8.status_code in (415, 422)
