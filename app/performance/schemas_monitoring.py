"""Shapes of deviations for the API and the pages (one shape: a page and the API cannot disagree)."""

from typing import Annotated, Any

from pydantic import BaseModel, Field
from sqlmodel import Session

from app.labels import label_pair
from app.nonconformities.models import Nonconformity, Severity
from app.nonconformities.queries import nc_code
from app.performance import lifecycle
from app.performance.deviations import percent, plain
from app.performance.models import Deviation, Indicator, IndicatorFormula, IndicatorLevel
from app.users.models import User

Text = Annotated[str, Field(max_length=20000)]
Id = Annotated[int, Field(ge=1, le=2_147_483_647)]
Year = Annotated[int, Field(ge=1990, le=2100)]


class DetectIn(BaseModel):
    year: Year


class AssignIn(BaseModel):
    assignee_id: Id | None = None


class InvestigateIn(BaseModel):
    investigation: Text | None = None


class CloseIn(BaseModel):
    investigation: Text | None = None
    response: Text | None = None


class ReopenIn(BaseModel):
    reason: Text = ""


class RaiseNonconformityIn(BaseModel):
    severity: Severity = Severity.minor
    description: Text = ""
    investigation: Text | None = None


def deviation_out(
    session: Session, deviation: Deviation, user: User, indicator: Indicator | None = None
) -> dict[str, Any]:
    indicator = indicator or session.get_one(Indicator, deviation.indicator_id)
    state_zh, state_en = label_pair("deviation_state", deviation.state)
    reference_zh, reference_en = label_pair("deviation_reference", deviation.reference_kind)
    nc = session.get(Nonconformity, deviation.nonconformity_id) if deviation.nonconformity_id else None
    return {
        "id": deviation.id,
        "indicator": {
            "id": indicator.id,
            "code": indicator.code,
            "name": indicator.name,
            "unit": indicator.unit,
            "level": str(indicator.level),
        },
        "target_id": deviation.target_id,
        "baseline_id": deviation.baseline_id,
        "year": deviation.year,
        "period": deviation.period,
        "value": plain(deviation.value),
        "reference_kind": deviation.reference_kind,
        "reference_label_zh": reference_zh,
        "reference_label_en": reference_en,
        "reference_value": plain(deviation.reference_value),
        "deviation_percent": percent(deviation.deviation_percent),
        "threshold_percent": plain(deviation.threshold_percent),
        "state": str(deviation.state),
        "state_label_zh": state_zh,
        "state_label_en": state_en,
        "assignee_id": deviation.assignee_id,
        "investigation": deviation.investigation,
        "response": deviation.response,
        "nonconformity": {"id": nc.id, "code": nc_code(nc), "state": str(nc.state)} if nc else None,
        "record_document_id": deviation.record_document_id,
        "detected_at": deviation.detected_at.isoformat() if deviation.detected_at else None,
        "closed_at": deviation.closed_at.isoformat() if deviation.closed_at else None,
        "allowed_actions": lifecycle.allowed_actions(deviation, user),
        "trail": trail_link(indicator, deviation.year),
        "trail_page": trail_link(indicator, deviation.year, page=True),
    }


def trail_link(indicator: Indicator, year: int, *, page: bool = False) -> str | None:
    """Where the value comes from: the inventory trail of the indicator's level (none for a manual indicator, whose
    value is an entered row with its evidence)."""
    if indicator.formula == IndicatorFormula.manual:
        return None
    if indicator.level == IndicatorLevel.park:
        level, key = "park", "park"
    elif indicator.level == IndicatorLevel.enterprise:
        level, key = "enterprise", str(indicator.enterprise_id)
    else:
        level, key = "source", str(indicator.source_id)
    if page:
        return f"/inventory/trail?year={year}&level={level}&key={key}"
    return f"/api/inventory/years/{year}/trail?level={level}&key={key}"
