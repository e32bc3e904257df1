"""From item verdicts to figures: each clause's items and counts, added up per chapter and overall.

coverage = met items / applicable items; progress = items met or in progress / applicable items.
"""

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from app.common import as_utc
from app.readiness.items import TypeVerdict
from app.readiness.queries import ClauseInfo, EvidenceRow, TypeInfo

# The statuses an applicable item can have, in the order they are counted and shown.
ITEM_STATUSES: tuple[str, ...] = ("met", "in_progress", "review_overdue", "overdue", "missing")


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


def empty_counts() -> dict[str, int]:
    return dict.fromkeys(ITEM_STATUSES, 0) | {"applicable_items": 0, "not_applicable_items": 0}


def summary(counts: dict[str, int]) -> dict[str, Any]:
    applicable = counts["applicable_items"]
    return {
        "status": rollup_status(counts),
        "coverage": ratio(counts["met"], applicable),
        "progress": ratio(counts["met"] + counts["in_progress"], applicable),
        "counts": dict(counts),
    }


def _iso_time(value: datetime | None) -> str | None:
    value = as_utc(value)
    return value.isoformat() if value else None


def _evidence_detail(row: EvidenceRow) -> dict[str, Any]:
    return {
        "document_id": row.document_id,
        "control_no": row.control_no,
        "revision_id": row.revision_id,
        "revision": row.number,
        "state": row.revision_state,
        "effective_from": _iso_time(row.effective_from),
        "period_start": row.period_start.isoformat() if row.period_start else None,
        "period_end": row.period_end.isoformat() if row.period_end else None,
        "approvers": list(row.approvers),
    }


@dataclass
class Rollup:
    clauses: list[dict[str, Any]]
    chapter_counts: dict[str, dict[str, int]]
    overall_counts: dict[str, int]


def roll_up(
    clauses: list[ClauseInfo],
    types: dict[str, TypeInfo],
    excluded: dict[str, str],
    verdicts: dict[str, TypeVerdict],
    reasons: dict[str, tuple[str, str]],
    chapters: Collection[str],
) -> Rollup:
    """One entry per clause with its items, and the counts per chapter (`chapters` first, in order) and overall.

    `excluded` maps the clauses marked not applicable to their reason; their items leave every total.
    """
    chapter_counts = {chapter: empty_counts() for chapter in chapters}
    overall_counts = empty_counts()
    clause_out = []
    for clause in clauses:
        counts = empty_counts()
        not_applicable = clause.id in excluded
        items = []
        for code in clause.doc_types:
            info = types[code]
            item: dict[str, Any] = {
                "doc_type": code,
                "title_zh": info.title_zh,
                "title_en": info.title_en,
                "kind": info.kind,
            }
            if not_applicable:
                item |= {
                    "status": "not_applicable",
                    "reason_zh": f"条款不适用：{excluded[clause.id]}",
                    "reason_en": f"Clause not applicable: {excluded[clause.id]}",
                    "evidence": [],
                    "evidence_detail": [],
                }
                counts["not_applicable_items"] += 1
            else:
                verdict = verdicts[code]
                item |= {
                    "status": verdict.status,
                    "reason_zh": reasons[code][0],
                    "reason_en": reasons[code][1],
                    "evidence": list(dict.fromkeys(row.document_id for row in verdict.evidence)),
                    "evidence_detail": [_evidence_detail(row) for row in verdict.evidence],
                }
                counts[verdict.status] += 1
                counts["applicable_items"] += 1
            items.append(item)
        for total in (chapter_counts.setdefault(clause.chapter, empty_counts()), overall_counts):
            for key, value in counts.items():
                total[key] += value
        clause_summary = summary(counts)
        clause_out.append(
            {
                "id": clause.id,
                "chapter": clause.chapter,
                "title_zh": clause.title_zh,
                "title_en": clause.title_en,
                "status": "not_applicable" if not_applicable else clause_summary["status"],
                "coverage": clause_summary["coverage"],
                "progress": clause_summary["progress"],
                "counts": clause_summary["counts"],
                "applicable": not not_applicable,
                "not_applicable_reason": excluded[clause.id] if not_applicable else None,
                "items": items,
            }
        )
    return Rollup(clause_out, chapter_counts, overall_counts)
