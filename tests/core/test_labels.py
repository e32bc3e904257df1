"""The one label table (app/labels.py): every code a person can meet has its Chinese and English words, and the
domains' and the web's label names are that same table, not copies."""

from enum import StrEnum

import pytest

from app import labels
from app.audits.models import AuditState, FindingKind, LineResult
from app.clauses.models import DocKind
from app.documents.lifecycle import Action
from app.documents.models import AccessLevel, RevisionState, SignatureMeaning
from app.nonconformities.models import ActionState, NcOrigin, NcState, Severity
from app.readiness.rollup import ITEM_STATUSES
from app.reviews.models import ReviewState
from app.users.models import Role

ENUMS: list[tuple[str, type[StrEnum]]] = [
    ("state", RevisionState),
    ("action", Action),
    ("meaning", SignatureMeaning),
    ("role", Role),
    ("access", AccessLevel),
    ("kind", DocKind),
    ("audit_state", AuditState),
    ("result", LineResult),
    ("finding_kind", FindingKind),
    ("severity", Severity),
    ("nc_state", NcState),
    ("origin", NcOrigin),
    ("action_state", ActionState),
    ("review_state", ReviewState),
]


@pytest.mark.parametrize(("kind", "enum"), ENUMS, ids=[kind for kind, _ in ENUMS])
def test_every_value_has_chinese_and_english_words(kind: str, enum: type[StrEnum]) -> None:
    table = labels.LABELS[kind]
    assert set(table) == {member.value for member in enum}
    for zh, en in table.values():
        assert zh and en and any("\u4e00" <= char <= "\u9fff" for char in zh)


def test_readiness_statuses_have_words() -> None:
    assert set(ITEM_STATUSES) | {"not_applicable"} == set(labels.LABELS["item"])
    assert set(labels.LABELS["status"]) == {"met", "partial", "gap", "not_applicable"}


def test_the_domain_and_web_names_are_the_one_table() -> None:
    from app.audits import lifecycle as audit_lifecycle
    from app.audits import service
    from app.documents import lifecycle
    from app.documents.models import SIGNATURE_LABELS
    from app.nonconformities import lifecycle as nc_lifecycle
    from app.nonconformities import service as nonconformities
    from app.readiness.service import ITEM_STATUS_LABELS, STATUS_LABELS
    from app.reviews import lifecycle as review_lifecycle
    from app.users.models import ROLE_LABELS
    from app.web import i18n

    table = labels.LABELS
    assert lifecycle.STATE_LABELS is table["state"] and lifecycle.ACTION_LABELS is table["action"]
    assert SIGNATURE_LABELS is table["meaning"] and ROLE_LABELS is table["role"]
    assert STATUS_LABELS is table["status"] and ITEM_STATUS_LABELS is table["item"]
    assert service.AUDIT_STATE_LABELS is table["audit_state"] and service.RESULT_LABELS is table["result"]
    assert nonconformities.SEVERITY_LABELS is table["severity"] and nonconformities.ORIGIN_LABELS is table["origin"]
    assert nc_lifecycle.STATE_LABELS is table["nc_state"] and nc_lifecycle.ACTION_LABELS is table["nc_action"]
    assert audit_lifecycle.STATE_LABELS is table["audit_state"]
    assert review_lifecycle.STATE_LABELS is table["review_state"]
    assert all(i18n.LABELS[kind] is table[kind] for kind in table)


def test_unknown_codes_come_back_as_themselves() -> None:
    assert labels.label_pair("state", "effective") == ("现行有效", "Effective")
    assert labels.label_zh("state", "not-a-state") == "not-a-state"
    assert labels.counts_zh("result", {"nonconforming": 1, "conforming": 6}) == "不符合 1，符合 6"
    assert labels.counts_zh("result", {}) == "无"
