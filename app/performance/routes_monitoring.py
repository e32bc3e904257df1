"""REST API: /api/performance/deviations (10.1.1) and the performance readiness findings. Thin: parse, call, shape."""

from typing import Annotated, Any

from fastapi import APIRouter, Query

from app.db import SessionDep
from app.deps import CurrentUser, EntityId
from app.performance import deviations as service
from app.performance.deviations import indicators_by_id
from app.performance.investigation_record import file_record
from app.performance.lifecycle import DeviationAction
from app.performance.models import DeviationState
from app.performance.schemas_monitoring import (
    AssignIn,
    CloseIn,
    DetectIn,
    InvestigateIn,
    RaiseNonconformityIn,
    ReopenIn,
    deviation_out,
)

router = APIRouter(prefix="/api/performance", tags=["performance"])


@router.post("/deviations/detect")
def detect(body: DetectIn, session: SessionDep, user: CurrentUser) -> dict[str, Any]:
    opened = service.detect_on_request(session, actor=user, year=body.year)
    return {"year": body.year, "opened": [deviation_out(session, d, user) for d in opened]}


@router.get("/deviations")
def list_deviations(
    session: SessionDep,
    user: CurrentUser,
    year: Annotated[int | None, Query(ge=1990, le=2100)] = None,
    state: DeviationState | None = None,
) -> list[dict[str, Any]]:
    rows = service.list_deviations(session, user=user, year=year, state=state)
    indicators = indicators_by_id(session, {row.indicator_id for row in rows})
    return [deviation_out(session, row, user, indicators[row.indicator_id]) for row in rows]


@router.get("/deviations/{deviation_id}")
def get_deviation(deviation_id: EntityId, session: SessionDep, user: CurrentUser) -> dict[str, Any]:
    return deviation_out(session, service.get_deviation(session, deviation_id=deviation_id, user=user), user)


@router.put("/deviations/{deviation_id}/assignee")
def assign(deviation_id: EntityId, body: AssignIn, session: SessionDep, user: CurrentUser) -> dict[str, Any]:
    deviation = service.assign(session, actor=user, deviation_id=deviation_id, assignee_id=body.assignee_id)
    return deviation_out(session, deviation, user)


@router.post("/deviations/{deviation_id}/investigate")
def investigate(deviation_id: EntityId, body: InvestigateIn, session: SessionDep, user: CurrentUser) -> dict[str, Any]:
    deviation = service.act(
        session,
        actor=user,
        deviation_id=deviation_id,
        action=DeviationAction.investigate,
        investigation=body.investigation,
    )
    return deviation_out(session, deviation, user)


@router.post("/deviations/{deviation_id}/close")
def close(deviation_id: EntityId, body: CloseIn, session: SessionDep, user: CurrentUser) -> dict[str, Any]:
    deviation = service.act(
        session,
        actor=user,
        deviation_id=deviation_id,
        action=DeviationAction.close,
        investigation=body.investigation,
        response=body.response,
    )
    return deviation_out(session, deviation, user)


@router.post("/deviations/{deviation_id}/reopen")
def reopen(deviation_id: EntityId, body: ReopenIn, session: SessionDep, user: CurrentUser) -> dict[str, Any]:
    deviation = service.act(
        session, actor=user, deviation_id=deviation_id, action=DeviationAction.reopen, reason=body.reason
    )
    return deviation_out(session, deviation, user)


@router.post("/deviations/{deviation_id}/nonconformity", status_code=201)
def raise_nonconformity(
    deviation_id: EntityId, body: RaiseNonconformityIn, session: SessionDep, user: CurrentUser
) -> dict[str, Any]:
    deviation, _nc = service.raise_nonconformity(
        session,
        actor=user,
        deviation_id=deviation_id,
        severity=body.severity,
        description=body.description,
        investigation=body.investigation,
    )
    return deviation_out(session, deviation, user)


@router.post("/deviations/{deviation_id}/record", status_code=201)
def file_investigation_record(deviation_id: EntityId, session: SessionDep, user: CurrentUser) -> dict[str, Any]:
    deviation, record_id = file_record(session, actor=user, deviation_id=deviation_id)
    return deviation_out(session, deviation, user) | {"record_id": record_id}
