"""Unit conversions, the GB 32100 check character and the GB/T 32150 arithmetic, each worked by hand."""

from decimal import Decimal as D

import pytest

from app.errors import Invalid
from app.inventory import units
from app.inventory.calculation import C, FactorValues, RowInput, calculate, display
from app.inventory.credit_code import check_character, problem


def test_the_standards_worked_example_of_the_check_character():
    # GB 32100—2015's example: 91350100M000100Y4Z. Values 9,1,3,5,0,1,0,0,21,0,0,0,1,0,0,30,4 times the weights
    # 1,3,9,27,19,26,16,17,20,29,25,13,8,24,10,30,28 sum to 1640; 1640 mod 31 = 28; 31 - 28 = 3.
    assert check_character("91350100M000100Y4") == "3"
    assert problem("91350100M000100Y43") is None
    zh, en = problem("91350100M000100Y44")
    assert "第 18 位" in zh and "“3”" in zh and "18" in en


def test_a_character_outside_the_code_set_is_refused_with_its_position():
    zh, en = problem("91350100I000100Y43")  # I is not in the code set
    assert "第 9 位" in zh and "Character 9" in en
    zh, _ = problem("9135010")
    assert "18 位" in zh and "7 位" in zh


def test_unit_conversions_are_exact():
    assert units.convert(D("2.5"), "万kWh", "MWh") == D("25")  # 2.5 × 10 000 kWh = 25 000 kWh = 25 MWh
    assert units.convert(D("1.2"), "万Nm³", "Nm³") == D("12000")
    assert units.convert(D("29.3076"), "GJ", "tce") == D("1")  # GB/T 2589: 1 tce = 29.3076 GJ
    assert units.convert(D("500"), "kg", "t") == D("0.5")
    # 10 000 kWh × 3.6 MJ/kWh = 36 000 MJ; ÷ 29.3076 MJ/kgce = 1228.3503… kgce = 1.2283503… tce
    assert display(units.kwh_to_tce(D("10000")), 4) == "1.2284"
    with pytest.raises(units.WrongDimension):
        units.convert(D(1), "kWh", "t")
    with pytest.raises(units.UnknownUnit):
        units.canonical("桶")


def test_fuel_with_default_parameters():
    # Test inputs, not published values: NCV 20 GJ/t, CC 0.025 tC/GJ, OF 0.9.
    factor = FactorValues("t", ncv=D("20"), carbon_content=D("0.025"), oxidation_rate=D("0.9"))
    result = calculate(RowInput(C.fuel_combustion, D("150"), "t", factor))
    # AD = 150 t × 20 GJ/t = 3000 GJ; EF = 0.025 × 0.9 × 44/12 = 0.0825 tCO₂/GJ; E = 3000 × 0.0825 = 247.5 tCO₂
    assert result.emission == D("247.5")
    # energy = 3000 GJ ÷ 29.3076 GJ/tce = 102.3625… tce
    assert display(result.energy_tce) == "102.36"
    assert result.parameters["ncv"] == {"value": "20", "from": "default"}
    assert "150 t × 20 GJ/t = 3000 GJ" in result.formula


def test_a_measured_parameter_replaces_the_default():
    factor = FactorValues("t", ncv=D("20"), carbon_content=D("0.025"), oxidation_rate=D("0.9"))
    result = calculate(RowInput(C.fuel_combustion, D("150"), "t", factor, ncv=D("22")))
    # AD = 150 × 22 = 3300 GJ; E = 3300 × 0.0825 = 272.25 tCO₂ (default OF and CC)
    assert result.emission == D("272.25")
    assert result.parameters["ncv"]["from"] == "measured"
    assert result.parameters["oxidation_rate"]["from"] == "default"


def test_a_fuel_reported_in_another_unit_is_converted_first():
    factor = FactorValues("万Nm³", ncv=D("400"), carbon_content=D("0.015"), oxidation_rate=D("1"))
    result = calculate(RowInput(C.fuel_combustion, D("5000"), "Nm³", factor))
    # 5000 Nm³ = 0.5 万Nm³; AD = 0.5 × 400 = 200 GJ; EF = 0.015 × 1 × 44/12 = 0.055; E = 11 tCO₂
    assert result.emission == D("11")


def test_electricity_heat_process_and_waste():
    grid = FactorValues("MWh", direct_factor=D("0.6"))
    bought = calculate(RowInput(C.purchased_electricity, D("12"), "万kWh", grid))
    # 12 万kWh = 120 000 kWh = 120 MWh; E = 120 × 0.6 = 72 tCO₂
    # energy = 120 000 kWh × 3.6 MJ/kWh = 432 000 MJ; ÷ 29.3076 MJ/kgce = 14 740.2… kgce = 14.74 tce
    assert bought.emission == D("72") and display(bought.energy_tce) == "14.74"
    sold = calculate(RowInput(C.exported_electricity, D("10"), "MWh", grid))
    assert sold.emission == D("-6")  # deducted: 10 × 0.6
    heat = calculate(RowInput(C.purchased_heat, D("1000"), "GJ", FactorValues("GJ", direct_factor=D("0.11"))))
    assert heat.emission == D("110")  # 1000 GJ × 0.11 tCO₂/GJ
    assert display(heat.energy_tce) == "34.12"  # 1000 ÷ 29.3076
    process = calculate(RowInput(C.industrial_process, D("2"), "t", FactorValues("t", direct_factor=D("0.44"))))
    assert process.emission == D("0.88")  # 2 t carbonate × 0.44 tCO₂/t
    assert process.energy_tce == 0
    waste = calculate(RowInput(C.waste_treatment, D("300"), "kg", FactorValues("t", direct_factor=D("1.5"))))
    assert waste.emission == D("0.45")  # 300 kg = 0.3 t × 1.5


def test_co2_recovered_is_deducted_by_volume_or_mass():
    by_volume = calculate(RowInput(C.co2_recovered, D("1"), "万Nm³", None, purity=D("0.99")))
    # 10 000 Nm³ × 0.99 × 1.977 kg/Nm³ = 19 572.3 kg = 19.5723 t, deducted
    assert by_volume.emission == D("-19.5723")
    by_mass = calculate(RowInput(C.co2_recovered, D("8"), "t", None, purity=D("0.95")))
    assert by_mass.emission == D("-7.6")
    with pytest.raises(Invalid):
        calculate(RowInput(C.co2_recovered, D("8"), "t", None))


def test_rounding_is_half_up_and_only_for_display():
    assert display(D("2.345")) == "2.35" and display(D("2.344")) == "2.34" and display(D("-0.005")) == "-0.01"
