"""The per-type lookups (app/readiness/lookups.py): the newest ten of many records of one period, per covered
clause, today and at a past date; and a park's size never adds statements."""

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import event

from app.clauses.cycles import due_window
from app.common import utcnow
from tests.readiness.conftest import item_of, load_rule, readiness, rev, seed_document

Q3 = (date(2025, 7, 1), date(2025, 9, 30))
FILED = datetime(2025, 10, 10, tzinfo=UTC)
LATER = datetime(2025, 11, 20, tzinfo=UTC)  # filed after the past date asked below
PAST = date(2025, 11, 15)


def _process_records(park, clause_id: str, count: int, filed: datetime, period: tuple[date, date] = Q3) -> list[int]:
    """`count` records of one quarter for `clause_id`, all with the same period end: the id breaks the tie."""
    return [
        seed_document(
            park, "PROCESS_MANAGEMENT_RECORDS", rev("filed", effective_from=filed, period=period, covers=clause_id)
        ).document_id
        for _ in range(count)
    ]


def test_the_newest_ten_of_one_period_per_covered_clause_today(park) -> None:
    required = due_window(load_rule("PROCESS_MANAGEMENT_RECORDS"), utcnow().date()).required
    period, filed = (required.start, required.end), utcnow() - timedelta(hours=1)
    records = _process_records(park, "9.2.3", 13, filed, period)
    other = _process_records(park, "9.2.4", 2, filed, period)
    result = readiness(park)
    item = item_of(result, "9.2.3", "PROCESS_MANAGEMENT_RECORDS")
    assert item["status"] == "met"
    assert item["evidence"] == sorted(records, reverse=True)[:10]
    assert "10 份以上" in item["reason_zh"]
    assert item_of(result, "9.2.4", "PROCESS_MANAGEMENT_RECORDS")["evidence"] == sorted(other, reverse=True)


def test_the_newest_ten_of_one_period_per_covered_clause_at_a_past_date(park) -> None:
    early = _process_records(park, "9.2.3", 12, FILED)
    late = _process_records(park, "9.2.3", 3, LATER)
    other = _process_records(park, "9.2.4", 2, FILED)
    after = item_of(readiness(park, as_of=date(2025, 11, 25)), "9.2.3", "PROCESS_MANAGEMENT_RECORDS")
    assert after["evidence"] == sorted(early + late, reverse=True)[:10]

    # Before the later ones were filed: the newest ten of those filed by then.
    then = readiness(park, as_of=PAST)
    item = item_of(then, "9.2.3", "PROCESS_MANAGEMENT_RECORDS")
    assert item["status"] == "met"
    assert item["evidence"] == sorted(early, reverse=True)[:10]
    assert "10 份以上" in item["reason_zh"]
    item = item_of(then, "9.2.4", "PROCESS_MANAGEMENT_RECORDS")
    assert item["evidence"] == sorted(other, reverse=True)


@contextmanager
def _statements() -> Iterator[list[str]]:
    from app.db import get_engine

    seen: list[str] = []

    def count(_conn, _cursor, statement: str, *_args) -> None:
        seen.append(statement)

    engine = get_engine()
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)


def test_more_records_and_documents_add_no_statement(park, other_park) -> None:
    """The same statements (in number and text) for a park with one record as for one with many of every kind:
    each lookup is one index range, whatever the park holds."""
    now = datetime.now(UTC)
    for target, many in ((park, 1), (other_park, 12)):  # the same types met in both: the same lookups asked
        for clause_id in ("9.2.2", "9.2.3", "9.2.4", "9.2.5"):
            _process_records(target, clause_id, many, FILED)
        for _ in range(many):
            seed_document(target, "CARBON_POLICY", rev("effective", effective_from=now - timedelta(days=30)))
    for as_of in (None, PAST):
        readiness(park, as_of=as_of), readiness(other_park, as_of=as_of)  # warm: sign-in, caches
        with _statements() as small:
            readiness(park, as_of=as_of)
        with _statements() as large:
            readiness(other_park, as_of=as_of)
        assert len(large) == len(small), as_of
        assert sorted(map(_shape, large)) == sorted(map(_shape, small)), as_of


def _shape(statement: str) -> str:
    """SQLite's IN list of the evidence shown has one placeholder per row shown: one placeholder stands for it."""
    return re.sub(r"\?(, \?)+", "?", statement)
