from datetime import date
from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from app.db import SessionDep
from app.deps import ClientAddress, CurrentUser
from app.readiness import service, settings

router = APIRouter(prefix="/api", tags=["readiness"])


@router.get("/readiness", response_model=None, response_class=JSONResponse)
def get_readiness(session: SessionDep, user: CurrentUser, as_of: date | None = None) -> JSONResponse:
    """就绪度：各条款、各章及总体 / readiness per clause, chapter and overall (as of a past date if given).

    The result is plain JSON already (dates as ISO strings): it is sent as it is, without a second validation pass.
    """
    return JSONResponse(service.compute_readiness(session, park_id=user.park_id, as_of=as_of, user=user))


class CycleIn(BaseModel):
    doc_type: str = Field(max_length=48)
    cycle: str | None = Field(default=None, max_length=16)
    due_day: str | None = Field(default=None, max_length=5)
    due_after_days: int | None = None


@router.get("/record-cycles")
def get_record_cycles(session: SessionDep, user: CurrentUser, today: date | None = None) -> list[dict[str, Any]]:
    """记录周期与到期日 / each record type's cycle and due date as they apply to the park."""
    return settings.list_cycles(session, park_id=user.park_id, today=today)


@router.put("/record-cycles")
def put_record_cycle(body: CycleIn, session: SessionDep, user: CurrentUser) -> dict[str, Any]:
    """The park's own due date (or interval, where the standard leaves it to the park); coordinators only."""
    return settings.set_cycle(
        session,
        actor=user,
        code=body.doc_type,
        cycle=body.cycle,
        due_day=body.due_day,
        due_after_days=body.due_after_days,
    )


class DeclarationIn(BaseModel):
    doc_type: str = Field(max_length=48)
    year: int
    statement: str = Field(min_length=1, max_length=2000)
    password: str = Field(max_length=200)


@router.post("/declarations", status_code=201)
def post_declaration(
    body: DeclarationIn, session: SessionDep, user: CurrentUser, address: ClientAddress
) -> dict[str, Any]:
    """未发生声明 / a signed "no occurrence in this year" declaration for an event-driven record type."""
    row = settings.declare_no_occurrence(
        session,
        actor=user,
        code=body.doc_type,
        year=body.year,
        statement=body.statement,
        password=body.password,
        client_address=address,
    )
    return settings.declaration_public(row)


@router.get("/declarations")
def get_declarations(session: SessionDep, user: CurrentUser, doc_type: str | None = None) -> list[dict[str, Any]]:
    return [
        settings.declaration_public(row)
        for row in settings.list_declarations(session, park_id=user.park_id, code=doc_type)
    ]
