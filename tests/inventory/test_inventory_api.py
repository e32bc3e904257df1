"""The park's inventory end to end through the API, with every figure worked by hand here.

Factors are test inputs (not published values): coal NCV 20 GJ/t, CC 0.025 tC/GJ, OF 0.9; natural gas NCV
400 GJ/万Nm³, CC 0.015 tC/GJ, OF 1; grid 0.6 tCO₂/MWh; steam 0.11 tCO₂/GJ; limestone 0.44 tCO₂/t; waste water
1.5 tCO₂/t.
"""

from decimal import Decimal as D

import pytest

from app.inventory.calculation import display
from tests.factories import PASSWORD
from tests.inventory.helpers import (
    API,
    add_contributor,
    assign,
    boundary,
    confirm,
    data_set,
    enterprise,
    factor,
    ok,
    source,
    submit_rows,
)


@pytest.fixture()
def setup(park):
    a = enterprise(park, "甲化工有限公司", 1)
    b = enterprise(park, "乙热电有限公司", 2, industry_code="D4411", industry_name="火力发电")
    c = enterprise(park, "丙材料有限公司", 3)
    add_contributor(park, "contributor_b")
    assign(park, "contributor", a["id"])
    assign(park, "contributor_b", b["id"])
    s = {
        "coal": source(park, a["id"], "锅炉燃煤", "fuel_combustion", "烟煤", "t"),
        "grid_a": source(park, a["id"], "外购电力", "purchased_electricity", "华东电网", "MWh"),
        "lime": source(park, a["id"], "石灰石分解", "industrial_process", "石灰石分解", "t"),
        "recovered": source(park, a["id"], "CO2 回收", "co2_recovered", "", "万Nm³"),
        "gas": source(park, b["id"], "燃气锅炉", "fuel_combustion", "天然气", "万Nm³"),
        "steam": source(park, b["id"], "外购蒸汽", "purchased_heat", "蒸汽", "GJ"),
        "export": source(park, b["id"], "上网电量", "exported_electricity", "华东电网", "MWh"),
        "waste": source(park, b["id"], "污水处理", "waste_treatment", "废水处理", "t"),
        "c_grid": source(park, c["id"], "外购电力", "purchased_electricity", "华东电网", "MWh"),
    }
    ds = data_set(park)
    f = {
        "coal": factor(
            park,
            ds["id"],
            code="coal",
            kind="fuel",
            quantity="烟煤",
            activity_unit="t",
            ncv="20",
            carbon_content="0.025",
            oxidation_rate="0.9",
        ),
        "gas": factor(
            park,
            ds["id"],
            code="gas",
            kind="fuel",
            quantity="天然气",
            activity_unit="万Nm³",
            ncv="400",
            carbon_content="0.015",
            oxidation_rate="1",
        ),
        "grid": factor(
            park,
            ds["id"],
            code="grid",
            kind="electricity",
            quantity="华东电网",
            activity_unit="MWh",
            direct_factor="0.6",
            region="华东",
        ),
        "steam": factor(
            park, ds["id"], code="steam", kind="heat", quantity="蒸汽", activity_unit="GJ", direct_factor="0.11"
        ),
        "lime": factor(
            park, ds["id"], code="lime", kind="process", quantity="石灰石分解", activity_unit="t", direct_factor="0.44"
        ),
        "waste": factor(
            park, ds["id"], code="waste", kind="waste", quantity="废水处理", activity_unit="t", direct_factor="1.5"
        ),
    }
    return {"a": a, "b": b, "c": c, "s": s, "f": f, "ds": ds}


def _a_rows(s):
    return [
        {
            "source_id": s["coal"]["id"],
            "quantity": "150",
            "unit": "t",
            "quality": "metered",
            "ncv": "22",
            "meter_ref": "FM-01",
        },
        {"source_id": s["grid_a"]["id"], "quantity": "12", "unit": "万kWh", "quality": "metered"},
        {"source_id": s["lime"]["id"], "quantity": "2", "unit": "t", "quality": "calculated"},
        {"source_id": s["recovered"]["id"], "quantity": "1", "unit": "万Nm³", "quality": "metered", "purity": "0.99"},
    ]


