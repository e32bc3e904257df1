"""Reads of the registers that other domains use: the inventory (an overdue meter), the management review
(10.3.1 a and d) and the task list (evaluations, risk reviews and calibrations due)."""

from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session, col

from app.common import as_utc
from app.readiness.items import add_months
from app.registers.models import (
    Calibration,
    ComplianceResult,
    ComplianceRound,
    Equipment,
    RegisterSettings,
    Risk,
    RiskAssessment,
    RoundState,
)

CALIBRATION_NOTICE_DAYS = 30


def calibration_overdue_on(session: Session, source_id: int, on_date: date) -> Equipment | None:
    """The first meter of the emission source whose calibration was not valid on `on_date`, or None.

    A meter counts from its first calibration on record; before it, or after the last validity ends without a
    newer calibration, its readings are flagged."""
    meters = list(
        session.execute(
            select(Equipment).where(col(Equipment.emission_source_id) == source_id).order_by(col(Equipment.id))
        ).scalars()
    )
    for meter in meters:
        covering = session.execute(
            select(func.count())
            .select_from(Calibration)
            .where(
                col(Calibration.equipment_id) == meter.id,
                col(Calibration.calibrated_on) <= on_date,
                col(Calibration.valid_until) >= on_date,
            )
        ).scalar_one()
        if not covering:
            return meter
    return None


def overdue_meters(session: Session, readings: set[tuple[int, date]]) -> dict[tuple[int, date], Equipment]:
    """`calibration_overdue_on` for many (source id, reading date) pairs at once (the inventory trail's rows):
    two queries, whatever the number of rows."""
    source_ids = {source_id for source_id, _ in readings}
    if not source_ids:
        return {}
    meters = list(
        session.execute(
            select(Equipment).where(col(Equipment.emission_source_id).in_(source_ids)).order_by(col(Equipment.id))
        ).scalars()
    )
    validity: dict[int, list[tuple[date, date]]] = {}
    if meters:
        for equipment_id, start, end in session.execute(
            select(col(Calibration.equipment_id), col(Calibration.calibrated_on), col(Calibration.valid_until)).where(
                col(Calibration.equipment_id).in_([meter.id for meter in meters])
            )
        ):
            validity.setdefault(equipment_id, []).append((start, end))
    by_source: dict[int, list[Equipment]] = {}
    for meter in meters:
        if meter.emission_source_id is not None:
            by_source.setdefault(meter.emission_source_id, []).append(meter)
    flagged: dict[tuple[int, date], Equipment] = {}
    for source_id, on_date in readings:
        for meter in by_source.get(source_id, []):
            spans = validity.get(meter.id or 0, [])
            if not any(start <= on_date <= end for start, end in spans):
                flagged[(source_id, on_date)] = meter
                break
    return flagged


def risk_changes_since(session: Session, park_id: int, since: date | None, until: date) -> list[dict[str, Any]]:
    """Risks new or re-assessed after `since` (the last management review) up to `until`, with before and after."""
    risks = {r.id: r for r in session.execute(select(Risk).where(col(Risk.park_id) == park_id)).scalars()}
    history: dict[int, list[RiskAssessment]] = {}
    for entry in session.execute(
        select(RiskAssessment)
        .where(col(RiskAssessment.park_id) == park_id, col(RiskAssessment.assessed_on) <= until)
        .order_by(col(RiskAssessment.assessed_on), col(RiskAssessment.id))
    ).scalars():
        history.setdefault(entry.risk_id, []).append(entry)
    out = []
    for risk_id, entries in history.items():
        recent = [e for e in entries if since is None or e.assessed_on > since]
        if not recent:
            continue
        earlier = [e for e in entries if since is not None and e.assessed_on <= since]
        previous = earlier[-1] if earlier else None
        latest = recent[-1]
        risk = risks[risk_id]
        out.append(
            {
                "id": risk_id,
                "title": risk.title,
                "category": str(risk.category),
                "new": previous is None,
                "significance_before": str(previous.significance) if previous else None,
                "significance_after": str(latest.significance),
                "score_before": previous.likelihood * previous.consequence if previous else None,
                "score_after": latest.likelihood * latest.consequence,
                "assessed_on": latest.assessed_on.isoformat(),
                "note": latest.note,
            }
        )
    return sorted(out, key=lambda item: (item["assessed_on"], item["id"]))


