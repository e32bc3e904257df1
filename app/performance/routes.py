"""The performance API for indicators, their values and baselines under /api/performance: thin routes."""

from typing import Annotated, Any

from fastapi import APIRouter, Query
from sqlmodel import Session

from app.db import SessionDep
from app.deps import CurrentUser, EntityId
from app.performance import baselines, indicators, manual_values, schemas
from app.performance.schemas import (
    AdjustmentIn,
    BaselineIn,
    CorrectionIn,
    IndicatorIn,
    IndicatorUpdate,
    ManualValueIn,
    ReasonIn,
)
from app.users.models import User

router = APIRouter(prefix="/api/performance", tags=["performance"])
Year = Annotated[int, Query(ge=1990, le=2100)]
Json = dict[str, Any]


# ---------------------------------------------------------------- indicators


@router.get("/indicators")
def list_indicators(session: SessionDep, user: CurrentUser, include_inactive: bool = False) -> list[Json]:
    rows = indicators.list_indicators(session, user=user, include_inactive=include_inactive)
    return [schemas.indicator_out(row) for row in rows]


@router.post("/indicators", status_code=201)
def create_indicator(body: IndicatorIn, session: SessionDep, user: CurrentUser) -> Json:
    return schemas.indicator_out(indicators.create_indicator(session, actor=user, **body.model_dump()))


@router.get("/indicators/{indicator_id}")
def get_indicator(indicator_id: EntityId, session: SessionDep, user: CurrentUser) -> Json:
    return schemas.indicator_out(indicators.get_indicator(session, indicator_id=indicator_id, user=user))


@router.patch("/indicators/{indicator_id}")
def update_indicator(indicator_id: EntityId, body: IndicatorUpdate, session: SessionDep, user: CurrentUser) -> Json:
    changes = body.model_dump(exclude_unset=True)
    return schemas.indicator_out(indicators.update_indicator(session, actor=user, indicator_id=indicator_id, **changes))


@router.post("/indicators/{indicator_id}/deactivate")
def deactivate_indicator(indicator_id: EntityId, body: ReasonIn, session: SessionDep, user: CurrentUser) -> Json:
    row = indicators.set_active(session, actor=user, indicator_id=indicator_id, active=False, reason=body.reason)
    return schemas.indicator_out(row)


@router.post("/indicators/{indicator_id}/activate")
def activate_indicator(indicator_id: EntityId, session: SessionDep, user: CurrentUser) -> Json:
    return schemas.indicator_out(indicators.set_active(session, actor=user, indicator_id=indicator_id, active=True))


# ---------------------------------------------------------------- values


@router.get("/indicators/{indicator_id}/values")
def indicator_values(
    indicator_id: EntityId, session: SessionDep, user: CurrentUser, from_year: Year, to_year: Year
) -> list[Json]:
    rows = indicators.values_of(session, user=user, indicator_id=indicator_id, from_year=from_year, to_year=to_year)
    return [schemas.value_out(row) for row in rows]


@router.get("/values")
def year_values(session: SessionDep, user: CurrentUser, year: Year) -> list[Json]:
    rows = indicators.year_values(session, user=user, year=year)
    return [schemas.value_out(value) | {"indicator": schemas.indicator_out(row)} for row, value in rows]


@router.get("/indicators/{indicator_id}/manual-values")
def manual_value_history(indicator_id: EntityId, session: SessionDep, user: CurrentUser) -> list[Json]:
    return schemas.manual_history_out(manual_values.manual_history(session, user=user, indicator_id=indicator_id))


@router.post("/indicators/{indicator_id}/manual-values", status_code=201)
def enter_manual_value(indicator_id: EntityId, body: ManualValueIn, session: SessionDep, user: CurrentUser) -> Json:
    row = manual_values.enter_manual_value(session, actor=user, indicator_id=indicator_id, **body.model_dump())
    return schemas.manual_out(row)


@router.get("/manual-values/{value_id}")
def get_manual_value(value_id: EntityId, session: SessionDep, user: CurrentUser) -> Json:
    return schemas.manual_out(manual_values.get_manual_value(session, value_id=value_id, user=user))


@router.post("/manual-values/{value_id}/correct", status_code=201)
def correct_manual_value(value_id: EntityId, body: CorrectionIn, session: SessionDep, user: CurrentUser) -> Json:
    row = manual_values.correct_manual_value(session, actor=user, value_id=value_id, **body.model_dump())
    return schemas.manual_out(row)


# ---------------------------------------------------------------- baselines


@router.get("/baselines")
def list_baselines(session: SessionDep, user: CurrentUser) -> list[Json]:
    visible = indicators.list_indicators(session, user=user, include_inactive=True)
    return [schemas.version_out(v) for v in baselines.list_baselines(session, user=user, indicators=visible)]


@router.get("/baselines/adjustment-offers")
def adjustment_offers(session: SessionDep, user: CurrentUser) -> list[Json]:
    visible = {row.id for row in indicators.list_indicators(session, user=user, include_inactive=True)}
    offers = baselines.adjustment_offers(session, user.park_id)
    return [schemas.offer_out(offer) for offer in offers if offer.baseline.indicator_id in visible]


@router.get("/indicators/{indicator_id}/baselines")
def baseline_history(indicator_id: EntityId, session: SessionDep, user: CurrentUser) -> list[Json]:
    return [schemas.version_out(v) for v in baselines.history(session, user=user, indicator_id=indicator_id)]


@router.post("/indicators/{indicator_id}/baselines", status_code=201)
def create_baseline(indicator_id: EntityId, body: BaselineIn, session: SessionDep, user: CurrentUser) -> Json:
    values = body.model_dump()
    baseline = baselines.create_baseline(session, actor=user, indicator_id=indicator_id, **values)
    return _version(session, user, baseline.indicator_id, baseline.id)


@router.get("/baselines/{baseline_id}")
def get_baseline(baseline_id: EntityId, session: SessionDep, user: CurrentUser) -> Json:
    baseline = baselines.get_baseline(session, baseline_id=baseline_id, user=user)
    return _version(session, user, baseline.indicator_id, baseline.id)


@router.post("/baselines/{baseline_id}/adjust", status_code=201)
def adjust_baseline(baseline_id: EntityId, body: AdjustmentIn, session: SessionDep, user: CurrentUser) -> Json:
    baseline = baselines.adjust_baseline(session, actor=user, baseline_id=baseline_id, **body.model_dump())
    return _version(session, user, baseline.indicator_id, baseline.id)


def _version(session: Session, user: User, indicator_id: int, baseline_id: int | None) -> Json:
    versions = baselines.history(session, user=user, indicator_id=indicator_id)
    return schemas.version_out(next(v for v in versions if v.baseline.id == baseline_id))