def _b_rows(s):
    return [
        {"source_id": s["gas"]["id"], "quantity": "5000", "unit": "Nm³", "quality": "metered"},
        {"source_id": s["steam"]["id"], "quantity": "1000", "unit": "GJ", "quality": "metered"},
        {"source_id": s["export"]["id"], "quantity": "10", "unit": "MWh", "quality": "metered"},
        {"source_id": s["waste"]["id"], "quantity": "300", "unit": "kg", "quality": "estimated"},
    ]


def test_the_year_is_calculated_from_confirmed_data_and_every_total_has_its_trail(park, setup, figure):
    s = setup["s"]
    client, coordinator = park.client, park.headers("coordinator")
    # 2024: only enterprise A's coal; 150 → 100 t at the default NCV: 100 × 20 × 0.025 × 0.9 × 44/12 = 165 tCO₂
    boundary(park, 2024, [s["coal"]["id"]])
    old = submit_rows(
        park,
        "contributor",
        setup["a"]["id"],
        2024,
        [{"source_id": s["coal"]["id"], "quantity": "100", "unit": "t", "quality": "metered"}],
    )
    confirm(park, old["id"])
    view = boundary(park, 2025, [item["id"] for item in s.values()])
    assert view["significant_change"] is True
    assert view["changes"]["added_enterprise_ids"] == sorted([setup["b"]["id"], setup["c"]["id"]])
    assert len(view["changes"]["added_source_ids"]) == 8 and view["changes"]["removed_source_ids"] == []

    a = submit_rows(park, "contributor", setup["a"]["id"], 2025, _a_rows(s))
    b = submit_rows(park, "contributor_b", setup["b"]["id"], 2025, _b_rows(s))
    assert a["state"] == "in_approval"
    totals = ok(client.get(f"{API}/years/2025", headers=coordinator))
    assert totals["total"] == "0" and totals["rows"] == 0  # nothing confirmed yet: nothing counts
    missing = {m["enterprise_id"]: m["status"] for m in totals["missing"]}
    assert missing == {
        setup["a"]["id"]: "not_confirmed",
        setup["b"]["id"]: "not_confirmed",
        setup["c"]["id"]: "not_submitted",
    }
    confirm(park, a["id"])
    confirm(park, b["id"])
    ok(
        client.put(
            f"{API}/enterprises/{setup['a']['id']}/economic/2025",
            json={
                "output_value": "1000",
                "source": "2025 年统计年报",
                "product_name": "甲醇",
                "product_output": "500",
                "product_unit": "t",
            },
            headers=coordinator,
        )
    )

    totals = ok(client.get(f"{API}/years/2025", headers=coordinator))
    # A: coal 150 t × 22 GJ/t (measured) = 3300 GJ × 0.0825 = 272.25; electricity 12 万kWh = 120 MWh × 0.6 = 72;
    #    limestone 2 × 0.44 = 0.88; recovered 10 000 Nm³ × 0.99 × 1.977 kg/Nm³ = −19.5723  → 325.5577
    # B: gas 5000 Nm³ = 0.5 万Nm³ × 400 = 200 GJ × 0.055 = 11; steam 1000 × 0.11 = 110; exported 10 × 0.6 = −6;
    #    waste 300 kg = 0.3 t × 1.5 = 0.45  → 115.45
    assert D(totals["by_enterprise"][str(setup["a"]["id"])]["emission"]) == D("325.5577")
    assert D(totals["by_enterprise"][str(setup["b"]["id"])]["emission"]) == D("115.45")
    assert D(totals["total"]) == D("441.0077")
    # scope 1 = 272.25 + 0.88 − 19.5723 + 11 + 0.45 = 265.0077; scope 2 = 72 + 110 − 6 = 176
    assert D(totals["scope"]["1"]["emission"]) == D("265.0077") and D(totals["scope"]["2"]["emission"]) == D("176")
    assert D(totals["by_category"]["co2_recovered"]["emission"]) == D("-19.5723")
    assert D(totals["by_category"]["waste_treatment"]["emission"]) == D("0.45")
    assert D(totals["by_industry"]["D4411"]["emission"]) == D("115.45")
    # energy: (3300 + 200 + 1000) GJ ÷ 29.3076 = 153.5438 tce, + electricity 14.7402 tce = 168.2840 tce
    assert display(D(totals["energy_tce"])) == "168.28"
    # intensity of A: 325.5577 tCO₂ ÷ 1000 万元 = 0.3255577; per product 325.5577 ÷ 500 t = 0.6511154
    (intensity,) = totals["intensity"]
    assert D(intensity["per_output_value"]) == D("0.3255577") and D(intensity["per_product"]) == D("0.6511154")
    # share of purchased heat: 110 ÷ 441.0077 = 24.94 %
    assert display(D(totals["category_shares"]["purchased_heat"]) * 100) == "24.94"
    # change from 2024: 441.0077 − 165 = 276.0077
    assert D(totals["previous_total"]) == D("165") and D(totals["change"]) == D("276.0077")
    assert [m["enterprise_id"] for m in totals["missing"]] == [setup["c"]["id"]]

    trail = ok(client.get(f"{API}/years/2025/trail", params={"level": "park", "key": "park"}, headers=coordinator))
    assert D(trail["total"]) == D("441.0077") and len(trail["rows"]) == 8
    assert sum(D(row["emission"]) for row in trail["rows"]) == D(trail["total"])
    coal_row = next(row for row in trail["rows"] if row["source_id"] == s["coal"]["id"])
    assert coal_row["parameters"]["ncv"] == {"value": "22", "from": "measured"}
    assert coal_row["parameters"]["carbon_content"] == {"value": "0.025", "from": "default"}
    assert coal_row["factor"]["code"] == "coal" and coal_row["factor"]["version"] == 1
    assert coal_row["factor"]["source_table"] == "表 1" and coal_row["factor"]["data_set"]["code"] == "PARK"
    assert "150 t × 22 GJ/t = 3300 GJ" in coal_row["formula"] and coal_row["meter_ref"] == "FM-01"
    scope2 = ok(client.get(f"{API}/years/2025/trail", params={"level": "scope", "key": "2"}, headers=coordinator))
    assert D(scope2["total"]) == D("176") and len(scope2["rows"]) == 3
    figure(f"inventory: park 2025 = {display(D(totals['total']))} tCO₂ from {trail['rows'].__len__()} rows")


