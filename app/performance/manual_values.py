"""Values of manual indicators (data carbonms does not hold, e.g. 余热余压利用率), entered per period with
evidence; a correction is a new row naming the one it supersedes and why, so the history is never overwritten.
Services flush, never commit."""

from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from app.documents import service as documents
from app.errors import Conflict, Invalid, NotFound
from app.events import service as events
from app.events.refusals import Rule, refusal
from app.inventory.service import check_year, decimal_or_invalid
from app.parks.queries import park_time_zone
from app.performance.indicators import get_indicator, require_editor
from app.performance.models import Frequency, Indicator, IndicatorFormula, ManualValue
from app.timezones import today
from app.users.models import User


def _check_period(indicator: Indicator, year: int, period: int, zone: str) -> None:
    check_year(year)
    if year > today(zone).year:
        raise Invalid("不能录入未来年度的数值", "A value cannot be entered for a future year")
    limit = {Frequency.annual: 0, Frequency.quarterly: 4, Frequency.monthly: 12}[Frequency(indicator.frequency)]
    if not 0 <= period <= limit:
        raise Invalid(
            "期间不符合该参数的频次（0 为全年，季度 1–4，月份 1–12）",
            "The period does not fit the indicator's frequency (0 the year, quarters 1–4, months 1–12)",
        )


def _check_evidence(session: Session, actor: User, document_id: int | None, note: str) -> str:
    note = note.strip()
    if document_id is None and not note:
        raise Invalid(
            "请提供证据文件或说明数据来源", "Give an evidence document or a note on where the value comes from"
        )
    if document_id is not None:
        documents.get_document(session, document_id=document_id, user=actor)  # 404 when not theirs to read
    return note


def get_manual_value(session: Session, *, value_id: int, user: User) -> ManualValue:
    row = session.get(ManualValue, value_id)
    if row is not None and row.park_id == user.park_id:
        get_indicator(session, indicator_id=row.indicator_id, user=user)  # a contributor's other enterprise: 404
        return row
    audit = refusal(user, Rule.other_park, "manual_value", value_id) if row is not None else None
    raise NotFound("录入值不存在", "Entered value not found", audit=audit)


def manual_snapshot(row: ManualValue) -> dict[str, Any]:
    return {
        "indicator_id": row.indicator_id,
        "year": row.year,
        "period": row.period,
        "value": str(row.value),
        "evidence_document_id": row.evidence_document_id,
        "evidence_note": row.evidence_note,
        "supersedes_id": row.supersedes_id,
        "change_reason": row.change_reason,
    }


def _newest(session: Session, indicator_id: int, year: int, period: int) -> ManualValue | None:
    return (
        session.execute(
            select(ManualValue)
            .where(
                col(ManualValue.indicator_id) == indicator_id,
                col(ManualValue.year) == year,
                col(ManualValue.period) == period,
            )
            .order_by(col(ManualValue.id).desc())
        )
        .scalars()
        .first()
    )


def enter_manual_value(
    session: Session,
    *,
    actor: User,
    indicator_id: int,
    year: int,
    period: int,
    value: Any,
    evidence_document_id: int | None = None,
    evidence_note: str = "",
) -> ManualValue:
    indicator = get_indicator(session, indicator_id=indicator_id, user=actor)
    require_editor(actor, "indicator", indicator_id)
    if indicator.formula != IndicatorFormula.manual:
        raise Conflict(
            "该参数由碳排放清单计算，不能手工录入", "This indicator is computed from the inventory; it is not entered"
        )
    if not indicator.active:
        raise Conflict("该参数已停用", "The indicator is inactive")
    _check_period(indicator, year, period, park_time_zone(session, actor.park_id))
    number = decimal_or_invalid(value, "数值", "The value", minimum=None)
    note = _check_evidence(session, actor, evidence_document_id, evidence_note)
    if _newest(session, indicator_id, year, period) is not None:
        raise Conflict("该期间已有数值；如需修改，请提交更正", "The period has a value; submit a correction instead")
    assert actor.id is not None and indicator.id is not None
    row = ManualValue(
        park_id=actor.park_id,
        indicator_id=indicator.id,
        year=year,
        period=period,
        value=number,
        evidence_document_id=evidence_document_id,
        evidence_note=note,
        entered_by_id=actor.id,
    )
    session.add(row)
    session.flush()
    events.record(
        session,
        action="manual_value.enter",
        entity_type="manual_value",
        entity_id=row.id,
        park_id=actor.park_id,
        actor=actor,
        after=manual_snapshot(row),
    )
    return row


def correct_manual_value(
    session: Session,
    *,
    actor: User,
    value_id: int,
    value: Any,
    reason: str,
    evidence_document_id: int | None = None,
    evidence_note: str = "",
) -> ManualValue:
    old = get_manual_value(session, value_id=value_id, user=actor)
    require_editor(actor, "manual_value", value_id)
    newest = _newest(session, old.indicator_id, old.year, old.period)
    if newest is not None and newest.id != old.id:
        raise Conflict("该数值已被更正；请更正最新的数值", "This value was already corrected; correct the newest one")
    reason = reason.strip()
    if not reason:
        raise Invalid("更正须填写原因", "A correction needs a reason")
    number = decimal_or_invalid(value, "数值", "The value", minimum=None)
    if evidence_document_id is None and not evidence_note.strip():
        evidence_document_id, evidence_note = old.evidence_document_id, old.evidence_note
    note = _check_evidence(session, actor, evidence_document_id, evidence_note)
    assert actor.id is not None
    row = ManualValue(
        park_id=old.park_id,
        indicator_id=old.indicator_id,
        year=old.year,
        period=old.period,
        value=number,
        evidence_document_id=evidence_document_id,
        evidence_note=note,
        supersedes_id=old.id,
        change_reason=reason,
        entered_by_id=actor.id,
    )
    session.add(row)
    session.flush()
    events.record(
        session,
        action="manual_value.correct",
        entity_type="manual_value",
        entity_id=row.id,
        park_id=actor.park_id,
        actor=actor,
        before=manual_snapshot(old),
        after=manual_snapshot(row),
    )
    return row


def manual_history(session: Session, *, user: User, indicator_id: int) -> list[ManualValue]:
    """Every entered value of the indicator, corrections included, oldest first."""
    indicator = get_indicator(session, indicator_id=indicator_id, user=user)
    return list(
        session.execute(
            select(ManualValue)
            .where(col(ManualValue.indicator_id) == indicator.id)
            .order_by(col(ManualValue.year), col(ManualValue.period), col(ManualValue.id))
        ).scalars()
    )
