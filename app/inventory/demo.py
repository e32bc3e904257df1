"""The demo park's inventory: three enterprises with sources, the boundary and two confirmed years, so a new user
sees real numbers and charts. Everything goes through the inventory services, as a user would.

The factor data set is entered by the park for the demo: its values are illustrative round numbers, NOT quoted
from any published source, and the data set and every factor say so.
"""

import secrets
from datetime import UTC, datetime
from typing import Any

from sqlmodel import Session

from app.inventory import boundary, factors, service, submissions
from app.users.models import Park, Role, User

ILLUSTRATIVE = (
    "示范数据：园区为演示录入的示意值，并非引用的发布值，不得用于实际核算 / "
    "demo data: illustrative values entered by the park, not quoted from any published source; not for real use"
)
DEMO_FACTORS: list[dict[str, Any]] = [
    {"code": "DEMO-COAL", "kind": "fuel", "quantity": "烟煤", "activity_unit": "t",
     "ncv": "20", "carbon_content": "0.025", "oxidation_rate": "0.9"},
    {"code": "DEMO-GAS", "kind": "fuel", "quantity": "天然气", "activity_unit": "万Nm³",
     "ncv": "400", "carbon_content": "0.015", "oxidation_rate": "1"},
    {"code": "DEMO-GRID", "kind": "electricity", "quantity": "区域电网", "activity_unit": "MWh",
     "direct_factor": "0.6"},
    {"code": "DEMO-STEAM", "kind": "heat", "quantity": "蒸汽", "activity_unit": "GJ", "direct_factor": "0.11"},
]  # fmt: skip
# (name, credit code, industry code, industry name, [(source, category, quantity, unit, renewable)])
DEMO_ENTERPRISES: list[tuple[str, str, str, str, list[tuple[str, str, str, str, bool]]]] = [
    ("某新材料有限公司", "91320500MA0000001", "C2651", "初级形态塑料及合成树脂制造", [
        ("燃煤锅炉", "fuel_combustion", "烟煤", "t", False),
        ("外购电力", "purchased_electricity", "区域电网", "MWh", False),
        ("外购蒸汽", "purchased_heat", "蒸汽", "GJ", False),
    ]),
    ("某精密机械有限公司", "91320500MA0000002", "C3484", "机械零部件加工", [
        ("燃气加热炉", "fuel_combustion", "天然气", "万Nm³", False),
        ("外购电力", "purchased_electricity", "区域电网", "MWh", False),
    ]),
    ("某食品有限公司", "91320500MA0000003", "C1431", "速冻食品制造", [
        ("燃气锅炉", "fuel_combustion", "天然气", "万Nm³", False),
        ("外购电力", "purchased_electricity", "区域电网", "MWh", False),
    ]),
]  # fmt: skip
# Annual quantities per source, the earlier year first (the later year a little lower: the demo shows a trend).
DEMO_QUANTITIES = [
    [("1200", "1100"), ("8000", "7600"), ("15000", "14200")],
    [("30", "28"), ("5200", "5000")],
    [("12", "11"), ("3000", "2900")],
]


def _credit_code(first17: str) -> str:
    from app.inventory.credit_code import check_character

    return first17 + check_character(first17)


def _contributor(session: Session, park: Park, index: int) -> User:
    """Another enterprise's contributor; its password is random and never shown (the admin resets it if wanted)."""
    from app.users import service as user_service

    return user_service.create_user(
        session,
        park=park,
        username=f"demo_contributor{index + 1}",
        password=secrets.token_urlsafe(12),
        role=Role.contributor,
        full_name=f"企业填报员 {index + 1}",
        unit=DEMO_ENTERPRISES[index][0],
    )


def seed_demo_inventory(session: Session, park: Park, users: dict[str, tuple[User, str]]) -> None:
    """`users`: the demo's people by short name (user, password); the contributor belongs to the first enterprise."""
    coordinator, password = users["coordinator"]
    last_year = datetime.now(UTC).year - 1
    years = (last_year - 1, last_year)
    data_set = factors.create_data_set(
        session, actor=coordinator, code="DEMO", name="示范因子集（示意值，非引用值）", source_document=ILLUSTRATIVE
    )
    for values in DEMO_FACTORS:
        factors.add_factor(
            session,
            actor=coordinator,
            data_set_id=data_set.id or 0,
            values=values | {"source_document": ILLUSTRATIVE, "source_table": "示范", "source_row": values["code"]},
        )
    enterprises = []
    for name, code, industry_code, industry_name, sources in DEMO_ENTERPRISES:
        enterprise = service.create_enterprise(
            session,
            actor=coordinator,
            name=name,
            credit_code=_credit_code(code),
            industry_code=industry_code,
            industry_name=industry_name,
        )
        created = [
            service.create_source(
                session,
                actor=coordinator,
                enterprise_id=enterprise.id or 0,
                name=source,
                category=category,
                quantity=quantity,
                unit=unit,
                renewable=renewable,
            )
            for source, category, quantity, unit, renewable in sources
        ]
        enterprises.append((enterprise, created))
    all_sources = [source.id or 0 for _, created in enterprises for source in created]
    for year in years:
        boundary.set_boundary(session, actor=coordinator, year=year, source_ids=all_sources, note="示范园区核算边界")
    for index, (enterprise, created) in enumerate(enterprises):
        # The coordinator may not confirm what it prepared itself: each enterprise's data comes from its contributor.
        actor = users["contributor"][0] if index == 0 and "contributor" in users else _contributor(session, park, index)
        service.assign_contributor(session, actor=coordinator, user_id=actor.id or 0, enterprise_id=enterprise.id)
        for position, year in enumerate(years):
            rows = [
                {"source_id": source.id, "quantity": quantities[position], "unit": source.unit, "quality": "metered"}
                for source, quantities in zip(created, DEMO_QUANTITIES[index], strict=True)
            ]
            submission = submissions.prepare(
                session, actor=actor, enterprise_id=enterprise.id or 0, year=year, month=None, rows=rows
            )
            submissions.submit(session, actor=actor, submission_id=submission.id or 0)
            submissions.confirm(
                session, actor=coordinator, submission_id=submission.id or 0, password=password, comment="示范数据确认"
            )
