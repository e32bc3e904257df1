"""Indicators, manual values and approved baselines for the targets' tests (the indicators' own API is another
part's): rows written with the ORM, as the foundation's tables define them."""

import io
import json
from datetime import date
from decimal import Decimal
from typing import Any

from docx import Document as DocxDocument
from sqlalchemy import select
from sqlmodel import col

from app.db import session_scope
from app.events.models import Event
from app.performance.models import Baseline, Direction, Indicator, IndicatorFormula, IndicatorLevel, ManualValue
from tests.factories import TestPark, publish_new_document

API = "/api/performance"


def ok(response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json() if response.content else None


def indicator(park: TestPark, code: str = "PARK-TOTAL", **values: Any) -> int:
    fields: dict[str, Any] = {
        "name": "园区碳排放总量",
        "unit": "tCO₂",
        "level": IndicatorLevel.park,
        "formula": IndicatorFormula.manual,
        "direction": Direction.lower_is_better,
    } | values
    with session_scope() as session:
        row = Indicator(park_id=park.id, code=code, created_by_id=park.user_ids["coordinator"], **fields)
        session.add(row)
        session.flush()
        return row.id or 0


def manual(park: TestPark, indicator_id: int, year: int, value: str) -> None:
    with session_scope() as session:
        session.add(
            ManualValue(
                park_id=park.id,
                indicator_id=indicator_id,
                year=year,
                value=Decimal(value),
                evidence_note="测试证据",
                entered_by_id=park.user_ids["coordinator"],
            )
        )


def approved_baseline(park: TestPark, indicator_id: int, base_year: int, value: str) -> int:
    """A baseline version carried by an effective CARBON_BASELINE revision (approved through the lifecycle)."""
    document, revision = publish_new_document(park, "CARBON_BASELINE", title=f"碳排放管理基准{indicator_id}")
    with session_scope() as session:
        row = Baseline(
            park_id=park.id,
            indicator_id=indicator_id,
            base_year=base_year,
            value=Decimal(value),
            document_id=document["id"],
            revision_id=revision["id"],
            created_by_id=park.user_ids["coordinator"],
        )
        session.add(row)
        session.flush()
        return row.id or 0


def objective(park: TestPark, **values: Any) -> dict:
    body = {"category": "performance", "title": "碳排放强度持续下降"} | values
    return ok(park.client.post(f"{API}/objectives", json=body, headers=park.headers("coordinator")), 201)


def target(park: TestPark, objective_id: int, indicator_id: int, **values: Any) -> dict:
    body = {
        "objective_id": objective_id,
        "indicator_id": indicator_id,
        "title": "园区碳排放总量控制",
        "target_value": "80",
        "base_year": 2024,
        "start_year": 2025,
        "deadline": date(2028, 12, 31).isoformat(),
        "responsible_unit": "园区管委会",
    } | values
    return ok(park.client.post(f"{API}/targets", json=body, headers=park.headers("coordinator")), 201)


def docx_cells(content: bytes) -> list[str]:
    document = DocxDocument(io.BytesIO(content))
    return [cell.text for table in document.tables for row in table.rows for cell in row.cells]


def docx_paragraphs(content: bytes) -> str:
    return "\n".join(p.text for p in DocxDocument(io.BytesIO(content)).paragraphs)


def events_of(park: TestPark, action: str) -> list[Event]:
    with session_scope(write=False) as session:
        query = select(Event).where(Event.park_id == park.id, Event.action == action).order_by(col(Event.seq))
        rows = list(session.execute(query).scalars())
        session.expunge_all()
        return rows


def refused(park: TestPark, role: str, entity_type: str, rule: str) -> bool:
    """An access.refused event in the park's trail naming the role's user, the entity type and the rule."""
    return any(
        e.actor_id == park.user_ids[role]
        and e.entity_type == entity_type
        and json.loads(e.after_json).get("rule") == rule
        for e in events_of(park, "access.refused")
    )


# ---------------------------------------------------------------- for the access matrix and the CSRF walk

MATRIX_BODIES: dict[str, dict[str, Any]] = {
    f"{API}/objectives/{{objective_id}}": {"json": {"title": "访问矩阵目标"}},
    f"{API}/objectives/{{objective_id}}/withdraw": {"json": {"reason": "访问矩阵"}},
    f"{API}/targets/{{target_id}}": {"json": {"title": "访问矩阵指标"}},
    f"{API}/targets/{{target_id}}/withdraw": {"json": {"reason": "访问矩阵"}},
    f"{API}/measures/{{measure_id}}": {"json": {"title": "访问矩阵措施"}},
    f"{API}/measures/{{measure_id}}/milestones": {"json": {"title": "访问矩阵", "due_date": "2025-06-30"}},
    f"{API}/measures/{{measure_id}}/milestones/{{milestone_id}}/done": {"json": {"done_on": "2025-07-01"}},
    f"{API}/measures/{{measure_id}}/progress": {"json": {"year": 2025, "status": "in_progress"}},
    f"{API}/completion/checklist": {"json": {"year": 2025}},
    f"{API}/letters": {"json": {"responsible_unit": "访问矩阵责任单位", "year": 2026}},
}


def seed_targets(park: TestPark) -> dict[str, object]:
    """An objective, a target, a measure with a milestone and a responsibility letter of park A."""
    coordinator = park.headers("coordinator")
    goal = objective(park, title="访问矩阵目标")
    created = target(park, goal["id"], indicator(park, "MATRIX"), responsible_unit="访问矩阵责任单位")
    measure = {
        "title": "访问矩阵措施",
        "responsible_unit": "访问矩阵责任单位",
        "start_date": "2025-01-01",
        "end_date": "2026-12-31",
        "target_ids": [created["id"]],
    }
    measure_id = ok(park.client.post(f"{API}/measures", json=measure, headers=coordinator), 201)["id"]
    stone = {"title": "访问矩阵里程碑", "due_date": "2025-06-30"}
    milestone = ok(park.client.post(f"{API}/measures/{measure_id}/milestones", json=stone, headers=coordinator), 201)
    letter = ok(
        park.client.post(f"{API}/letters", json=MATRIX_BODIES[f"{API}/letters"]["json"], headers=coordinator), 201
    )
    return {
        "objective_id": goal["id"],
        "target_id": created["id"],
        "measure_id": measure_id,
        "milestone_id": milestone["id"],
        "letter_id": letter["id"],
    }