def compliance_results(session: Session, park_id: int, since: date | None, until: date) -> list[dict[str, Any]]:
    """The evaluation rounds closed after `since` (the last review's day) and by the end of `until`, with counts."""
    rounds = session.execute(
        select(ComplianceRound)
        .where(col(ComplianceRound.park_id) == park_id, col(ComplianceRound.state) == RoundState.closed)
        .order_by(col(ComplianceRound.period_end), col(ComplianceRound.id))
    ).scalars()
    out = []
    for round_ in rounds:
        closed_on = as_utc(round_.closed_at).date() if round_.closed_at else round_.period_end
        if closed_on > until or (since is not None and closed_on <= since):
            continue
        results = list(
            session.execute(select(ComplianceResult).where(col(ComplianceResult.round_id) == round_.id)).scalars()
        )
        out.append(
            {
                "id": round_.id,
                "title": round_.title,
                "period_start": round_.period_start.isoformat(),
                "period_end": round_.period_end.isoformat(),
                "counts": dict(Counter(str(r.result) for r in results)),
                "nonconformity_ids": [r.nonconformity_id for r in results if r.nonconformity_id],
                "report_document_id": round_.report_document_id,
                "conclusion": round_.conclusion,
            }
        )
    return out


@dataclass(frozen=True)
class DueItem:
    """Something in the registers due for the park's coordinators (the task list turns it into a task)."""

    kind: str  # compliance_evaluation_due, risk_review_due, calibration_due
    title_zh: str
    title_en: str
    due_date: date
    link: str
    entity_type: str
    entity_id: int


def due_items(session: Session, park_id: int, today: date) -> list[DueItem]:
    settings = session.get(RegisterSettings, park_id) or RegisterSettings(park_id=park_id)  # defaults till set
    out: list[DueItem] = []
    last_end = session.execute(
        select(func.max(col(ComplianceRound.period_end))).where(
            col(ComplianceRound.park_id) == park_id, col(ComplianceRound.state) == RoundState.closed
        )
    ).scalar()
    if last_end is not None:
        due = add_months(last_end, settings.compliance_interval_months)
        if due <= today + timedelta(days=CALIBRATION_NOTICE_DAYS):
            out.append(
                DueItem(
                    "compliance_evaluation_due",
                    f"开展下一次合规性评价（上次评价期间截至 {last_end}）",
                    f"Run the next compliance evaluation (the last covered up to {last_end})",
                    due,
                    "/registers/legal",
                    "register_settings",
                    park_id,
                )
            )
    notice = today + timedelta(days=CALIBRATION_NOTICE_DAYS)
    for risk in session.execute(
        select(Risk).where(
            col(Risk.park_id) == park_id, col(Risk.review_date).is_not(None), col(Risk.review_date) <= notice
        )
    ).scalars():
        assert risk.review_date is not None and risk.id is not None  # filtered above
        out.append(
            DueItem(
                "risk_review_due",
                f"重新评估风险和机遇：{risk.title}",
                f"Re-assess the risk or opportunity: {risk.title}",
                risk.review_date,
                f"/registers/risks/{risk.id}",
                "risk",
                risk.id,
            )
        )
    for meter in session.execute(
        select(Equipment).where(
            col(Equipment.park_id) == park_id,
            col(Equipment.next_due_on).is_not(None),
            col(Equipment.next_due_on) <= notice,
        )
    ).scalars():
        assert meter.next_due_on is not None and meter.id is not None  # filtered above
        out.append(
            DueItem(
                "calibration_due",
                f"校准或检定：{meter.name}（{meter.next_due_on} 到期）",
                f"Calibrate or verify: {meter.name} (due {meter.next_due_on})",
                meter.next_due_on,
                f"/registers/equipment/{meter.id}",
                "equipment",
                meter.id,
            )
        )
    return out
