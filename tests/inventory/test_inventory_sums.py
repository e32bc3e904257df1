"""The stored sums (`inventory_sum`) a year's totals read stay equal to the activity rows through submit, confirm,
correction and void, whichever route files or voids the record; `carbonms verify` names a sum that differs."""

from decimal import Decimal as D

import pytest
from sqlalchemy import func, select, update
from sqlmodel import col

from app.config import get_settings
from app.db import session_scope
from app.documents.models import Revision, RevisionState
from app.inventory import overview, queries, sums
from app.inventory.models import ActivityData, InventorySum, Submission, from_nano
from app.ops.verify import verify
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
    b = enterprise(park, "乙材料有限公司", 2, industry_code="C3011")
    assign(park, "contributor", a["id"])
    s = {
        "gas": source(park, a["id"], "燃气锅炉", "fuel_combustion", "天然气", "万Nm³"),
        "grid": source(park, a["id"], "外购电力", "purchased_electricity", "华东电网", "MWh"),
        "b_grid": source(park, b["id"], "外购电力", "purchased_electricity", "华东电网", "MWh"),
    }
    ds = data_set(park)
    gas = {"code": "gas", "kind": "fuel", "quantity": "天然气", "activity_unit": "万Nm³"}
    factor(park, ds["id"], **gas, ncv="400", carbon_content="0.015", oxidation_rate="1")
    grid = {"code": "grid", "kind": "electricity", "quantity": "华东电网", "activity_unit": "MWh"}
    factor(park, ds["id"], **grid, direct_factor="0.6")
    for year in (2024, 2025):
        boundary(park, year, [item["id"] for item in s.values()])
    return {"a": a, "b": b, "s": s}


def _rows(s, gas: str, grid: str) -> list[dict]:
    return [
        {"source_id": s["gas"]["id"], "quantity": gas, "unit": "万Nm³", "quality": "metered", "month": month}
        for month in (1, 2)
    ] + [{"source_id": s["grid"]["id"], "quantity": grid, "unit": "MWh", "quality": "metered", "month": 3}]


def _stored(park_id: int) -> dict[tuple[int, int], tuple[int, int, int]]:
    with session_scope(write=False) as session:
        rows = session.execute(
            select(InventorySum.submission_id, InventorySum.source_id, InventorySum.emission_mg)
            .add_columns(InventorySum.energy_mgce, InventorySum.row_count)
            .where(col(InventorySum.park_id) == park_id)
        ).all()
    return {(sub, src): (e, n, c) for sub, src, e, n, c in rows}


def _from_rows(park_id: int, *, filed_only: bool = False) -> dict[tuple[int, int], tuple[int, int, int]]:
    """The same sums worked out here from activity_data, over submitted (or only filed) submissions."""
    query = (
        select(ActivityData.submission_id, ActivityData.source_id, func.sum(ActivityData.emission_mg))
        .add_columns(func.sum(ActivityData.energy_mgce), func.count())
        .join(Submission, col(Submission.id) == col(ActivityData.submission_id))
        .join(Revision, col(Revision.document_id) == col(Submission.document_id))
        .where(col(ActivityData.park_id) == park_id)
        .group_by(ActivityData.submission_id, ActivityData.source_id)
    )
    if filed_only:
        query = query.where(col(Revision.state) == RevisionState.filed)
    with session_scope(write=False) as session:
        rows = session.execute(query).all()
    return {(sub, src): (int(e), int(n), int(c)) for sub, src, e, n, c in rows}


def _check(park, year: int) -> D:
    """Sums equal the rows; the year's figures equal the filed rows; verify finds nothing. Returns the API total."""
    assert _stored(park.id) == _from_rows(park.id)
    filed = _from_rows(park.id, filed_only=True)
    with session_scope(write=False) as session:
        figures = queries.confirmed_figures(session, park.id, year)
        year_ids = set(session.execute(select(Submission.id).where(col(Submission.year) == year)).scalars())
        assert sums.mismatches(session, park.id) == []
    expected = {key: value for key, value in filed.items() if key[0] in year_ids}
    assert sorted((f.source_id, f.emission_mg, f.energy_mgce, f.rows) for f in figures) == sorted(
        (src, e, n, c) for (_, src), (e, n, c) in expected.items()
    )
    totals = ok(park.client.get(f"{API}/years/{year}", headers=park.headers("coordinator")))
    assert D(totals["total"]) == from_nano(sum(e for e, _, _ in expected.values()))
    assert totals["rows"] == sum(c for _, _, c in expected.values())
    return D(totals["total"])


