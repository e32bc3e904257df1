"""Indicator values computed from the confirmed inventory (calculation.py) through the API, on both databases;
the figures are worked by hand in tests/performance/calc_support.py's table."""

from decimal import Decimal as D

from sqlalchemy import event, select

from app.db import get_engine, session_scope
from app.performance.calculation import indicator_values
from app.performance.models import Indicator
from tests.inventory.helpers import ok
from tests.performance.calc_support import PERF, indicator, inventory, values

__all__ = ["inventory"]


def test_park_total_scopes_and_intensity_per_output_value(inventory):
    park = inventory.park
    total = values(park, indicator(park, "C-TOT", "total_emission")["id"])
    # 2024: 165 + 120 + 60 = 345; 2025: 132 + 90 + 45 + 1 = 268
    assert D(total[(2024, 0)]["value"]) == D("345")
    assert D(total[(2025, 0)]["value"]) == D("268")
    assert total[(2025, 0)]["trail"] == {"kind": "inventory", "year": 2025, "level": "park", "key": "park"}
    assert total[(2025, 0)]["trail_url"] == "/api/inventory/years/2025/trail?level=park&key=park"
    scope1 = values(park, indicator(park, "C-S1", "scope_emission", scope=1)["id"])
    scope2 = values(park, indicator(park, "C-S2", "scope_emission", scope=2)["id"])
    assert (D(scope1[(2024, 0)]["value"]), D(scope2[(2024, 0)]["value"])) == (D("165"), D("180"))
    intensity = values(park, indicator(park, "C-INT", "intensity_output_value")["id"])
    # 345 / (1000 + 500) = 0.23; 268 / (1000 + 340) = 0.2
    assert D(intensity[(2024, 0)]["value"]) == D("0.23")
    assert D(intensity[(2025, 0)]["value"]) == D("0.2")
    assert (D(intensity[(2025, 0)]["numerator"]), D(intensity[(2025, 0)]["denominator"])) == (D("268"), D("1340"))


def test_enterprise_and_source_levels(inventory):
    park = inventory.park
    per_product = values(
        park,
        indicator(park, "C-A-PROD", "intensity_product", "enterprise", enterprise_id=inventory.a, unit="tCO₂/t")["id"],
    )
    # A: (165 + 120) / 50 = 5.7 in 2024, (132 + 90) / 60 = 3.7 in 2025
    assert D(per_product[(2024, 0)]["value"]) == D("5.7")
    assert D(per_product[(2025, 0)]["value"]) == D("3.7")
    assert per_product[(2025, 0)]["trail_url"] == f"/api/inventory/years/2025/trail?level=enterprise&key={inventory.a}"
    coal = indicator(park, "C-COAL", "total_emission", "equipment", source_id=inventory.sources["coal"])
    assert coal["enterprise_id"] == inventory.a  # taken from the source
    coal_values = values(park, coal["id"])
    assert (D(coal_values[(2024, 0)]["value"]), D(coal_values[(2025, 0)]["value"])) == (D("165"), D("132"))
    share = values(park, indicator(park, "C-B-RE", "renewable_share", "enterprise", enterprise_id=inventory.b)["id"])
    # B 2025: 25 MWh green of 100 MWh, the same conversion to tce on both sides: 25 %; 2024: no green power, 0 %
    assert D(share[(2025, 0)]["value"]).quantize(D("0.000001")) == D("25.000000")
    assert D(share[(2024, 0)]["value"]) == 0


def test_missing_data_says_why(inventory):
    park = inventory.park
    total = values(park, indicator(park, "C-TOT2", "total_emission")["id"], years=(2023, 2024))
    assert total[(2023, 0)]["value"] is None and total[(2023, 0)]["missing"] == "no_inventory"
    assert total[(2023, 0)]["missing_zh"] == "该年度尚无已确认的碳排放数据"
    b_product = indicator(park, "C-B-PROD", "intensity_product", "enterprise", enterprise_id=inventory.b, unit="tCO₂/t")
    found = values(park, b_product["id"])
    assert found[(2025, 0)]["value"] is None and found[(2025, 0)]["missing"] == "no_product_output"


def test_one_inventory_read_per_year_whatever_the_number_of_indicators(inventory):
    park = inventory.park
    for n in range(6):
        indicator(park, f"C-MANY-{n}", "total_emission" if n % 2 else "intensity_output_value")
    statements: list[str] = []

    def count(*_args) -> None:
        statements.append("x")

    engine = get_engine()
    with session_scope(write=False) as session:
        rows = list(session.execute(select(Indicator).where(Indicator.park_id == park.id)).scalars())
        event.listen(engine, "before_cursor_execute", count)
        try:
            found = indicator_values(session, park.id, rows, [2024, 2025])
        finally:
            event.remove(engine, "before_cursor_execute", count)
    assert len(found) == 2 * len(rows)
    # All years at once: the stored sums (with their sources and enterprises) in one statement and the economic
    # data in one, for any number of indicators and years.
    assert len(statements) == 2


def test_the_year_view_lists_every_indicator_with_its_value(inventory):
    park = inventory.park
    made = indicator(park, "C-YEAR", "total_emission")
    listed = ok(park.client.get(f"{PERF}/values?year=2024", headers=park.headers("auditor")))
    mine = next(item for item in listed if item["indicator_id"] == made["id"])
    assert D(mine["value"]) == D("345") and mine["indicator"]["code"] == "C-YEAR"


def test_every_computed_value_agrees_with_the_trail_it_links_to(inventory):
    park = inventory.park
    made = [
        indicator(park, "C-T-PARK", "total_emission"),
        indicator(park, "C-T-ENT", "total_emission", "enterprise", enterprise_id=inventory.b),
        indicator(park, "C-T-SRC", "total_emission", "process", source_id=inventory.sources["a_grid"]),
    ]
    # 2025: park 268; B 45 + 1 = 46; A's grid 150 MWh × 0.6 = 90
    expected = {made[0]["id"]: D(268), made[1]["id"]: D(46), made[2]["id"]: D(90)}
    for item in made:
        value = values(park, item["id"])[(2025, 0)]
        assert D(value["value"]) == expected[item["id"]]
        trail = ok(park.client.get(value["trail_url"], headers=park.headers("auditor")))
        assert D(trail["total"]) == expected[item["id"]] and trail["rows"]
