"""The per-item rules: for one required document type, met, review overdue, in progress, overdue or missing, and why.

Pure functions of the buckets read by `queries`: no database access here.
"""

import calendar
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import date, datetime

from app.clauses.models import DocKind
from app.common import as_utc
from app.documents.lifecycle import STATE_LABELS
from app.readiness.queries import (
    BUCKET_EFFECTIVE,
    BUCKET_FILED,
    BUCKET_OBSOLETE,
    BUCKET_OPEN,
    Bucket,
    EvidenceRow,
    TypeInfo,
)


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


def _more(total: int) -> tuple[str, str]:
    return (f"（共 {total} 份）", f" ({total} in all)") if total > 1 else ("", "")


def document_verdict(info: TypeInfo, buckets: dict[tuple[str, str], Bucket], as_of: date) -> TypeVerdict:
    cycle = info.review_cycle_months
    effective = buckets.get((info.code, BUCKET_EFFECTIVE))
    if effective and effective.rows:
        more_zh, more_en = _more(effective.total)

        def due(row: EvidenceRow) -> date | None:
            return add_months(row.base.date(), cycle) if cycle and row.base else None

        current = [row for row in effective.rows if (day := due(row)) is None or day >= as_of]
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

            return TypeVerdict("met", current, met)

        def overdue() -> tuple[str, str]:
            row = effective.rows[0]
            return (
                f"评审已逾期：应于 {due(row)} 前复审（{row.control_no} 第{row.number}版，复审周期 {cycle} 个月）"
                f"{more_zh}",
                f"Review overdue: {row.control_no} revision {row.number} was due for review by {due(row)} "
                f"({cycle}-month cycle){more_en}",
            )

        return TypeVerdict("review_overdue", effective.rows, overdue)
    open_ = buckets.get((info.code, BUCKET_OPEN))
    if open_ and open_.rows:

        def in_progress() -> tuple[str, str]:
            row = open_.rows[0]
            state_zh, state_en = STATE_LABELS.get(row.revision_state, (row.revision_state, row.revision_state))
            more_zh, more_en = _more(open_.total)
            return (
                f"仅有草稿/审批中的版本：{row.control_no} 第{row.number}版（当前{state_zh}）{more_zh}",
                f"Only draft or in-approval revisions: {row.control_no} revision {row.number} "
                f"(now {state_en.lower()}){more_en}",
            )

        return TypeVerdict("in_progress", open_.rows, in_progress)
    obsolete = buckets.get((info.code, BUCKET_OBSOLETE))
    if obsolete and obsolete.rows:

        def only_obsolete() -> tuple[str, str]:
            more_zh, more_en = _more(obsolete.total)
            return (
                f"仅有已作废的文件：{obsolete.rows[0].control_no}{more_zh}",
                f"Only obsolete documents: {obsolete.rows[0].control_no}{more_en}",
            )

        return TypeVerdict("missing", obsolete.rows, only_obsolete)
    return TypeVerdict("missing", [], lambda: ("尚无文件", "No document yet"))


def _record_end(row: EvidenceRow) -> date | None:
    return row.period_end or _day(row.base)


def record_verdict(info: TypeInfo, buckets: dict[tuple[str, str], Bucket], as_of: date) -> TypeVerdict:
    cycle = info.review_cycle_months
    filed = buckets.get((info.code, BUCKET_FILED))
    if not filed or not filed.rows:
        return TypeVerdict("missing", [], lambda: ("尚无已归档的记录", "No filed record yet"))
    newest = filed.rows[0]
    end = _record_end(newest)
    more_zh, more_en = _more(filed.total)
    if not cycle:
        return TypeVerdict(
            "met",
            filed.rows,
            lambda: (
                f"已归档记录：{newest.control_no}，{_day(newest.base)} 归档{more_zh}",
                f"Filed record: {newest.control_no}, filed {_day(newest.base)}{more_en}",
            ),
        )
    threshold = add_months(as_of, -cycle)
    covering = [row for row in filed.rows if (_record_end(row) or date.min) >= threshold]
    if covering:
        return TypeVerdict(
            "met",
            covering,
            lambda: (
                f"已归档记录覆盖当前周期：{newest.control_no}，期间截至 {end}（周期 {cycle} 个月）{more_zh}",
                f"A filed record covers the current cycle: {newest.control_no}, period ending {end} "
                f"({cycle}-month cycle){more_en}",
            ),
        )
    return TypeVerdict(
        "overdue",
        [newest],
        lambda: (
            f"最新归档记录的期间截至 {end}，已超过 {cycle} 个月周期（{newest.control_no}）",
            f"The newest filed record's period ends {end}, beyond the {cycle}-month cycle ({newest.control_no})",
        ),
    )


def judge_types(
    types: dict[str, TypeInfo], codes: Collection[str], buckets: dict[tuple[str, str], Bucket], as_of: date
) -> dict[str, TypeVerdict]:
    """The verdict of each type in `codes`: records by the record rules, documents by the document rules."""
    verdicts: dict[str, TypeVerdict] = {}
    for code in codes:
        info = types[code]
        judge = record_verdict if info.kind == DocKind.record else document_verdict
        verdicts[code] = judge(info, buckets, as_of)
    return verdicts
