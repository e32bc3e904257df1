"""The performance page's codes all have Chinese and English words in the one label table."""

from enum import StrEnum

import pytest

from app import labels
from app.performance.models import AdjustmentReason, DeviationState, IndicatorFormula, IndicatorLevel, MeasureStatus
from app.performance.status import TargetStatus

ENUMS: list[tuple[str, type[StrEnum]]] = [
    ("target_status", TargetStatus),
    ("measure_status", MeasureStatus),
    ("deviation_state", DeviationState),
    ("indicator_level", IndicatorLevel),
    ("indicator_formula", IndicatorFormula),
    ("adjustment_reason", AdjustmentReason),
]


@pytest.mark.parametrize(("kind", "enum"), ENUMS, ids=[kind for kind, _ in ENUMS])
def test_every_code_of_the_page_has_chinese_and_english_words(kind: str, enum: type[StrEnum]) -> None:
    table = labels.LABELS[kind]
    assert set(table) == {member.value for member in enum}
    for zh, en in table.values():
        assert zh and en and zh != en


def test_why_a_value_is_missing_is_said_in_words() -> None:
    codes = {"no_inventory", "no_economic_data", "no_product_output", "no_energy", "no_manual_value"}
    assert set(labels.LABELS["indicator_missing"]) == codes
