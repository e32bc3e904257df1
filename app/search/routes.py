from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query

from app.db import SessionDep
from app.deps import CurrentUser
from app.search import service
from app.search.query import MAX_QUERY_CHARS, SearchFilters
from app.search.service import SearchPage

router = APIRouter(prefix="/api", tags=["search"])


@router.get("/search", response_model=SearchPage)
def search(
    session: SessionDep,
    user: CurrentUser,
    q: Annotated[str, Query(min_length=1, max_length=MAX_QUERY_CHARS, description='words and "phrases"')],
    doc_type: Annotated[str | None, Query(alias="type", max_length=48)] = None,
    clause: Annotated[str | None, Query(max_length=16)] = None,
    state: Annotated[str | None, Query(max_length=16)] = None,
    owner_unit: Annotated[str | None, Query(max_length=200)] = None,
    date_from: date | None = None,
    date_to: date | None = None,
    include_obsolete: bool = False,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0, le=service.MAX_OFFSET)] = 0,
) -> SearchPage:
    filters = SearchFilters(
        doc_type=doc_type,
        clause=clause,
        state=state,
        owner_unit=owner_unit,
        date_from=date_from,
        date_to=date_to,
        include_obsolete=include_obsolete,
    )
    return service.search(session, user, q, filters, limit=limit, offset=offset)
