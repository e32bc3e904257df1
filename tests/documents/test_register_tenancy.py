"""The documents register among other parks' documents: its pages, newest or oldest first and filtered by type, are
the park's own in the order asked (ties by id), on both databases; on PostgreSQL they are read through the
indexes leading with the park (ix_document_park_created, ix_document_park_type_control_no), not by sorting every
document of the park or reading the type's documents of every park."""

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event, insert

from tests.conftest import _database_params

TYPES = ("CARBON_POLICY", "CARBON_MANAGEMENT_RULES", "ANNUAL_WORK_PLAN")
START = datetime(2025, 1, 1, tzinfo=UTC)

on_postgres = pytest.mark.parametrize(
    "app_env", [p for p in _database_params() if p.values[0] == "postgresql"], indirect=True, scope="session"
)


def _seed(park: Any, count: int, *, tied_every: int = 3) -> list[dict]:
    """`count` documents of `park` over TYPES; every `tied_every`-th shares the previous one's creation time."""
    from app.db import get_engine
    from app.documents.models import Document

    rows = []
    moment = START
    batch = uuid.uuid4().hex[:4]
    for number in range(count):
        if number % tied_every:
            moment += timedelta(hours=number % 7 + 1)
        doc_type = TYPES[number % len(TYPES)]
        rows.append(
            {
                "park_id": park.id,
                "control_no": f"{park.code}-{batch}-{doc_type[:8]}-{count - number:05d}",  # not in creation order
                "doc_type": doc_type,
                "kind": "document",
                "title": f"文件 {number}",
                "owner_unit": "碳管理办公室",
                "access_level": "internal",
                "created_by_id": park.user_ids["coordinator"],
                "created_at": moment,
            }
        )
    with get_engine().begin() as connection:
        connection.execute(insert(Document), rows)
    return rows


def _page(park: Any, **params: Any) -> dict:
    response = park.client.get("/api/documents", params=params, headers=park.headers("coordinator"))
    assert response.status_code == 200, response.text
    return response.json()


def _ids_in_order(park: Any, *, descending: bool) -> list[tuple[datetime, int]]:
    from sqlalchemy import select

    from app.common import as_utc
    from app.db import session_scope
    from app.documents.models import Document

    with session_scope(write=False) as session:
        rows = session.execute(select(Document.created_at, Document.id).where(Document.park_id == park.id)).all()
    moments = [(as_utc(created), document_id) for created, document_id in rows]
    # The register's order: the column as asked, then the id ascending.
    moments.sort(key=lambda pair: pair[1])
    moments.sort(key=lambda pair: pair[0], reverse=descending)
    return moments


def test_pages_newest_and_oldest_first_are_the_parks_own_in_order(park, other_park) -> None:
    _seed(other_park, 40)
    _seed(park, 25)
    _seed(other_park, 10)
    for descending in (True, False):
        expected = [document_id for _, document_id in _ids_in_order(park, descending=descending)]
        sort = "-created_at" if descending else "created_at"
        pages = [_page(park, sort=sort, limit=10, offset=offset) for offset in (0, 10, 20)]
        assert all(page["total"] == 25 for page in pages)
        assert [item["id"] for page in pages for item in page["items"]] == expected


def test_filtered_by_type_the_parks_documents_of_that_type_by_control_number(park, other_park) -> None:
    _seed(other_park, 30)
    rows = _seed(park, 12)
    page = _page(park, type=TYPES[1])
    expected = sorted(row["control_no"] for row in rows if row["doc_type"] == TYPES[1])
    assert page["total"] == len(expected) == 4
    assert [item["control_no"] for item in page["items"]] == expected


@contextmanager
def _statements() -> Iterator[list[tuple[str, Any]]]:
    from app.db import get_engine

    caught: list[tuple[str, Any]] = []

    def before(_conn: Any, _cursor: Any, sql: str, parameters: Any, _context: Any, _many: bool) -> None:
        caught.append((sql, parameters))

    engine = get_engine()
    event.listen(engine, "before_cursor_execute", before)
    try:
        yield caught
    finally:
        event.remove(engine, "before_cursor_execute", before)


def _plan_of_page(park: Any, **params: Any) -> str:
    """The plan of the statement that reads the register's page (the one with LIMIT)."""
    from app.db import get_engine

    with _statements() as caught:
        _page(park, **params)
    sql, parameters = next((sql, p) for sql, p in caught if "FROM document" in sql and "LIMIT" in sql)
    with get_engine().connect() as connection:
        return "\n".join(row[0] for row in connection.exec_driver_sql("EXPLAIN " + sql, parameters))


@on_postgres
def test_on_postgresql_a_page_is_read_by_the_indexes_leading_with_the_park(park_factory) -> None:
    from app.db import get_engine

    parks = [park_factory() for _ in range(4)]
    for each in parks:
        _seed(each, 600)
    with get_engine().connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("ANALYZE document")
    measured = parks[1]
    assert "ix_document_park_created" in _plan_of_page(measured, sort="-created_at", limit=50)
    assert "ix_document_park_created" in _plan_of_page(measured, sort="created_at", limit=50, offset=100)
    assert "ix_document_park_type_control_no" in _plan_of_page(measured, type=TYPES[0], limit=50)