def test_evidence_files_are_kept_and_shown_in_the_trail(park, setup):
    s = setup["s"]
    boundary(park, 2025, [s["coal"]["id"]])
    body = {
        "enterprise_id": setup["a"]["id"],
        "year": 2025,
        "rows": [{"source_id": s["coal"]["id"], "quantity": "10", "unit": "t", "quality": "metered"}],
    }
    prepared = ok(park.client.post(f"{API}/submissions", json=body, headers=park.headers("contributor")), 201)
    files = {"file": ("台账.txt", "2025 年燃煤台账：10 t".encode(), "text/plain")}
    with_file = ok(
        park.client.post(
            f"{API}/submissions/{prepared['id']}/evidence", files=files, headers=park.headers("contributor")
        ),
        201,
    )
    assert with_file["evidence"][0]["file_name"].endswith(".txt")
    ok(park.client.post(f"{API}/submissions/{prepared['id']}/submit", headers=park.headers("contributor")))
    late = park.client.post(
        f"{API}/submissions/{prepared['id']}/evidence", files=files, headers=park.headers("contributor")
    )
    assert late.status_code == 409  # a submitted record takes nothing more
    confirm(park, prepared["id"])
    trail = ok(
        park.client.get(
            f"{API}/years/2025/trail",
            params={"level": "enterprise", "key": str(setup["a"]["id"])},
            headers=park.headers("auditor"),
        )
    )
    assert trail["rows"][0]["evidence"][0]["sha256"] == with_file["evidence"][0]["sha256"]
    # 10 t × 20 GJ/t = 200 GJ × 0.0825 = 16.5 tCO₂
    assert D(trail["total"]) == D("16.5")


