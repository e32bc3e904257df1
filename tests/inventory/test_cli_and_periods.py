"""`carbonms inventory export|import`, monthly submissions, and a returned submission."""

import io
from decimal import Decimal as D

from openpyxl import load_workbook
from typer.testing import CliRunner

from app.cli import app as cli
from tests.inventory.helpers import (
    API,
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

runner = CliRunner()


def _setup(park):
    a = enterprise(park, "甲公司", 71)
    assign(park, "contributor", a["id"])
    grid = source(park, a["id"], "外购电力", "purchased_electricity", "华东电网", "MWh")
    ds = data_set(park)
    factor(
        park, ds["id"], code="grid", kind="electricity", quantity="华东电网", activity_unit="MWh", direct_factor="0.6"
    )
    boundary(park, 2025, [grid["id"]])
    return a, grid


def test_the_cli_exports_a_workbook_imports_it_and_exports_the_inventory(park, tmp_path):
    a, _grid = _setup(park)
    blank = tmp_path / "blank.xlsx"
    user = ["--user", park.usernames["contributor"]]
    done = runner.invoke(
        cli, ["inventory", "export", str(blank), *user, "--year", "2025", "--enterprise", a["credit_code"]]
    )
    assert done.exit_code == 0, done.output
    book = load_workbook(blank)
    book["活动数据"]["E2"], book["活动数据"]["G2"] = 50, "实测"  # 50 MWh × 0.6 = 30 tCO₂
    filled = tmp_path / "filled.xlsx"
    book.save(filled)
    imported = runner.invoke(
        cli, ["inventory", "import", str(filled), *user, "--year", "2025", "--enterprise", a["credit_code"], "--submit"]
    )
    assert imported.exit_code == 0, imported.output
    assert "已导入 1 行" in imported.output and "已提交确认" in imported.output
    (submission,) = ok(park.client.get(f"{API}/submissions", headers=park.headers("coordinator")))
    confirm(park, submission["id"])
    out = tmp_path / "inventory.xlsx"
    coordinator = ["--user", park.usernames["coordinator"]]
    assert runner.invoke(cli, ["inventory", "export", str(out), *coordinator, "--year", "2025"]).exit_code == 0
    summary = load_workbook(out)["汇总"]
    assert summary["B2"].value == 30 and summary["C2"].value == "30"
    detail = load_workbook(out)["明细"]
    assert detail["H2"].value == "grid" and "50 MWh × 0.6" in detail["K2"].value
    # a contributor may not export the park's inventory
    refused = runner.invoke(cli, ["inventory", "export", str(out), *user, "--year", "2025"])
    assert refused.exit_code == 1
    response = park.client.get(f"{API}/years/2025/export", headers=park.headers("auditor"))
    assert response.status_code == 200 and load_workbook(io.BytesIO(response.content))["汇总"]["B2"].value == 30


def test_the_cli_lists_every_error_and_imports_nothing(park, tmp_path):
    a, _ = _setup(park)
    blank = tmp_path / "blank.xlsx"
    user = ["--user", park.usernames["contributor"]]
    runner.invoke(cli, ["inventory", "export", str(blank), *user, "--year", "2025", "--enterprise", a["credit_code"]])
    book = load_workbook(blank)
    book["活动数据"]["E2"], book["活动数据"]["F2"], book["活动数据"]["G2"] = 5, "t", "实测"  # t for electricity
    book.save(blank)
    result = runner.invoke(
        cli, ["inventory", "import", str(blank), *user, "--year", "2025", "--enterprise", a["credit_code"]]
    )
    assert result.exit_code == 1 and "量纲不符" in result.output and "未导入任何数据" in result.output
    assert ok(park.client.get(f"{API}/submissions", headers=park.headers("coordinator"))) == []


def test_monthly_submissions_add_up_and_a_year_is_not_both(park):
    a, grid = _setup(park)
    row = {"source_id": grid["id"], "unit": "MWh", "quality": "metered"}
    january = submit_rows(park, "contributor", a["id"], 2025, [row | {"quantity": "10"}], month=1)
    february = submit_rows(park, "contributor", a["id"], 2025, [row | {"quantity": "20"}], month=2)
    assert january["rows"][0]["month"] == 1
    confirm(park, january["id"])
    confirm(park, february["id"])
    totals = ok(park.client.get(f"{API}/years/2025", headers=park.headers("coordinator")))
    assert D(totals["total"]) == D("18")  # (10 + 20) MWh × 0.6
    whole_year = park.client.post(
        f"{API}/submissions",
        json={"enterprise_id": a["id"], "year": 2025, "rows": [row | {"quantity": "1"}]},
        headers=park.headers("contributor"),
    )
    assert whole_year.status_code == 409
    wrong_month = park.client.post(
        f"{API}/submissions",
        json={"enterprise_id": a["id"], "year": 2025, "month": 3, "rows": [row | {"quantity": "1", "month": 4}]},
        headers=park.headers("contributor"),
    )
    assert wrong_month.status_code == 422 and wrong_month.json()["row_errors"][0]["column"].startswith("月份")


def test_a_returned_submission_does_not_count_and_a_new_one_can_follow(park):
    a, grid = _setup(park)
    row = {"source_id": grid["id"], "quantity": "10", "unit": "MWh", "quality": "metered"}
    first = submit_rows(park, "contributor", a["id"], 2025, [row])
    url = f"{API}/submissions/{first['id']}/reject"
    assert park.client.post(url, json={"comment": ""}, headers=park.headers("coordinator")).status_code == 422
    returned = ok(park.client.post(url, json={"comment": "缺少结算单"}, headers=park.headers("coordinator")))
    assert returned["state"] == "draft" and returned["state_label"]["zh"] == "已退回"
    second = submit_rows(park, "contributor", a["id"], 2025, [row | {"quantity": "12"}])
    confirm(park, second["id"])
    totals = ok(park.client.get(f"{API}/years/2025", headers=park.headers("coordinator")))
    assert D(totals["total"]) == D("7.2")  # 12 MWh × 0.6; the returned one does not count
