"""What the dashboard and its item lists show, from the readiness result: one adapter from items to dashboard states.

The readiness service judges each item (a required document type under a clause). The dashboard shows five states,
`met | due | overdue | missing | in_progress`, and `not_applicable` apart. `item_state` is the one place that maps
the service's item fields onto them, so a change in the service's statuses is a change here only.
"""

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Any

# The dashboard's item states, in the order the tiles and lists show them.
STATES: tuple[str, ...] = ("missing", "overdue", "due", "in_progress", "met")
# The states whose lists offer "登记此类": something is still to be registered or brought up to date.
TO_REGISTER = frozenset({"missing", "overdue", "due", "in_progress"})


def item_state(item: dict[str, Any], awaiting: Collection[str] = ()) -> str:
    """The dashboard state of one readiness item.

    `awaiting`: record types with a revision awaiting its confirmation; such a record item counts as in progress,
    not missing (the record is there, only its 确认 is outstanding).
    """
    status = str(item["status"])
    if status == "review_overdue":
        return "overdue"
    if status == "missing" and item.get("kind") == "record" and item["doc_type"] in awaiting:
        return "in_progress"
    if status in STATES or status == "not_applicable":
        return status
    return "missing"  # an unknown status is never shown as met


@dataclass(frozen=True)
class ItemRow:
    """One line of an item list: which clause, which type, its state and why."""

    clause_id: str
    clause_title_zh: str
    clause_title_en: str
    chapter: str
    doc_type: str
    title_zh: str
    title_en: str
    kind: str
    state: str
    reason_zh: str
    reason_en: str
    due_date: str | None


def item_rows(result: dict[str, Any], awaiting: Collection[str] = ()) -> list[ItemRow]:
    """Every item of the readiness result, in the clause order, with its dashboard state."""
    rows = []
    for clause in result["clauses"]:
        for item in clause["items"]:
            due = item.get("due_date")
            rows.append(
                ItemRow(
                    clause_id=clause["id"],
                    clause_title_zh=clause["title_zh"],
                    clause_title_en=clause["title_en"],
                    chapter=clause["chapter"],
                    doc_type=item["doc_type"],
                    title_zh=item["title_zh"],
                    title_en=item["title_en"],
                    kind=str(item.get("kind", "")),
                    state=item_state(item, awaiting),
                    reason_zh=item.get("reason_zh", ""),
                    reason_en=item.get("reason_en", ""),
                    due_date=str(due) if due else None,
                )
            )
    return rows


def counts(rows: Iterable[ItemRow]) -> dict[str, int]:
    """Items per dashboard state, plus applicable and not applicable."""
    out = dict.fromkeys((*STATES, "not_applicable"), 0)
    for row in rows:
        out[row.state] = out.get(row.state, 0) + 1
    out["applicable"] = sum(out[state] for state in STATES)
    return out


def ratios(figures: dict[str, int]) -> tuple[float, float]:
    """Coverage (met ÷ applicable items) and progress ((met + in progress) ÷ applicable items)."""
    applicable = figures["applicable"]
    if not applicable:
        return 0.0, 0.0
    return (
        round(figures["met"] / applicable, 4),
        round((figures["met"] + figures["in_progress"]) / applicable, 4),
    )


def figures_by(rows: list[ItemRow], key: str) -> dict[str, dict[str, int]]:
    """Counts per chapter or per clause (`key` is "chapter" or "clause_id")."""
    groups: dict[str, list[ItemRow]] = {}
    for row in rows:
        groups.setdefault(getattr(row, key), []).append(row)
    return {name: counts(group) for name, group in groups.items()}


def select_rows(
    rows: list[ItemRow], *, state: str | None = None, chapter: str | None = None, clause: str | None = None
) -> list[ItemRow]:
    """The items behind a tile or a figure: by state, chapter and clause (each optional)."""
    return [
        row
        for row in rows
        if (state is None or row.state == state)
        and (chapter is None or row.chapter == chapter)
        and (clause is None or row.clause_id == clause)
    ]
