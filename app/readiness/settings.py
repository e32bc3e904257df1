"""The park's record cycles (its own due dates, its own intervals where the standard leaves them to it) and the
signed "no occurrence in this period" declarations of event-driven record types. Coordinators only; each change
is an audit event in the request's transaction."""

import re
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from app.clauses import cycles
from app.clauses.models import DocKind, DocType, ParkDocTypeSetting
from app.common import utcnow
from app.errors import Conflict, Forbidden, Invalid, NotFound
from app.events import service as events
from app.events.refusals import Rule, refusal
from app.readiness.models import NoOccurrenceDeclaration
from app.users.models import Role, User
from app.users.service import require_signature

_DUE_DAY = re.compile(r"^(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$")


def _require_coordinator(actor: User, entity_type: str, entity_id: object, zh: str, en: str) -> None:
    if actor.role != Role.coordinator:
        raise Forbidden(zh, en, audit=refusal(actor, Rule.role, entity_type, entity_id))


def _record_type(session: Session, code: str) -> DocType:
    row = session.get(DocType, code)
    if row is None or row.kind != DocKind.record:
        raise NotFound(f"记录类型 {code} 不存在", f"Record type {code} does not exist")
    return row


def rule_public(rule: cycles.CycleRule, row: DocType, today: date) -> dict[str, Any]:
    window = cycles.due_window(rule, today) if rule.periodic else None
    label_zh, label_en = cycles.CYCLE_LABELS[rule.cycle]
    return {
        "doc_type": rule.code,
        "title_zh": row.title_zh,
        "title_en": row.title_en,
        "cycle": rule.cycle,
        "cycle_zh": label_zh,
        "cycle_en": label_en,
        "due_day": rule.due_day if rule.cycle in ("annual", "event") else None,
        "due_after_days": rule.due_after_days if rule.cycle in ("quarterly", "monthly") else None,
        "default_cycle": row.cycle or "none",
        "park_interval": rule.park_interval,
        "covers_clauses": list(rule.covers),
        "next_due_date": cycles.due_date(rule, window.pending or window.current).isoformat() if window else None,
    }


def list_cycles(session: Session, *, park_id: int, today: date | None = None) -> list[dict[str, Any]]:
    """Every record type's cycle and due date as they apply to the park."""
    today = today or utcnow().date()
    rules = cycles.load_rules(session, park_id)
    rows = session.execute(
        select(DocType).where(col(DocType.kind) == DocKind.record).order_by(col(DocType.sort_key))
    ).scalars()
    return [rule_public(rules[row.code], row, today) for row in rows if row.code in rules]


def set_cycle(
    session: Session,
    *,
    actor: User,
    code: str,
    cycle: str | None = None,
    due_day: str | None = None,
    due_after_days: int | None = None,
) -> dict[str, Any]:
    """Set the park's own due date (any cycled record type) or cycle (types whose interval is the park's);
    None leaves the clause map's value."""
    _require_coordinator(
        actor, "doc_type", code, "只有体系管理员可以设置记录周期", "Only a coordinator may set record cycles"
    )
    row = _record_type(session, code)
    if cycle is not None:
        if not row.park_interval:
            raise Invalid(
                f"{row.title_zh}的周期由标准规定（{cycles.CYCLE_LABELS[row.cycle or 'none'][0]}），园区不能更改",
                f"{code}'s cycle is set by the standard ({row.cycle or 'none'}); a park cannot change it",
            )
        if cycle not in cycles.CALENDAR_CYCLES:
            raise Invalid(
                "周期应为 annual（年度）、quarterly（季度）或 monthly（月度）",
                "The cycle must be annual, quarterly or monthly",
            )
    if due_day is not None:
        if not _DUE_DAY.match(due_day):
            raise Invalid("到期日应为 MM-DD，如 03-31", "The due day must be MM-DD, e.g. 03-31")
        try:
            date(2024, int(due_day[:2]), int(due_day[3:]))  # a leap year: 02-29 is a day (clamped in other years)
        except ValueError:
            raise Invalid(f"到期日 {due_day} 不存在", f"There is no day {due_day}") from None
    if due_after_days is not None and not 0 <= due_after_days <= 366:
        raise Invalid("到期天数应在 0 到 366 之间", "The days after the period must be between 0 and 366")
    setting = session.execute(
        select(ParkDocTypeSetting).where(
            col(ParkDocTypeSetting.park_id) == actor.park_id, col(ParkDocTypeSetting.doc_type) == code
        )
    ).scalar_one_or_none()
    before = (
        {"cycle": setting.cycle, "due_day": setting.due_day, "due_after_days": setting.due_after_days}
        if setting
        else None
    )
    if setting is None:
        setting = ParkDocTypeSetting(park_id=actor.park_id, doc_type=code)
    setting.cycle, setting.due_day, setting.due_after_days = cycle, due_day, due_after_days
    setting.set_by_id, setting.set_at = actor.id, utcnow()
    session.add(setting)
    session.flush()
    after = {"cycle": cycle, "due_day": due_day, "due_after_days": due_after_days}
    events.record(
        session,
        action="record_cycle.set",
        entity_type="doc_type",
        entity_id=code,
        park_id=actor.park_id,
        actor=actor,
        before=before,
        after=after,
    )
    rule = cycles.load_rules(session, actor.park_id, [code])[code]
    return rule_public(rule, row, utcnow().date())


