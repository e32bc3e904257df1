"""Readiness (就绪度): per clause, chapter and park, how much of the required documented information is in place.

Set-based, whatever the size of the park:
1. the clause map (clauses of chapters 5–11 joined with their linked document types) in one query;
2. the park's applicability rows in one query;
3. the park's counting revisions in one narrow query over Revision JOIN Document, classified in SQL into buckets
   (effective / in progress / obsolete / filed at the date asked), grouped in Python, the newest EVIDENCE_LIMIT kept
   per type and bucket;
4. the details and approvers of the evidence revisions in one query.
Everything else is arithmetic in Python.
"""

import calendar
import heapq
import unicodedata
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import and_, case, literal, or_, select
from sqlmodel import Session

from app.clauses.models import Clause, ClauseApplicability, DocKind, DocType, DocTypeClause
from app.common import as_utc, utcnow
from app.deps import refusal
from app.documents.access import readable
from app.documents.lifecycle import STATE_LABELS
from app.documents.models import OPEN_STATES, Document, Revision, RevisionState, Signature, SignatureMeaning
from app.errors import Forbidden, Invalid, NotFound
from app.events import service as events
from app.users.models import Role, User

READINESS_CHAPTERS: tuple[str, ...] = ("5", "6", "7", "8", "9", "10", "11")

CHAPTER_TITLES: dict[str, tuple[str, str]] = {
    "4": ("基本原则", "Basic principles"),
    "5": ("产业园区所处环境", "Context of the park"),
    "6": ("组织与制度", "Organization and rules"),
    "7": ("策划", "Planning"),
    "8": ("支持", "Support"),
    "9": ("运行", "Operation"),
    "10": ("绩效评价", "Performance evaluation"),
    "11": ("改进", "Improvement"),
}

# Clause, chapter and overall statuses.
STATUS_LABELS: dict[str, tuple[str, str]] = {
    "met": ("已满足", "met"),
    "partial": ("部分满足", "partial"),
    "gap": ("缺失", "gap"),
    "not_applicable": ("不适用", "not applicable"),
}

# Item statuses.
ITEM_STATUS_LABELS: dict[str, tuple[str, str]] = {
    "met": ("满足", "met"),
    "review_overdue": ("复审逾期", "review overdue"),
    "in_progress": ("进行中", "in progress"),
    "overdue": ("已逾期", "overdue"),
    "missing": ("缺失", "missing"),
    "not_applicable": ("不适用", "not applicable"),
}

ITEM_STATUSES: tuple[str, ...] = ("met", "in_progress", "review_overdue", "overdue", "missing")

# At most this many evidence documents are listed per item (the newest first); the reason gives the total.
EVIDENCE_LIMIT = 10

_EFFECTIVE, _OPEN, _OBSOLETE, _FILED = "E", "O", "X", "F"
_S = RevisionState
_OPEN_VALUES = tuple(str(state) for state in OPEN_STATES)
_ONCE_EFFECTIVE = (str(_S.effective), str(_S.superseded), str(_S.obsolete))
_RECORD_DONE = (str(_S.filed), str(_S.void))


# ---------------------------------------------------------------- small helpers


