"""The evidence shown by readiness among other parks' documents of the same types: each park's detail names its own
revision and its own approvers (批准/确认 signatures, oldest first, once each; review signatures are not approvals),
read by revision id (app/readiness/queries.fill_evidence), on both databases; on PostgreSQL through a signature index
leading with revision_id, never a scan of every park's signatures."""

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event, insert

from app.common import utcnow
from tests.conftest import _database_params
from tests.readiness.conftest import BLOB_SHA, item_of, readiness, rev, seed_document

DAY = timedelta(days=1)


def _sign(park: Any, revision_id: int, name: str, meaning: str, cycle: int, days_ago: int) -> None:
    from app.db import session_scope
    from app.documents.models import Signature

    with session_scope() as session:
        session.add(
            Signature(
                park_id=park.id,
                revision_id=revision_id,
                signer_id=park.user_ids["approver"],
                signer_name=name,
                meaning=meaning,
                cycle=cycle,
                signed_at=utcnow() - days_ago * DAY,
                file_sha256=BLOB_SHA,
            )
        )


def test_each_parks_evidence_names_its_own_revision_and_approvers(park, other_park) -> None:
    now = utcnow()
    theirs = seed_document(
        other_park, "CARBON_POLICY", rev("effective", effective_from=now - 30 * DAY, approver="赵总")
    )
    ours = seed_document(
        park,
        "CARBON_POLICY",
        rev("superseded", effective_from=now - 400 * DAY, ended_at=now - 50 * DAY, approver="前任"),
        rev("effective", effective_from=now - 50 * DAY, approver="王总"),
    )
    current = ours.revision_ids[1]
    _sign(park, current, "李副总", "approve", 2, days_ago=20)  # approved again in a second round, later
    _sign(park, current, "王总", "approve", 3, days_ago=10)  # the same approver again: named once
    _sign(park, current, "审核人", "review", 2, days_ago=25)  # a review is not an approval
    _sign(other_park, theirs.revision_ids[0], "钱总", "approve", 2, days_ago=5)

    detail = item_of(readiness(park), "6.2", "CARBON_POLICY")["evidence_detail"]
    assert [(row["document_id"], row["revision_id"], row["revision"]) for row in detail] == [
        (ours.document_id, current, 2)
    ]
    assert detail[0]["control_no"] == ours.control_no and detail[0]["state"] == "effective"
    assert detail[0]["approvers"] == ["王总", "李副总"]

    other = item_of(readiness(other_park), "6.2", "CARBON_POLICY")["evidence_detail"]
    assert [(row["revision_id"], row["approvers"]) for row in other] == [(theirs.revision_ids[0], ["赵总", "钱总"])]


def test_evidence_without_an_approving_signature_lists_no_approver(park, other_park) -> None:
    now = utcnow()
    seed_document(other_park, "CARBON_POLICY", rev("effective", effective_from=now - 30 * DAY, approver="赵总"))
    ours = seed_document(park, "CARBON_POLICY", rev("effective", effective_from=now - 30 * DAY))
    _sign(park, ours.revision_ids[0], "审核人", "review", 1, days_ago=31)
    detail = item_of(readiness(park), "6.2", "CARBON_POLICY")["evidence_detail"]
    assert [(row["revision_id"], row["approvers"]) for row in detail] == [(ours.revision_ids[0], [])]


on_postgres = pytest.mark.parametrize(
    "app_env", [p for p in _database_params() if p.values[0] == "postgresql"], indirect=True, scope="session"
)


def _crowd(park: Any, signatures: int) -> None:
    """One document of `park` with `signatures` superseded revisions, each approved: rows readiness never shows."""
    from app.db import get_engine
    from app.documents.models import Revision, Signature

    seeded = seed_document(park, "CARBON_MANAGEMENT_RULES")
    author, approver = park.user_ids["coordinator"], park.user_ids["approver"]
    moment = utcnow() - 900 * DAY
    revisions = [
        {
            "park_id": park.id,
            "document_id": seeded.document_id,
            "doc_type": "CARBON_MANAGEMENT_RULES",
            "number": number,
            "state": "superseded",
            "blob_sha256": BLOB_SHA,
            "file_name": "f.pdf",
            "media_type": "application/pdf",
            "size_bytes": 10,
            "preparer_id": author,
            "created_at": moment,
            "effective_from": moment,
            "ended_at": moment,
        }
        for number in range(1, signatures + 1)
    ]
    with get_engine().begin() as connection:
        ids = connection.execute(insert(Revision).returning(Revision.id), revisions).scalars().all()
        rows = [
            {
                "park_id": park.id,
                "revision_id": revision_id,
                "signer_id": approver,
                "signer_name": "他园区",
                "meaning": "approve",
                "cycle": 1,
                "signed_at": moment,
                "file_sha256": BLOB_SHA,
            }
            for revision_id in ids
        ]
        connection.execute(insert(Signature), rows)


@on_postgres
def test_on_postgresql_the_approvers_are_read_by_revision_id_not_by_a_scan_of_every_signature(park, other_park) -> None:
    from app.db import get_engine

    _crowd(other_park, 6000)
    now = utcnow()
    for _ in range(4):
        seed_document(park, "CARBON_POLICY", rev("effective", effective_from=now - 30 * DAY, approver="王总"))
    engine = get_engine()
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("ANALYZE signature")
    caught: list[tuple[str, Any]] = []

    def before(_conn: Any, _cursor: Any, sql: str, parameters: Any, _context: Any, _many: bool) -> None:
        caught.append((sql, parameters))

    event.listen(engine, "before_cursor_execute", before)
    try:
        readiness(park)
    finally:
        event.remove(engine, "before_cursor_execute", before)
    sql, parameters = next((sql, p) for sql, p in caught if "FROM signature" in sql)
    with engine.connect() as connection:
        plan = "\n".join(row[0] for row in connection.exec_driver_sql("EXPLAIN " + sql, parameters))
    assert "Seq Scan on signature" not in plan
    assert "signature_revision_id" in plan  # ix_signature_revision_id or uq_signature_revision_id_meaning_cycle
