"""The inventory of a year, calculated from confirmed (filed) submissions only, with the trail of every total.

One year's figures read only that year's rows (`ix_activity_data_park_year`), so their cost does not grow with the
number of years held. Results are exact `Decimal`s; rounding is for display.
"""

import calendar
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, Protocol

from sqlalchemy import Select, func, select
from sqlmodel import Session, col

from app.documents.models import Revision, RevisionState
from app.inventory import boundary
from app.inventory.calculation import ENERGY_CATEGORIES, FactorValues, RowInput, calculate
from app.inventory.models import (
    ActivityData,
    EmissionFactor,
    EmissionSource,
    Enterprise,
    FactorDataSet,
    SourceCategory,
    Submission,
    SubmissionEvidence,
    from_nano,
)
from app.registers.queries import overdue_meters

LEVELS = ("park", "enterprise", "category", "scope", "industry", "source")


class Grouped(Protocol):
    @property
    def enterprise_id(self) -> int: ...
    @property
    def industry(self) -> str: ...
    @property
    def source_id(self) -> int: ...
    @property
    def category(self) -> str: ...
    @property
    def scope(self) -> int: ...


def group_key(row: Grouped, level: str) -> str:
    """The key of the total a row belongs to at a level (the trail's `key` parameter)."""
    return {
        "park": "park",
        "enterprise": str(row.enterprise_id),
        "category": row.category,
        "scope": str(row.scope),
        "industry": row.industry,
        "source": str(row.source_id),
    }[level]


@dataclass
class TrailRow:
    activity_id: int
    submission_id: int
    enterprise_id: int
    enterprise_name: str
    industry: str
    source_id: int
    source_name: str
    category: str
    scope: int
    renewable: bool
    month: int | None
    quantity: Decimal
    unit: str
    quality: str
    meter_ref: str | None
    factor: dict[str, Any] | None
    parameters: dict[str, dict[str, str]]
    formula: str
    emission: Decimal
    energy_tce: Decimal
    evidence: list[dict[str, str]] = field(default_factory=list)
    # The meter of the source whose calibration was not valid on the reading date (registers, 10.1.1), if any.
    calibration_overdue: dict[str, Any] | None = None

    def key(self, level: str) -> str:
        return group_key(self, level)