def test_every_wrong_row_is_listed_and_nothing_is_written(park, setup):
    s = setup["s"]
    boundary(park, 2025, [s["coal"]["id"], s["grid_a"]["id"], s["recovered"]["id"]])
    ds = setup["ds"]["id"]
    no_factor = source(park, setup["a"]["id"], "柴油叉车", "fuel_combustion", "柴油", "t")
    ok(
        park.client.put(
            f"{API}/boundaries/2025",
            json={"source_ids": [s["coal"]["id"], s["grid_a"]["id"], s["recovered"]["id"], no_factor["id"]]},
            headers=park.headers("coordinator"),
        )
    )
    rows = [
        {"source_id": s["coal"]["id"], "quantity": "5", "unit": "桶", "quality": "metered"},  # unknown unit
        {"source_id": s["coal"]["id"], "quantity": "5", "unit": "kWh", "quality": "metered"},  # wrong dimension
        {"source_id": s["grid_a"]["id"], "quantity": "-3", "unit": "MWh", "quality": "metered"},  # negative
        {"source_id": s["lime"]["id"], "quantity": "1", "unit": "t", "quality": "metered"},  # outside the boundary
        {"source_id": no_factor["id"], "quantity": "1", "unit": "t", "quality": "metered"},  # no factor
        {"source_id": s["recovered"]["id"], "quantity": "1", "unit": "万Nm³", "quality": "metered"},  # no purity
        {"source_id": s["coal"]["id"], "quantity": "1", "unit": "t", "quality": "猜的"},  # quality
        {"source_id": s["coal"]["id"], "quantity": "1e30", "unit": "t", "quality": "metered"},  # out of range
    ]
    body = {"enterprise_id": setup["a"]["id"], "year": 2025, "rows": rows}
    response = park.client.post(f"{API}/submissions", json=body, headers=park.headers("contributor"))
    assert response.status_code == 422, response.text
    errors = response.json()["row_errors"]
    by_row = {}
    for error in errors:
        by_row.setdefault(error["row"], []).append(error)
    assert "未知的计量单位" in by_row[1][0]["message_zh"] and by_row[1][0]["column"] == "单位"
    assert "量纲不符" in by_row[2][0]["message_zh"]
    assert "负数" in by_row[3][0]["message_zh"] and by_row[3][0]["column"] == "数量"
    assert "核算边界" in by_row[4][0]["message_zh"]
    assert "没有适用于“柴油”" in by_row[5][0]["message_zh"]
    assert "纯度" in by_row[6][0]["message_zh"]
    assert "数据质量" in by_row[7][0]["message_zh"]
    assert "超出" in by_row[8][0]["message_zh"]
    listed = ok(park.client.get(f"{API}/submissions", headers=park.headers("coordinator")))
    assert listed == []  # nothing half-written
    assert ds


def test_a_correction_is_a_new_submission_and_the_old_one_stays_visible(park, setup):
    s = setup["s"]
    boundary(park, 2025, [s["coal"]["id"]])
    row = {"source_id": s["coal"]["id"], "quantity": "100", "unit": "t", "quality": "metered"}
    first = submit_rows(park, "contributor", setup["a"]["id"], 2025, [row])
    confirm(park, first["id"])
    again = park.client.post(
        f"{API}/submissions",
        json={"enterprise_id": setup["a"]["id"], "year": 2025, "rows": [row]},
        headers=park.headers("contributor"),
    )
    assert again.status_code == 409 and "更正" in again.json()["message_zh"]
    no_reason = park.client.post(
        f"{API}/submissions",
        json={"enterprise_id": setup["a"]["id"], "year": 2025, "rows": [row], "corrects_id": first["id"]},
        headers=park.headers("contributor"),
    )
    assert no_reason.status_code == 422
    second = submit_rows(
        park,
        "contributor",
        setup["a"]["id"],
        2025,
        [row | {"quantity": "120"}],
        corrects_id=first["id"],
        reason="台账漏记 20 t",
    )
    totals = ok(park.client.get(f"{API}/years/2025", headers=park.headers("coordinator")))
    assert D(totals["total"]) == D("165")  # still the first: 100 × 20 × 0.0825
    confirm(park, second["id"])
    totals = ok(park.client.get(f"{API}/years/2025", headers=park.headers("coordinator")))
    assert D(totals["total"]) == D("198")  # 120 × 20 × 0.0825
    old = ok(park.client.get(f"{API}/submissions/{first['id']}", headers=park.headers("coordinator")))
    assert old["state"] == "void" and old["rows"][0]["quantity"] == "100"
    new = ok(park.client.get(f"{API}/submissions/{second['id']}", headers=park.headers("contributor")))
    assert new["corrects_id"] == first["id"] and new["correction_reason"] == "台账漏记 20 t"


