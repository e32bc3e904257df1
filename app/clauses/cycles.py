"""Record cycles: which periods a record type is kept for, when each period's record is due, which periods a
record may be registered for. The one due-date rule: readiness, the clause pages and /tasks all ask it.

Periods are calendar periods: years (annual and event cycles), quarters, months. The record of a period is due
by `due_day` of the next year (annual, event) or `due_after_days` after the period ends (quarterly, monthly);
overdue the day after. A park may set its own due date for any cycled type, and its own cycle for the types
whose interval the standard leaves to the park (internal audit, management review, compliance evaluation).
"""

import calendar
import json
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import and_, select
from sqlmodel import Session, col

from app.clauses.models import DocKind, DocType, ParkDocTypeSetting
from app.errors import Invalid

CALENDAR_CYCLES = ("annual", "quarterly", "monthly")
DEFAULT_DUE_DAY = "03-31"
DEFAULT_DUE_AFTER_DAYS = 30

CYCLE_LABELS: dict[str, tuple[str, str]] = {
    "annual": ("以年度为周期", "annual"),
    "quarterly": ("以季度为周期", "quarterly"),
    "monthly": ("以月度为周期", "monthly"),
    "event": ("发生时记录（无发生时签署声明）", "when it occurs (else a signed declaration)"),
    "none": ("一次性记录", "made once"),
}


@dataclass(frozen=True, order=True)
class Period:
    start: date
    end: date

    def label(self, cycle: str) -> str:
        """'2025', '2025-Q2' or '2025-06' (what the registration form accepts)."""
        if cycle == "quarterly":
            return f"{self.start.year}-Q{(self.start.month - 1) // 3 + 1}"
        if cycle == "monthly":
            return f"{self.start.year}-{self.start.month:02d}"
        return str(self.start.year)


@dataclass(frozen=True)
class CycleRule:
    """A record type's cycle as it applies to one park (the clause map's value or the park's setting)."""

    code: str
    cycle: str
    due_day: str
    due_after_days: int
    park_interval: bool = False
    covers: tuple[str, ...] = ()

    @property
    def periodic(self) -> bool:
        return self.cycle in (*CALENDAR_CYCLES, "event")


