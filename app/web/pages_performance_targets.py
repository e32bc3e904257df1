"""目标和指标 / objectives, targets, measures, completion and responsibility letters (7.1, 7.2) in the browser, on
the same services and schemas as /api/performance. Everyone of the park reads (a contributor only its enterprise's
rows); the coordinator writes. A refused form comes back on the same page with the reason and what was typed.
"""

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from pydantic import BaseModel, ValidationError
from sqlmodel import Session

from app.db import SessionDep
from app.deps import EntityId
from app.errors import AppError, Invalid
from app.performance import completion, letters, measures, objectives
from app.performance import schemas_targets as schemas
from app.performance.models import Consideration, MeasureStatus, ObjectiveCategory
from app.performance.queries import active_indicators
from app.users.models import Role, User
from app.web.common import WebUser, render, see_other
from app.web.i18n import TEXT
from app.web.i18n_performance_targets import TEXT as TARGETS_TEXT

router = APIRouter()
PAGE = "/performance/targets"
FormText = Annotated[str, Form(max_length=10_000)]

TEXT.update(TARGETS_TEXT)


def _letters(session: Session, user: User) -> list[dict[str, Any]]:
    if user.role == Role.contributor:
        return []
    return [schemas.letter_out(x, letters.letter_state(session, x)) for x in letters.list_letters(session, user=user)]


def _page(request: Request, session: Session, user: User, *, status_code: int = 200, **context: Any) -> Response:
    year = context.pop("year", None) or completion.park_year(session, user.park_id)
    rows = completion.completion(session, user=user, year=year)
    editable = user.role == Role.coordinator
    measure_rows = measures.views(
        session, measures.list_measures(session, user=user), measures.park_today(session, user.park_id)
    )
    live_objectives = objectives.list_objectives(session, user=user)
    targets = objectives.list_targets(session, user=user)
    return render(
        request,
        "performance/targets.html",
        status_code=status_code,
        section="performance_targets",
        year=year,
        rule=schemas.rule_out(),
        rows=[schemas.completion_out(r) for r in rows],
        objectives=[schemas.objective_out(o) for o in live_objectives],
        targets=[schemas.target_out(t) for t in targets],
        measures=[schemas.measure_out(m) for m in measure_rows],
        letters=[]
        if user.role == Role.contributor
        else [
            schemas.letter_out(x, letters.letter_state(session, x)) for x in letters.list_letters(session, user=user)
        ],
        units=sorted({t.responsible_unit for t in targets}),
        indicators=active_indicators(session, user.park_id) if editable else [],
        categories=[str(c) for c in ObjectiveCategory],
        considerations=[str(c) for c in Consideration],
        statuses=[str(s) for s in MeasureStatus],
        editable=editable,
        **context,
    )


def _parse(model: type[BaseModel], data: dict[str, Any]) -> dict[str, Any]:
    """Form fields through the API's own body model: a refusal names the field, as the API's would."""
    cleaned = {k: v for k, v in data.items() if v not in ("", None, [], {})}
    try:
        return model.model_validate(cleaned).model_dump()
    except ValidationError as exc:
        first = exc.errors()[0]
        name = str(first["loc"][0]) if first["loc"] else ""
        raise Invalid(f"“{name}”无效：{first['msg']}", f"Invalid “{name}”: {first['msg']}") from exc


def _submit(
    request: Request, session: Session, user: User, form: str, typed: dict[str, Any], action: Callable[[], Any]
) -> Response:
    try:
        action()
    except AppError as exc:
        if exc.status_code not in (409, 422):
            raise
        session.rollback()
        return _page(
            request, session, user, status_code=exc.status_code, error={"form": form, "exc": exc, "typed": typed}
        )
    return see_other(f"{PAGE}?done=pt_saved")


def _considered(
    consideration_reduction_and_intensity: FormText = "",
    consideration_carbon_assets: FormText = "",
    consideration_trading: FormText = "",
    consideration_social_responsibility: FormText = "",
    consideration_production_plan: FormText = "",
    consideration_industry_benchmark: FormText = "",
    consideration_other: FormText = "",
) -> dict[str, str]:
    """The texts typed beside 7.1 a)–g), keyed by Consideration: one form part shared by objectives and targets."""
    texts = (
        consideration_reduction_and_intensity,
        consideration_carbon_assets,
        consideration_trading,
        consideration_social_responsibility,
        consideration_production_plan,
        consideration_industry_benchmark,
        consideration_other,
    )
    return dict(zip((str(c) for c in Consideration), texts, strict=True))