def test_confirmation_is_the_coordinators_signature(park, setup):
    s = setup["s"]
    boundary(park, 2025, [s["coal"]["id"]])
    row = {"source_id": s["coal"]["id"], "quantity": "1", "unit": "t", "quality": "metered"}
    submitted = submit_rows(park, "contributor", setup["a"]["id"], 2025, [row])
    url = f"{API}/submissions/{submitted['id']}/confirm"
    wrong = park.client.post(url, json={"password": "not-it"}, headers=park.headers("coordinator"))
    assert wrong.status_code == 401
    by_approver = park.client.post(url, json={"password": PASSWORD}, headers=park.headers("approver"))
    assert by_approver.status_code == 403
    by_contributor = park.client.post(url, json={"password": PASSWORD}, headers=park.headers("contributor"))
    assert by_contributor.status_code == 403
    confirmed = confirm(park, submitted["id"])
    assert confirmed["state"] == "filed"
    record = ok(park.client.get(f"/api/records/{confirmed['record_id']}", headers=park.headers("coordinator")))
    assert record["signatures"][0]["meaning"] == "confirm"
    changed = park.client.put(
        f"{API}/submissions/{submitted['id']}/rows", json={"rows": [row]}, headers=park.headers("contributor")
    )
    assert changed.status_code == 409
    recategorised = park.client.patch(
        f"{API}/sources/{s['coal']['id']}", json={"category": "industrial_process"}, headers=park.headers("coordinator")
    )
    assert recategorised.status_code == 409  # its confirmed rows were calculated as fuel combustion
    renamed = park.client.patch(
        f"{API}/sources/{s['coal']['id']}", json={"name": "1 号锅炉燃煤"}, headers=park.headers("coordinator")
    )
    assert renamed.status_code == 200


def test_a_corrected_factor_is_a_new_version_and_confirmed_rows_keep_the_old(park, setup):
    s, coal = setup["s"], setup["f"]["coal"]
    boundary(park, 2025, [s["coal"]["id"]])
    row = {"source_id": s["coal"]["id"], "quantity": "100", "unit": "t", "quality": "metered"}
    used = submit_rows(park, "contributor", setup["a"]["id"], 2025, [row])
    confirm(park, used["id"])
    headers = park.headers("coordinator")
    corrected = ok(
        park.client.post(
            f"{API}/factors/{coal['id']}/versions", json={"ncv": "21", "reason": "复核实验室报告"}, headers=headers
        ),
        201,
    )
    assert corrected["version"] == 2 and corrected["supersedes_id"] == coal["id"] and corrected["current"] is True
    old = ok(park.client.get(f"{API}/factors/{coal['id']}", headers=headers))
    assert old["current"] is False and old["ncv"] == "20" and old["used_by_submissions"] == [used["id"]]
    totals = ok(park.client.get(f"{API}/years/2025", headers=headers))
    assert D(totals["total"]) == D("165")  # still version 1: 100 × 20 × 0.0825
    no_reason = park.client.post(f"{API}/factors/{coal['id']}/versions", json={"reason": " "}, headers=headers)
    assert no_reason.status_code == 422
    stale = park.client.post(f"{API}/factors/{coal['id']}/versions", json={"reason": "再改"}, headers=headers)
    assert stale.status_code == 409  # only the newest version can be corrected


