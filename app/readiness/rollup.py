"""From item verdicts to figures: each clause's items and counts, added up per chapter and overall.

coverage = met items / applicable items; progress = items met or in progress / applicable items.

What counts:
- a link whose basis is `recommended` (8.2's suggested measures) is shown with `counted: false` and counts
  nowhere, not even in its own clause;
- a type linked to a clause and to its sub-clauses (10.3, 10.3.1, 10.3.2: MANAGEMENT_REVIEW) forms a family:
  the shallowest linking clause and every clause under it that links the type; so does a type linked to several
  sub-clauses of one clause (7.3.1–7.3.5: the carbon review report Annex A names for 7.3), grouped under that
  clause. It counts in each clause's own figures, but once in the chapter and park totals: at the family's first
  applicable clause in file order
  (`counted_in`, the same for every member); a family whose clauses are all excluded counts once as not
  applicable;
- a record type whose records say which clause they cover (9.2.2–9.2.5) is a separate item per covered clause,
  judged on that clause's records only; so each process counts, and one record counts for its process only.
"""

from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from app.common import as_utc
from app.readiness.items import TypeVerdict
from app.readiness.lookups import EvidenceRow
from app.readiness.queries import ClauseInfo, TypeInfo

# The statuses an applicable item can have, in the order they are counted and shown.
ITEM_STATUSES: tuple[str, ...] = ("met", "in_progress", "review_overdue", "overdue", "missing")
# The states shown and listed as due (the dashboard, the clause pages, /tasks).
ITEM_STATES: tuple[str, ...] = ("met", "due", "overdue", "missing", "in_progress")

NOT_COUNTED = "recommended"

ItemKey = tuple[str, str]  # (doc type, covered clause or "")


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


def ancestors(clause_id: str) -> list[str]:
    """The ids above a clause, shallowest first: "10.3.1.2" -> ["10.3", "10.3.1"] (chapters are not clauses)."""
    parts = clause_id.split(".")
    return [".".join(parts[:end]) for end in range(2, len(parts))]


def families(
    all_clauses: list[ClauseInfo], per_clause: Callable[[str, str], bool] = lambda _c, _t: False
) -> dict[tuple[str, str], list[str]]:
    """(clause id, code) -> the family of that counted link, in file order: every clause linking the type under
    the same shallowest linking clause (10.3 with 10.3.1 and 10.3.2 for MANAGEMENT_REVIEW), or else under the same
    shallowest enclosing clause (7.3 for 7.3.1–7.3.5). `per_clause(clause_id, code)`: a link judged on its own
    clause's records (9.2.2–9.2.5), never grouped with its siblings."""
    by_id = {clause.id: clause for clause in all_clauses}
    members: dict[tuple[str, str], list[str]] = {}
    root_of: dict[tuple[str, str], tuple[str, str]] = {}
    for clause in all_clauses:
        for code, basis in clause.basis.items():
            if basis == NOT_COUNTED:
                continue
            root = next(
                (
                    cid
                    for cid in ancestors(clause.id)
                    if cid in by_id and by_id[cid].basis.get(code, NOT_COUNTED) != NOT_COUNTED
                ),
                None,
            )
            if root is None:
                enclosing = ancestors(clause.id)
                root = enclosing[0] if enclosing and not per_clause(clause.id, code) else clause.id
            root_of[(clause.id, code)] = (root, code)
            members.setdefault((root, code), []).append(clause.id)
    return {key: members[root] for key, root in root_of.items()}


def standing_clause(family: list[str], excluded: Collection[str]) -> str | None:
    """The clause of a family where it counts in the totals: the first applicable one (None: all excluded)."""
    return next((cid for cid in family if cid not in excluded), None)


@dataclass
class Rollup:
    clauses: list[dict[str, Any]]
    chapter_counts: dict[str, dict[str, int]]
    overall_counts: dict[str, int]


def roll_up(
    clauses: list[ClauseInfo],
    all_clauses: list[ClauseInfo],
    types: dict[str, TypeInfo],
    excluded: dict[str, str],
    verdicts: dict[ItemKey, TypeVerdict],
    reasons: dict[ItemKey, tuple[str, str]],
    chapters: Collection[str],
    key_of: Any,
) -> Rollup:
    """One entry per clause of `clauses` with its items, and the counts per chapter and overall.

    `excluded` maps the clauses marked not applicable to their reason; their items leave every total.
    `key_of(clause_id, code)` names the verdict an item takes (per covered clause for 9.2.2–9.2.5)."""
    family_of = families(all_clauses, lambda clause_id, code: key_of(clause_id, code)[1] != "")
    chapter_counts = {chapter: empty_counts() for chapter in chapters}
    overall_counts = empty_counts()
    clause_out = []
    for clause in clauses:
        counts = empty_counts()
        totals = empty_counts()  # what this clause adds to its chapter and the park
        not_applicable = clause.id in excluded
        items = []
        for code in clause.doc_types:
            info = types[code]
            basis = clause.basis.get(code, "maintain")
            counted = basis != NOT_COUNTED
            family = family_of.get((clause.id, code), [clause.id])
            standing = standing_clause(family, excluded) if counted else None
            key = key_of(clause.id, code)
            item: dict[str, Any] = {
                "doc_type": code,
                "title_zh": info.title_zh,
                "title_en": info.title_en,
                "kind": info.kind,
                "basis": basis,
                "counted": counted,
                "counted_in": standing if counted and not not_applicable else None,
                "covers_clause": key[1] or None,
            }
            if not_applicable:
                item |= {
                    "status": "not_applicable",
                    "state": "not_applicable",
                    "due_date": None,
                    "reason_zh": f"条款不适用：{excluded[clause.id]}",
                    "reason_en": f"Clause not applicable: {excluded[clause.id]}",
                    "evidence": [],
                    "evidence_detail": [],
                    "declarations": [],
                }
                if counted:
                    counts["not_applicable_items"] += 1
                    if standing is None and family[0] == clause.id:
                        totals["not_applicable_items"] += 1
            else:
                verdict = verdicts[key]
                item |= {
                    "status": verdict.status,
                    "state": verdict.item_state,
                    "due_date": verdict.due_date.isoformat() if verdict.due_date else None,
                    "reason_zh": reasons[key][0],
                    "reason_en": reasons[key][1],
                    "evidence": list(dict.fromkeys(row.document_id for row in verdict.evidence)),
                    "evidence_detail": [_evidence_detail(row) for row in verdict.evidence],
                    "declarations": [
                        {
                            "period_start": d.period_start.isoformat(),
                            "period_end": d.period_end.isoformat(),
                            "signer_name": d.signer_name,
                            "signed_at": _iso_time(d.signed_at),
                        }
                        for d in verdict.declarations
                    ],
                }
                if counted:
                    counts[verdict.status] += 1
                    counts["applicable_items"] += 1
                    if standing == clause.id:
                        totals[verdict.status] += 1
                        totals["applicable_items"] += 1
            items.append(item)
        for total in (chapter_counts.setdefault(clause.chapter, empty_counts()), overall_counts):
            for name, value in totals.items():
                total[name] += value
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
