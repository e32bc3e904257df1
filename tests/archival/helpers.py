"""Building blocks of the archival check tests: unique files (content-addressed blobs are shared by equal bytes,
so a test that damages one must own it), a published document, a filed record, and a check through the API."""

import uuid

from sqlalchemy import text

from app.db import session_scope
from tests.factories import docx_bytes, record_upload, sign
from tests.support import blob_stores


def unique_docx(label: str = "碳排放管理方针") -> bytes:
    return docx_bytes(f"{label} {uuid.uuid4()}")


def published(park, doc_type: str = "CARBON_POLICY", content: bytes | None = None) -> tuple[dict, dict]:
    """A document published through the API, from a file no other test holds."""
    from tests.factories import register, upload

    document = register(park, doc_type)
    revision = upload(park, document["id"], content or unique_docx()).json()
    approver = "top_management" if doc_type == "CARBON_POLICY" else "approver"
    reviewer = "approver" if approver == "top_management" else "top_management"
    client, coordinator = park.client, park.headers("coordinator")
    assert client.post(f"/api/revisions/{revision['id']}/submit", headers=coordinator).status_code == 200
    assert sign(park, revision["id"], "review", reviewer).status_code == 200
    assert sign(park, revision["id"], "approve", approver).status_code == 200
    done = client.post(f"/api/revisions/{revision['id']}/publish", headers=coordinator)
    assert done.status_code == 200, done.text
    return document, done.json()


def filed_record(park, doc_type: str = "EMISSION_REVIEW_RECORD", period: str = "2025") -> dict:
    record = record_upload(park, doc_type, period, content=unique_docx("年度碳排放管理评审记录"))
    assert record.status_code == 201, record.text
    body = record.json()
    assert sign(park, body["revision_id"], "approve", "approver").status_code == 200
    return body


def run_check(park, role: str = "coordinator", **scope: object):
    return park.client.post("/api/archival/checks", json={"kind": "park", **scope}, headers=park.headers(role))


def failed_checks(body: dict) -> set[str]:
    return {problem["check"] for problem in body["problems"]}


def counts(body: dict, check: str) -> dict[str, int]:
    for prop in body["figures"]["properties"]:
        for item in prop["checks"]:
            if item["check"] == check:
                return {key: item[key] for key in ("passed", "failed", "not_checked")}
    raise KeyError(check)


def lose_file(sha256: str) -> None:
    """Remove a stored blob behind the application's back (the local folder or S3 alike)."""
    blob_stores.lose(sha256)


def tamper_file(sha256: str) -> None:
    """Append bytes to a stored blob behind the application's back."""
    with blob_stores.store().open(sha256) as stream:
        original = stream.read()
    blob_stores.alter(sha256, original + b"tampered")


def execute(statement: str, **params: object) -> None:
    with session_scope() as session:
        session.execute(text(statement), params)
