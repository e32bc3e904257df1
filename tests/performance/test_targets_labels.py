"""Every code of objectives, targets and measures has its Chinese and English words in the one label table."""

from enum import StrEnum

import pytest

from app.labels import LABELS, label_pair
from app.performance.models import Consideration, MeasureStatus, ObjectiveCategory
from app.performance.status import TargetStatus

ENUMS: list[tuple[str, type[StrEnum]]] = [
    ("objective_category", ObjectiveCategory),
    ("consideration", Consideration),
    ("target_status", TargetStatus),
    ("measure_status", MeasureStatus),
]


@pytest.mark.parametrize(("kind", "enum"), ENUMS, ids=[kind for kind, _ in ENUMS])
def test_every_code_has_words(kind: str, enum: type[StrEnum]) -> None:
    assert set(LABELS[kind]) == {str(value) for value in enum}
    for value in enum:
        zh, en = label_pair(kind, value)
        assert zh != en and zh and en


def test_the_trail_names_the_new_entities_and_actions() -> None:
    assert label_pair("entity", "target") == ("碳排放管理指标", "target")
    assert label_pair("event", "responsibility_letter.generate") == (
        "生成目标和指标责任书",
        "generated a responsibility letter",
    )
    assert label_pair("state", "effective") == ("现行有效", "Effective")  # merged in, nothing replaced
