"""Indicator values per period, computed from the confirmed inventory (never typed twice) or, for manual
indicators, the newest entered value with its evidence. Every value names its trail: the inventory total it is
read from (`/api/inventory/years/{year}/trail?level=…&key=…`) or the manual value's row and evidence.

One year's inventory figures are read once (`confirmed_figures`) and shared by every indicator of that year.
Annual values only (period 0) come from the inventory; monthly and quarterly periods exist for manual values.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from app.inventory.boundary import Output, economic_data, outputs_of_years
from app.inventory.calculation import ENERGY_CATEGORIES
from app.inventory.models import EconomicData, from_nano
from app.inventory.queries import Figure, confirmed_figures, confirmed_figures_of_years
from app.performance.models import Indicator, IndicatorFormula, IndicatorLevel, ManualValue

HUNDRED = Decimal(100)


@dataclass(frozen=True)
class IndicatorValue:
    indicator_id: int
    year: int
    period: int  # 0: the whole year
    value: Decimal | None  # None: no data for the period (`missing` says why)
    origin: str  # "inventory" | "manual"
    numerator: Decimal | None = None  # intensities and shares: what was divided
    denominator: Decimal | None = None
    trail: dict[str, Any] = field(default_factory=dict)
    missing: str = ""  # a code: no_inventory, no_economic_data, no_product_output, no_energy, no_manual_value


@dataclass
class YearData:
    """One year's confirmed figures and economic data, read once for all indicators; the figures are grouped per
    enterprise and per source once, so an enterprise's or a source's indicator does not scan the whole park."""

    figures: list[Figure]
    economic: Mapping[int, EconomicData | Output]
    _by_enterprise: dict[int, list[Figure]] | None = None
    _by_source: dict[int, list[Figure]] | None = None

    def of_enterprise(self, enterprise_id: int | None) -> list[Figure]:
        if self._by_enterprise is None:
            self._by_enterprise = {}
            for figure in self.figures:
                self._by_enterprise.setdefault(figure.enterprise_id, []).append(figure)
        return self._by_enterprise.get(enterprise_id or 0, [])

    def of_source(self, source_id: int | None) -> list[Figure]:
        if self._by_source is None:
            self._by_source = {}
            for figure in self.figures:
                self._by_source.setdefault(figure.source_id, []).append(figure)
        return self._by_source.get(source_id or 0, [])


def _scope_filter(indicator: Indicator) -> tuple[str, str]:
    """The inventory trail level and key an indicator's level reads."""
    if indicator.level == IndicatorLevel.park:
        return "park", "park"
    if indicator.level == IndicatorLevel.enterprise:
        return "enterprise", str(indicator.enterprise_id)
    return "source", str(indicator.source_id)


def _figures_of(indicator: Indicator, data: YearData) -> list[Figure]:
    if indicator.level == IndicatorLevel.park:
        return data.figures
    if indicator.level == IndicatorLevel.enterprise:
        return data.of_enterprise(indicator.enterprise_id)
    return data.of_source(indicator.source_id)


def _economic_of(indicator: Indicator, economic: Mapping[int, EconomicData | Output]) -> list[EconomicData | Output]:
    if indicator.level == IndicatorLevel.park:
        return list(economic.values())
    enterprise_id = indicator.enterprise_id
    found = economic.get(enterprise_id or 0)
    return [found] if found is not None else []


def _computed(indicator: Indicator, year: int, data: YearData) -> IndicatorValue:
    assert indicator.id is not None
    level, key = _scope_filter(indicator)
    trail = {"kind": "inventory", "year": year, "level": level, "key": key}
    rows = _figures_of(indicator, data)

    def value(v: Decimal | None, missing: str = "", **extra: Any) -> IndicatorValue:
        return IndicatorValue(indicator.id or 0, year, 0, v, "inventory", trail=trail, missing=missing, **extra)

    if not data.figures:
        return value(None, "no_inventory")
    emission = from_nano(sum(f.emission_mg for f in rows))
    formula = indicator.formula
    if formula == IndicatorFormula.total_emission:
        return value(emission)
    if formula == IndicatorFormula.scope_emission:
        return value(from_nano(sum(f.emission_mg for f in rows if f.scope == indicator.scope)))
    energy_rows = [f for f in rows if f.category in ENERGY_CATEGORIES]
    energy = from_nano(sum(f.energy_mgce for f in energy_rows))
    if formula == IndicatorFormula.energy_consumption:
        return value(energy)
    if formula == IndicatorFormula.renewable_share:
        if not energy:
            return value(None, "no_energy")
        renewable = from_nano(sum(f.energy_mgce for f in energy_rows if f.renewable))
        return value(renewable / energy * HUNDRED, numerator=renewable, denominator=energy)
    economic = _economic_of(indicator, data.economic)
    if formula == IndicatorFormula.intensity_output_value:
        # The same figure as the inventory's park intensity: the level's emissions over the output reported.
        output = sum((e.output_value for e in economic), Decimal(0))
        if not output:
            return value(None, "no_economic_data")
        return value(emission / output, numerator=emission, denominator=output)
    if formula == IndicatorFormula.intensity_product:
        product = economic[0].product_output if len(economic) == 1 else None
        if not product:
            return value(None, "no_product_output")
        return value(emission / product, numerator=emission, denominator=product)
    raise ValueError(f"not an inventory formula: {formula}")


