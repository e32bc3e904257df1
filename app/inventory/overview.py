"""What the inventory overview page, its charts and the exports show: the year's totals (queries.year_totals) with
names and labels attached, the top emitters, and the park total over the years held.
"""

from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from app.inventory import queries, sums
from app.inventory.models import EmissionSource, Enterprise, SourceCategory, Submission
from app.labels import LABELS

TOP = 10
TREND_YEARS = 10  # the trend shows at most the last ten years held


def category_label(code: str) -> tuple[str, str]:
    return LABELS["source_category"].get(code, (code, code))


def enterprise_names(session: Session, park_id: int) -> dict[str, str]:
    rows = session.execute(select(col(Enterprise.id), col(Enterprise.name)).where(col(Enterprise.park_id) == park_id))
    return {str(enterprise_id): name for enterprise_id, name in rows.all()}


def source_names(session: Session, park_id: int) -> dict[int, str]:
    rows = session.execute(
        select(col(EmissionSource.id), col(EmissionSource.name)).where(col(EmissionSource.park_id) == park_id)
    )
    return {row[0]: row[1] for row in rows.all()}


def years_held(session: Session, park_id: int) -> list[int]:
    """The years with a submission (from the submissions' (park, year) index: a few rows a year, not every row)."""
    rows = session.execute(select(col(Submission.year)).distinct().where(col(Submission.park_id) == park_id))
    return sorted(year for (year,) in rows.all())


def year_overview(session: Session, park_id: int, year: int) -> dict[str, Any]:
    """The year's totals plus display lists: categories (in GB/T 32150 order), scopes, top emitters."""
    totals = queries.year_totals(session, park_id, year)
    names = enterprise_names(session, park_id)
    categories = [
        {
            "code": category.value,
            "label": category_label(category.value),
            "emission": totals["by_category"][category.value]["emission"],
            "energy_tce": totals["by_category"][category.value]["energy_tce"],
            "share": totals["category_shares"].get(category.value, Decimal(0)),
        }
        for category in SourceCategory
        if category.value in totals["by_category"]
    ]
    scopes = [
        {"scope": scope, "emission": totals["scope"][str(scope)]["emission"]}
        for scope in (1, 2)
        if str(scope) in totals["scope"]
    ]
    ranked = sorted(totals["by_enterprise"].items(), key=lambda item: item[1]["emission"], reverse=True)
    top = [
        {
            "id": key,
            "name": names.get(key, key),
            "emission": values["emission"],
            "share": values["emission"] / totals["total"] if totals["total"] else Decimal(0),
        }
        for key, values in ranked[:TOP]
    ]
    return totals | {"categories": categories, "scopes": scopes, "top": top, "names": names}


def trend(session: Session, park_id: int, until: int) -> list[tuple[int, Decimal]]:
    """The confirmed park total of each year held up to `until` (the last TREND_YEARS of them)."""
    years = [year for year in years_held(session, park_id) if year <= until][-TREND_YEARS:]
    totals = sums.park_totals(session, park_id, years)  # stored sums: no recalculation, one query
    return [(year, totals.get(year, Decimal(0))) for year in years]


def chart_items(session: Session, park_id: int, year: int, name: str) -> list[tuple[str, str, Decimal]]:
    """(label_zh, label_en, emission) of a year chart, as `year_overview` lists them: each chart reads its one
    level summed by the database (sums.level_emissions), not the whole year's totals."""
    if name == "top":
        ranked = sorted(sums.level_emissions(session, park_id, year, "enterprise"), key=lambda i: i[1], reverse=True)
        names = enterprise_names(session, park_id)
        return [(names.get(key, key), names.get(key, key), emission) for key, emission in ranked[:TOP]]
    if name == "scope":
        by_scope = dict(sums.level_emissions(session, park_id, year, "scope"))
        return [(f"范围{s}", f"Scope {s}", by_scope[str(s)]) for s in (1, 2) if str(s) in by_scope]
    by_category = dict(sums.level_emissions(session, park_id, year, "category"))
    return [
        (*category_label(category.value), by_category[category.value])
        for category in SourceCategory
        if category.value in by_category
    ]
