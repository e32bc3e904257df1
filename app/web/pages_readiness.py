"""The readiness dashboard (就绪度总览) and the clause pages."""

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import Response

from app.clauses import queries as clauses
from app.common import utcnow
from app.db import SessionDep
from app.deps import ClientAddress
from app.readiness import service as readiness
from app.readiness import settings
from app.tasks import service as tasks
from app.users.models import Role
from app.web.common import WebUser, render, see_other

router = APIRouter()

OVERDUE = ("review_overdue", "overdue")


def _counts(counts: dict) -> dict:
    """The figures a manager reads first: met, in progress, missing, overdue."""
    return {
        "met": counts.get("met", 0),
        "in_progress": counts.get("in_progress", 0),
        "missing": counts.get("missing", 0),
        "overdue": sum(counts.get(key, 0) for key in OVERDUE),
        "applicable": counts.get("applicable_items", 0),
        "not_applicable": counts.get("not_applicable_items", 0),
    }


@router.get("/")
def dashboard(
    request: Request, session: SessionDep, user: WebUser, as_of: Annotated[date | None, Query()] = None
) -> Response:
    today = utcnow().date()
    if as_of is not None and as_of > today:
        as_of = None
    result = readiness.compute_readiness(session, park_id=user.park_id, as_of=as_of, user=user)
    by_chapter: dict[str, list[dict]] = {}
    for clause in result["clauses"]:
        clause["figures"] = _counts(clause["counts"])
        by_chapter.setdefault(clause["chapter"], []).append(clause)
    for chapter in result["chapters"]:
        chapter["figures"] = _counts(chapter["counts"])
        chapter["clauses"] = by_chapter.get(chapter["id"], [])
    return render(
        request,
        "dashboard.html",
        section="dashboard",
        r=result,
        overall=result["overall"],
        figures=_counts(result["overall"]["counts"]),
        # What is overdue for this user, as /tasks lists it (the items' review and record dates are among them).
        overdue_tasks=tasks.overdue_count(tasks.tasks_for(session, user, today)),
        today=today.isoformat(),
        historical=as_of is not None and as_of < today,
    )


@router.get("/clauses/{clause_id}")
def clause_page(
    clause_id: Annotated[str, Path(max_length=16)],
    request: Request,
    session: SessionDep,
    user: WebUser,
    as_of: Annotated[date | None, Query()] = None,
) -> Response:
    detail = clauses.clause_detail(session, clause_id=clause_id, user=user, as_of=as_of)
    return render(
        request,
        "clause.html",
        section="dashboard",
        c=detail,
        rd=detail.readiness,
        may_set=user.role == Role.coordinator,
        as_of=as_of.isoformat() if as_of else "",
        declare_year=(as_of or utcnow().date()).year - 1,
    )


@router.post("/clauses/{clause_id}/declarations")
def declare_no_occurrence(
    clause_id: Annotated[str, Path(max_length=16)],
    session: SessionDep,
    user: WebUser,
    address: ClientAddress,
    doc_type: Annotated[str, Form(max_length=48)],
    year: Annotated[int, Form()],
    statement: Annotated[str, Form(max_length=2000)],
    password: Annotated[str, Form(max_length=256)],
) -> Response:
    settings.declare_no_occurrence(
        session,
        actor=user,
        code=doc_type,
        year=year,
        statement=statement,
        password=password,
        client_address=address,
    )
    return see_other(f"/clauses/{clause_id}?done=declared")


@router.post("/clauses/{clause_id}/applicability")
def set_applicability(
    clause_id: str,
    session: SessionDep,
    user: WebUser,
    applicable: Annotated[str, Form(pattern="^(yes|no)$")],
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    readiness.set_applicability(session, actor=user, clause_id=clause_id, applicable=applicable == "yes", reason=reason)
    return see_other(f"/clauses/{clause_id}?done=applicability")