def newest_manual(
    session: Session, indicator_ids: Iterable[int], years: Iterable[int]
) -> dict[tuple[int, int, int], ManualValue]:
    """The newest entered value per (indicator, year, period): corrections supersede, nothing is overwritten."""
    ids, wanted = list(indicator_ids), list(years)
    if not ids or not wanted:
        return {}
    rows = session.execute(
        select(ManualValue)
        .where(col(ManualValue.indicator_id).in_(ids), col(ManualValue.year).in_(wanted))
        .order_by(col(ManualValue.id))
    ).scalars()
    return {(row.indicator_id, row.year, row.period): row for row in rows}


def _manual(indicator: Indicator, year: int, period: int, row: ManualValue | None) -> IndicatorValue:
    assert indicator.id is not None
    if row is None:
        return IndicatorValue(indicator.id, year, period, None, "manual", missing="no_manual_value")
    trail = {"kind": "manual", "manual_value_id": row.id, "evidence_document_id": row.evidence_document_id}
    return IndicatorValue(indicator.id, year, period, row.value, "manual", trail=trail)


def year_data(session: Session, park_id: int, year: int) -> YearData:
    return YearData(confirmed_figures(session, park_id, year), economic_data(session, park_id, year))


def indicator_values(
    session: Session,
    park_id: int,
    indicators: list[Indicator],
    years: Iterable[int],
    read: dict[int, YearData] | None = None,
) -> dict[tuple[int, int, int], IndicatorValue]:
    """Every indicator's annual value for each year, keyed (indicator id, year, 0); manual indicators also keep
    their entered sub-year periods. The inventory is read once per year whatever the number of indicators; `read`,
    when given, keeps each year's data read (or gives it), for a caller that shows the same year's figures too."""
    wanted = sorted(set(years))
    manual = [i for i in indicators if i.formula == IndicatorFormula.manual]
    computed = [i for i in indicators if i.formula != IndicatorFormula.manual]
    out: dict[tuple[int, int, int], IndicatorValue] = {}
    if computed:
        unread = [year for year in wanted if read is None or year not in read]
        figures = confirmed_figures_of_years(session, park_id, unread) if unread else {}
        outputs = outputs_of_years(session, park_id, unread) if unread else {}
        for year in wanted:
            held = read is not None and year in read
            data = read[year] if read is not None and held else YearData(figures[year], outputs[year])
            if read is not None:
                read[year] = data
            for indicator in computed:
                out[(indicator.id or 0, year, 0)] = _computed(indicator, year, data)
    entered = newest_manual(session, [i.id or 0 for i in manual], wanted)
    for indicator in manual:
        for year in wanted:
            out[(indicator.id or 0, year, 0)] = _manual(indicator, year, 0, entered.get((indicator.id or 0, year, 0)))
        for (indicator_id, year, period), row in entered.items():
            if indicator_id == indicator.id and period:
                out[(indicator_id, year, period)] = _manual(indicator, year, period, row)
    return out


def indicator_value(session: Session, indicator: Indicator, year: int, period: int = 0) -> IndicatorValue:
    if indicator.formula == IndicatorFormula.manual:
        row = newest_manual(session, [indicator.id or 0], [year]).get((indicator.id or 0, year, period))
        return _manual(indicator, year, period, row)
    if period:
        raise ValueError("inventory indicators have annual values only")
    return _computed(indicator, year, year_data(session, indicator.park_id, year))
