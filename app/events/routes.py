from typing import Annotated

from fastapi import APIRouter, Query

from app.db import SessionDep
from app.deps import TrailReader
from app.events import service
from app.events.models import EventPublic

router = APIRouter(prefix="/api/events", tags=["audit trail"])


@router.get("", response_model=list[EventPublic])
def list_events(
    session: SessionDep,
    user: TrailReader,
    entity: Annotated[str | None, Query(max_length=100, description="type or type:id, e.g. document:12")] = None,
    action: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[EventPublic]:
    entity_type, _, entity_id = (entity or "").partition(":")
    rows = service.list_events(
        session,
        park_id=user.park_id,
        entity_type=entity_type or None,
        entity_id=entity_id or None,
        action=action,
        limit=limit,
        offset=offset,
    )
    return [service.event_public(row) for row in rows]


@router.get("/verify")
def verify(session: SessionDep, user: TrailReader) -> dict:
    return service.verify_trail(session).as_dict()
