"""Checking rows of activity data, the same for the API, the web form and the workbook: every error of every row,
by column and reason (Chinese first), and nothing written."""

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from app.errors import Invalid
from app.inventory import boundary, factors, units, workbook
from app.inventory.models import (
    CATEGORY_FACTOR_KIND,
    DataQuality,
    EmissionFactor,
    EmissionSource,
    Enterprise,
    FactorKind,
    SourceCategory,
)
from app.inventory.workbook import COLUMNS, QUALITY_BY_ZH

COLUMN_ZH = dict(COLUMNS)


@dataclass
class CheckedRow:
    source: EmissionSource
    month: int | None
    quantity: Decimal
    unit: str
    quality: DataQuality
    factor: EmissionFactor | None
    ncv: Decimal | None = None
    carbon_content: Decimal | None = None
    oxidation_rate: Decimal | None = None
    purity: Decimal | None = None
    meter_ref: str | None = None
    note: str = ""


@dataclass
class Problems:
    items: list[tuple[str, str, str]] = field(default_factory=list)  # (column key, Chinese, English)

    def add(self, column: str, zh: str, en: str) -> None:
        self.items.append((column, zh, en))


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _decimal(value: Any, column: str, problems: Problems, *, optional: bool) -> Decimal | None:
    if _blank(value):
        if not optional:
            problems.add(column, f"“{COLUMN_ZH[column]}”不能为空", f"'{column}' is required")
        return None
    try:
        number = Decimal(str(value).strip().replace(",", ""))
    except InvalidOperation:
        problems.add(column, f"“{value}”不是数字", f"'{value}' is not a number")
        return None
    if not number.is_finite():
        problems.add(column, f"“{value}”不是数字", f"'{value}' is not a number")
        return None
    if number < 0:
        problems.add(column, "数值不能为负数", "A negative value is not allowed")
        return None
    if not in_range(number):
        problems.add(column, "数值超出可接受的范围", "The value is out of the accepted range")
        return None
    return number


def in_range(number: Decimal) -> bool:
    """At most 20 significant digits, and 0 or between 10⁻¹² and 10¹⁵: anything else is a typing error."""
    if number == 0:
        return True
    return len(number.normalize().as_tuple().digits) <= 20 and -12 <= number.adjusted() < 15


def check_row(
    session: Session,
    raw: dict[str, Any],
    *,
    park_id: int,
    year: int,
    month: int | None,
    sources: dict[int, EmissionSource],
    in_scope: set[int],
    cache: dict[tuple[str, str, int], EmissionFactor | None] | None = None,
) -> tuple[CheckedRow | None, Problems]:
    problems = Problems()
    source = None
    source_raw = raw.get("source_id")
    try:
        source_id = int(str(source_raw).strip()) if not _blank(source_raw) else None
    except ValueError:
        source_id = None
    if source_id is None or source_id not in sources:
        problems.add(
            "source_id", f"排放源“{source_raw}”不是本企业的排放源", f"'{source_raw}' is not a source of this enterprise"
        )
    else:
        source = sources[source_id]
        if source_id not in in_scope:
            problems.add(
                "source_id",
                f"排放源“{source.name}”不在 {year} 年的核算边界内",
                f"The source '{source.name}' is outside the {year} boundary",
            )
    row_month = month
    if not _blank(raw.get("month")):
        try:
            row_month = int(str(raw["month"]).strip())
        except ValueError:
            row_month = -1
        if not 1 <= row_month <= 12 or (month is not None and row_month != month):
            problems.add("month", f"月份“{raw['month']}”不正确", f"The month '{raw['month']}' is not valid here")
    quantity = _decimal(raw.get("quantity"), "quantity", problems, optional=False)
    unit = str(raw.get("unit") or "").strip()
    factor = None
    if not units.is_unit(unit):
        problems.add("unit", f"未知的计量单位“{unit}”", f"Unknown unit '{unit}'")
    elif source is not None:
        kind = CATEGORY_FACTOR_KIND[SourceCategory(source.category)]
        expected = source.unit
        if kind is not None:
            factor = _factor_for(session, park_id, kind, source.quantity, year, cache)
            if factor is None:
                problems.add(
                    "source_id",
                    f"排放因子库中没有适用于“{source.quantity}”（{year} 年）的排放因子",
                    f"No emission factor for '{source.quantity}' in {year}",
                )
            else:
                expected = factor.activity_unit
        elif not (units.same_dimension(unit, "Nm³") or units.same_dimension(unit, "t")):
            expected = "Nm³"
        if expected and units.is_unit(expected) and not _unit_fits(unit, expected, source):
            problems.add(
                "unit",
                f"单位“{unit}”与该排放源的量纲不符（应为{_dimension_zh(expected)}，如 {expected}）",
                f"The unit '{unit}' does not fit this source (expected {_dimension_en(expected)}, e.g. {expected})",
            )
    quality_raw = str(raw.get("quality") or "").strip()
    quality_code = QUALITY_BY_ZH.get(quality_raw, quality_raw)
    try:
        quality = DataQuality(quality_code)
    except ValueError:
        problems.add(
            "quality", f"数据质量“{quality_raw}”应为 实测、计算 或 估算", "Quality is metered, calculated or estimated"
        )
        quality = DataQuality.estimated
    measured = {
        key: _decimal(raw.get(key), key, problems, optional=True)
        for key in ("ncv", "carbon_content", "oxidation_rate", "purity")
    }
    for key in ("oxidation_rate", "purity"):
        value = measured[key]
        if value is not None and (value == 0 or value > 1):
            problems.add(key, "应为 0 到 1 之间的小数（如 0.98）", "Must be a fraction between 0 and 1 (e.g. 0.98)")
    if source is not None and source.category == SourceCategory.co2_recovered and measured["purity"] is None:
        problems.add("purity", "CO₂ 回收利用须填写纯度", "CO₂ recovered needs its purity")
    if source is not None and source.category != SourceCategory.fuel_combustion:
        for key in ("ncv", "carbon_content", "oxidation_rate"):
            if measured[key] is not None:
                problems.add(
                    key, "只有燃料燃烧排放源可填写实测燃料参数", "Only fuel combustion sources take fuel parameters"
                )
    if factor is not None and source is not None and source.category == SourceCategory.fuel_combustion:
        _fuel_parameters_complete(factor, measured, problems)
    meter_ref = str(raw.get("meter_ref") or "").strip()[:100] or None
    if problems.items or source is None or quantity is None:
        return None, problems
    return (
        CheckedRow(
            source=source,
            month=row_month,
            quantity=quantity,
            unit=unit,
            quality=quality,
            factor=factor,
            ncv=measured["ncv"],
            carbon_content=measured["carbon_content"],
            oxidation_rate=measured["oxidation_rate"],
            purity=measured["purity"],
            meter_ref=meter_ref,
            note=str(raw.get("note") or "").strip()[:1000],
        ),
        problems,
    )


