"""Legal holds (法律保全) on a document or a type: never listed, and the approval and the destruction check them
again at that moment (409); a failing approval or destruction leaves every byte and writes no tombstone."""

from sqlalchemy import func, select

from app.db import session_scope
from app.documents.models import RevisionText
from app.errors import Conflict
from app.retention import destruction
from app.retention.models import DestructionTombstone
from tests.retention.helpers import (
    API,
    LONG_AGO,
    appraise,
    approve,
    destroy,
    due_ids,
    filed_record,
    hold,
    propose,
    revision,
)
from tests.support import blob_stores


def _tombstones(revision_id: int) -> int:
    with session_scope(write=False) as session:
        query = select(func.count()).where(DestructionTombstone.revision_id == revision_id)
        return session.execute(query).scalar_one()


def _release(park, hold_id: int):
    return park.client.post(
        f"{API}/holds/{hold_id}/release", json={"reason": "诉讼已结案"}, headers=park.headers("top_management")
    )


def test_a_hold_on_a_document_or_a_type_keeps_it_off_the_list_until_released(park, other_park) -> None:
    record = filed_record(park, "TRAINING_RECORD", filed=LONG_AGO)
    other = filed_record(park, "COMMUNICATION_RECORD", filed=LONG_AGO)
    assert due_ids(park) == [other["id"], record["id"]]

    on_document = hold(park, document_id=record["document_id"])
    assert on_document.status_code == 201, on_document.text
    assert due_ids(park) == [other["id"]]
    assert revision(park, record["id"])["legal_hold"] is True
    on_type = hold(park, doc_type="COMMUNICATION_RECORD")
    assert on_type.status_code == 201
    assert due_ids(park) == []
    listed = park.client.get(f"{API}/holds", headers=park.headers("auditor")).json()
    assert [(item["scope"], item["reason"]) for item in listed] == [("document", "诉讼保全"), ("doc_type", "诉讼保全")]

    # Another park's document cannot be held from here, a hold needs a reason, and an approver may not place one.
    assert hold(other_park, document_id=record["document_id"]).status_code == 404
    no_reason = park.client.post(
        f"{API}/holds", json={"doc_type": "TRAINING_RECORD"}, headers=park.headers("coordinator")
    )
    assert no_reason.status_code == 422
    by_approver = park.client.post(
        f"{API}/holds", json={"doc_type": "TRAINING_RECORD", "reason": "x"}, headers=park.headers("approver")
    )
    assert by_approver.status_code == 403

    assert _release(park, on_document.json()["id"]).status_code == 200
    assert _release(park, on_document.json()["id"]).status_code == 409
    assert due_ids(park) == [record["id"]]
    proposed = park.client.post(
        f"{API}/batches", json={"revision_ids": [other["id"]]}, headers=park.headers("coordinator")
    )
    assert proposed.status_code == 409  # held: not on the list, so not proposable


def test_a_hold_placed_after_appraisal_blocks_the_approval_and_nothing_is_deleted(park) -> None:
    record = filed_record(park, "TRAINING_RECORD", filed=LONG_AGO)
    batch = appraise(park, propose(park, [record["id"]]))
    placed = hold(park, document_id=record["document_id"])
    assert placed.status_code == 201

    refused = approve(park, batch["id"])
    assert refused.status_code == 409 and "法律保全" in refused.json()["message_zh"]
    assert park.client.get(f"{API}/batches/{batch['id']}", headers=park.headers("coordinator")).json()["state"] == (
        "appraised"
    )
    assert blob_stores.exists(record["sha256"])
    assert _tombstones(record["id"]) == 0

    assert _release(park, placed.json()["id"]).status_code == 200
    assert approve(park, batch["id"]).status_code == 200


def test_a_hold_placed_after_approval_blocks_the_destruction_and_the_bytes_stay(park) -> None:
    record = filed_record(park, "TRAINING_RECORD", filed=LONG_AGO)
    batch = appraise(park, propose(park, [record["id"]]))
    assert approve(park, batch["id"]).status_code == 200
    assert hold(park, doc_type="TRAINING_RECORD").status_code == 201

    refused = destroy(park, batch["id"])
    assert refused.status_code == 409, refused.text
    assert blob_stores.exists(record["sha256"])
    assert _tombstones(record["id"]) == 0
    download = park.client.get(f"/api/revisions/{record['id']}/file?original=true", headers=park.headers("coordinator"))
    assert download.status_code == 200 and download.headers["X-Content-SHA256"] == record["sha256"]
    assert revision(park, record["id"])["destroyed_at"] is None


def test_a_class_made_permanent_after_approval_stops_the_destruction(park) -> None:
    record = filed_record(park, "TRAINING_RECORD", filed=LONG_AGO)
    batch = appraise(park, propose(park, [record["id"]]))
    assert approve(park, batch["id"]).status_code == 200
    changed = park.client.put(
        f"{API}/types/TRAINING_RECORD",
        json={"retention": "permanent", "reason": "园区决定永久保存培训档案"},
        headers=park.headers("coordinator"),
    )
    assert changed.status_code == 200
    assert destroy(park, batch["id"]).status_code == 409
    assert blob_stores.exists(record["sha256"])
    assert _tombstones(record["id"]) == 0


def test_a_destruction_that_fails_after_its_tombstones_rolls_back_and_keeps_the_bytes(park, monkeypatch) -> None:
    record = filed_record(park, "TRAINING_RECORD", filed=LONG_AGO)
    batch = appraise(park, propose(park, [record["id"]]))
    assert approve(park, batch["id"]).status_code == 200

    def fail(*_args, **_kwargs) -> None:
        raise Conflict("模拟失败", "simulated failure")

    # The tombstone, the text removal and the events are written; then the batch's own step fails.
    monkeypatch.setattr(destruction.lifecycle, "transition", fail)
    assert destroy(park, batch["id"]).status_code == 409
    monkeypatch.undo()
    assert blob_stores.exists(record["sha256"])
    assert _tombstones(record["id"]) == 0
    with session_scope(write=False) as session:
        assert session.get(RevisionText, record["id"]) is not None
    assert destroy(park, batch["id"]).status_code == 200
    assert not blob_stores.exists(record["sha256"])
