from datetime import date
from typing import Any

from fastapi import APIRouter

from app.db import SessionDep
from app.deps import CurrentUser
from app.readiness import service

router = APIRouter(prefix="/api", tags=["readiness"])


@router.get("/readiness")
def get_readiness(session: SessionDep, user: CurrentUser, as_of: date | None = None) -> dict[str, Any]:
    """就绪度：各条款、各章及总体 / readiness per clause, chapter and overall (as of a past date if given)."""
    return service.compute_readiness(session, park_id=user.park_id, as_of=as_of, user=user)
