"""Every indicator and baseline code a person can meet has its Chinese and English words in the one label table."""

from enum import StrEnum

import pytest

from app import labels
from app.performance.models import AdjustmentReason, Direction, Frequency, IndicatorFormula, IndicatorLevel

ENUMS: list[tuple[str, type[StrEnum]]] = [
    ("indicator_level", IndicatorLevel),
    ("indicator_formula", IndicatorFormula),
    ("frequency", Frequency),
    ("direction", Direction),
    ("adjustment_reason", AdjustmentReason),
]
EVENTS = (
    "indicator.create",
    "indicator.update",
    "indicator.deactivate",
    "indicator.activate",
    "manual_value.enter",
    "manual_value.correct",
    "baseline.create",
    "baseline.adjust",
)


@pytest.mark.parametrize(("kind", "enum"), ENUMS, ids=[kind for kind, _ in ENUMS])
def test_every_code_has_chinese_and_english_words(kind: str, enum: type[StrEnum]) -> None:
    table = labels.LABELS[kind]
    assert set(table) == {member.value for member in enum}
    for zh, en in table.values():
        assert zh and en and any("\u4e00" <= char <= "\u9fff" for char in zh)


def test_events_entities_and_missing_reasons_have_words() -> None:
    for action in EVENTS:
        assert labels.label_zh("event", action) != action
    for entity in ("indicator", "manual_value", "baseline"):
        assert labels.label_zh("entity", entity) != entity and entity in labels.LABELS["entity"]
    for code in ("no_inventory", "no_economic_data", "no_product_output", "no_energy", "no_manual_value"):
        assert labels.label_zh("value_missing", code) != code
    # The merge adds kinds and keys; it never replaces the core table's own words.
    assert labels.label_pair("event", "enterprise.create") == labels.LABELS["event"]["enterprise.create"]
    assert labels.label_zh("entity", "document") == "文件"
