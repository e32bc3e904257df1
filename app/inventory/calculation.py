"""GB/T 32150 arithmetic for one row of activity data: pure functions, `Decimal` throughout, units via `units`.

- fuel combustion: AD = FC × NCV (GJ); EF = CC × OF × 44/12 (tCO₂/GJ); E = AD × EF. A supplier's direct factor
  (tCO₂ per unit of fuel) is used as E = FC × EF when the factor gives no NCV/CC.
- process, waste: E = AD × EF (tCO₂ per activity unit).
- purchased / exported electricity: E = AD (MWh) × EF_grid; heat: E = AD (GJ) × EF_heat. Exported is deducted.
- CO₂ recovered: R = Q × purity × ρ(CO₂) (ρ = 1.977 kg/Nm³); a mass is taken as it is (× purity). Deducted.
- energy (GB/T 2589—2020) in tce: fuel by its heat (AD ÷ 29.3076 GJ/tce), electricity by its equivalent value
  (3.6 MJ/kWh), heat by its GJ.
Nothing here rounds: rounding is for display only (`display`).
"""

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from app.errors import Invalid
from app.inventory import units
from app.inventory.models import SourceCategory

C = SourceCategory
DEDUCTED = frozenset({C.exported_electricity, C.exported_heat, C.co2_recovered})
SCOPE_OF: dict[SourceCategory, int] = {
    C.fuel_combustion: 1,
    C.industrial_process: 1,
    C.waste_treatment: 1,
    C.co2_recovered: 1,
    C.purchased_electricity: 2,
    C.purchased_heat: 2,
    C.exported_electricity: 2,
    C.exported_heat: 2,
}
ENERGY_CATEGORIES = frozenset({C.fuel_combustion, C.purchased_electricity, C.purchased_heat})


@dataclass(frozen=True)
class FactorValues:
    activity_unit: str
    ncv: Decimal | None = None
    carbon_content: Decimal | None = None
    oxidation_rate: Decimal | None = None
    direct_factor: Decimal | None = None


@dataclass(frozen=True)
class RowInput:
    category: SourceCategory
    quantity: Decimal
    unit: str
    factor: FactorValues | None
    ncv: Decimal | None = None  # measured parameters override the factor's
    carbon_content: Decimal | None = None
    oxidation_rate: Decimal | None = None
    purity: Decimal | None = None


@dataclass
class RowResult:
    emission: Decimal  # tCO₂, negative when deducted
    energy_tce: Decimal  # 0 for categories that are not energy use
    formula: str
    # Which parameter came from where: "measured" or "default" (the factor's).
    parameters: dict[str, dict[str, str]] = field(default_factory=dict)


def display(value: Decimal, places: int = 2) -> str:
    """Round half up for display only (stated in reports as "四舍五入保留两位小数")."""
    return str(value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))


def _n(value: Decimal) -> str:
    return format(value.normalize(), "f")


def _param(name: str, measured: Decimal | None, default: Decimal | None) -> tuple[Decimal, str]:
    if measured is not None:
        return measured, "measured"
    if default is None:
        raise Invalid(f"缺少参数：{name}", f"Missing parameter: {name}")
    return default, "default"


