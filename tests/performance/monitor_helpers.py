"""A small park for the monitoring tests: one enterprise whose only source is purchased electricity (test factor
0.6 tCO₂/MWh, a test input, not a published value), so each year's park total is MWh × 0.6, worked by hand."""

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlmodel import col

from app.db import session_scope
from app.events.models import Event
from app.performance.models import (
    Baseline,
    Direction,
    Indicator,
    IndicatorFormula,
    IndicatorLevel,
    ManualValue,
    Objective,
    ObjectiveCategory,
    Target,
)
from tests.factories import TestPark, publish_new_document
from tests.inventory import helpers as inventory


def electricity_park(park: TestPark, mwh_by_year: dict[int, str]) -> dict[str, Any]:
    """The enterprise and source, a boundary, the grid factor and one confirmed submission per year."""
    enterprise = inventory.enterprise(park, f"甲电子有限公司{park.code}", 11)
    source = inventory.source(park, enterprise["id"], "外购电力", "purchased_electricity", "华东电网", "MWh")
    data_set = inventory.data_set(park)
    inventory.factor(
        park,
        data_set["id"],
        code="grid",
        kind="electricity",
        quantity="华东电网",
        activity_unit="MWh",
        direct_factor="0.6",
        region="华东",
    )
    inventory.assign(park, "contributor", enterprise["id"])  # the preparer may not confirm their own submission
    for year, mwh in mwh_by_year.items():
        inventory.boundary(park, year, [source["id"]])
        row = {"source_id": source["id"], "quantity": mwh, "unit": "MWh", "quality": "metered"}
        submission = inventory.submit_rows(park, "contributor", enterprise["id"], year, [row])
        inventory.confirm(park, submission["id"])
    return {"enterprise": enterprise, "source": source}


def indicator(park: TestPark, code: str, **fields: Any) -> int:
    values: dict[str, Any] = {
        "park_id": park.id,
        "code": code,
        "name": fields.pop("name", "园区碳排放总量"),
        "unit": fields.pop("unit", "tCO2"),
        "level": IndicatorLevel.park,
        "formula": IndicatorFormula.total_emission,
        "direction": Direction.lower_is_better,
        "created_by_id": park.user_ids["coordinator"],
    } | fields
    with session_scope() as session:
        row = Indicator(**values)
        session.add(row)
        session.flush()
        return row.id or 0


def manual_value(park: TestPark, indicator_id: int, year: int, value: str) -> None:
    with session_scope() as session:
        session.add(
            ManualValue(
                park_id=park.id,
                indicator_id=indicator_id,
                year=year,
                value=Decimal(value),
                evidence_note="测试凭证",
                entered_by_id=park.user_ids["coordinator"],
            )
        )


def target(park: TestPark, indicator_id: int, value: str, start_year: int, deadline: date, **fields: Any) -> int:
    with session_scope() as session:
        objective = Objective(
            park_id=park.id,
            category=ObjectiveCategory.performance,
            title="碳排放总量下降",
            created_by_id=park.user_ids["coordinator"],
        )
        session.add(objective)
        session.flush()
        row = Target(
            park_id=park.id,
            objective_id=objective.id or 0,
            indicator_id=indicator_id,
            title=fields.pop("title", "园区碳排放总量指标"),
            target_value=Decimal(value),
            start_year=start_year,
            deadline=deadline,
            responsible_unit="碳管理办公室",
            created_by_id=park.user_ids["coordinator"],
            **fields,
        )
        session.add(row)
        session.flush()
        return row.id or 0


def approved_baseline(park: TestPark, indicator_id: int, base_year: int, value: str) -> int:
    """A baseline version carried by an effective CARBON_BASELINE revision (approved through the lifecycle)."""
    _document, revision = publish_new_document(park, "CARBON_BASELINE", title=f"碳排放管理基准{indicator_id}")
    return baseline(park, indicator_id, base_year, value, revision_id=revision["id"])


def baseline(park: TestPark, indicator_id: int, base_year: int, value: str, **fields: Any) -> int:
    with session_scope() as session:
        row = Baseline(
            park_id=park.id,
            indicator_id=indicator_id,
            base_year=base_year,
            value=Decimal(value),
            created_by_id=park.user_ids["coordinator"],
            **fields,
        )
        session.add(row)
        session.flush()
        return row.id or 0


def refusals(park_id: int, entity_type: str, entity_id: object) -> list[dict]:
    import json

    with session_scope(write=False) as session:
        rows = session.execute(
            select(Event).where(
                col(Event.action) == "access.refused",
                col(Event.park_id) == park_id,
                col(Event.entity_type) == entity_type,
                col(Event.entity_id) == str(entity_id),
            )
        ).scalars()
        return [json.loads(row.after_json) for row in rows]


def events_of(entity_type: str, entity_id: object) -> list[tuple[str, dict | None, dict | None]]:
    import json

    with session_scope(write=False) as session:
        rows = session.execute(
            select(Event)
            .where(col(Event.entity_type) == entity_type, col(Event.entity_id) == str(entity_id))
            .order_by(col(Event.seq))
        ).scalars()
        return [(row.action, json.loads(row.before_json), json.loads(row.after_json)) for row in rows]


def seed_deviation(park: TestPark) -> dict[str, object]:
    """An open deviation of a park indicator (rows only, no inventory): the security walks' `deviation_id`."""
    from app.performance.models import Deviation

    indicator_id = indicator(park, f"MATRIX-{park.code}", deviation_percent=Decimal("5"))
    with session_scope() as session:
        row = Deviation(
            park_id=park.id,
            indicator_id=indicator_id,
            year=2025,
            value=Decimal("660"),
            reference_value=Decimal("550"),
            reference_kind="target",
            deviation_percent=Decimal("20"),
            threshold_percent=Decimal("5"),
        )
        session.add(row)
        session.flush()
        return {"deviation_id": row.id}
