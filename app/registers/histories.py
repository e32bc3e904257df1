"""The dated histories kept behind two registers' rows: each risk's assessments (a re-assessment adds one and
re-grades the risk by the park's thresholds) and each measuring instrument's calibrations (the last one sets the
next due date). Flush, never commit."""

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from app.common import utcnow
from app.documents.models import Document
from app.errors import Invalid
from app.events import service as events
from app.readiness.items import add_months
from app.registers import lifecycle
from app.registers.models import Calibration, Equipment, RegisterSettings, Risk, RiskAssessment, Significance
from app.registers.reading import get_row, settings_for
from app.registers.specs import RegisterKind
from app.users.models import User


def significance(settings: RegisterSettings, likelihood: int, consequence: int) -> Significance:
    score = likelihood * consequence
    if score >= settings.risk_high_from:
        return Significance.high
    return Significance.medium if score >= settings.risk_medium_from else Significance.low


# ---------------------------------------------------------------- risks: re-assessment keeps the history


def add_assessment(session: Session, risk: Risk, actor: User, *, note: str, on: date | None = None) -> RiskAssessment:
    assert risk.id is not None and actor.id is not None  # stored rows
    entry = RiskAssessment(
        park_id=risk.park_id,
        risk_id=risk.id,
        assessed_on=on or utcnow().date(),
        likelihood=risk.likelihood,
        consequence=risk.consequence,
        significance=risk.significance,
        note=note,
        assessed_by_id=actor.id,
    )
    session.add(entry)
    session.flush()
    return entry


def assess_risk(
    session: Session,
    *,
    actor: User,
    risk_id: int,
    likelihood: int,
    consequence: int,
    note: str,
    assessed_on: date | None = None,
    review_date: date | None = None,
) -> Risk:
    lifecycle.require_editor(actor, "risk", risk_id)
    risk = get_row(session, user=actor, kind=RegisterKind.risks, row_id=risk_id, for_update=True)
    on = assessed_on or utcnow().date()
    if on > utcnow().date():
        raise Invalid("评估日期不能晚于今天", "The assessment date cannot be in the future")
    before = {"likelihood": risk.likelihood, "consequence": risk.consequence, "significance": str(risk.significance)}
    risk.likelihood, risk.consequence = likelihood, consequence
    risk.significance = significance(settings_for(session, actor.park_id), likelihood, consequence)
    if review_date is not None:
        risk.review_date = review_date
    risk.updated_at = utcnow()
    session.add(risk)
    entry = add_assessment(session, risk, actor, note=note.strip(), on=on)
    events.record(
        session,
        action="risk.assess",
        entity_type="risk",
        entity_id=risk.id,
        park_id=risk.park_id,
        actor=actor,
        before=before,
        after={
            "likelihood": likelihood,
            "consequence": consequence,
            "significance": str(risk.significance),
            "assessed_on": on.isoformat(),
            "note": entry.note,
            "assessment_id": entry.id,
        },
    )
    return risk


def risk_history(session: Session, *, user: User, risk_id: int) -> list[RiskAssessment]:
    get_row(session, user=user, kind=RegisterKind.risks, row_id=risk_id)
    return list(
        session.execute(
            select(RiskAssessment)
            .where(col(RiskAssessment.risk_id) == risk_id)
            .order_by(col(RiskAssessment.assessed_on), col(RiskAssessment.id))
        ).scalars()
    )


def fill_next_due(stored: dict[str, Any], row: Equipment | None) -> None:
    """The next calibration date follows from the last one and the interval unless the park gives it."""
    last = stored.get("last_calibrated_on", row.last_calibrated_on if row else None)
    interval = stored.get("interval_months", row.interval_months if row else None)
    if last and interval and not stored.get("next_due_on"):
        stored["next_due_on"] = add_months(last, interval)


# ---------------------------------------------------------------- equipment: calibrations


def add_calibration(
    session: Session, equipment: Equipment, on: date, valid_until: date | None, certificate_id: int | None
) -> Calibration:
    assert equipment.id is not None  # flushed
    entry = Calibration(
        park_id=equipment.park_id,
        equipment_id=equipment.id,
        calibrated_on=on,
        valid_until=valid_until or add_months(on, equipment.interval_months),
        certificate_document_id=certificate_id,
    )
    session.add(entry)
    session.flush()
    return entry


def record_calibration(
    session: Session, *, actor: User, equipment_id: int, calibrated_on: date, certificate_document_id: int | None
) -> Equipment:
    lifecycle.require_editor(actor, "equipment", equipment_id)
    equipment = get_row(session, user=actor, kind=RegisterKind.equipment, row_id=equipment_id, for_update=True)
    if calibrated_on > utcnow().date():
        raise Invalid("校准日期不能晚于今天", "The calibration date cannot be in the future")
    if certificate_document_id is not None:
        document = session.get(Document, certificate_document_id)
        if document is None or document.park_id != actor.park_id:
            raise Invalid("证书记录不存在", "The certificate record does not exist in this park")
    before = {"last_calibrated_on": str(equipment.last_calibrated_on), "next_due_on": str(equipment.next_due_on)}
    entry = add_calibration(session, equipment, calibrated_on, None, certificate_document_id)
    if equipment.last_calibrated_on is None or calibrated_on >= equipment.last_calibrated_on:
        equipment.last_calibrated_on, equipment.next_due_on = calibrated_on, entry.valid_until
        equipment.certificate_document_id = certificate_document_id or equipment.certificate_document_id
    equipment.updated_at = utcnow()
    session.add(equipment)
    events.record(
        session,
        action="equipment.calibrate",
        entity_type="equipment",
        entity_id=equipment.id,
        park_id=equipment.park_id,
        actor=actor,
        before=before,
        after={
            "calibrated_on": calibrated_on.isoformat(),
            "valid_until": entry.valid_until.isoformat(),
            "certificate_document_id": certificate_document_id,
        },
    )
    return equipment
