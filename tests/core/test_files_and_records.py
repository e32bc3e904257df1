"""Uploads that are refused leave nothing behind; records follow their own lifecycle."""

import io
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.config import get_settings
from app.db import session_scope
from app.documents.models import Revision
from tests.factories import SAMPLES, docx_bytes, record_upload, register, sign, upload
from tests.support import blob_stores


def _revision_count(document_id: int) -> int:
    with session_scope(write=False) as session:
        return session.execute(select(func.count()).where(Revision.document_id == document_id)).scalar_one()


def _files_under(folder: Path) -> set[Path]:
    return {path for path in folder.rglob("*") if path.is_file()} if folder.exists() else set()


def _stored() -> set[str]:
    """What the configured blob store holds (the local folder or S3)."""
    return blob_stores.names()


def _truncated_docx() -> bytes:
    return docx_bytes("截断的文件")[:700]


def _zip_bomb() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("word/document.xml", "w", force_zip64=True) as entry:
            chunk = b"\0" * (1 << 20)
            for _ in range(300):
                entry.write(chunk)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "content", "status", "words"),
    [
        ("setup.docx", b"MZ\x90\x00" + b"\0" * 2000, 415, "不支持的文件类型"),
        ("报告.docx", b"", 422, "为空"),
        ("报告.docx", None, 422, ""),  # truncated docx, filled in below
        ("报告.pdf", b"%PDF-1.7\n1 0 obj <<", 422, ""),
        ("bomb.docx", "bomb", 422, "压缩炸弹"),
    ],
)
def test_broken_files_are_refused_and_nothing_is_left(park, name, content, status, words):
    settings = get_settings()
    if content is None:
        content = _truncated_docx()
    if content == "bomb":
        content = _zip_bomb()
    document = register(park, "DATA_MANAGEMENT_RULES")
    blobs_before = _stored()
    response = upload(park, document["id"], content, name=name)
    assert response.status_code == status, response.text
    assert words in response.json()["detail"]
    assert _revision_count(document["id"]) == 0
    assert _stored() == blobs_before
    assert _files_under(settings.tmp_dir) == set()


def test_oversized_upload_is_refused_with_413(park, monkeypatch):
    settings = get_settings()
    monkeypatch.setattr(settings, "max_upload_mb", 1)
    document = register(park, "DATA_MANAGEMENT_RULES")
    big = docx_bytes("大文件") + b"\0" * (3 * 1024 * 1024)
    response = upload(park, document["id"], big)
    assert response.status_code == 413 and "1 MB" in response.json()["detail"]
    assert _revision_count(document["id"]) == 0
    assert _files_under(settings.tmp_dir) == set()


def test_real_samples_are_accepted_and_text_is_kept(park):
    document = register(park, "DATA_MANAGEMENT_RULES")
    content = (SAMPLES / "sample_zh.pdf").read_bytes()
    response = upload(park, document["id"], content, name="sample_zh.pdf")
    assert response.status_code == 201, response.text
    assert response.json()["media_type"] == "application/pdf"
    from app.documents.models import RevisionText

    with session_scope(write=False) as session:
        text = session.get(RevisionText, response.json()["id"]).text
    assert len(text) > 100 and any("\u4e00" <= ch <= "\u9fff" for ch in text)


def test_same_content_twice_is_stored_once(park):
    content = docx_bytes("同样的内容", "只存一份")
    first = register(park, "DATA_MANAGEMENT_RULES")
    second = register(park, "CARBON_BASELINE")
    a = upload(park, first["id"], content).json()
    blobs = _stored()
    b = upload(park, second["id"], content).json()
    assert a["sha256"] == b["sha256"] and _stored() == blobs


def test_record_lifecycle(park):
    created = record_upload(park, "EMISSION_REVIEW_RECORD", "2025")
    assert created.status_code == 201, created.text
    record = created.json()
    assert record["state"] == "in_approval" and record["period_start"] == "2025-01-01"
    assert record["period_end"] == "2025-12-31"
    rid = record["id"]
    assert (
        park.client.post(
            f"/api/records/{rid}/approve", json={"comment": "确认"}, headers=park.headers("approver")
        ).status_code
        == 401
    )
    filed = park.client.post(
        f"/api/records/{rid}/approve",
        json={"password": "Test-Passw0rd!", "comment": "确认"},
        headers=park.headers("approver"),
    )
    assert filed.status_code == 200 and filed.json()["state"] == "filed"
    assert [s["meaning"] for s in filed.json()["signatures"]] == ["confirm"]
    # A filed record never changes: no new revision, no second approval.
    assert upload(park, rid, reason="更正").status_code == 409
    assert sign(park, filed.json()["revision_id"], "approve", "top_management").status_code == 409
    assert (
        park.client.post(
            f"/api/records/{rid}/void", json={"reason": ""}, headers=park.headers("coordinator")
        ).status_code
        == 422
    )
    voided = park.client.post(
        f"/api/records/{rid}/void", json={"reason": "数据录入错误，已重新登记"}, headers=park.headers("coordinator")
    )
    assert voided.status_code == 200 and voided.json()["state"] == "void"
    assert park.client.get(f"/api/records/{rid}", headers=park.headers("auditor")).json()["state"] == "void"


def test_record_periods_and_types_are_checked(park):
    assert record_upload(park, period="2025-13").status_code == 422
    assert record_upload(park, period="去年").status_code == 422
    assert record_upload(park, "COMMUNICATION_RECORD", period="2025-Q2").json()["period_end"] == "2025-06-30"
    assert record_upload(park, period="2025-03-01/2025-02-01").status_code == 422
    assert record_upload(park, "CARBON_POLICY").status_code == 422  # a document type, not a record


def test_contributor_records_only_of_assigned_types(park):
    own = record_upload(park, "MONITORING_MEASUREMENT_RECORDS", "2026-10", role="contributor")
    assert own.status_code == 201, own.text
    assert park.client.get(f"/api/records/{own.json()['id']}", headers=park.headers("contributor")).status_code == 200
    assert record_upload(park, "EMISSION_REVIEW_RECORD", "2025", role="contributor").status_code == 403
    # The contributor may not confirm their own record, and an approver may.
    assert (
        park.client.post(
            f"/api/records/{own.json()['id']}/approve",
            json={"password": "Test-Passw0rd!"},
            headers=park.headers("contributor"),
        ).status_code
        == 403
    )
    assert (
        park.client.post(
            f"/api/records/{own.json()['id']}/approve",
            json={"password": "Test-Passw0rd!"},
            headers=park.headers("approver"),
        ).status_code
        == 200
    )
