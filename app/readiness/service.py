"""Readiness (就绪度): per clause, chapter and park, how much of the required documented information is in place.

Per document type, whatever the size of the park: `queries` reads the clause map and the park's applicability
(one query each), then per required type a few LIMITed index lookups, asked lazily by `items`, which decides each
item's status, state and due date (records by the cycle rules of `app.clauses.cycles`); `rollup` adds the items
up per clause, chapter and overall (see there what counts once).

This module is the domain's public face: the labels, the computation, clause applicability and the terminal table.
"""

import unicodedata
from collections.abc import Collection
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from app.clauses import cycles
from app.clauses.models import Clause, ClauseApplicability, DocKind
from app.common import utcnow
from app.errors import Forbidden, Invalid, NotFound
from app.events import service as events
from app.events.refusals import Rule, refusal
from app.labels import LABELS
from app.performance.readiness_findings import attach_findings
from app.readiness.items import TypeVerdict, document_verdict, record_verdict
from app.readiness.lookups import RevisionFinder
from app.readiness.nonconformities import cap_by_nonconformities
from app.readiness.queries import (
    fill_evidence,
    load_applicability,
    load_clause_map,
    load_declarations,
)
from app.readiness.rollup import ITEM_STATUSES, roll_up, summary
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
STATUS_LABELS = LABELS["status"]

# Item statuses.
ITEM_STATUS_LABELS = LABELS["item"]


# ---------------------------------------------------------------- the computation


def _compute(
    session: Session, *, park_id: int, as_of: date | None, user: User | None, clause_ids: Collection[str] | None = None
) -> dict[str, Any]:
    today = utcnow().date()
    historical = as_of is not None and as_of < today
    as_of = as_of or today
    all_clauses, types = load_clause_map(session, READINESS_CHAPTERS)
    clauses = all_clauses if clause_ids is None else [c for c in all_clauses if c.id in set(clause_ids)]
    # Every applicability row (a handful): where a shared type counts depends on the clauses above.
    excluded = {
        cid: reason
        for cid, (applicable, reason) in load_applicability(session, park_id, None).items()
        if not applicable
    }
    needed = {code for clause in clauses if clause.id not in excluded for code in clause.doc_types}
    rules = cycles.load_rules(session, park_id, sorted(code for code in needed if types[code].kind == "record"))

    def key_of(clause_id: str, code: str) -> tuple[str, str]:
        rule = rules.get(code)
        return (code, clause_id) if rule is not None and clause_id in rule.covers else (code, "")

    keys = {key_of(clause.id, code) for clause in clauses if clause.id not in excluded for code in clause.doc_types}
    finder = RevisionFinder(session, park_id=park_id, as_of=as_of, historical=historical, user=user)
    declarations = load_declarations(
        session, park_id, [code for code, rule in rules.items() if rule.cycle == "event"], as_of
    )
    finder.first_lookups(
        [code for code, _ in keys if types[code].kind != DocKind.record],
        [(code, group or None) for code, group in keys if types[code].kind == DocKind.record],
    )
    verdicts: dict[tuple[str, str], TypeVerdict] = {}
    for code, group in sorted(keys):
        info = types[code]
        if info.kind == DocKind.record:
            verdicts[(code, group)] = record_verdict(
                info,
                rules.get(code),
                finder,
                as_of,
                covers=group or None,
                declarations=declarations.get(code, []),
            )
        else:
            verdicts[(code, group)] = document_verdict(info, finder, as_of)
    fill_evidence(session, [row for verdict in verdicts.values() for row in verdict.evidence])
    reasons = {key: verdict.reason() for key, verdict in verdicts.items()}
    rollup = roll_up(clauses, all_clauses, types, excluded, verdicts, reasons, READINESS_CHAPTERS, key_of)

    for clause in rollup.clauses:  # the record cycle as the park applies it (None for documents)
        for item in clause["items"]:
            rule = rules.get(item["doc_type"])
            item["cycle"] = rule.cycle if rule is not None else None

    # An open major nonconformity caps its clause at `partial`, with the reason.
    cap_by_nonconformities(session, park_id=park_id, as_of=as_of, clauses=rollup.clauses)
    # What the performance data lacks (7.1, 7.4, 7.5), shown with the items; it does not change what counts.
    # A contributor's view leaves them out: they name the park's objectives and targets.
    hidden = user is not None and user.role == Role.contributor
    attach_findings(session, park_id=park_id, as_of=as_of, clauses=rollup.clauses, hidden=hidden)

    chapters = []
    for chapter, counts in rollup.chapter_counts.items():
        title_zh, title_en = CHAPTER_TITLES.get(chapter, (chapter, chapter))
        chapters.append({"id": chapter, "title_zh": title_zh, "title_en": title_en} | summary(counts))
    return {
        "as_of": as_of.isoformat(),
        "overall": summary(rollup.overall_counts),
        "chapters": chapters,
        "clauses": rollup.clauses,
    }


