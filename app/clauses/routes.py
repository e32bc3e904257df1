from datetime import date, datetime

from fastapi import APIRouter
from pydantic import BaseModel, Field

from app.clauses import queries
from app.db import SessionDep
from app.deps import CurrentUser
from app.readiness import service as readiness

router = APIRouter(prefix="/api", tags=["clauses"])


class ApplicabilityIn(BaseModel):
    applicable: bool
    reason: str = Field(default="", max_length=2000)


class ApplicabilityOut(BaseModel):
    clause_id: str
    applicable: bool
    reason: str
    set_by_id: int | None
    set_at: datetime


@router.get("/clauses", response_model=list[queries.ClausePublic])
def list_clauses(session: SessionDep, _user: CurrentUser) -> list[queries.ClausePublic]:
    return queries.list_clauses(session)


@router.get("/clauses/{clause_id}", response_model=queries.ClauseDetail)
def get_clause(
    clause_id: str, session: SessionDep, user: CurrentUser, as_of: date | None = None
) -> queries.ClauseDetail:
    return queries.clause_detail(session, clause_id=clause_id, user=user, as_of=as_of)


@router.post("/clauses/{clause_id}/applicability", response_model=ApplicabilityOut)
def set_applicability(
    clause_id: str, body: ApplicabilityIn, session: SessionDep, user: CurrentUser
) -> ApplicabilityOut:
    row = readiness.set_applicability(
        session, actor=user, clause_id=clause_id, applicable=body.applicable, reason=body.reason
    )
    return ApplicabilityOut(
        clause_id=row.clause_id,
        applicable=row.applicable,
        reason=row.reason,
        set_by_id=row.set_by_id,
        set_at=row.set_at,
    )


@router.get("/doc-types", response_model=list[queries.DocTypePublic])
def list_doc_types(session: SessionDep, _user: CurrentUser) -> list[queries.DocTypePublic]:
    return queries.list_doc_types(session)