def test_the_sums_follow_submit_confirm_correction_and_void(park, setup):
    s, a = setup["s"], setup["a"]
    with session_scope(write=False) as session:
        prepared_rows = session.execute(select(func.count()).select_from(InventorySum)).scalar()
    first = submit_rows(park, "contributor", a["id"], 2025, _rows(s, "2", "100"))
    # Submitted, not confirmed: the sums exist (written with the record) but do not count.
    assert len([key for key in _stored(park.id) if key[0] == first["id"]]) == 2
    assert _check(park, 2025) == 0
    confirm(park, first["id"])
    # gas 2 × 2 months × 400 × 0.015 × 44/12 = 88; grid 100 × 0.6 = 60
    assert _check(park, 2025) == D("148")
    correction = submit_rows(
        park, "contributor", a["id"], 2025, _rows(s, "3", "50"), corrects_id=first["id"], reason="台账更正"
    )
    assert _check(park, 2025) == D("148")  # the correction awaits confirmation: the first still counts
    confirm(park, correction["id"])  # voids the first in the same transaction
    assert _check(park, 2025) == D("162")  # 3 × 2 × 22 = 132; 50 × 0.6 = 30
    assert ok(park.client.get(f"{API}/submissions/{first['id']}", headers=park.headers("coordinator")))["state"] == (
        "void"
    )
    # Voided through the records route, not the inventory's: nothing counts, no sum needed rewriting.
    url = f"/api/records/{correction['record_id']}/void"
    ok(park.client.post(url, json={"reason": "数据作废"}, headers=park.headers("coordinator")))
    assert _check(park, 2025) == 0
    with session_scope(write=False) as session:
        assert session.execute(select(func.count()).select_from(InventorySum)).scalar() == prepared_rows + 4


def test_a_record_filed_through_the_records_route_counts_with_its_sums(park, setup):
    s = setup["s"]
    add_contributor(park, "contributor_b")
    assign(park, "contributor_b", setup["b"]["id"])
    other = submit_rows(park, "contributor_b", setup["b"]["id"], 2025, [
        {"source_id": s["b_grid"]["id"], "quantity": "10", "unit": "MWh", "quality": "metered"}
    ])  # fmt: skip
    url = f"/api/records/{other['record_id']}/approve"
    ok(park.client.post(url, json={"password": PASSWORD}, headers=park.headers("coordinator")))
    assert _check(park, 2025) == D("6")


def test_the_change_and_trend_read_the_previous_years_total_only(park, setup):
    s, a = setup["s"], setup["a"]
    confirm(park, submit_rows(park, "contributor", a["id"], 2024, _rows(s, "1", "100"))["id"])  # 44 + 60
    confirm(park, submit_rows(park, "contributor", a["id"], 2025, _rows(s, "2", "100"))["id"])  # 88 + 60
    totals = ok(park.client.get(f"{API}/years/2025", headers=park.headers("coordinator")))
    assert D(totals["previous_total"]) == D("104") and D(totals["change"]) == D("44")
    assert D(totals["change_ratio"]) == D(44) / D(104)
    with session_scope(write=False) as session:
        assert overview.trend(session, park.id, 2025) == [(2024, D("104")), (2025, D("148"))]
        assert sums.park_totals(session, park.id, [2023, 2024]) == {2024: D("104")}
    first = ok(park.client.get(f"{API}/years/2024", headers=park.headers("coordinator")))
    assert first["previous_total"] is None and first["change"] is None and first["change_ratio"] is None


def test_verify_names_a_sum_that_differs_from_its_rows_and_rebuild_repairs_it(park, setup):
    s, a = setup["s"], setup["a"]
    submitted = submit_rows(park, "contributor", a["id"], 2025, _rows(s, "2", "100"))
    confirm(park, submitted["id"])
    with session_scope() as session:
        session.execute(
            update(InventorySum)
            .where(col(InventorySum.submission_id) == submitted["id"], col(InventorySum.source_id) == s["grid"]["id"])
            .values(emission_mg=InventorySum.emission_mg + 1)
        )
    with session_scope(write=False) as session:
        report = verify(session, get_settings().blob_dir)
    named = f"submission {submitted['id']}, source {s['grid']['id']} "
    problems = [p for p in report.errors if p.kind == "inventory_sum" and named in p.message]
    assert len(problems) == 1 and not report.ok, report.problems
    with session_scope(write=False) as session:
        assert [(m.submission_id, m.source_id) for m in sums.mismatches(session, park.id)] == [
            (submitted["id"], s["grid"]["id"])
        ]
    with session_scope() as session:
        sums.rebuild(session, park.id)
    assert _check(park, 2025) == D("148")


def test_each_chart_lists_what_the_overview_lists(park, setup):
    s = setup["s"]
    confirm(park, submit_rows(park, "contributor", setup["a"]["id"], 2025, _rows(s, "2", "100"))["id"])
    add_contributor(park, "contributor_b")
    assign(park, "contributor_b", setup["b"]["id"])
    b_rows = [{"source_id": s["b_grid"]["id"], "quantity": "400", "unit": "MWh", "quality": "metered"}]
    confirm(park, submit_rows(park, "contributor_b", setup["b"]["id"], 2025, b_rows)["id"])
    with session_scope(write=False) as session:
        view = overview.year_overview(session, park.id, 2025)
        items = {name: overview.chart_items(session, park.id, 2025, name) for name in ("top", "scope", "category")}
    assert items["top"] == [(i["name"], i["name"], i["emission"]) for i in view["top"]]
    assert [i[2] for i in items["top"]] == [D("240"), D("148")]  # 乙 first: 400 × 0.6
    assert items["scope"] == [(f"范围{i['scope']}", f"Scope {i['scope']}", i["emission"]) for i in view["scopes"]]
    assert items["category"] == [(*c["label"], c["emission"]) for c in view["categories"]]
    assert [i[2] for i in items["category"]] == [D("88"), D("300")]