def compute_readiness(
    session: Session, *, park_id: int, as_of: date | None = None, user: User | None = None
) -> dict[str, Any]:
    """The park's readiness per clause, chapter and overall; `as_of` a past date counts what was effective then.

    With a contributor as `user`, only the documents they may read are counted.
    """
    return _compute(session, park_id=park_id, as_of=as_of, user=user)


def clause_readiness(
    session: Session, *, park_id: int, clause_id: str, as_of: date | None = None, user: User | None = None
) -> dict[str, Any] | None:
    """One clause's readiness entry (None when the clause takes no part in readiness)."""
    result = _compute(session, park_id=park_id, as_of=as_of, user=user, clause_ids=[clause_id])
    return next((clause for clause in result["clauses"] if clause["id"] == clause_id), None)


# ---------------------------------------------------------------- applicability


def set_applicability(
    session: Session, *, actor: User, clause_id: str, applicable: bool, reason: str
) -> ClauseApplicability:
    """Mark a clause (not) applicable for the actor's park; only a coordinator may, and exclusion needs a reason."""
    if actor.role != Role.coordinator:
        raise Forbidden(
            "只有体系管理员可以设置条款适用性",
            "Only a coordinator may set a clause's applicability",
            audit=refusal(actor, Rule.role, "clause", clause_id),
        )
    if session.get(Clause, clause_id) is None:
        raise NotFound(f"条款 {clause_id} 不存在", f"Clause {clause_id} does not exist")
    reason = (reason or "").strip()
    if not applicable and not reason:
        raise Invalid("标记为不适用时必须填写理由", "A reason is required to mark a clause not applicable")
    row = (
        session.execute(
            select(ClauseApplicability).where(
                col(ClauseApplicability.park_id) == actor.park_id, col(ClauseApplicability.clause_id) == clause_id
            )
        )
        .scalars()
        .first()
    )
    before = {"applicable": row.applicable, "reason": row.reason} if row else {"applicable": True, "reason": ""}
    if row is None:
        row = ClauseApplicability(park_id=actor.park_id, clause_id=clause_id)
    row.applicable = applicable
    row.reason = reason
    row.set_by_id = actor.id
    row.set_at = utcnow()
    session.add(row)
    session.flush()
    events.record(
        session,
        action="clause.applicability",
        entity_type="clause",
        entity_id=clause_id,
        park_id=actor.park_id,
        actor=actor,
        before=before,
        after={"applicable": row.applicable, "reason": row.reason},
    )
    return row


# ---------------------------------------------------------------- the terminal table


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def _fit(text: str, width: int) -> str:
    """Cut to `width` display columns and pad, counting CJK characters as two."""
    out: list[str] = []
    used = 0
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
        return " ".join(
            (
                _fit(key, 8),
                _fit(title, 34),
                _fit(status_zh, 10),
                _fit(_percent(coverage), 8),
                _fit(_percent(progress), 8),
            )
        ).rstrip()

    lines = [f"{park_name} 就绪度 / readiness（截至 / as of {result['as_of']}）", "", header, rule]
    for clause in result["clauses"]:
        lines.append(line(clause["id"], clause["title_zh"], clause["status"], clause["coverage"], clause["progress"]))
    lines += ["", header, rule]
    for chapter in result["chapters"]:
        lines.append(
            line(
                f"第{chapter['id']}章", chapter["title_zh"], chapter["status"], chapter["coverage"], chapter["progress"]
            )
        )
    lines.append(rule)
    overall = result["overall"]
    lines.append(line("合计", "全部适用条款", overall["status"], overall["coverage"], overall["progress"]))
    counts = overall["counts"]
    lines += [
        "",
        "事项 / items: "
        + "，".join(f"{ITEM_STATUS_LABELS[status][0]} {counts[status]}" for status in ITEM_STATUSES)
        + f"；适用 {counts['applicable_items']}，不适用 {counts['not_applicable_items']}",
    ]
    return "\n".join(lines)
