"""A small park inventory for the indicator and baseline tests, every figure worked by hand here.

Factors are test inputs, not published values: coal NCV 20 GJ/t × CC 0.025 tC/GJ × OF 0.9 × 44/12 = 1.65 tCO₂/t;
grid 0.6 tCO₂/MWh; green power 0.04 tCO₂/MWh (a renewable source; the test input needs a factor above zero).

| year | A coal (t) | A grid (MWh) | B grid (MWh) | B green (MWh) | A output 万元 / product t | B output 万元 |
|------|-----------|--------------|--------------|---------------|---------------------------|---------------|
| 2024 | 100 → 165 | 200 → 120    | 100 → 60     | —             | 1000 / 50                 | 500           |
| 2025 | 80 → 132  | 150 → 90     | 75 → 45      | 25 → 1        | 1000 / 60                 | 340           |

Park total 2024 = 165 + 120 + 60 = 345 tCO₂ (scope 1: 165, scope 2: 180); intensity 345 / 1500 = 0.23 tCO₂/万元.
Park total 2025 = 132 + 90 + 45 + 1 = 268 tCO₂; intensity 268 / 1340 = 0.2 tCO₂/万元.
A per product: 2024 (165 + 120) / 50 = 5.7 tCO₂/t; 2025 (132 + 90) / 60 = 3.7 tCO₂/t.
B renewable share 2025: 25 MWh of 100 MWh, both by the same conversion to tce = 25 %.
"""

from dataclasses import dataclass, field
from typing import Any

import pytest

from tests.factories import TestPark, make_park
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

PERF = "/api/performance"


@dataclass
class Inventory:
    park: TestPark
    a: int
    b: int
    sources: dict[str, int]
    factors: dict[str, int]
    made: dict[str, Any] = field(default_factory=dict)


def _row(source_id: int, quantity: str, unit: str) -> dict[str, str | int]:
    return {"source_id": source_id, "quantity": quantity, "unit": unit, "quality": "metered"}


def economic(park: TestPark, enterprise_id: int, year: int, output: str, product: str | None = None) -> None:
    body: dict[str, Any] = {"output_value": output, "source": "统计报表（测试）"}
    if product is not None:
        body |= {"product_name": "产品甲", "product_output": product, "product_unit": "t"}
    url = f"{API}/enterprises/{enterprise_id}/economic/{year}"
    ok(park.client.put(url, json=body, headers=park.headers("coordinator")))


def build_inventory(client) -> Inventory:
    park = make_park(client)
    a = enterprise(park, "甲化工有限公司", 1)["id"]
    b = enterprise(park, "乙材料有限公司", 2)["id"]
    add_contributor(park, "contributor_b")
    assign(park, "contributor", a)
    assign(park, "contributor_b", b)
    s = {
        "coal": source(park, a, "锅炉燃煤", "fuel_combustion", "烟煤", "t")["id"],
        "a_grid": source(park, a, "外购电力", "purchased_electricity", "华东电网", "MWh")["id"],
        "b_grid": source(park, b, "外购电力", "purchased_electricity", "华东电网", "MWh")["id"],
        "b_green": source(park, b, "外购绿电", "purchased_electricity", "绿电", "MWh", renewable=True)["id"],
    }
    ds = data_set(park)["id"]
    f = {
        "coal": factor(
            park,
            ds,
            code="coal",
            kind="fuel",
            quantity="烟煤",
            activity_unit="t",
            ncv="20",
            carbon_content="0.025",
            oxidation_rate="0.9",
        )["id"],
        "grid": factor(
            park, ds, code="grid", kind="electricity", quantity="华东电网", activity_unit="MWh", direct_factor="0.6"
        )["id"],
        "green": factor(
            park, ds, code="green", kind="electricity", quantity="绿电", activity_unit="MWh", direct_factor="0.04"
        )["id"],
    }
    for year in (2024, 2025):
        boundary(park, year, list(s.values()))
    years = {
        2024: ([_row(s["coal"], "100", "t"), _row(s["a_grid"], "200", "MWh")], [_row(s["b_grid"], "100", "MWh")]),
        2025: (
            [_row(s["coal"], "80", "t"), _row(s["a_grid"], "150", "MWh")],
            [_row(s["b_grid"], "75", "MWh"), _row(s["b_green"], "25", "MWh")],
        ),
    }
    for year, (rows_a, rows_b) in years.items():
        confirm(park, submit_rows(park, "contributor", a, year, rows_a)["id"])
        confirm(park, submit_rows(park, "contributor_b", b, year, rows_b)["id"])
    economic(park, a, 2024, "1000", "50")
    economic(park, b, 2024, "500")
    economic(park, a, 2025, "1000", "60")
    economic(park, b, 2025, "340")
    return Inventory(park, a, b, s, f)


@pytest.fixture(scope="module")
def inventory(app):
    """One park with the two years above per module (and per database): building it is the slow part."""
    from fastapi.testclient import TestClient

    with TestClient(app) as client:
        yield build_inventory(client)


def indicator(park: TestPark, code: str, formula: str, level: str = "park", **extra: Any) -> dict:
    body = {"code": code, "name": f"参数 {code}", "level": level, "formula": formula} | extra
    return ok(park.client.post(f"{PERF}/indicators", json=body, headers=park.headers("coordinator")), 201)


def values(park: TestPark, indicator_id: int, role: str = "coordinator", years: tuple[int, int] = (2024, 2025)):
    url = f"{PERF}/indicators/{indicator_id}/values?from_year={years[0]}&to_year={years[1]}"
    return {(v["year"], v["period"]): v for v in ok(park.client.get(url, headers=park.headers(role)))}


def events(park_id: int, action: str, entity_type: str | None = None) -> list[dict[str, Any]]:
    """The park's events of one action, oldest first, with before/after decoded."""
    import json

    from sqlalchemy import select

    from app.db import session_scope
    from app.events.models import Event

    with session_scope(write=False) as session:
        query = select(Event).where(Event.park_id == park_id, Event.action == action).order_by(Event.seq)
        if entity_type is not None:
            query = query.where(Event.entity_type == entity_type)
        return [
            {
                "entity_id": row.entity_id,
                "actor_id": row.actor_id,
                "before": json.loads(row.before_json),
                "after": json.loads(row.after_json),
            }
            for row in session.execute(query).scalars()
        ]


def refused(park_id: int, entity_type: str, entity_id: object, rule: str) -> bool:
    return any(
        e["entity_id"] == str(entity_id) and e["after"]["rule"] == rule
        for e in events(park_id, "access.refused", entity_type)
    )


def seed_performance(park: TestPark) -> dict[str, object]:
    """Park A's ids for the security walks: a manual indicator, an entered value and a baseline (a base line)."""
    made = indicator(park, f"SEED-{park.code}", "manual", unit="%", direction="higher")
    body = {"year": 2025, "value": "40", "evidence_note": "访问矩阵台账"}
    url = f"{PERF}/indicators/{made['id']}/manual-values"
    value = ok(park.client.post(url, json=body, headers=park.headers("coordinator")), 201)
    baseline = {"base_line": "访问矩阵基准线", "value": "35"}
    url = f"{PERF}/indicators/{made['id']}/baselines"
    created = ok(park.client.post(url, json=baseline, headers=park.headers("coordinator")), 201)
    return {"indicator_id": made["id"], "value_id": value["id"], "baseline_id": created["id"]}