Considered = Annotated[dict[str, str], Depends(_considered)]


@router.get(PAGE)
def targets_page(request: Request, session: SessionDep, user: WebUser, year: int | None = None) -> Response:
    return _page(request, session, user, year=objectives.check_year(year, "年度", "year"))


@router.post(f"{PAGE}/objectives")
def add_objective(
    request: Request,
    session: SessionDep,
    user: WebUser,
    given: Considered,
    category: Annotated[str, Form(max_length=32)] = "",
    title: Annotated[str, Form(max_length=300)] = "",
    target_year: Annotated[str, Form(max_length=4)] = "",
    description: FormText = "",
) -> Response:
    typed = {"category": category, "title": title, "target_year": target_year, "description": description}
    typed |= {f"consideration_{code}": text for code, text in given.items()}
    body = typed | {"considerations": {code: text.strip() for code, text in given.items() if text.strip()}}
    return _submit(
        request,
        session,
        user,
        "objective",
        typed,
        lambda: objectives.create_objective(session, actor=user, values=_parse(schemas.ObjectiveIn, body)),
    )


@router.post(f"{PAGE}/objectives/{{objective_id}}/withdraw")
def withdraw_objective(
    request: Request, session: SessionDep, user: WebUser, objective_id: EntityId, reason: FormText = ""
) -> Response:
    return _submit(
        request,
        session,
        user,
        f"withdraw-objective-{objective_id}",
        {"reason": reason},
        lambda: objectives.withdraw_objective(session, actor=user, objective_id=objective_id, reason=reason),
    )


@router.post(f"{PAGE}/targets")
def add_target(
    request: Request,
    session: SessionDep,
    user: WebUser,
    given: Considered,
    objective_id: Annotated[str, Form(max_length=12)] = "",
    parent_id: Annotated[str, Form(max_length=12)] = "",
    indicator_id: Annotated[str, Form(max_length=12)] = "",
    title: Annotated[str, Form(max_length=300)] = "",
    target_value: Annotated[str, Form(max_length=40)] = "",
    base_year: Annotated[str, Form(max_length=4)] = "",
    start_year: Annotated[str, Form(max_length=4)] = "",
    deadline: Annotated[str, Form(max_length=10)] = "",
    responsible_unit: Annotated[str, Form(max_length=200)] = "",
    responsible_person: Annotated[str, Form(max_length=100)] = "",
    industry_benchmark: Annotated[str, Form(max_length=40)] = "",
    benchmark_source: FormText = "",
) -> Response:
    typed = {
        "objective_id": objective_id,
        "parent_id": parent_id,
        "indicator_id": indicator_id,
        "title": title,
        "target_value": target_value,
        "base_year": base_year,
        "start_year": start_year,
        "deadline": deadline,
        "responsible_unit": responsible_unit,
        "responsible_person": responsible_person,
        "industry_benchmark": industry_benchmark,
        "benchmark_source": benchmark_source,
    }
    body = typed | {"considerations": {code: text.strip() for code, text in given.items() if text.strip()}}
    typed |= {f"consideration_{code}": text for code, text in given.items()}
    return _submit(
        request,
        session,
        user,
        "target",
        typed,
        lambda: objectives.create_target(session, actor=user, values=_parse(schemas.TargetIn, body)),
    )


@router.post(f"{PAGE}/targets/{{target_id}}/withdraw")
def withdraw_target(
    request: Request, session: SessionDep, user: WebUser, target_id: EntityId, reason: FormText = ""
) -> Response:
    return _submit(
        request,
        session,
        user,
        f"withdraw-target-{target_id}",
        {"reason": reason},
        lambda: objectives.withdraw_target(session, actor=user, target_id=target_id, reason=reason),
    )


