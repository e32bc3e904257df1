"""GET /api/performance/overview: the performance page's figures for top management, as JSON. Thin: the read
model is app/performance/overview.py, the shape schemas_overview.py, who may read it reading.py.
"""

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query

from app.db import SessionDep
from app.deps import CurrentUser
from app.performance import overview, reading, schemas_overview

router = APIRouter(prefix="/api/performance", tags=["performance"])


@router.get("/overview")
def performance_overview(
    session: SessionDep,
    user: CurrentUser,
    year: Annotated[int | None, Query(ge=1990, le=2100, description="默认为上一个完整年度")] = None,
) -> dict[str, Any]:
    """Total and intensity against target and baseline, every indicator and target with its status and rule, the
    largest emitters, measures with their effect and the year's deviations; every value with its trail."""
    reading.require_reader(user)
    wanted = year or datetime.now(UTC).year - 1
    return schemas_overview.overview_out(overview.performance_overview(session, user.park_id, wanted))