def confirmed_rows(session: Session, park_id: int, year: int) -> list[TrailRow]:
    """Every row of the year's filed submissions, calculated."""
    result = session.execute(
        select(ActivityData, EmissionSource, Enterprise)
        .join(Submission, col(Submission.id) == col(ActivityData.submission_id))
        .join(Revision, col(Revision.document_id) == col(Submission.document_id))
        .join(EmissionSource, col(EmissionSource.id) == col(ActivityData.source_id))
        .join(Enterprise, col(Enterprise.id) == col(ActivityData.enterprise_id))
        .where(
            col(ActivityData.park_id) == park_id,
            col(ActivityData.year) == year,
            col(Revision.state) == RevisionState.filed,
        )
        .order_by(col(ActivityData.id))
    ).all()
    factor_ids = {row.factor_id for row, _, _ in result if row.factor_id is not None}
    factors = (
        {
            factor.id: (factor, data_set)
            for factor, data_set in session.execute(
                select(EmissionFactor, FactorDataSet)
                .join(FactorDataSet, col(FactorDataSet.id) == col(EmissionFactor.data_set_id))
                .where(col(EmissionFactor.id).in_(factor_ids))
            ).all()
        }
        if factor_ids
        else {}
    )
    submission_ids = {row.submission_id for row, _, _ in result}
    evidence: dict[int, list[dict[str, str]]] = defaultdict(list)
    if submission_ids:
        for item in session.execute(
            select(SubmissionEvidence).where(col(SubmissionEvidence.submission_id).in_(submission_ids))
        ).scalars():
            evidence[item.submission_id].append(
                {"sha256": item.blob_sha256, "file_name": item.file_name, "source_id": str(item.source_id or "")}
            )
    rows = []
    for activity, source, enterprise in result:
        pair = factors.get(activity.factor_id) if activity.factor_id is not None else None
        factor_values = None
        factor_info = None
        if pair is not None:
            factor, data_set = pair
            factor_values = FactorValues(
                activity_unit=factor.activity_unit,
                ncv=factor.ncv,
                carbon_content=factor.carbon_content,
                oxidation_rate=factor.oxidation_rate,
                direct_factor=factor.direct_factor,
            )
            factor_info = factor_public(factor, data_set)
        outcome = calculate(
            RowInput(
                category=SourceCategory(source.category),
                quantity=activity.quantity,
                unit=activity.unit,
                factor=factor_values,
                ncv=activity.ncv,
                carbon_content=activity.carbon_content,
                oxidation_rate=activity.oxidation_rate,
                purity=activity.purity,
            )
        )
        rows.append(
            TrailRow(
                activity_id=activity.id or 0,
                submission_id=activity.submission_id,
                enterprise_id=enterprise.id or 0,
                enterprise_name=enterprise.name,
                industry=enterprise.industry_code or "",
                source_id=source.id or 0,
                source_name=source.name,
                category=str(source.category),
                scope=source.scope,
                renewable=source.renewable,
                month=activity.month,
                quantity=activity.quantity,
                unit=activity.unit,
                quality=str(activity.quality),
                meter_ref=activity.meter_ref,
                factor=factor_info,
                parameters=outcome.parameters,
                formula=outcome.formula,
                emission=outcome.emission,
                energy_tce=outcome.energy_tce,
                evidence=[e for e in evidence[activity.submission_id] if e["source_id"] in ("", str(source.id))],
            )
        )
    return rows


@dataclass(frozen=True)
class Figure:
    """A source's stored results in a filed submission (10⁻⁹ t CO₂ and 10⁻⁹ tce) and what they are grouped by;
    no formula: see `confirmed_rows`."""

    enterprise_id: int
    industry: str
    source_id: int
    category: str
    scope: int
    renewable: bool
    emission_mg: int
    energy_mgce: int
    rows: int = 1


def year_sums_statement(*, park_id: int, year: int) -> Select:
    """Per submission and source of one park's year: the rows' count and integer sums (from the covering index)."""
    return (
        select(
            col(ActivityData.submission_id),
            col(ActivityData.source_id),
            func.sum(col(ActivityData.emission_mg)),
            func.sum(col(ActivityData.energy_mgce)),
            func.count(),
        )
        .where(col(ActivityData.park_id) == park_id, col(ActivityData.year) == year)
        .group_by(col(ActivityData.submission_id), col(ActivityData.source_id))
    )


def confirmed_figures(session: Session, park_id: int, year: int) -> list[Figure]:
    """The year's filed rows summed per submission and source by the database (integer SUM, exact), from the
    covering index on (park, year): the cost follows the year's rows, never the number of years held."""
    return confirmed_figures_of_years(session, park_id, [year])[year]


def confirmed_figures_of_years(session: Session, park_id: int, years: Iterable[int]) -> dict[int, list[Figure]]:
    """`confirmed_figures` of several years at once (a trend, the performance indicators): one read of the filed
    submissions, of the sums and of the park's sources and enterprises for all of them."""
    wanted = sorted(set(years))
    out: dict[int, list[Figure]] = {year: [] for year in wanted}
    filed = set(
        session.execute(
            select(col(Submission.id))
            .join(Revision, col(Revision.document_id) == col(Submission.document_id))
            .where(
                col(Submission.park_id) == park_id,
                col(Submission.year).in_(wanted),
                col(Revision.state) == RevisionState.filed,
            )
        ).scalars()
    )
    if not filed:
        return out
    sums = [
        (year, row) for year in wanted for row in session.execute(year_sums_statement(park_id=park_id, year=year)).all()
    ]
    sources = {
        row[0]: row[1:]
        for row in session.execute(
            select(
                col(EmissionSource.id),
                col(EmissionSource.enterprise_id),
                col(EmissionSource.category),
                col(EmissionSource.scope),
                col(EmissionSource.renewable),
            ).where(col(EmissionSource.park_id) == park_id)
        ).all()
    }
    industry = dict(
        session.execute(
            select(col(Enterprise.id), col(Enterprise.industry_code)).where(col(Enterprise.park_id) == park_id)
        ).all()
    )
    for year, (submission_id, source_id, emission, energy, count) in sums:
        if submission_id not in filed:
            continue
        enterprise_id, category, scope, renewable = sources[source_id]
        out[year].append(
            Figure(
                enterprise_id,
                industry.get(enterprise_id) or "",
                source_id,
                str(category),
                scope,
                bool(renewable),
                int(emission or 0),
                int(energy or 0),
                int(count),
            )
        )
    return out


