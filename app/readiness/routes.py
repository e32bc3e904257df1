from datetime import date

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from app.db import SessionDep
from app.deps import CurrentUser
from app.readiness import service

router = APIRouter(prefix="/api", tags=["readiness"])


@router.get("/readiness", response_model=None, response_class=JSONResponse)
def get_readiness(session: SessionDep, user: CurrentUser, as_of: date | None = None) -> JSONResponse:
    """就绪度：各条款、各章及总体 / readiness per clause, chapter and overall (as of a past date if given).

    The result is plain JSON already (dates as ISO strings): it is sent as it is, without a second validation pass.
    """
    return JSONResponse(service.compute_readiness(session, park_id=user.park_id, as_of=as_of, user=user))