# ---------------------------------------------------------------- no-occurrence declarations


def declaration_public(row: NoOccurrenceDeclaration) -> dict[str, Any]:
    return {
        "id": row.id,
        "doc_type": row.doc_type,
        "period_start": row.period_start.isoformat(),
        "period_end": row.period_end.isoformat(),
        "period": cycles.Period(row.period_start, row.period_end).label("event"),
        "statement": row.statement,
        "signer_name": row.signer_name,
        "signed_at": row.signed_at.isoformat(),
    }


def declare_no_occurrence(
    session: Session,
    *,
    actor: User,
    code: str,
    year: int,
    statement: str,
    password: str,
    client_address: str = "",
    today: date | None = None,
) -> NoOccurrenceDeclaration:
    """The coordinator signs (password again) that nothing of an event-driven record type occurred in `year`."""
    require_signature(session, actor, password, entity_type="doc_type", entity_id=code, client_address=client_address)
    _require_coordinator(
        actor,
        "doc_type",
        code,
        "只有体系管理员可以签署未发生声明",
        "Only a coordinator may sign a no-occurrence declaration",
    )
    row = _record_type(session, code)
    rule = cycles.load_rules(session, actor.park_id, [code])[code]
    if rule.cycle != "event":
        raise Invalid(
            f"{row.title_zh}不是按事件发生记录的类型，不能以未发生声明代替",
            f"{code} is not an event-driven record type: a no-occurrence declaration cannot stand for it",
        )
    today = today or utcnow().date()
    period = cycles.period_containing("event", date(year, 1, 1)) if 1900 < year < 3000 else None
    if period is None or period.start > today:
        raise Invalid(
            f"声明的年度 {year} 无效：只能为已开始的年度声明（今年是 {today.year}）",
            f"The year {year} cannot be declared: only a year that has begun (this year is {today.year})",
        )
    statement = (statement or "").strip()
    if not statement:
        raise Invalid("请填写声明内容", "The declaration needs a statement")
    exists = session.execute(
        select(col(NoOccurrenceDeclaration.id)).where(
            col(NoOccurrenceDeclaration.park_id) == actor.park_id,
            col(NoOccurrenceDeclaration.doc_type) == code,
            col(NoOccurrenceDeclaration.period_start) == period.start,
        )
    ).first()
    if exists is not None:
        raise Conflict(f"{year} 年度已有未发生声明", f"{year} already has a no-occurrence declaration")
    assert actor.id is not None  # a stored user
    declaration = NoOccurrenceDeclaration(
        park_id=actor.park_id,
        doc_type=code,
        period_start=period.start,
        period_end=period.end,
        statement=statement,
        signer_id=actor.id,
        signer_name=actor.full_name or actor.username,
    )
    session.add(declaration)
    session.flush()
    events.record(
        session,
        action="declaration.no_occurrence",
        entity_type="no_occurrence_declaration",
        entity_id=declaration.id,
        park_id=actor.park_id,
        actor=actor,
        after=declaration_public(declaration),
    )
    return declaration


def list_declarations(session: Session, *, park_id: int, code: str | None = None) -> list[NoOccurrenceDeclaration]:
    query = select(NoOccurrenceDeclaration).where(col(NoOccurrenceDeclaration.park_id) == park_id)
    if code:
        query = query.where(col(NoOccurrenceDeclaration.doc_type) == code)
    return list(session.execute(query.order_by(col(NoOccurrenceDeclaration.period_start).desc())).scalars())
