"""REST API: /api/performance/… objectives, targets, measures, completion and responsibility letters (7.1, 7.2).
Thin: parse, call one service function, shape."""

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from sqlmodel import Session

from app.db import SessionDep
from app.deps import CurrentUser, EntityId
from app.performance import completion, letters, measures, objectives
from app.performance import schemas_targets as schemas
from app.users.models import Park, User

router = APIRouter(prefix="/api/performance", tags=["performance targets"])

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
OptionalId = Annotated[int | None, Query(ge=1, le=2_147_483_647)]
OptionalYear = Annotated[int | None, Query(ge=1990, le=2100)]


def _measure(session: Session, user: User, measure: Any) -> dict[str, Any]:
    return schemas.measure_out(measures.views(session, [measure], measures.park_today(session, user.park_id))[0])


# ---------------------------------------------------------------- objectives


@router.get("/objectives")
def list_objectives(session: SessionDep, user: CurrentUser, include_withdrawn: bool = False) -> list[dict[str, Any]]:
    rows = objectives.list_objectives(session, user=user, include_withdrawn=include_withdrawn)
    targets = objectives.list_targets(session, user=user)
    return [schemas.objective_out(o, [t for t in targets if t.objective_id == o.id]) for o in rows]


@router.post("/objectives", status_code=201)
def create_objective(body: schemas.ObjectiveIn, session: SessionDep, user: CurrentUser) -> dict[str, Any]:
    return schemas.objective_out(objectives.create_objective(session, actor=user, values=body.model_dump()), [])


@router.get("/objectives/{objective_id}")
def get_objective(objective_id: EntityId, session: SessionDep, user: CurrentUser) -> dict[str, Any]:
    objective = objectives.get_objective(session, user=user, objective_id=objective_id)
    targets = objectives.list_targets(session, user=user, objective_id=objective_id, include_withdrawn=True)
    return schemas.objective_out(objective, targets)


@router.patch("/objectives/{objective_id}")
def update_objective(
    objective_id: EntityId, body: schemas.ObjectivePatch, session: SessionDep, user: CurrentUser
) -> dict[str, Any]:
    values = body.model_dump(exclude_unset=True)
    return schemas.objective_out(
        objectives.update_objective(session, actor=user, objective_id=objective_id, values=values)
    )


@router.post("/objectives/{objective_id}/withdraw")
def withdraw_objective(
    objective_id: EntityId, body: schemas.WithdrawIn, session: SessionDep, user: CurrentUser
) -> dict[str, Any]:
    objective = objectives.withdraw_objective(session, actor=user, objective_id=objective_id, reason=body.reason)
    return schemas.objective_out(objective)


# ---------------------------------------------------------------- targets


@router.get("/targets")
def list_targets(
    session: SessionDep, user: CurrentUser, objective_id: OptionalId = None, include_withdrawn: bool = False
) -> list[dict[str, Any]]:
    rows = objectives.list_targets(session, user=user, objective_id=objective_id, include_withdrawn=include_withdrawn)
    return [schemas.target_out(t) for t in rows]


@router.post("/targets", status_code=201)
def create_target(body: schemas.TargetIn, session: SessionDep, user: CurrentUser) -> dict[str, Any]:
    return schemas.target_out(objectives.create_target(session, actor=user, values=body.model_dump()))


@router.get("/targets/{target_id}")
def get_target(target_id: EntityId, session: SessionDep, user: CurrentUser) -> dict[str, Any]:
    return schemas.target_out(objectives.get_target(session, user=user, target_id=target_id))


@router.patch("/targets/{target_id}")
def update_target(
    target_id: EntityId, body: schemas.TargetPatch, session: SessionDep, user: CurrentUser
) -> dict[str, Any]:
    values = body.model_dump(exclude_unset=True)
    return schemas.target_out(objectives.update_target(session, actor=user, target_id=target_id, values=values))


@router.post("/targets/{target_id}/withdraw")
def withdraw_target(
    target_id: EntityId, body: schemas.WithdrawIn, session: SessionDep, user: CurrentUser
) -> dict[str, Any]:
    return schemas.target_out(objectives.withdraw_target(session, actor=user, target_id=target_id, reason=body.reason))


# ---------------------------------------------------------------- measures (7.2)


@router.get("/measures")
def list_measures(session: SessionDep, user: CurrentUser, target_id: OptionalId = None) -> list[dict[str, Any]]:
    rows = measures.list_measures(session, user=user, target_id=target_id)
    return [schemas.measure_out(v) for v in measures.views(session, rows, measures.park_today(session, user.park_id))]