def add_months(day: date, months: int) -> date:
    """The same day `months` later (or earlier), clamped to the month's last day."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def ratio(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


def rollup_status(counts: dict[str, int]) -> str:
    """met when all applicable items are met, gap when none is met or in progress, otherwise partial."""
    applicable = counts["applicable_items"]
    if applicable == 0:
        return "not_applicable"
    if counts["met"] == applicable:
        return "met"
    if counts["met"] + counts["in_progress"] == 0:
        return "gap"
    return "partial"


def _empty_counts() -> dict[str, int]:
    return {status: 0 for status in ITEM_STATUSES} | {"applicable_items": 0, "not_applicable_items": 0}


def _summary(counts: dict[str, int]) -> dict[str, Any]:
    applicable = counts["applicable_items"]
    return {
        "status": rollup_status(counts),
        "coverage": ratio(counts["met"], applicable),
        "progress": ratio(counts["met"] + counts["in_progress"], applicable),
        "counts": dict(counts),
    }


def _day(value: datetime | None) -> date | None:
    value = as_utc(value)
    return value.date() if value else None


def _iso_time(value: datetime | None) -> str | None:
    value = as_utc(value)
    return value.isoformat() if value else None


# ---------------------------------------------------------------- the clause map


@dataclass(frozen=True)
class TypeInfo:
    code: str
    title_zh: str
    title_en: str
    kind: str
    review_cycle_months: int | None


@dataclass
class ClauseInfo:
    id: str
    chapter: str
    title_zh: str
    title_en: str
    doc_types: list[str] = field(default_factory=list)


def _clause_map(session: Session, clause_ids: Collection[str] | None = None
                ) -> tuple[list[ClauseInfo], dict[str, TypeInfo]]:
    """Clauses of chapters 5–11 with at least one linked type, in file order, and those types: one query."""
    query = (
        select(Clause.id, Clause.chapter, Clause.title_zh, Clause.title_en,
               DocType.code, DocType.title_zh, DocType.title_en, DocType.kind, DocType.review_cycle_months)
        .join(DocTypeClause, DocTypeClause.clause_id == Clause.id)
        .join(DocType, DocType.code == DocTypeClause.doc_type)
        .where(Clause.chapter.in_(READINESS_CHAPTERS))
        .order_by(Clause.sort_key, Clause.id, DocType.sort_key, DocType.code)
    )
    if clause_ids is not None:
        query = query.where(Clause.id.in_(list(clause_ids)))
    clauses: dict[str, ClauseInfo] = {}
    types: dict[str, TypeInfo] = {}
    for cid, chapter, c_zh, c_en, code, t_zh, t_en, kind, cycle in session.execute(query):
        clause = clauses.get(cid)
        if clause is None:
            clause = clauses[cid] = ClauseInfo(cid, chapter, c_zh, c_en)
        clause.doc_types.append(code)
        if code not in types:
            types[code] = TypeInfo(code, t_zh, t_en, str(kind), cycle or None)
    return list(clauses.values()), types


# ---------------------------------------------------------------- the park's revisions


@dataclass
class EvidenceRow:
    bucket: str
    doc_type: str
    revision_id: int
    base: datetime | None  # effective_from or last_reviewed_at, the later (the filing time for records)
    period_end: date | None
    # Filled in for the rows shown as evidence only (a second, small query).
    document_id: int = 0
    control_no: str = ""
    number: int = 0
    state: str = ""
    effective_from: datetime | None = None
    period_start: date | None = None
    approvers: list[str] = field(default_factory=list)


@dataclass
class Bucket:
    total: int = 0
    rows: list[EvidenceRow] = field(default_factory=list)


def _revision_buckets(
    session: Session, *, park_id: int, doc_types: Collection[str], as_of: date, historical: bool, user: User | None,
    few_types: bool = False,
) -> dict[tuple[str, str], Bucket]:
    """The park's counting revisions, classified in SQL into buckets; the newest EVIDENCE_LIMIT kept per bucket.

    One narrow query over Revision JOIN Document (state, type, id, review base, period end), grouped in Python.
    """
    R, D = Revision, Document
    cutoff = datetime.combine(as_of + timedelta(days=1), time.min, tzinfo=UTC)  # the end of the as_of day
    if historical:
        not_ended = or_(R.ended_at.is_(None), R.ended_at >= cutoff)
        reviewed = and_(R.last_reviewed_at.is_not(None), R.last_reviewed_at > R.effective_from,
                        R.last_reviewed_at < cutoff)
        bucket = case(
            (and_(R.state.in_(_RECORD_DONE), R.effective_from < cutoff, not_ended), literal(_FILED)),
            (and_(R.state.in_(_ONCE_EFFECTIVE), R.effective_from < cutoff, not_ended), literal(_EFFECTIVE)),
            (and_(R.state == str(_S.obsolete), R.ended_at < cutoff), literal(_OBSOLETE)),
            (and_(R.state.in_(_OPEN_VALUES + _ONCE_EFFECTIVE),
                  or_(R.effective_from.is_(None), R.effective_from >= cutoff), not_ended), literal(_OPEN)),
            else_=literal(""),
        )
        conditions = [R.created_at < cutoff, or_(not_ended, R.state == str(_S.obsolete))]
    else:
        reviewed = and_(R.last_reviewed_at.is_not(None), R.last_reviewed_at > R.effective_from)
        bucket = case(
            (R.state == str(_S.effective), literal(_EFFECTIVE)),
            (R.state == str(_S.filed), literal(_FILED)),
            (R.state == str(_S.obsolete), literal(_OBSOLETE)),
            else_=literal(_OPEN),
        )
        conditions = [R.state.in_((str(_S.effective), str(_S.filed), str(_S.obsolete)) + _OPEN_VALUES)]
    base = case((reviewed, R.last_reviewed_at), else_=R.effective_from)
    if user is not None and user.role == Role.contributor:
        conditions.append(readable(user))
    if few_types:
        # One clause: from the park's documents of those types to their revisions (by document_id). Without
        # the revision-side park filter SQLite cannot pick ix_revision_park_state, which would read every
        # counting revision of the park; the document-side park filter keeps the tenant boundary.
        conditions.append(D.doc_type.in_(sorted(doc_types)))
    else:
        # The whole park: one pass over its counting revisions through ix_revision_park_state (park_id, state).
        conditions.append(R.park_id == park_id)
    query = (
        select(bucket, D.doc_type, R.id, base, R.period_end)
        .join(D, D.id == R.document_id)
        .where(D.park_id == park_id, *conditions)
    )
    wanted = set(doc_types)
    # Streamed in chunks, keeping per type and bucket a count and a bounded heap of the newest rows: memory and
    # garbage-collector work stay small however large the park.
    groups: dict[tuple[str, str], list] = {}
    result = session.connection().execute(query)
    for chunk in result.partitions(500):
        for bucket_value, doc_type, revision_id, base_value, period_end in chunk:
            if not bucket_value or doc_type not in wanted:
                continue
            group = groups.get((doc_type, bucket_value))
            if group is None:
                group = groups[(doc_type, bucket_value)] = [0, []]
            group[0] += 1
            # Newest first: records by the end of their period, documents by their latest publication or review.
            entry = (period_end is not None, period_end, base_value is not None, base_value, revision_id)
            heap = group[1]
            if len(heap) < EVIDENCE_LIMIT:
                heapq.heappush(heap, entry)
            elif entry > heap[0]:
                heapq.heapreplace(heap, entry)
    buckets = {}
    for (doc_type, bucket_value), (total, heap) in groups.items():
        buckets[(doc_type, bucket_value)] = Bucket(total=total, rows=[
            EvidenceRow(bucket_value, doc_type, revision_id, as_utc(base_value), period_end)
            for _, period_end, _, base_value, revision_id in sorted(heap, reverse=True)
        ])
    return buckets


def _fill_evidence(session: Session, rows: Collection[EvidenceRow]) -> None:
    """The details and the approvers (批准/确认 signatures) of the evidence rows: one query."""
    if not rows:
        return
    by_id: dict[int, list[EvidenceRow]] = {}
    for row in rows:
        by_id.setdefault(row.revision_id, []).append(row)
    R, D, S = Revision, Document, Signature
    query = (
        select(R.id, R.document_id, D.control_no, R.number, R.state, R.effective_from, R.period_start,
               S.signer_name)
        .join(D, D.id == R.document_id)
        .outerjoin(S, and_(S.revision_id == R.id,
                           S.meaning.in_((str(SignatureMeaning.approve), str(SignatureMeaning.confirm)))))
        .where(R.id.in_(sorted(by_id)))
        .order_by(R.id, S.signed_at, S.id)
    )
    for revision_id, document_id, control_no, number, state, effective_from, period_start, signer in \
            session.connection().execute(query).all():
        for row in by_id[revision_id]:
            row.document_id, row.control_no, row.number, row.state = document_id, control_no, number, str(state)
            row.effective_from, row.period_start = as_utc(effective_from), period_start
            if signer and signer not in row.approvers:
                row.approvers.append(signer)


# ---------------------------------------------------------------- items


@dataclass
class TypeVerdict:
    status: str
    evidence: list[EvidenceRow]
    # The reason quotes the first evidence row, whose details are read after the verdicts (one query for all):
    # hence a function, called once the rows are filled in.
    reason: Callable[[], tuple[str, str]]


def _more(total: int) -> tuple[str, str]:
    return (f"（共 {total} 份）", f" ({total} in all)") if total > 1 else ("", "")


def _document_verdict(info: TypeInfo, buckets: dict[tuple[str, str], Bucket], as_of: date) -> TypeVerdict:
    cycle = info.review_cycle_months
    effective = buckets.get((info.code, _EFFECTIVE))
    if effective and effective.rows:
        more_zh, more_en = _more(effective.total)

        def due(row: EvidenceRow) -> date | None:
            return add_months(row.base.date(), cycle) if cycle and row.base else None

        current = [row for row in effective.rows if due(row) is None or due(row) >= as_of]
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
            return (f"评审已逾期：应于 {due(row)} 前复审（{row.control_no} 第{row.number}版，复审周期 {cycle} 个月）"
                    f"{more_zh}",
                    f"Review overdue: {row.control_no} revision {row.number} was due for review by {due(row)} "
                    f"({cycle}-month cycle){more_en}")

        return TypeVerdict("review_overdue", effective.rows, overdue)
    open_ = buckets.get((info.code, _OPEN))
    if open_ and open_.rows:
        def in_progress() -> tuple[str, str]:
            row = open_.rows[0]
            state_zh, state_en = STATE_LABELS.get(row.state, (row.state, row.state))
            more_zh, more_en = _more(open_.total)
            return (f"仅有草稿/审批中的版本：{row.control_no} 第{row.number}版（当前{state_zh}）{more_zh}",
                    f"Only draft or in-approval revisions: {row.control_no} revision {row.number} "
                    f"(now {state_en.lower()}){more_en}")

        return TypeVerdict("in_progress", open_.rows, in_progress)
    obsolete = buckets.get((info.code, _OBSOLETE))
    if obsolete and obsolete.rows:
        def only_obsolete() -> tuple[str, str]:
            more_zh, more_en = _more(obsolete.total)
            return (f"仅有已作废的文件：{obsolete.rows[0].control_no}{more_zh}",
                    f"Only obsolete documents: {obsolete.rows[0].control_no}{more_en}")

        return TypeVerdict("missing", obsolete.rows, only_obsolete)
    return TypeVerdict("missing", [], lambda: ("尚无文件", "No document yet"))


def _record_end(row: EvidenceRow) -> date | None:
    return row.period_end or _day(row.base)


def _record_verdict(info: TypeInfo, buckets: dict[tuple[str, str], Bucket], as_of: date) -> TypeVerdict:
    cycle = info.review_cycle_months
    filed = buckets.get((info.code, _FILED))
    if not filed or not filed.rows:
        return TypeVerdict("missing", [], lambda: ("尚无已归档的记录", "No filed record yet"))
    newest = filed.rows[0]
    end = _record_end(newest)
    more_zh, more_en = _more(filed.total)
    if not cycle:
        return TypeVerdict("met", filed.rows, lambda: (
            f"已归档记录：{newest.control_no}，{_day(newest.base)} 归档{more_zh}",
            f"Filed record: {newest.control_no}, filed {_day(newest.base)}{more_en}"))
    threshold = add_months(as_of, -cycle)
    covering = [row for row in filed.rows if (_record_end(row) or date.min) >= threshold]
    if covering:
        return TypeVerdict("met", covering, lambda: (
            f"已归档记录覆盖当前周期：{newest.control_no}，期间截至 {end}（周期 {cycle} 个月）{more_zh}",
            f"A filed record covers the current cycle: {newest.control_no}, period ending {end} "
            f"({cycle}-month cycle){more_en}"))
    return TypeVerdict("overdue", [newest], lambda: (
        f"最新归档记录的期间截至 {end}，已超过 {cycle} 个月周期（{newest.control_no}）",
        f"The newest filed record's period ends {end}, beyond the {cycle}-month cycle ({newest.control_no})"))


def _evidence_detail(row: EvidenceRow) -> dict[str, Any]:
    return {
        "document_id": row.document_id,
        "control_no": row.control_no,
        "revision_id": row.revision_id,
        "revision": row.number,
        "state": row.state,
        "effective_from": _iso_time(row.effective_from),
        "period_start": row.period_start.isoformat() if row.period_start else None,
        "period_end": row.period_end.isoformat() if row.period_end else None,
        "approvers": list(row.approvers),
    }


# ---------------------------------------------------------------- the computation


def _applicability(session: Session, park_id: int, clause_ids: Collection[str] | None) -> dict[str, tuple[bool, str]]:
    query = select(ClauseApplicability.clause_id, ClauseApplicability.applicable, ClauseApplicability.reason).where(
        ClauseApplicability.park_id == park_id)
    if clause_ids is not None:
        query = query.where(ClauseApplicability.clause_id.in_(list(clause_ids)))
    return {clause_id: (bool(applicable), reason or "") for clause_id, applicable, reason in session.execute(query)}


def _compute(session: Session, *, park_id: int, as_of: date | None, user: User | None,
             clause_ids: Collection[str] | None = None) -> dict[str, Any]:
    today = utcnow().date()
    historical = as_of is not None and as_of < today
    as_of = as_of or today
    clauses, types = _clause_map(session, clause_ids)
    excluded = {cid: reason for cid, (applicable, reason) in _applicability(session, park_id, clause_ids).items()
                if not applicable}

    # Only the types of applicable clauses need the park's revisions.
    needed = {code for clause in clauses if clause.id not in excluded for code in clause.doc_types}
    buckets = (_revision_buckets(session, park_id=park_id, doc_types=needed, as_of=as_of, historical=historical,
                                 user=user, few_types=clause_ids is not None) if needed else {})
    verdicts: dict[str, TypeVerdict] = {}
    for code in needed:
        info = types[code]
        judge = _record_verdict if info.kind == DocKind.record else _document_verdict
        verdicts[code] = judge(info, buckets, as_of)
    _fill_evidence(session, [row for verdict in verdicts.values() for row in verdict.evidence])
    reasons = {code: verdict.reason() for code, verdict in verdicts.items()}

    chapter_counts = {chapter: _empty_counts() for chapter in READINESS_CHAPTERS}
    overall_counts = _empty_counts()
    clause_out = []
    for clause in clauses:
        counts = _empty_counts()
        not_applicable = clause.id in excluded
        items = []
        for code in clause.doc_types:
            info = types[code]
            item: dict[str, Any] = {"doc_type": code, "title_zh": info.title_zh, "title_en": info.title_en,
                                    "kind": info.kind}
            if not_applicable:
                item |= {"status": "not_applicable", "reason_zh": f"条款不适用：{excluded[clause.id]}",
                         "reason_en": f"Clause not applicable: {excluded[clause.id]}", "evidence": [],
                         "evidence_detail": []}
                counts["not_applicable_items"] += 1
            else:
                verdict = verdicts[code]
                item |= {"status": verdict.status, "reason_zh": reasons[code][0], "reason_en": reasons[code][1],
                         "evidence": list(dict.fromkeys(row.document_id for row in verdict.evidence)),
                         "evidence_detail": [_evidence_detail(row) for row in verdict.evidence]}
                counts[verdict.status] += 1
                counts["applicable_items"] += 1
            items.append(item)
        for total in (chapter_counts.setdefault(clause.chapter, _empty_counts()), overall_counts):
            for key, value in counts.items():
                total[key] += value
        summary = _summary(counts)
        clause_out.append({
            "id": clause.id, "chapter": clause.chapter, "title_zh": clause.title_zh, "title_en": clause.title_en,
            "status": "not_applicable" if not_applicable else summary["status"],
            "coverage": summary["coverage"], "progress": summary["progress"], "counts": summary["counts"],
            "applicable": not not_applicable,
            "not_applicable_reason": excluded[clause.id] if not_applicable else None,
            "items": items,
        })

    # Audits hook (app/audits): an open major nonconformity caps its clause at `partial`, with the reason.
    from app.audits.service import cap_by_nonconformities
    cap_by_nonconformities(session, park_id=park_id, as_of=as_of, clauses=clause_out)

    chapters = []
    for chapter, counts in chapter_counts.items():
        title_zh, title_en = CHAPTER_TITLES.get(chapter, (chapter, chapter))
        chapters.append({"id": chapter, "title_zh": title_zh, "title_en": title_en} | _summary(counts))
    return {"as_of": as_of.isoformat(), "overall": _summary(overall_counts), "chapters": chapters,
            "clauses": clause_out}


def compute_readiness(session: Session, *, park_id: int, as_of: date | None = None,
                      user: User | None = None) -> dict[str, Any]:
    """The park's readiness per clause, chapter and overall; `as_of` a past date counts what was effective then.

    With a contributor as `user`, only the documents they may read are counted.
    """
    return _compute(session, park_id=park_id, as_of=as_of, user=user)


def clause_readiness(session: Session, *, park_id: int, clause_id: str, as_of: date | None = None,
                     user: User | None = None) -> dict[str, Any] | None:
    """One clause's readiness entry (None when the clause takes no part in readiness)."""
    result = _compute(session, park_id=park_id, as_of=as_of, user=user, clause_ids=[clause_id])
    return next((clause for clause in result["clauses"] if clause["id"] == clause_id), None)