def factor_public(factor: EmissionFactor, data_set: FactorDataSet) -> dict[str, Any]:
    return {
        "id": factor.id,
        "code": factor.code,
        "version": factor.version,
        "quantity": factor.quantity,
        "activity_unit": factor.activity_unit,
        "ncv": _s(factor.ncv),
        "carbon_content": _s(factor.carbon_content),
        "oxidation_rate": _s(factor.oxidation_rate),
        "direct_factor": _s(factor.direct_factor),
        "origin": str(factor.origin),
        "source_document": factor.source_document,
        "source_table": factor.source_table,
        "source_row": factor.source_row,
        "evidence_sha256": factor.evidence_sha256,
        "data_set": {"id": data_set.id, "code": data_set.code, "version": data_set.version, "name": data_set.name},
    }


def _s(value: Decimal | None) -> str | None:
    return None if value is None else format(value.normalize(), "f")


def _sum(rows: list[Figure], level: str) -> dict[str, dict[str, Decimal]]:
    """Totals per key of a level: integers (10⁻⁹ units) added, turned into Decimal once per key."""
    sums: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for row in rows:
        bucket = sums[group_key(row, level)]
        bucket[0] += row.emission_mg
        bucket[1] += row.energy_mgce
    return {key: {"emission": from_nano(e), "energy_tce": from_nano(n)} for key, (e, n) in sums.items()}


def missing_enterprises(session: Session, park_id: int, year: int) -> list[dict[str, Any]]:
    """In-scope enterprises without a confirmed submission for the year: not submitted, or awaiting confirmation.

    For readiness and /tasks (the lead wires it): each with `status` "not_submitted" or "not_confirmed".
    """
    in_scope = boundary.in_scope_enterprise_ids(session, park_id, year)
    if not in_scope:
        return []
    states: dict[int, set[str]] = defaultdict(set)
    for enterprise_id, state in session.execute(
        select(col(Submission.enterprise_id), col(Revision.state))
        .join(Revision, col(Revision.document_id) == col(Submission.document_id), isouter=True)
        .where(col(Submission.park_id) == park_id, col(Submission.year) == year)
    ).all():
        states[enterprise_id].add(str(state) if state is not None else "prepared")
    names = dict(
        session.execute(select(col(Enterprise.id), col(Enterprise.name)).where(col(Enterprise.id).in_(in_scope))).all()
    )
    missing = []
    for enterprise_id in sorted(in_scope):
        seen = states.get(enterprise_id, set())
        if RevisionState.filed in seen:
            continue
        status = "not_confirmed" if RevisionState.in_approval in seen else "not_submitted"
        missing.append({"enterprise_id": enterprise_id, "name": names.get(enterprise_id, ""), "status": status})
    return missing