@router.post("/measures", status_code=201)
def create_measure(body: schemas.MeasureIn, session: SessionDep, user: CurrentUser) -> dict[str, Any]:
    return _measure(session, user, measures.create_measure(session, actor=user, values=body.model_dump()))


@router.get("/measures/{measure_id}")
def get_measure(measure_id: EntityId, session: SessionDep, user: CurrentUser) -> dict[str, Any]:
    return _measure(session, user, measures.get_measure(session, user=user, measure_id=measure_id))


@router.patch("/measures/{measure_id}")
def update_measure(
    measure_id: EntityId, body: schemas.MeasurePatch, session: SessionDep, user: CurrentUser
) -> dict[str, Any]:
    values = body.model_dump(exclude_unset=True)
    return _measure(session, user, measures.update_measure(session, actor=user, measure_id=measure_id, values=values))


@router.post("/measures/{measure_id}/milestones", status_code=201)
def add_milestone(
    measure_id: EntityId, body: schemas.MilestoneIn, session: SessionDep, user: CurrentUser
) -> dict[str, Any]:
    milestone = measures.add_milestone(
        session, actor=user, measure_id=measure_id, title=body.title, due_date=body.due_date
    )
    return schemas.milestone_out(milestone)


@router.post("/measures/{measure_id}/milestones/{milestone_id}/done")
def complete_milestone(
    measure_id: EntityId,
    milestone_id: EntityId,
    body: schemas.MilestoneDoneIn,
    session: SessionDep,
    user: CurrentUser,
) -> dict[str, Any]:
    milestone = measures.complete_milestone(
        session, actor=user, measure_id=measure_id, milestone_id=milestone_id, done_on=body.done_on
    )
    return schemas.milestone_out(milestone)


@router.post("/measures/{measure_id}/progress", status_code=201)
def record_progress(
    measure_id: EntityId, body: schemas.ProgressIn, session: SessionDep, user: CurrentUser
) -> dict[str, Any]:
    row = measures.record_progress(session, actor=user, measure_id=measure_id, values=body.model_dump())
    return schemas.progress_out(row)


# ---------------------------------------------------------------- completion (7.1)


@router.get("/completion")
def get_completion(session: SessionDep, user: CurrentUser, year: OptionalYear = None) -> dict[str, Any]:
    rows = completion.completion(session, user=user, year=year)
    as_of = year or completion.park_year(session, user.park_id)
    return {"year": as_of, "rule": schemas.rule_out(), "targets": [schemas.completion_out(r) for r in rows]}


@router.get("/completion/checklist.docx")
def checklist_docx(session: SessionDep, user: CurrentUser, year: OptionalYear = None) -> Response:
    completion.require_checklist_reader(user)
    as_of = year or completion.park_year(session, user.park_id)
    rows = completion.completion(session, user=user, year=as_of)
    content = completion.checklist_docx(session, park=session.get_one(Park, user.park_id), year=as_of, rows=rows)
    name = f"target-completion-{as_of}.docx"
    return Response(content, media_type=DOCX, headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.post("/completion/checklist", status_code=201)
def file_checklist(body: schemas.ChecklistIn, session: SessionDep, user: CurrentUser) -> dict[str, Any]:
    document = completion.file_checklist(session, actor=user, year=body.year)
    return {"record_id": document.id, "control_no": document.control_no, "title": document.title}


# ---------------------------------------------------------------- responsibility letters (7.1)


@router.get("/letters")
def list_letters(session: SessionDep, user: CurrentUser) -> list[dict[str, Any]]:
    return [schemas.letter_out(x, letters.letter_state(session, x)) for x in letters.list_letters(session, user=user)]


@router.post("/letters", status_code=201)
def generate_letter(body: schemas.LetterIn, session: SessionDep, user: CurrentUser) -> dict[str, Any]:
    letter = letters.generate(session, actor=user, responsible_unit=body.responsible_unit, year=body.year)
    return schemas.letter_out(letter, letters.letter_state(session, letter))


@router.get("/letters/{letter_id}")
def get_letter(letter_id: EntityId, session: SessionDep, user: CurrentUser) -> dict[str, Any]:
    letter = letters.get_letter(session, user=user, letter_id=letter_id)
    return schemas.letter_out(letter, letters.letter_state(session, letter))
