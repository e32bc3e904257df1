"""The readiness dashboard (就绪度总览) and the clause pages."""

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import Response

from app.clauses import queries as clauses
from app.common import utcnow
from app.db import SessionDep
from app.deps import ClientAddress
from app.documents import service as documents
from app.documents import task_queries as document_queries
from app.readiness import service as readiness
from app.readiness import settings
from app.tasks import service as tasks
from app.users.models import Role
from app.web import readiness_view as view
from app.web.common import WebUser, render, see_other

router = APIRouter()


def _as_of(as_of: date | None) -> tuple[date, date | None]:
    """Today, and the date asked (None for today; a future date means today)."""
    today = utcnow().date()
    return today, as_of if as_of is not None and as_of < today else None


def _rows(session: SessionDep, user: WebUser, as_of: date | None) -> tuple[dict, list[view.ItemRow]]:
    """The readiness result and its items with their dashboard states (as_of None: today)."""
    result = readiness.compute_readiness(session, park_id=user.park_id, as_of=as_of, user=user)
    # What awaits confirmation counts as in progress; as of a past date only what was filed then counts.
    awaiting = document_queries.record_types_awaiting_confirmation(session, user=user) if as_of is None else set()
    return result, view.item_rows(result, awaiting)


@router.get("/")
def dashboard(
    request: Request, session: SessionDep, user: WebUser, as_of: Annotated[date | None, Query()] = None
) -> Response:
    today, as_of = _as_of(as_of)
    result, rows = _rows(session, user, as_of)
    figures = view.counts(rows)
    coverage, progress = view.ratios(figures)
    by_chapter = view.figures_by(rows, "chapter")
    by_clause = view.figures_by(rows, "clause_id")
    clauses_of: dict[str, list[dict]] = {}
    for clause in result["clauses"]:
        clause["figures"] = by_clause.get(clause["id"], view.counts([]))
        clauses_of.setdefault(clause["chapter"], []).append(clause)
    for chapter in result["chapters"]:
        chapter["figures"] = by_chapter.get(chapter["id"], view.counts([]))
        chapter["clauses"] = clauses_of.get(chapter["id"], [])
    return render(
        request,
        "dashboard.html",
        section="dashboard",
        r=result,
        overall=result["overall"],
        coverage=coverage,
        progress=progress,
        figures=figures,
        # What is overdue for this user, as /tasks lists it (the items' review and record dates are among them).
        overdue_tasks=tasks.overdue_count(tasks.tasks_for(session, user, today)),
        today=today.isoformat(),
        historical=as_of is not None,
        principles=clauses.principles(session),
        as_of_query=f"&as_of={as_of.isoformat()}" if as_of else "",
        contributor=user.role == Role.contributor,
    )


@router.get("/items")
def items_page(
    request: Request,
    session: SessionDep,
    user: WebUser,
    state: Annotated[str | None, Query(pattern="^(" + "|".join((*view.STATES, "not_applicable")) + ")?$")] = None,
    chapter: Annotated[str | None, Query(max_length=4)] = None,
    clause: Annotated[str | None, Query(max_length=16)] = None,
    as_of: Annotated[date | None, Query()] = None,
) -> Response:
    """The items behind a dashboard figure, by clause and type, each with a link to register one of that type."""
    _today, as_of = _as_of(as_of)
    result, rows = _rows(session, user, as_of)
    chosen = view.select_rows(rows, state=state or None, chapter=chapter or None, clause=clause or None)
    return render(
        request,
        "items.html",
        section="dashboard",
        rows=chosen,
        state=state or "",
        chapter=chapter or "",
        clause=clause or "",
        chapters=result["chapters"],
        states=(*view.STATES, "not_applicable"),
        to_register=view.TO_REGISTER,
        may_register={row.doc_type for row in chosen if documents.may_register_type(user, row.doc_type, row.kind)},
        as_of=as_of.isoformat() if as_of else "",
        contributor=user.role == Role.contributor,
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
