"""The one units registry of the inventory (pint, Decimal magnitudes): every conversion goes through it.

Defined here and nowhere else: 万kWh, 万Nm³, tce and kgce. tce and kgce are energy, per GB/T 2589—2020
(综合能耗计算通则): 1 kgce = 29.3076 MJ. Standard cubic metres (Nm³, gas at standard conditions) are a dimension of
their own, so a gas volume is never confused with an actual-conditions m³ or converted to a mass by accident.
"""

from decimal import Decimal
from functools import lru_cache

import pint

UREG: pint.UnitRegistry = pint.UnitRegistry(non_int_type=Decimal)
UREG.define("tce = 29.3076 GJ")  # GB/T 2589—2020: 1 kgce = 29.3076 MJ, so 1 tce = 29.3076 GJ
UREG.define("kgce = 29.3076 MJ")
UREG.define("Nm3 = [standard_volume]")
UREG.define("wan_Nm3 = 10000 Nm3")
UREG.define("wan_kWh = 10000 kWh")
UREG.define("wan_t = 10000 t")

# The spellings people type (and the workbook's drop-down lists offer) → the registry's unit names.
UNITS: dict[str, str] = {
    "t": "t",
    "吨": "t",
    "kg": "kg",
    "千克": "kg",
    "万t": "wan_t",
    "万吨": "wan_t",
    "GJ": "GJ",
    "MJ": "MJ",
    "TJ": "TJ",
    "kWh": "kWh",
    "千瓦时": "kWh",
    "MWh": "MWh",
    "万kWh": "wan_kWh",
    "GWh": "GWh",
    "Nm³": "Nm3",
    "Nm3": "Nm3",
    "万Nm³": "wan_Nm3",
    "万Nm3": "wan_Nm3",
    "tce": "tce",
    "kgce": "kgce",
}

# What each dimension is called for people, by the unit that stands for it.
DIMENSIONS: dict[str, tuple[str, str]] = {
    "t": ("质量", "mass"),
    "GJ": ("能量", "energy"),
    "Nm3": ("标准状况气体体积", "gas volume at standard conditions"),
}

# Electricity as its equivalent value (当量值), GB/T 2589—2020: 1 kWh = 3.6 MJ.
ELECTRICITY_EQUIVALENT = UREG.Quantity(Decimal("3.6"), "MJ") / UREG.Quantity(Decimal("1"), "kWh")
# CO₂ density at standard conditions (0 °C, 101.325 kPa): 1.977 kg/m³ (CARBON.md).
CO2_DENSITY = UREG.Quantity(Decimal("1.977"), "kg") / UREG.Quantity(Decimal("1"), "Nm3")
# The CO₂/C mass ratio used by GB/T 32150.
CO2_PER_C = Decimal(44) / Decimal(12)


class UnknownUnit(ValueError):
    pass


class WrongDimension(ValueError):
    pass


def canonical(unit: str) -> str:
    """The registry name of a unit people typed, or UnknownUnit."""
    name = UNITS.get((unit or "").strip())
    if name is None:
        raise UnknownUnit(unit)
    return name


def is_unit(unit: str) -> bool:
    return (unit or "").strip() in UNITS


def same_dimension(a: str, b: str) -> bool:
    return bool(
        UREG.Quantity(Decimal(1), canonical(a)).dimensionality == UREG.Quantity(Decimal(1), canonical(b)).dimensionality
    )


@lru_cache(maxsize=1024)
def _ratio(unit: str, to: str) -> Decimal:
    """How many `to` one `unit` is, asked of the registry once per pair (every unit here is multiplicative)."""
    try:
        return Decimal(UREG.Quantity(Decimal(1), canonical(unit)).to(canonical(to)).magnitude)
    except pint.DimensionalityError as exc:
        raise WrongDimension(f"{unit} → {to}") from exc


def convert(value: Decimal, unit: str, to: str) -> Decimal:
    """`value` in `unit` expressed in `to` (both spellings from UNITS); WrongDimension if they do not agree."""
    unit, to = (unit or "").strip(), (to or "").strip()
    return Decimal(value) if unit == to and unit in UNITS else Decimal(value) * _ratio(unit, to)


def units_like(unit: str) -> list[str]:
    """The spellings of UNITS with the same dimension as `unit` (for drop-down lists)."""
    return [name for name in UNITS if same_dimension(name, unit)]


_TCE_PER_KWH = Decimal((UREG.Quantity(Decimal(1), "kWh") * ELECTRICITY_EQUIVALENT).to("tce").magnitude)


def kwh_to_tce(kwh: Decimal) -> Decimal:
    """Electricity's equivalent value in tce: kWh × 3.6 MJ/kWh ÷ 29.3076 MJ/kgce ÷ 1000."""
    return Decimal(kwh) * _TCE_PER_KWH


def to_tce(value: Decimal, unit: str) -> Decimal:
    return convert(value, unit, "tce")