def calculate(row: RowInput) -> RowResult:
    sign = Decimal(-1) if row.category in DEDUCTED else Decimal(1)
    if row.category == C.co2_recovered:
        return _recovered(row, sign)
    factor = row.factor
    if factor is None:
        raise Invalid("缺少排放因子", "No emission factor")
    amount = units.convert(row.quantity, row.unit, factor.activity_unit)
    shown = f"{_n(row.quantity)} {row.unit}"
    if amount != row.quantity or row.unit != factor.activity_unit:
        shown += f" = {_n(amount)} {factor.activity_unit}"
    if row.category == C.fuel_combustion and (factor.ncv is not None or row.ncv is not None):
        return _fuel(row, factor, amount, shown)
    if factor.direct_factor is None:
        raise Invalid("排放因子没有数值", "The emission factor has no value")
    emission = sign * amount * factor.direct_factor
    formula = f"E = {'-' if sign < 0 else ''}AD × EF = {shown} × {_n(factor.direct_factor)} tCO₂/{factor.activity_unit}"
    formula += f" = {_n(emission)} tCO₂"
    energy = Decimal(0)
    if row.category in (C.purchased_electricity, C.exported_electricity):
        kwh = units.convert(row.quantity, row.unit, "kWh")
        energy = sign * units.kwh_to_tce(kwh)
        formula += f"; 能耗 = {_n(kwh)} kWh × 3.6 MJ/kWh ÷ 29.3076 MJ/kgce = {_n(energy)} tce"
    elif row.category in (C.purchased_heat, C.exported_heat):
        energy = sign * units.to_tce(row.quantity, row.unit)
        formula += f"; 能耗 = {shown} ÷ 29.3076 GJ/tce = {_n(energy)} tce"
    elif row.category == C.fuel_combustion:
        formula += "; 能耗：因子未给出低位发热量，不折标准煤"
    return RowResult(emission=emission, energy_tce=energy, formula=formula, parameters={})


def _fuel(row: RowInput, factor: FactorValues, amount: Decimal, shown: str) -> RowResult:
    ncv, ncv_from = _param("低位发热量 NCV", row.ncv, factor.ncv)
    cc, cc_from = _param("单位热值含碳量 CC", row.carbon_content, factor.carbon_content)
    of, of_from = _param("碳氧化率 OF", row.oxidation_rate, factor.oxidation_rate)
    ad = amount * ncv  # GJ
    ef = cc * of * units.CO2_PER_C  # tCO₂/GJ
    emission = ad * ef
    energy = units.to_tce(ad, "GJ")
    u = factor.activity_unit
    formula = (
        f"AD = FC × NCV = {shown} × {_n(ncv)} GJ/{u} = {_n(ad)} GJ; "
        f"EF = CC × OF × 44/12 = {_n(cc)} tC/GJ × {_n(of)} × 44/12 = {_n(ef)} tCO₂/GJ; "
        f"E = AD × EF = {_n(emission)} tCO₂; 能耗 = {_n(ad)} GJ ÷ 29.3076 GJ/tce = {_n(energy)} tce"
    )
    parameters = {
        "ncv": {"value": _n(ncv), "from": ncv_from},
        "carbon_content": {"value": _n(cc), "from": cc_from},
        "oxidation_rate": {"value": _n(of), "from": of_from},
    }
    return RowResult(emission=emission, energy_tce=energy, formula=formula, parameters=parameters)


def _recovered(row: RowInput, sign: Decimal) -> RowResult:
    if row.purity is None:
        raise Invalid("CO₂ 回收量需要填写纯度", "CO₂ recovered needs its purity")
    canonical = units.canonical(row.unit)
    if units.same_dimension(row.unit, "Nm³"):
        nm3 = units.convert(row.quantity, row.unit, "Nm³")
        mass = nm3 * row.purity * units.CO2_DENSITY.to("t/Nm3").magnitude
        formula = f"R = Q × 纯度 × ρ = {_n(nm3)} Nm³ × {_n(row.purity)} × 1.977 kg/Nm³ = {_n(mass)} tCO₂"
    elif canonical and units.same_dimension(row.unit, "t"):
        tonnes = units.convert(row.quantity, row.unit, "t")
        mass = tonnes * row.purity
        formula = f"R = Q × 纯度 = {_n(tonnes)} t × {_n(row.purity)} = {_n(mass)} tCO₂"
    else:
        raise units.WrongDimension(row.unit)
    emission = sign * Decimal(mass)
    return RowResult(emission=emission, energy_tce=Decimal(0), formula=f"{formula}（扣减）", parameters={})
