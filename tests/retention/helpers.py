"""What the retention tests share: a filed record or a superseded revision whose retention started long ago."""

import uuid
from datetime import UTC, datetime

from sqlalchemy import update

from app.db import session_scope
from app.documents.models import Revision
from tests.documents.helpers import publish_next
from tests.factories import PASSWORD, TestPark, docx_bytes, publish_new_document, record_upload, sign

API = "/api/retention"
QUARTERLY = frozenset({"TRAINING_RECORD", "COMMUNICATION_RECORD"})


def backdate(revision_id: int, when: datetime) -> None:
    """Make a revision look filed (or ended) at `when`: its retention counts from that year."""
    with session_scope() as session:
        ended = session.get_one(Revision, revision_id).ended_at is not None
        values = {"submitted_at": when, "approved_at": when, "effective_from": when}
        session.execute(
            update(Revision).where(Revision.id == revision_id).values(**values, **({"ended_at": when} if ended else {}))
        )


def filed_record(park: TestPark, doc_type: str = "TRAINING_RECORD", filed: datetime | None = None) -> dict:
    """A record with unique content, confirmed (filed), optionally backdated; returns its revision as the API has it."""
    content = docx_bytes(f"培训记录 {uuid.uuid4().hex}")
    period = "2024-Q1" if doc_type in QUARTERLY else "2024"
    response = record_upload(park, doc_type, period, content=content)
    assert response.status_code == 201, response.text
    revision_id = response.json()["revision_id"]
    approved = sign(park, revision_id, "approve", "top_management" if doc_type == "MANAGEMENT_REVIEW" else "approver")
    assert approved.status_code == 200, approved.text
    if filed is not None:
        backdate(revision_id, filed)
    return revision(park, revision_id)


def superseded_revision(park: TestPark, doc_type: str = "TRAINING_PLAN", ended: datetime | None = None) -> dict:
    """A document's first revision, superseded by a second one (and backdated to `ended`)."""
    document, first = publish_new_document(park, doc_type, title=f"培训计划 {uuid.uuid4().hex[:6]}")
    publish_next(park, document["id"], doc_type, f"第二版 {uuid.uuid4().hex}", reason="年度更新")
    if ended is not None:
        backdate(first["id"], ended)
    return revision(park, first["id"])


def revision(park: TestPark, revision_id: int, role: str = "coordinator") -> dict:
    response = park.client.get(f"/api/revisions/{revision_id}", headers=park.headers(role))
    assert response.status_code == 200, response.text
    return response.json()


def due_ids(park: TestPark, role: str = "coordinator") -> list[int]:
    response = park.client.get(f"{API}/due", headers=park.headers(role))
    assert response.status_code == 200, response.text
    return [row["revision_id"] for row in response.json()]


def propose(park: TestPark, revision_ids: list[int]) -> dict:
    response = park.client.post(
        f"{API}/batches",
        json={"revision_ids": revision_ids, "comment": "到期鉴定"},
        headers=park.headers("coordinator"),
    )
    assert response.status_code == 201, response.text
    return response.json()


def appraise(park: TestPark, batch: dict, opinions: dict[int, tuple[str, str | None]] | None = None) -> dict:
    """Every item destroy, unless `opinions` says otherwise (revision id → (opinion, keep_until))."""
    opinions = opinions or {}
    body = {
        "opinions": [
            {
                "item_id": item["id"],
                "opinion": opinions.get(item["revision_id"], ("destroy", None))[0],
                "keep_until": opinions.get(item["revision_id"], ("destroy", None))[1],
                "comment": "无继续保存价值",
            }
            for item in batch["items"]
        ],
        "comment": "鉴定小组意见",
    }
    response = park.client.post(f"{API}/batches/{batch['id']}/appraise", json=body, headers=park.headers("coordinator"))
    assert response.status_code == 200, response.text
    return response.json()


def approve(park: TestPark, batch_id: int, role: str = "top_management", password: str = PASSWORD):
    return park.client.post(
        f"{API}/batches/{batch_id}/approve",
        json={"password": password, "comment": "同意销毁"},
        headers=park.headers(role),
    )


def destroy(park: TestPark, batch_id: int, role: str = "coordinator"):
    return park.client.post(f"{API}/batches/{batch_id}/destroy", headers=park.headers(role))


def hold(park: TestPark, **target: object):
    return park.client.post(f"{API}/holds", json={"reason": "诉讼保全", **target}, headers=park.headers("coordinator"))


LONG_AGO = datetime(2010, 6, 1, 8, 0, tzinfo=UTC)


def seed_retention(park: TestPark) -> dict[str, object]:
    """For the access matrix: a proposed batch and an active hold of `park`, and a type's code."""
    record = filed_record(park, "TRAINING_RECORD", filed=LONG_AGO)
    batch = propose(park, [record["id"]])
    placed = hold(park, doc_type="COMMUNICATION_RECORD")
    assert placed.status_code == 201, placed.text
    return {"batch_id": batch["id"], "hold_id": placed.json()["id"], "code": "TRAINING_RECORD"}