def year_totals(session: Session, park_id: int, year: int) -> dict[str, Any]:
    """The year's inventory: totals per level, energy, structure, intensities, change from the previous year."""
    rows = confirmed_figures(session, park_id, year)
    previous = confirmed_figures(session, park_id, year - 1)
    park_total = from_nano(sum(row.emission_mg for row in rows))
    previous_total = from_nano(sum(row.emission_mg for row in previous))
    by = {level: _sum(rows, level) for level in LEVELS if level != "park"}
    energy_total = from_nano(sum(row.energy_mgce for row in rows if row.category in ENERGY_CATEGORIES))
    renewable = from_nano(sum(row.energy_mgce for row in rows if row.category in ENERGY_CATEGORIES and row.renewable))
    economic = boundary.economic_data(session, park_id, year)
    enterprise_totals = by["enterprise"]
    intensity = []
    for enterprise_id, data in economic.items():
        emission = enterprise_totals.get(str(enterprise_id), {}).get("emission", Decimal(0))
        entry: dict[str, Any] = {
            "enterprise_id": enterprise_id,
            "emission": emission,
            "output_value": data.output_value,
            "value_kind": data.value_kind,
            "per_output_value": emission / data.output_value,  # tCO₂ per 万元
            "source": data.source,
        }
        if data.product_output:
            entry |= {
                "product_name": data.product_name,
                "product_output": data.product_output,
                "product_unit": data.product_unit,
                "per_product": emission / data.product_output,
            }
        intensity.append(entry)
    total_output = sum((data.output_value for data in economic.values()), Decimal(0))
    shares = {
        category: (values["emission"] / park_total if park_total else Decimal(0))
        for category, values in by["category"].items()
    }
    return {
        "year": year,
        "total": park_total,
        "scope": by["scope"],
        "by_category": by["category"],
        "by_enterprise": enterprise_totals,
        "by_industry": by["industry"],
        "by_source": by["source"],
        "category_shares": shares,
        "energy_tce": energy_total,
        "renewable_tce": renewable,
        "renewable_share": renewable / energy_total if energy_total else Decimal(0),
        "intensity": intensity,
        # Park intensity over the enterprises that reported their output value (tCO₂ per 万元).
        "park_intensity": park_total / total_output if total_output else None,
        "previous_year": year - 1,
        "previous_total": previous_total if previous else None,
        "change": (park_total - previous_total) if previous else None,
        "change_ratio": ((park_total - previous_total) / previous_total) if previous and previous_total else None,
        "rows": sum(figure.rows for figure in rows),
        "missing": missing_enterprises(session, park_id, year),
    }


def trail(session: Session, park_id: int, year: int, level: str, key: str) -> dict[str, Any]:
    """The rows a total sums, each with its activity data, factor (version, source), formula and evidence."""
    rows = [row for row in confirmed_rows(session, park_id, year) if row.key(level) == key]
    flag_overdue_meters(session, rows, year)
    return {
        "year": year,
        "level": level,
        "key": key,
        "total": sum((row.emission for row in rows), Decimal(0)),
        "energy_tce": sum((row.energy_tce for row in rows), Decimal(0)),
        "rows": rows,
    }


def reading_date(year: int, month: int | None) -> date:
    """The day a reading stands for: the last day of its month, or of the year for yearly data."""
    if month is None:
        return date(year, 12, 31)
    return date(year, month, calendar.monthrange(year, month)[1])


def flag_overdue_meters(session: Session, rows: list[TrailRow], year: int) -> None:
    """Mark the rows measured by a meter whose calibration was overdue on the reading date (CARBON.md: flagged)."""
    readings = {(row.source_id, reading_date(year, row.month)) for row in rows}
    flagged = overdue_meters(session, readings)
    for row in rows:
        meter = flagged.get((row.source_id, reading_date(year, row.month)))
        if meter is not None:
            row.calibration_overdue = {
                "equipment_id": meter.id,
                "name": meter.name,
                "reading_date": reading_date(year, row.month).isoformat(),
            }


def submission_years(session: Session, park_id: int) -> list[int]:
    """The years the park has activity data submissions for (a small table: cheaper than the activity rows)."""
    rows = session.execute(select(col(Submission.year)).distinct().where(col(Submission.park_id) == park_id))
    return sorted(year for (year,) in rows.all())