# ---------------------------------------------------------------- applicability


def set_applicability(session: Session, *, actor: User, clause_id: str, applicable: bool,
                      reason: str) -> ClauseApplicability:
    """Mark a clause (not) applicable for the actor's park; only a coordinator may, and exclusion needs a reason."""
    if actor.role != Role.coordinator:
        raise Forbidden("只有体系管理员可以设置条款适用性", "Only a coordinator may set a clause's applicability",
                        audit=refusal(actor, "access.refused", "clause", clause_id))
    if session.get(Clause, clause_id) is None:
        raise NotFound(f"条款 {clause_id} 不存在", f"Clause {clause_id} does not exist")
    reason = (reason or "").strip()
    if not applicable and not reason:
        raise Invalid("标记为不适用时必须填写理由", "A reason is required to mark a clause not applicable")
    row = session.execute(
        select(ClauseApplicability).where(ClauseApplicability.park_id == actor.park_id,
                                          ClauseApplicability.clause_id == clause_id)
    ).scalars().first()
    before = {"applicable": row.applicable, "reason": row.reason} if row else {"applicable": True, "reason": ""}
    if row is None:
        row = ClauseApplicability(park_id=actor.park_id, clause_id=clause_id)
    row.applicable = applicable
    row.reason = reason
    row.set_by_id = actor.id
    row.set_at = utcnow()
    session.add(row)
    session.flush()
    events.record(session, action="clause.applicability", entity_type="clause", entity_id=clause_id,
                  park_id=actor.park_id, actor=actor, before=before,
                  after={"applicable": row.applicable, "reason": row.reason})
    return row