def period_containing(cycle: str, day: date) -> Period:
    """The calendar period of `cycle` that contains `day` (a calendar year for annual and event cycles)."""
    if cycle == "monthly":
        return Period(day.replace(day=1), day.replace(day=calendar.monthrange(day.year, day.month)[1]))
    if cycle == "quarterly":
        first = 3 * ((day.month - 1) // 3) + 1
        last = first + 2
        return Period(date(day.year, first, 1), date(day.year, last, calendar.monthrange(day.year, last)[1]))
    return Period(date(day.year, 1, 1), date(day.year, 12, 31))


def previous_period(cycle: str, period: Period) -> Period:
    return period_containing(cycle, period.start - timedelta(days=1))


def due_date(rule: CycleRule, period: Period) -> date:
    """The day by which the record of `period` is due (overdue from the next day)."""
    if rule.cycle in ("quarterly", "monthly"):
        return period.end + timedelta(days=rule.due_after_days)
    month, day = (int(part) for part in rule.due_day.split("-"))
    year = period.end.year + 1
    return date(year, month, min(day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class DueWindow:
    """As of a day: `required` is the newest period whose due date has passed (its record is owed), `pending` the
    oldest ended period not yet due (shown "due by …"), `current` the period running now."""

    required: Period
    pending: Period | None
    current: Period


def due_window(rule: CycleRule, as_of: date) -> DueWindow:
    current = period_containing(rule.cycle, as_of)
    period = previous_period(rule.cycle, current)
    pending = None
    while due_date(rule, period) >= as_of:
        pending = period
        period = previous_period(rule.cycle, period)
    return DueWindow(period, pending, current)


def covers_a_period(cycle: str, start: date, end: date) -> bool:
    """True when [start, end] contains at least one whole calendar period of the cycle."""
    period = period_containing(cycle, start)
    if period.start < start:
        period = period_containing(cycle, period.end + timedelta(days=1))
    return period.end <= end


def satisfies(cycle: str, period_end: date | None, period: Period) -> bool:
    """A filed record (whose period is known to cover a whole period, or, for event records, any period) stands
    for `period` when it reaches that period's end or later (event records: its start or later): a newer record
    supersedes an older missing one."""
    if period_end is None:
        return False
    return period_end >= (period.start if cycle == "event" else period.end)


# ---------------------------------------------------------------- the park's rules


def _rule(row: DocType, setting: ParkDocTypeSetting | None) -> CycleRule:
    cycle = row.cycle or "none"
    if setting is not None and setting.cycle and row.park_interval:
        cycle = setting.cycle
    due_day = (setting.due_day if setting else None) or row.due_day or DEFAULT_DUE_DAY
    after = setting.due_after_days if setting and setting.due_after_days is not None else row.due_after_days
    return CycleRule(
        code=row.code,
        cycle=cycle,
        due_day=due_day,
        due_after_days=DEFAULT_DUE_AFTER_DAYS if after is None else after,
        park_interval=row.park_interval,
        covers=tuple(json.loads(row.covers_clauses_json or "[]")),
    )


def load_rules(session: Session, park_id: int, codes: list[str] | None = None) -> dict[str, CycleRule]:
    """Record type code -> its rule for the park: one query."""
    query = (
        select(DocType, ParkDocTypeSetting)
        .outerjoin(
            ParkDocTypeSetting,
            and_(col(ParkDocTypeSetting.doc_type) == col(DocType.code), col(ParkDocTypeSetting.park_id) == park_id),
        )
        .where(col(DocType.kind) == DocKind.record)
    )
    if codes is not None:
        query = query.where(col(DocType.code).in_(codes))
    return {row.code: _rule(row, setting) for row, setting in session.execute(query).all()}


# ---------------------------------------------------------------- registration


def allowed_periods_text(rule: CycleRule, today: date) -> tuple[str, str]:
    """What a record of this type may be registered for, with an example: for refusals."""
    example = previous_period(rule.cycle, period_containing(rule.cycle, today)).label(rule.cycle)
    if rule.cycle == "annual":
        return (
            f"以年度为周期，期间应为一个日历年（如 {example}）或覆盖完整日历年的期间",
            f"annual cycle: the period must be a calendar year (e.g. {example}) or cover a whole calendar year",
        )
    if rule.cycle == "quarterly":
        return (
            f"以季度为周期，期间应为一个季度（如 {example}）或覆盖完整季度的期间",
            f"quarterly cycle: the period must be a calendar quarter (e.g. {example}) or cover a whole quarter",
        )
    return (
        f"以月度为周期，期间应为一个月（如 {example}）或覆盖完整月份的期间",
        f"monthly cycle: the period must be a calendar month (e.g. {example}) or cover a whole month",
    )


def check_record_period(
    rule: CycleRule, title_zh: str, start: date, end: date, today: date, covers_clause: str | None
) -> None:
    """Refuse (422) a period in the future, a period that does not fit the type's cycle, a missing or wrong
    covered clause; each message says what is allowed."""
    if start > today:
        raise Invalid(
            f"{title_zh}：期间 {start}–{end} 在将来，记录只能登记已开始的期间（今天是 {today}）",
            f"{rule.code}: the period {start}–{end} lies in the future; a record is registered for a period that "
            f"has begun (today is {today})",
        )
    if rule.cycle in CALENDAR_CYCLES and not covers_a_period(rule.cycle, start, end):
        zh, en = allowed_periods_text(rule, today)
        raise Invalid(f"{title_zh}{zh}；{start}–{end} 不符合", f"{rule.code}: {en}; {start}–{end} does not fit")
    if rule.covers and covers_clause not in rule.covers:
        options = "、".join(rule.covers)
        raise Invalid(
            f"{title_zh}须注明所覆盖的过程条款（{options} 之一）",
            f"{rule.code} must say which process clause it covers (one of {', '.join(rule.covers)})",
        )
    if not rule.covers and covers_clause:
        raise Invalid(
            f"{title_zh}不按过程分别登记，请不要填写所覆盖条款",
            f"{rule.code} is not registered per process; leave the covered clause empty",
        )
