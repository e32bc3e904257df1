"""Disposition through the API: end dates per class and park, the list, appraisal, the signed approval, the
destruction (bytes gone, tombstone and events kept, 410 on download), verify, and the destruction register."""

import io
from datetime import UTC, date, datetime

from openpyxl import load_workbook
from sqlalchemy import select

from app.config import get_settings
from app.db import session_scope
from app.documents.models import RevisionText
from app.events.models import Event
from app.ops.verify import verify
from app.retention.models import DestructionTombstone
from tests.retention.helpers import (
    API,
    LONG_AGO,
    appraise,
    approve,
    destroy,
    due_ids,
    filed_record,
    propose,
    revision,
    superseded_revision,
)
from tests.support import blob_stores


def _events(entity_type: str, entity_id: int) -> list[str]:
    with session_scope(write=False) as session:
        query = select(Event.action).where(Event.entity_type == entity_type, Event.entity_id == str(entity_id))
        return list(session.execute(query.order_by(Event.seq)).scalars())


def test_each_revision_shows_its_class_and_end_date_and_the_park_may_override(park, other_park) -> None:
    record = filed_record(park, "TRAINING_RECORD", filed=LONG_AGO)
    assert (record["retention"], record["retention_end"]) == ("10y", "2020-12-31")
    old_plan = superseded_revision(park, "TRAINING_PLAN", ended=datetime(2012, 2, 1, tzinfo=UTC))
    assert (old_plan["retention"], old_plan["retention_end"]) == ("10y", "2022-12-31")
    inventory = filed_record(park, "GHG_INVENTORY_REPORT", filed=LONG_AGO)
    assert (inventory["retention"], inventory["retention_end"]) == ("permanent", None)

    response = park.client.put(
        f"{API}/types/TRAINING_RECORD",
        json={"retention": "30y", "reason": "园区培训档案按人事档案保管"},
        headers=park.headers("coordinator"),
    )
    assert response.status_code == 200, response.text
    row = next(item for item in response.json() if item["code"] == "TRAINING_RECORD")
    assert (row["default"], row["retention"], row["overridden"]) == ("10y", "30y", True)
    assert revision(park, record["id"])["retention_end"] == "2040-12-31"
    assert _events("doc_type", "TRAINING_RECORD")[-1] == "retention.set_class"
    # Only this park's: the other park keeps the clause map's class.
    theirs = filed_record(other_park, "TRAINING_RECORD", filed=LONG_AGO)
    assert theirs["retention_end"] == "2020-12-31"
    bad = park.client.put(
        f"{API}/types/TRAINING_RECORD", json={"retention": "5y", "reason": "x"}, headers=park.headers("coordinator")
    )
    assert bad.status_code == 422 and "国家档案局令第10号" in bad.json()["message_zh"]
    refused = park.client.put(
        f"{API}/types/TRAINING_RECORD", json={"retention": "10y", "reason": "x"}, headers=park.headers("approver")
    )
    assert refused.status_code == 403
    back = park.client.put(
        f"{API}/types/TRAINING_RECORD", json={"retention": None}, headers=park.headers("coordinator")
    )
    assert back.status_code == 200 and revision(park, record["id"])["retention_end"] == "2020-12-31"


def test_the_list_holds_what_is_past_its_end_and_never_permanent_or_running(park) -> None:
    due_record = filed_record(park, "TRAINING_RECORD", filed=LONG_AGO)
    recent = filed_record(park, "TRAINING_RECORD")  # filed today: ten years to go
    thirty = filed_record(park, "CARBON_REVIEW_REPORT", filed=LONG_AGO)  # 30 年: until 2040
    permanent = filed_record(park, "GHG_INVENTORY_REPORT", filed=LONG_AGO)
    old_plan = superseded_revision(park, "TRAINING_PLAN", ended=LONG_AGO)
    # Both ended 2020-12-31: then by control number (…-TRAINING_PLAN-… before …-TRAINING_RECORD-…).
    assert due_ids(park) == [old_plan["id"], due_record["id"]]
    assert {recent["id"], thirty["id"], permanent["id"]}.isdisjoint(due_ids(park))
    assert park.client.get(f"{API}/due", headers=park.headers("contributor")).status_code == 403