def test_another_parks_submissions_factors_and_totals_are_not_seen(park, other_park, setup):
    s = setup["s"]
    boundary(park, 2025, [s["coal"]["id"]])
    row = {"source_id": s["coal"]["id"], "quantity": "100", "unit": "t", "quality": "metered"}
    submitted = submit_rows(park, "contributor", setup["a"]["id"], 2025, [row])
    other = other_park.headers("coordinator")
    client = other_park.client
    assert client.get(f"{API}/submissions/{submitted['id']}", headers=other).status_code == 404
    response = client.post(f"{API}/submissions/{submitted['id']}/confirm", json={"password": PASSWORD}, headers=other)
    assert response.status_code == 404
    assert client.get(f"{API}/factors/{setup['f']['coal']['id']}", headers=other).status_code == 404
    correction = {"reason": "x", "ncv": "1"}
    url = f"{API}/factors/{setup['f']['coal']['id']}/versions"
    assert client.post(url, json=correction, headers=other).status_code == 404
    body = {
        "code": "x",
        "kind": "process",
        "quantity": "x",
        "activity_unit": "t",
        "direct_factor": "1",
        "source_document": "x",
        "source_table": "x",
        "source_row": "x",
    }
    assert client.post(f"{API}/factor-sets/{setup['ds']['id']}/factors", json=body, headers=other).status_code == 404
    assert ok(client.get(f"{API}/submissions", headers=other)) == []
    assert ok(client.get(f"{API}/factors", headers=other)) == []
    confirm(park, submitted["id"])
    assert ok(client.get(f"{API}/years/2025", headers=other))["total"] == "0"
    # contributor B of the same park (enterprise B) does not see A's submission either
    headers_b = park.headers("contributor_b")
    assert park.client.get(f"{API}/submissions/{submitted['id']}", headers=headers_b).status_code == 404
    assert ok(park.client.get(f"{API}/submissions", headers=headers_b)) == []


def test_rows_from_a_meter_overdue_for_calibration_are_flagged_in_the_trail(park, setup):
    """Registers (10.1.1) meet the inventory: data read on a day the source's meter was out of calibration is
    flagged in its trail row (API and page); data of a source with a valid calibration is not."""
    s = setup["s"]
    boundary(park, 2025, [s["coal"]["id"], s["grid_a"]["id"]])
    meter = {"emission_source_id": s["coal"]["id"], "interval_months": 12, "measures": "燃煤量"}
    # calibrated 2023-06-01, valid 12 months: on 2025-12-31 (the yearly reading) it was overdue
    overdue = park.client.post(
        "/api/registers/equipment",
        json={**meter, "name": "皮带秤 PD-01", "last_calibrated_on": "2023-06-01"},
        headers=park.headers("coordinator"),
    )
    assert overdue.status_code == 201, overdue.text
    valid = park.client.post(
        "/api/registers/equipment",
        json={
            **meter,
            "emission_source_id": s["grid_a"]["id"],
            "name": "电能表 DB-01",
            "last_calibrated_on": "2025-06-01",
        },
        headers=park.headers("coordinator"),
    )
    assert valid.status_code == 201, valid.text
    rows = [
        {"source_id": s["coal"]["id"], "quantity": "10", "unit": "t", "quality": "metered"},
        {"source_id": s["grid_a"]["id"], "quantity": "100", "unit": "MWh", "quality": "metered"},
    ]
    submission = submit_rows(park, "contributor", setup["a"]["id"], 2025, rows)
    confirm(park, submission["id"])
    trail = ok(
        park.client.get(
            f"{API}/years/2025/trail",
            params={"level": "enterprise", "key": str(setup["a"]["id"])},
            headers=park.headers("auditor"),
        )
    )
    flags = {row["source_id"]: row["calibration_overdue"] for row in trail["rows"]}
    assert flags[s["grid_a"]["id"]] is None
    assert flags[s["coal"]["id"]] == {
        "equipment_id": overdue.json()["id"],
        "name": "皮带秤 PD-01",
        "reading_date": "2025-12-31",
    }
