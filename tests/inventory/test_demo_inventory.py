"""`carbonms demo` gives the demo park two confirmed years of inventory, with illustrative factors said to be so.

Worked by hand from app/inventory/demo.py (coal 1.65 tCO₂/t = 20 × 0.025 × 0.9 × 44/12; gas 22 tCO₂/万Nm³ =
400 × 0.015 × 44/12; grid 0.6 tCO₂/MWh; steam 0.11 tCO₂/GJ):
last year 1100 × 1.65 + 7600 × 0.6 + 14200 × 0.11 = 7937; 28 × 22 + 5000 × 0.6 = 3616; 11 × 22 + 2900 × 0.6 = 1982.
"""

from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import select
from sqlmodel import col

from app.db import session_scope
from app.demo import DEMO_CODE, create_demo
from app.inventory import overview, queries
from app.inventory.models import EmissionFactor
from app.users.models import Park, User


def test_demo_park_has_two_confirmed_years_and_illustrative_factors(app):
    create_demo()
    last_year = datetime.now(UTC).year - 1
    with session_scope() as session:
        park_id = session.execute(select(col(Park.id)).where(col(Park.code) == DEMO_CODE)).scalar_one()
        totals = queries.year_totals(session, park_id, last_year)
        assert totals["total"] == Decimal("13535") and totals["missing"] == []
        assert totals["previous_total"] == Decimal("14274")
        assert overview.years_held(session, park_id) == [last_year - 1, last_year]
        contributor = session.execute(select(User).where(col(User.username) == "demo_contributor")).scalar_one()
        view = overview.year_overview(session, park_id, last_year)
        assert view["names"][str(contributor.enterprise_id)] == "某新材料有限公司"
        notes = session.execute(
            select(col(EmissionFactor.source_document)).where(col(EmissionFactor.park_id) == park_id)
        ).scalars()
        assert all("示意值" in note and "not quoted" in note for note in notes)