def _factor_for(
    session: Session,
    park_id: int,
    kind: FactorKind,
    quantity: str,
    year: int,
    cache: dict[tuple[str, str, int], EmissionFactor | None] | None,
) -> EmissionFactor | None:
    """One look-up per (kind, quantity, year) of a workbook, not one per row."""
    key = (str(kind), quantity, year)
    if cache is None:
        return factors.find_factor(session, park_id=park_id, kind=kind, quantity=quantity, year=year)
    if key not in cache:
        cache[key] = factors.find_factor(session, park_id=park_id, kind=kind, quantity=quantity, year=year)
    return cache[key]


def _fuel_parameters_complete(factor: EmissionFactor, measured: dict[str, Decimal | None], problems: Problems) -> None:
    uses_heat = factor.ncv is not None or measured["ncv"] is not None
    if not uses_heat:
        return
    for key, zh in (("ncv", "低位发热量"), ("carbon_content", "单位热值含碳量"), ("oxidation_rate", "碳氧化率")):
        if measured[key] is None and getattr(factor, key) is None:
            problems.add(
                key,
                f"排放因子没有{zh}缺省值，须填写实测值",
                f"The factor has no default {key}: give the measured value",
            )


def _unit_fits(unit: str, expected: str, source: EmissionSource) -> bool:
    if source.category == SourceCategory.co2_recovered:
        return units.same_dimension(unit, "Nm³") or units.same_dimension(unit, "t")
    return units.same_dimension(unit, expected)


def _dimension_zh(unit: str) -> str:
    for base, (zh, _) in units.DIMENSIONS.items():
        if units.same_dimension(unit, base):
            return zh
    return unit


def _dimension_en(unit: str) -> str:
    for base, (_, en) in units.DIMENSIONS.items():
        if units.same_dimension(unit, base):
            return en
    return unit


class RowErrors(Invalid):
    """422 listing every error of every row (sheet, row, column, reason): nothing was written."""

    code = "invalid_rows"

    def __init__(self, errors: list[workbook.RowError]) -> None:
        first = errors[0]
        super().__init__(
            f"数据有 {len(errors)} 处错误，未导入任何数据。"
            f"第一处：{first.sheet} 第 {first.row} 行“{first.column}”：{first.message_zh}",
            f"{len(errors)} errors; nothing was imported. First: {first.sheet} row {first.row} '{first.column}': "
            f"{first.message_en}",
        )
        self.errors = errors

    def to_dict(self) -> dict[str, Any]:
        return super().to_dict() | {"row_errors": [error.as_dict() for error in self.errors]}


def check_rows(
    session: Session,
    *,
    enterprise: Enterprise,
    year: int,
    month: int | None,
    raw_rows: list[tuple[int, dict[str, Any]]],
    sheet: str,
) -> list[CheckedRow]:
    """Every row checked; RowErrors with all of them if any is wrong."""
    sources = {
        source.id: source
        for source in session.execute(
            select(EmissionSource).where(col(EmissionSource.enterprise_id) == enterprise.id)
        ).scalars()
        if source.id is not None
    }
    in_scope = boundary.in_scope_source_ids(session, enterprise.park_id, year)
    errors: list[workbook.RowError] = []
    checked: list[CheckedRow] = []
    if not raw_rows:
        errors.append(workbook.RowError(sheet, 0, "", "没有任何数据行", "There are no rows"))
    cache: dict[tuple[str, str, int], EmissionFactor | None] = {}
    for number, raw in raw_rows:
        row, problems = check_row(
            session,
            raw,
            park_id=enterprise.park_id,
            year=year,
            month=month,
            sources=sources,
            in_scope=in_scope,
            cache=cache,
        )
        for column, zh, en in problems.items:
            errors.append(workbook.RowError(sheet, number, COLUMN_ZH.get(column, column), zh, en))
        if row is not None:
            checked.append(row)
    if errors:
        raise RowErrors(errors)
    return checked
