"""The one end-date rule (国家档案局令第10号: counted from the year after filing), the classes of the clause map, and
the disposition state machine's table (transitions and allowed_actions)."""

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import yaml

from app import labels
from app.clauses.models import RetentionClass
from app.errors import Forbidden, InvalidTransition
from app.retention import lifecycle
from app.retention.lifecycle import Action
from app.retention.models import DispositionBatch, DispositionState, HoldScope, Opinion
from app.retention.rules import retention_end
from app.users.models import Role, User

SHANGHAI = "Asia/Shanghai"
FILED = datetime(2015, 6, 1, 2, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("retention", "state", "expected"),
    [
        ("10y", "filed", date(2025, 12, 31)),
        ("30y", "filed", date(2045, 12, 31)),
        ("permanent", "filed", None),
        ("10y", "void", date(2025, 12, 31)),
        ("10y", "effective", None),  # a document in force: its period has not begun
        ("10y", "in_approval", None),
    ],
)
def test_records_count_from_the_year_after_filing(retention: str, state: str, expected: date | None) -> None:
    assert retention_end(retention, state, FILED, None, SHANGHAI) == expected


def test_a_document_revision_counts_from_the_year_it_ended() -> None:
    ended = datetime(2018, 3, 1, tzinfo=UTC)
    assert retention_end("10y", "superseded", FILED, ended, SHANGHAI) == date(2028, 12, 31)
    assert retention_end("30y", "obsolete", FILED, ended, SHANGHAI) == date(2048, 12, 31)


def test_the_year_is_the_parks() -> None:
    # 17:00 UTC on 31 December is already 1 January in Shanghai: the period counts from the year after that.
    new_year = datetime(2015, 12, 31, 17, 0, tzinfo=UTC)
    assert retention_end("10y", "filed", new_year, None, SHANGHAI) == date(2026, 12, 31)
    assert retention_end("10y", "filed", new_year, None, "UTC") == date(2025, 12, 31)


def test_an_appraisal_keeps_longer_never_shorter() -> None:
    assert retention_end("10y", "filed", FILED, None, SHANGHAI, date(2030, 6, 30)) == date(2030, 6, 30)
    assert retention_end("10y", "filed", FILED, None, SHANGHAI, date(2020, 1, 1)) == date(2025, 12, 31)


def test_every_type_of_the_clause_map_names_one_of_the_three_classes() -> None:
    raw = yaml.safe_load((Path(__file__).resolve().parents[2] / "clause_map.yaml").read_text(encoding="utf-8"))
    classes = {spec["code"]: spec.get("retention") for spec in raw["doc_types"]}
    assert {code for code, value in classes.items() if value not in ("permanent", "30y", "10y")} == set()
    assert "retention_years" not in {key for spec in raw["doc_types"] for key in spec}
    assert classes["CARBON_POLICY"] == "permanent" and classes["CARBON_BASELINE"] == "permanent"
    assert classes["MANAGEMENT_REVIEW"] == "30y" and classes["TRAINING_RECORD"] == "10y"


# --------------------------------------------------------------------------- the state machine's table

S = DispositionState


def _user(role: Role, user_id: int) -> User:
    return User(id=user_id, park_id=1, username=f"u{user_id}", full_name=f"u{user_id}", role=role, password_hash="x")


COORDINATOR = _user(Role.coordinator, 1)
APPROVER = _user(Role.approver, 2)
TOP = _user(Role.top_management, 3)
AUDITOR = _user(Role.auditor, 4)


def _batch(state: DispositionState, appraised_by: int | None = None) -> DispositionBatch:
    return DispositionBatch(
        id=9, park_id=1, state=state, proposed_by_id=1, proposed_by_name="c", appraised_by_id=appraised_by
    )


def test_the_table() -> None:
    table = {action: (set(step.sources), step.target) for action, step in lifecycle.TRANSITIONS.items()}
    assert table == {
        Action.appraise: ({S.proposed}, S.appraised),
        Action.approve: ({S.appraised}, S.approved),
        Action.reject: ({S.proposed, S.appraised}, S.rejected),
        Action.destroy: ({S.approved}, S.destroyed),
    }
    assert [action for action, step in lifecycle.TRANSITIONS.items() if step.signature] == [Action.approve]


@pytest.mark.parametrize(
    ("state", "user", "expected"),
    [
        (S.proposed, COORDINATOR, [Action.appraise]),
        (S.proposed, TOP, [Action.appraise, Action.reject]),
        (S.proposed, AUDITOR, []),
        (S.appraised, COORDINATOR, []),
        (S.appraised, TOP, [Action.approve, Action.reject]),
        (S.appraised, APPROVER, [Action.reject]),  # APPROVER appraised it: may not also approve
        (S.approved, COORDINATOR, [Action.destroy]),
        (S.approved, TOP, []),
        (S.destroyed, COORDINATOR, []),
        (S.rejected, TOP, []),
    ],
)
def test_allowed_actions(state: DispositionState, user: User, expected: list[Action]) -> None:
    assert lifecycle.allowed_actions(_batch(state, appraised_by=APPROVER.id), user) == expected


def test_check_refuses_the_wrong_state_then_the_wrong_person() -> None:
    with pytest.raises(InvalidTransition):
        lifecycle.check(_batch(S.proposed), Action.destroy, COORDINATOR)
    with pytest.raises(Forbidden) as refused:
        lifecycle.check(_batch(S.approved), Action.destroy, TOP)
    assert refused.value.message_en == "Only a coordinator may carry out the destruction"
    with pytest.raises(Forbidden) as same_person:
        lifecycle.check(_batch(S.appraised, appraised_by=TOP.id), Action.approve, TOP)
    assert "appraiser and approver must differ" in same_person.value.message_en


@pytest.mark.parametrize(
    ("kind", "codes"),
    [
        ("retention", {item.value for item in RetentionClass}),
        ("disposition_state", {item.value for item in DispositionState}),
        ("disposition_action", {item.value for item in Action}),
        ("opinion", {item.value for item in Opinion}),
        ("hold_scope", {item.value for item in HoldScope}),
    ],
)
def test_every_code_has_chinese_and_english_words(kind: str, codes: set[str]) -> None:
    table = labels.LABELS[kind]
    assert set(table) == codes
    assert all(zh and en and any("\u4e00" <= char <= "\u9fff" for char in zh) for zh, en in table.values())


def test_retention_events_and_entities_have_words() -> None:
    events = ["retention.set_class", "legal_hold.place", "legal_hold.release", "revision.destroy"]
    events += [f"disposition.{step}" for step in ("propose", *Action)]
    assert [action for action in events if labels.label_zh("event", action) == action] == []
    assert labels.label_zh("entity", "disposition_batch") == "销毁批次"
    assert labels.label_zh("event", "document.register") == "登记文件"  # the merge keeps the core table's words
