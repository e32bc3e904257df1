"""Small builders shared by the audit tests: they go through the API like a user would."""

import io
from datetime import date

from docx import Document as DocxDocument
from sqlalchemy import select

from app.db import session_scope
from app.events.models import Event
from app.users import service as users
from app.users.models import Park, Role
from tests.factories import PASSWORD, TestPark


def add_user(park: TestPark, role: str, unit: str, suffix: str = "2") -> int:
    """Another user of the park (tests need a second auditor, or an auditor of another unit)."""
    username = f"{role}{suffix}_{park.code.lower()}"
    with session_scope() as session:
        park_row = session.get(Park, park.id)
        user = users.create_user(
            session,
            park=park_row,
            username=username,
            password=PASSWORD,
            role=Role(role),
            full_name=f"{role}{suffix} 测试",
            unit=unit,
        )
        user_id = user.id
    park.usernames[f"{role}{suffix}"] = username
    park.user_ids[f"{role}{suffix}"] = user_id
    return user_id


def create_audit(
    park: TestPark,
    *,
    scope: list[str] | None = None,
    units: list[str] | None = None,
    start: str = "2030-03-01",
    end: str = "2030-03-05",
    role: str = "auditor",
    **extra: object,
):
    body = {
        "title": "2030 年第一次内部审核",
        "scope": scope or ["10.2"],
        "criteria": "T/CPQS ZC001—2025",
        "planned_start": start,
        "planned_end": end,
        "lead_auditor_id": park.user_ids["auditor"],
        "auditor_ids": [],
        "units": units or ["碳管理办公室"],
        **extra,
    }
    return park.client.post("/api/audits", json=body, headers=park.headers(role))


def started_audit(park: TestPark, scope: list[str] | None = None) -> dict:
    audit = create_audit(park, scope=scope)
    assert audit.status_code == 201, audit.text
    started = park.client.post(f"/api/audits/{audit.json()['id']}/start", headers=park.headers("auditor"))
    assert started.status_code == 200, started.text
    return started.json()


def raise_nc(
    park: TestPark,
    *,
    clause_id: str = "6.2",
    severity: str = "major",
    origin: str = "monitoring",
    role: str = "coordinator",
    **extra: object,
):
    body = {
        "origin": origin,
        "origin_ref": "能耗在线监测点 3 号：月度排放强度超出基准 12%",
        "clause_id": clause_id,
        "severity": severity,
        "description": "碳排放管理方针未按规定评审",
        "evidence_examined": "监测记录",
        **extra,
    }
    return park.client.post("/api/nonconformities", json=body, headers=park.headers(role))


def post(park: TestPark, path: str, role: str, body: dict | None = None, **params: object):
    return park.client.post(path, json=body or {}, headers=park.headers(role), params=params or None)


def events_for(entity_type: str, entity_id: int) -> list[str]:
    with session_scope(write=False) as session:
        return list(
            session.execute(
                select(Event.action)
                .where(Event.entity_type == entity_type, Event.entity_id == str(entity_id))
                .order_by(Event.seq)
            ).scalars()
        )


def docx_text(content: bytes) -> str:
    document = DocxDocument(io.BytesIO(content))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    return "\n".join(parts)


def run_nc_to_actions_done(park: TestPark, nc_id: int, owner: str = "approver", due: str = "2030-04-01") -> int:
    """analyse, plan one action owned by `owner`, mark it done, confirm completion; returns the action id."""
    assert (
        post(
            park,
            f"/api/nonconformities/{nc_id}/analyse",
            "coordinator",
            {"cause_analysis": "方针评审未纳入年度计划", "similar_elsewhere": False},
        ).status_code
        == 200
    )
    planned = post(
        park,
        f"/api/nonconformities/{nc_id}/plan",
        "coordinator",
        {"actions": [{"description": "将方针评审纳入年度计划", "owner_id": park.user_ids[owner], "due_date": due}]},
    )
    assert planned.status_code == 200, planned.text
    action_id = planned.json()["actions"][0]["id"]
    done = post(park, f"/api/actions/{action_id}/done", owner, {"evidence": "年度计划已修订"})
    assert done.status_code == 200, done.text
    completed = post(
        park, f"/api/nonconformities/{nc_id}/complete", "coordinator", {"completion_evidence": "年度计划第 2 版已发布"}
    )
    assert completed.status_code == 200, completed.text
    return action_id


def day(text: str) -> date:
    return date.fromisoformat(text)