# ---------------------------------------------------------------- the terminal table


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def _fit(text: str, width: int) -> str:
    """Cut to `width` display columns and pad, counting CJK characters as two."""
    out, used = [], 0
    for ch in text:
        w = 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
        if used + w > width:
            if out:
                while out and used + 1 > width:
                    used -= _width(out.pop())
                out.append("…")
                used += 1
            break
        out.append(ch)
        used += w
    return "".join(out) + " " * (width - used)


def _percent(value: float) -> str:
    return f"{value * 100:5.1f}%"


def render_table(result: dict[str, Any], park_name: str) -> str:
    """A readable terminal table: one line per clause, then the chapters and the overall figures."""
    columns = (("条款", 8), ("标题", 34), ("状态", 10), ("覆盖率", 8), ("进展", 8))
    header = " ".join(_fit(name, width) for name, width in columns)
    rule = "-" * _width(header)

    def line(key: str, title: str, status: str, coverage: float, progress: float) -> str:
        status_zh = STATUS_LABELS.get(status, (status, status))[0]
        return " ".join((_fit(key, 8), _fit(title, 34), _fit(status_zh, 10), _fit(_percent(coverage), 8),
                         _fit(_percent(progress), 8))).rstrip()

    lines = [f"{park_name} 就绪度 / readiness（截至 / as of {result['as_of']}）", "", header, rule]
    for clause in result["clauses"]:
        lines.append(line(clause["id"], clause["title_zh"], clause["status"], clause["coverage"], clause["progress"]))
    lines += ["", header, rule]
    for chapter in result["chapters"]:
        lines.append(line(f"第{chapter['id']}章", chapter["title_zh"], chapter["status"], chapter["coverage"],
                          chapter["progress"]))
    lines.append(rule)
    overall = result["overall"]
    lines.append(line("合计", "全部适用条款", overall["status"], overall["coverage"],
                      overall["progress"]))
    counts = overall["counts"]
    lines += ["", "事项 / items: " + "，".join(
        f"{ITEM_STATUS_LABELS[status][0]} {counts[status]}" for status in ITEM_STATUSES
    ) + f"；适用 {counts['applicable_items']}，不适用 {counts['not_applicable_items']}"]
    return "\n".join(lines)