def test_appraise_approve_with_signature_and_destroy(park, other_park) -> None:
    record = filed_record(park, "TRAINING_RECORD", filed=LONG_AGO)
    kept = filed_record(park, "COMMUNICATION_RECORD", filed=LONG_AGO)
    assert blob_stores.exists(record["sha256"])

    batch = propose(park, [record["id"], kept["id"]])
    assert (batch["state"], batch["allowed_actions"]) == ("proposed", ["appraise"])
    again = park.client.post(
        f"{API}/batches", json={"revision_ids": [record["id"]]}, headers=park.headers("coordinator")
    )
    assert again.status_code == 409  # already in a batch
    batch = appraise(park, batch, {kept["id"]: ("keep", "2031-12-31")})
    assert batch["state"] == "appraised"

    assert approve(park, batch["id"], password="wrong").status_code == 401
    assert approve(park, batch["id"], role="coordinator").status_code == 403
    assert approve(other_park, batch["id"]).status_code == 404
    approved = approve(park, batch["id"])
    assert approved.status_code == 200, approved.text
    assert approved.json()["state"] == "approved" and approved.json()["approved_by_name"] == "top_management 测试"
    assert blob_stores.exists(record["sha256"])  # approved, not yet destroyed

    destroyed = destroy(park, batch["id"])
    assert destroyed.status_code == 200, destroyed.text
    assert destroyed.json()["state"] == "destroyed"
    assert not blob_stores.exists(record["sha256"])
    assert blob_stores.exists(kept["sha256"])

    with session_scope(write=False) as session:
        tombstones = list(session.execute(select(DestructionTombstone)).scalars())
        mine = [row for row in tombstones if row.park_id == park.id]
        assert [(row.revision_id, row.sha256, row.size_bytes) for row in mine] == [
            (record["id"], record["sha256"], record["size_bytes"])
        ]
        assert session.get(RevisionText, record["id"]) is None
    assert _events("revision", record["id"])[-1] == "revision.destroy"
    trail = _events("disposition_batch", batch["id"])
    assert {"signature.refused", "access.refused"} <= set(trail)  # the wrong password and the wrong role
    assert [action for action in trail if action.startswith("disposition.")] == [
        "disposition.propose",
        "disposition.appraise",
        "disposition.approve",
        "disposition.destroy",
    ]

    gone = park.client.get(f"/api/revisions/{record['id']}/file", headers=park.headers("coordinator"))
    assert gone.status_code == 410 and "已按保管期限鉴定销毁" in gone.json()["message_zh"]
    original = park.client.get(f"/api/revisions/{record['id']}/file?original=true", headers=park.headers("auditor"))
    assert original.status_code == 410
    still = revision(park, record["id"])
    assert still["state"] == "filed" and still["destroyed_at"] is not None and still["signatures"]
    detail = park.client.get(f"/api/documents/{still['document_id']}", headers=park.headers("auditor")).json()
    assert "revision.destroy" in [event["action"] for event in detail["history"]]
    # The kept one's end moved to the appraisal's date, and it leaves the list until then.
    assert revision(park, kept["id"])["retention_end"] == "2031-12-31"
    assert due_ids(park) == []

    with session_scope(write=False) as session:
        report = verify(session, get_settings().blob_dir)
    ours = [
        problem
        for problem in report.errors
        if problem.sha256 in (record["sha256"], kept["sha256"]) or problem.kind.startswith("tombstone")
    ]
    assert ours == []
    assert report.counts["blobs_destroyed"] >= 1

    register = park.client.get(f"{API}/register", headers=park.headers("auditor")).json()
    assert [(row["revision_id"], row["sha256"], row["retention"]) for row in register] == [
        (record["id"], record["sha256"], "10y")
    ]
    export = park.client.get(f"{API}/register.xlsx", headers=park.headers("coordinator"))
    assert export.status_code == 200
    sheet = load_workbook(io.BytesIO(export.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("序号 No.", "受控编号 Control no.", "题名 Title")
    assert [(row[0], row[4], row[7], row[10]) for row in rows[1:]] == [(1, 1, "2020-12-31", record["sha256"])]


def test_rejected_batch_destroys_nothing_and_frees_its_items(park) -> None:
    record = filed_record(park, "TRAINING_RECORD", filed=LONG_AGO)
    batch = propose(park, [record["id"]])
    no_reason = park.client.post(f"{API}/batches/{batch['id']}/reject", json={}, headers=park.headers("approver"))
    assert no_reason.status_code == 422
    rejected = park.client.post(
        f"{API}/batches/{batch['id']}/reject", json={"reason": "仍有查考价值"}, headers=park.headers("approver")
    )
    assert rejected.status_code == 200 and rejected.json()["state"] == "rejected"
    assert destroy(park, batch["id"]).status_code == 409
    assert blob_stores.exists(record["sha256"])
    assert due_ids(park) == [record["id"]]
    assert propose(park, [record["id"]])["state"] == "proposed"


def test_keep_longer_needs_a_later_date(park) -> None:
    record = filed_record(park, "TRAINING_RECORD", filed=LONG_AGO)
    batch = propose(park, [record["id"]])
    item = batch["items"][0]
    body = {"opinions": [{"item_id": item["id"], "opinion": "keep", "keep_until": str(date(2019, 1, 1))}]}
    response = park.client.post(f"{API}/batches/{batch['id']}/appraise", json=body, headers=park.headers("coordinator"))
    assert response.status_code == 422
    assert (
        park.client.post(
            f"{API}/batches/{batch['id']}/appraise", json={"opinions": []}, headers=park.headers("coordinator")
        ).status_code
        == 422
    )