@router.post(f"{PAGE}/measures")
def add_measure(
    request: Request,
    session: SessionDep,
    user: WebUser,
    title: Annotated[str, Form(max_length=300)] = "",
    responsible_unit: Annotated[str, Form(max_length=200)] = "",
    start_date: Annotated[str, Form(max_length=10)] = "",
    end_date: Annotated[str, Form(max_length=10)] = "",
    expected_reduction: Annotated[str, Form(max_length=40)] = "",
    technical_content: FormText = "",
    path_method: FormText = "",
    verification_method: FormText = "",
    target_ids: Annotated[list[str] | None, Form(max_length=200)] = None,
) -> Response:
    typed: dict[str, Any] = {
        "title": title,
        "responsible_unit": responsible_unit,
        "start_date": start_date,
        "end_date": end_date,
        "expected_reduction": expected_reduction,
        "technical_content": technical_content,
        "path_method": path_method,
        "verification_method": verification_method,
        "target_ids": target_ids or [],
    }
    return _submit(
        request,
        session,
        user,
        "measure",
        typed,
        lambda: measures.create_measure(session, actor=user, values=_parse(schemas.MeasureIn, typed)),
    )


@router.post(f"{PAGE}/measures/{{measure_id}}/progress")
def add_progress(
    request: Request,
    session: SessionDep,
    user: WebUser,
    measure_id: EntityId,
    year: Annotated[str, Form(max_length=4)] = "",
    status: Annotated[str, Form(max_length=16)] = "",
    achieved_reduction: Annotated[str, Form(max_length=40)] = "",
    verification: FormText = "",
    note: FormText = "",
) -> Response:
    typed = {
        "year": year,
        "status": status,
        "achieved_reduction": achieved_reduction,
        "verification": verification,
        "note": note,
    }
    return _submit(
        request,
        session,
        user,
        f"progress-{measure_id}",
        typed,
        lambda: measures.record_progress(
            session, actor=user, measure_id=measure_id, values=_parse(schemas.ProgressIn, typed)
        ),
    )


@router.post(f"{PAGE}/letters")
def generate_letter(
    request: Request,
    session: SessionDep,
    user: WebUser,
    responsible_unit: Annotated[str, Form(max_length=200)] = "",
    year: Annotated[str, Form(max_length=4)] = "",
) -> Response:
    typed = {"responsible_unit": responsible_unit, "year": year}

    def action() -> Any:
        body = _parse(schemas.LetterIn, typed)
        return letters.generate(session, actor=user, responsible_unit=body["responsible_unit"], year=body["year"])

    return _submit(request, session, user, "letter", typed, action)


@router.post(f"{PAGE}/checklist")
def file_checklist(
    request: Request, session: SessionDep, user: WebUser, year: Annotated[str, Form(max_length=4)] = ""
) -> Response:
    typed = {"year": year}
    return _submit(
        request,
        session,
        user,
        "checklist",
        typed,
        lambda: completion.file_checklist(session, actor=user, year=_parse(schemas.ChecklistIn, typed)["year"]),
    )


@router.post(f"{PAGE}/measures/{{measure_id}}/milestones")
def add_milestone(
    request: Request,
    session: SessionDep,
    user: WebUser,
    measure_id: EntityId,
    title: Annotated[str, Form(max_length=300)] = "",
    due_date: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    typed = {"title": title, "due_date": due_date}

    def action() -> Any:
        body = _parse(schemas.MilestoneIn, typed)
        return measures.add_milestone(
            session, actor=user, measure_id=measure_id, title=body["title"], due_date=body["due_date"]
        )

    return _submit(request, session, user, f"milestone-{measure_id}", typed, action)


@router.post(f"{PAGE}/measures/{{measure_id}}/milestones/{{milestone_id}}/done")
def complete_milestone(
    request: Request,
    session: SessionDep,
    user: WebUser,
    measure_id: EntityId,
    milestone_id: EntityId,
    done_on: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    typed = {"done_on": done_on}

    def action() -> Any:
        body = _parse(schemas.MilestoneDoneIn, typed)
        return measures.complete_milestone(
            session, actor=user, measure_id=measure_id, milestone_id=milestone_id, done_on=body["done_on"]
        )

    return _submit(request, session, user, f"done-{milestone_id}", typed, action)
