"""The inventory of a year, calculated from confirmed (filed) submissions only, with the trail of every total.

A year's totals read that year's stored sums, one per submission and source (`inventory_sum`, app/inventory/sums.py),
so their cost follows the year's submissions and sources, never its rows or the number of years held; the trail
reads the year's rows (`ix_activity_data_park_year`). Results are exact `Decimal`s; rounding is for display.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol

from sqlalchemy import Select, func, select
from sqlmodel import Session, col

from app.documents.models import Revision, RevisionState
from app.inventory import boundary, sums
from app.inventory.calculation import ENERGY_CATEGORIES, FactorValues, RowInput, calculate
from app.inventory.meters import flag_overdue_meters
from app.inventory.models import (
    ActivityData,
    EmissionFactor,
    EmissionSource,
    Enterprise,
    FactorDataSet,
    InventorySum,
    SourceCategory,
    Submission,
    SubmissionEvidence,
    from_nano,
)

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


def level_keys(row: Grouped) -> tuple[str, str, str, str, str]:
    """The keys of the totals a row belongs to at every level but the park, in the order of LEVELS."""
    return str(row.enterprise_id), row.category, str(row.scope), row.industry, str(row.source_id)


def group_key(row: Grouped, level: str) -> str:
    """The key of the total a row belongs to at a level (the trail's `key` parameter)."""
    return "park" if level == "park" else level_keys(row)[LEVELS.index(level) - 1]


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


@dataclass(frozen=True, slots=True)  # slots: thousands are made for each year
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
    """Per submission and source of one park's year: the rows' count and integer sums (from the covering index),
    what `inventory_sum` holds for the year's submitted submissions."""
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
    """The year's filed rows summed per submission and source: read from the sums written when each submission was
    submitted (app/inventory/sums.py), one row per submission and source, so the cost follows the year's
    submissions and sources, never its rows or the number of years held. Exact: integer sums of stored results."""
    return confirmed_figures_of_years(session, park_id, [year])[year]


def confirmed_figures_of_years(session: Session, park_id: int, years: Iterable[int]) -> dict[int, list[Figure]]:
    """`confirmed_figures` of several years in one statement (a trend, the performance indicators)."""
    wanted = sorted(set(years))
    out: dict[int, list[Figure]] = {year: [] for year in wanted}
    if not wanted:
        return out
    statement = (
        sums.filed_sums(park_id)
        .join(EmissionSource, col(EmissionSource.id) == col(InventorySum.source_id))
        .join(Enterprise, col(Enterprise.id) == col(EmissionSource.enterprise_id))
        .add_columns(
            col(InventorySum.year),
            col(EmissionSource.enterprise_id),
            col(Enterprise.industry_code),
            col(InventorySum.source_id),
            col(EmissionSource.category),
            col(EmissionSource.scope),
            col(EmissionSource.renewable),
            col(InventorySum.emission_mg),
            col(InventorySum.energy_mgce),
            col(InventorySum.row_count),
        )
        .where(col(InventorySum.year).in_(wanted))
        .order_by(col(InventorySum.submission_id), col(InventorySum.source_id))
    )
    rows = session.connection().execute(statement)  # Core rows: plain tuples, no ORM loading for thousands of them
    for row in rows:
        year, enterprise_id, industry, source_id, category, scope, renewable, emission, energy, count = row[-10:]
        figure = Figure(
            enterprise_id, industry or "", source_id, str(category), scope, bool(renewable), emission, energy, count
        )
        out[year].append(figure)
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


def _by_level(rows: list[Figure]) -> dict[str, dict[str, dict[str, Decimal]]]:
    """Totals per key of every level but the park (keys as `level_keys` makes them), in one pass: integers
    (10⁻⁹ units) added, turned into Decimal once per key. Written out per level: this loop runs once per
    submission and source of the year, and is most of a year's totals' time."""
    enterprise: dict[Any, list[int]] = {}
    category: dict[Any, list[int]] = {}
    scope: dict[Any, list[int]] = {}
    industry: dict[Any, list[int]] = {}
    source: dict[Any, list[int]] = {}
    for row in rows:
        emission, energy = row.emission_mg, row.energy_mgce
        for by_key, key in (
            (enterprise, row.enterprise_id),
            (category, row.category),
            (scope, row.scope),
            (industry, row.industry),
            (source, row.source_id),
        ):
            bucket = by_key.get(key)
            if bucket is None:
                by_key[key] = [emission, energy]
            else:
                bucket[0] += emission
                bucket[1] += energy

    def out(totals: dict[Any, list[int]]) -> dict[str, dict[str, Decimal]]:
        return {str(key): {"emission": from_nano(e), "energy_tce": from_nano(n)} for key, (e, n) in totals.items()}

    return {
        "enterprise": out(enterprise),
        "category": out(category),
        "scope": out(scope),
        "industry": out(industry),
        "source": out(source),
    }


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
    # The change needs the previous year's park total only, not its figures.
    previous_total = sums.park_totals(session, park_id, [year - 1]).get(year - 1)
    park_total = from_nano(sum(row.emission_mg for row in rows))
    by = _by_level(rows)
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
        "previous_total": previous_total,
        "change": (park_total - previous_total) if previous_total is not None else None,
        "change_ratio": ((park_total - previous_total) / previous_total) if previous_total else None,
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


def submission_years(session: Session, park_id: int) -> list[int]:
    """The years the park has activity data submissions for (a small table: cheaper than the activity rows)."""
    rows = session.execute(select(col(Submission.year)).distinct().where(col(Submission.park_id) == park_id))
    return sorted(year for (year,) in rows.all())
