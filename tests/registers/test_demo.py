"""The demo park gets a few rows in each register, an overdue meter among them."""

from sqlalchemy import func, select
from sqlmodel import col

from app.common import utcnow
from app.db import session_scope
from app.demo import DEMO_CODE, create_demo
from app.registers.models import Equipment, LegalRequirement
from app.registers.queries import calibration_overdue_on, due_items
from app.registers.specs import SPECS
from app.users.models import Park


def test_the_demo_park_has_rows_in_every_register(app_env):
    create_demo()
    with session_scope(write=False) as session:
        park_id = session.execute(select(col(Park.id)).where(col(Park.code) == DEMO_CODE)).scalar_one()
        for kind, spec in SPECS.items():
            count = session.execute(
                select(func.count()).select_from(spec.model).where(col(spec.model.park_id) == park_id)
            ).scalar_one()
            assert count >= 1, kind
        candidates = session.execute(
            select(func.count()).select_from(LegalRequirement).where(col(LegalRequirement.park_id) == park_id)
        ).scalar_one()
        assert candidates == 25
        meter = session.execute(select(Equipment).where(col(Equipment.park_id) == park_id)).scalars().one()
        assert meter.emission_source_id is not None
        today = utcnow().date()
        assert calibration_overdue_on(session, meter.emission_source_id, today) is not None
        assert [i.kind for i in due_items(session, park_id, today) if i.kind == "calibration_due"] == [
            "calibration_due"
        ]
