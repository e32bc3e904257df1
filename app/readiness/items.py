"""The per-item rules: for one required document type (a record type: per covered clause), its status — what
counts (met, in_progress, review_overdue, overdue, missing) — and its state with a due date — what is shown and
what /tasks lists (met, due, overdue, missing, in_progress) — and why.

The lookups are asked lazily, in order, so a type met by its first lookup costs one query.
"""

import calendar
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from app.clauses import cycles
from app.common import as_utc
from app.documents.lifecycle import STATE_LABELS
from app.readiness.lookups import EVIDENCE_LIMIT, Bucket, EvidenceRow, RevisionFinder
from app.readiness.queries import Declaration, TypeInfo

# A document whose periodic review falls due within this many days shows as `due` (as /tasks lists it).
REVIEW_DUE_DAYS = 30


def add_months(day: date, months: int) -> date:
    """The same day `months` later (or earlier), clamped to the month's last day."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _day(value: datetime | None) -> date | None:
    value = as_utc(value)
    return value.date() if value else None


@dataclass
class TypeVerdict:
    status: str
    evidence: list[EvidenceRow]
    # The reason quotes the first evidence row, whose details are read after the verdicts (one query for all):
    # hence a function, called once the rows are filled in.
    reason: Callable[[], tuple[str, str]]
    item_state: str = ""  # the item's `state` in the API (not a lifecycle state)
    due_date: date | None = None
    declarations: list[Declaration] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.item_state:
            self.item_state = {"review_overdue": "overdue"}.get(self.status, self.status)


def _more(bucket: Bucket) -> tuple[str, str]:
    if bucket.total > EVIDENCE_LIMIT:
        return (f"（{EVIDENCE_LIMIT} 份以上）", f" (more than {EVIDENCE_LIMIT})")
    return (f"（共 {bucket.total} 份）", f" ({bucket.total} in all)") if bucket.total > 1 else ("", "")


# ---------------------------------------------------------------- documents


def document_verdict(info: TypeInfo, finder: RevisionFinder, as_of: date) -> TypeVerdict:
    cycle = info.review_cycle_months

    def due(row: EvidenceRow) -> date | None:
        return add_months(row.base.date(), cycle) if cycle and row.base else None

    def is_current(row: EvidenceRow) -> bool:
        day = due(row)
        return day is None or day >= as_of

    effective = finder.effective(info.code, is_current)
    if effective.rows:
        more_zh, more_en = _more(effective)
        current = [row for row in effective.rows if is_current(row)]
        if current:

            def met() -> tuple[str, str]:
                row = current[0]
                published, reviewed = _day(row.effective_from), _day(row.base)
                zh = f"现行有效：{row.control_no} 第{row.number}版，{published} 发布"
                en = f"Effective: {row.control_no} revision {row.number}, published {published}"
                if reviewed and published and reviewed > published:
                    zh += f"，{reviewed} 复审"
                    en += f", reviewed {reviewed}"
                return zh + more_zh, en + more_en

            next_due = due(current[0])
            soon = next_due is not None and (next_due - as_of).days <= REVIEW_DUE_DAYS
            return TypeVerdict("met", current, met, item_state="due" if soon else "met", due_date=next_due)

        def overdue() -> tuple[str, str]:
            row = effective.rows[0]
            return (
                f"评审已逾期：应于 {due(row)} 前复审（{row.control_no} 第{row.number}版，复审周期 {cycle} 个月）"
                f"{more_zh}",
                f"Review overdue: {row.control_no} revision {row.number} was due for review by {due(row)} "
                f"({cycle}-month cycle){more_en}",
            )

        return TypeVerdict("review_overdue", effective.rows, overdue, due_date=due(effective.rows[0]))
    open_ = finder.open(info.code, record=False)
    if open_.rows:

        def in_progress() -> tuple[str, str]:
            row = open_.rows[0]
            state_zh, state_en = STATE_LABELS.get(row.revision_state, (row.revision_state, row.revision_state))
            more_zh, more_en = _more(open_)
            return (
                f"仅有草稿/审批中的版本：{row.control_no} 第{row.number}版（当前{state_zh}）{more_zh}",
                f"Only draft or in-approval revisions: {row.control_no} revision {row.number} "
                f"(now {state_en.lower()}){more_en}",
            )

        return TypeVerdict("in_progress", open_.rows, in_progress)
    obsolete = finder.obsolete(info.code)
    if obsolete.rows:

        def only_obsolete() -> tuple[str, str]:
            more_zh, more_en = _more(obsolete)
            return (
                f"仅有已作废的文件：{obsolete.rows[0].control_no}{more_zh}",
                f"Only obsolete documents: {obsolete.rows[0].control_no}{more_en}",
            )

        return TypeVerdict("missing", obsolete.rows, only_obsolete)
    return TypeVerdict("missing", [], lambda: ("尚无文件", "No document yet"))


# ---------------------------------------------------------------- records


def _once_verdict(info: TypeInfo, filed: Bucket, finder: RevisionFinder, covers: str | None) -> TypeVerdict:
    """A record made once (cycle none): met once filed."""
    if filed.rows:
        newest = filed.rows[0]
        more_zh, more_en = _more(filed)
        return TypeVerdict(
            "met",
            filed.rows,
            lambda: (
                f"已归档记录：{newest.control_no}，{_day(newest.base)} 归档{more_zh}",
                f"Filed record: {newest.control_no}, filed {_day(newest.base)}{more_en}",
            ),
        )
    open_ = finder.open(info.code, record=True, covers=covers)
    if open_.rows:
        return TypeVerdict(
            "in_progress",
            open_.rows,
            lambda: (
                f"记录待确认：{open_.rows[0].control_no}",
                f"Record awaiting confirmation: {open_.rows[0].control_no}",
            ),
        )
    return TypeVerdict("missing", [], lambda: ("尚无已归档的记录", "No filed record yet"))


def record_verdict(
    info: TypeInfo,
    rule: cycles.CycleRule | None,
    finder: RevisionFinder,
    as_of: date,
    *,
    covers: str | None = None,
    declarations: list[Declaration] | None = None,
) -> TypeVerdict:
    """A cycled record type: `met` while the newest period already due (`required`) has its record (or a newer
    one; event types: or a signed no-occurrence declaration); state `due` while the next ended period awaits its
    record before its due date; `overdue` once `required`'s due date has passed without one; `missing` when
    there has never been one."""
    filed = finder.filed(info.code, covers)
    if rule is None or not rule.periodic:
        return _once_verdict(info, filed, finder, covers)
    cycle = rule.cycle
    window = cycles.due_window(rule, as_of)
    declared = declarations or []

    def record_for(period: cycles.Period) -> EvidenceRow | None:
        return next((row for row in filed.rows if cycles.satisfies(cycle, row.period_end, period)), None)

    def declaration_for(period: cycles.Period) -> Declaration | None:
        return next((d for d in declared if d.period_end >= period.end), None)

    def label(period: cycles.Period) -> str:
        return period.label(cycle)

    required, pending = window.required, window.pending
    due_required = cycles.due_date(rule, required)
    row, declaration = record_for(required), declaration_for(required)
    if row is not None or declaration is not None:
        later = pending if pending is not None and not (record_for(pending) or declaration_for(pending)) else None
        due_next = cycles.due_date(rule, later or window.current)
        evidence = [r for r in filed.rows if cycles.satisfies(cycle, r.period_end, required)]
        more_zh, more_en = _more(filed)

        def met() -> tuple[str, str]:
            if row is not None:
                zh = f"已归档记录覆盖 {label(required)}：{row.control_no}，期间截至 {row.period_end}{more_zh}"
                en = (
                    f"A filed record covers {label(required)}: {row.control_no}, "
                    f"period ending {row.period_end}{more_en}"
                )
            else:
                assert declaration is not None
                zh = f"已签署 {label(required)} 未发生声明（{declaration.signer_name}，{_day(declaration.signed_at)}）"
                en = (
                    f"No-occurrence declaration signed for {label(required)} ({declaration.signer_name}, "
                    f"{_day(declaration.signed_at)})"
                )
            if later is not None:
                zh += f"；{label(later)} 的记录应于 {due_next} 前归档"
                en += f"; the record for {label(later)} is due by {due_next}"
            return zh, en

        return TypeVerdict(
            "met",
            evidence,
            met,
            item_state="due" if later is not None else "met",
            due_date=due_next,
            declarations=[d for d in declared if d.period_end >= required.end],
        )
    open_ = finder.open(info.code, record=True, covers=covers)
    waiting = [r for r in open_.rows if cycles.satisfies(cycle, r.period_end, required)]
    if waiting:
        return TypeVerdict(
            "in_progress",
            waiting,
            lambda: (
                f"{label(required)} 的记录待确认：{waiting[0].control_no}（应于 {due_required} 前归档）",
                f"The record for {label(required)} awaits confirmation: {waiting[0].control_no} "
                f"(due by {due_required})",
            ),
            due_date=due_required,
        )
    if not filed.rows and not declared:
        return TypeVerdict(
            "missing",
            [],
            lambda: (
                f"尚无已归档的记录：{label(required)} 的记录应于 {due_required} 前归档",
                f"No filed record yet: the record for {label(required)} was due by {due_required}",
            ),
            due_date=due_required,
        )
    newest = filed.rows[0] if filed.rows else None

    def overdue() -> tuple[str, str]:
        zh = f"{label(required)} 的记录应于 {due_required} 前归档，已逾期"
        en = f"The record for {label(required)} was due by {due_required} and is overdue"
        if newest is not None:
            zh += f"；最新归档记录的期间截至 {newest.period_end}（{newest.control_no}）"
            en += f"; the newest filed record's period ends {newest.period_end} ({newest.control_no})"
        return zh, en

    return TypeVerdict("overdue", [newest] if newest else [], overdue, due_date=due_required)
