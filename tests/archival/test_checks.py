"""The archival check (四性检测) through the API: a clean park passes every property, and each kind of fault is found
by exactly its check (the checks that need a sound file are "not checked" then, not failed)."""

import io
import os
import uuid

import pytest

from app import config
from app.archival import checks
from app.archival.result import CHECKS, PROPERTY_OF
from tests.archival.helpers import (
    counts,
    execute,
    failed_checks,
    filed_record,
    lose_file,
    published,
    run_check,
    tamper_file,
    unique_docx,
)
from tests.factories import register, upload
from tests.support import blob_stores

EVERY_CHECK = {check for group in CHECKS.values() for check in group}


def unchecked_on_this_store() -> set[str]:
    """Object storage has no file modes: `file_mode` is "not checked" there (app/archival/checks.py)."""
    return set() if blob_stores.local_root() is not None else {"file_mode"}


def test_a_clean_park_passes_every_property(park, figure):
    _document, revision = published(park)
    filed_record(park)
    draft = register(park, "DATA_MANAGEMENT_RULES", title="数据管理制度")
    assert upload(park, draft["id"], unique_docx("数据管理制度")).status_code == 201

    response = run_check(park)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["verdict"] == "passed" and body["verdict_zh"] == "通过"
    assert body["problems"] == [] and body["problems_count"] == 0
    assert (body["documents_checked"], body["revisions_checked"]) == (3, 3)
    properties = {prop["property"]: prop for prop in body["figures"]["properties"]}
    assert list(properties) == ["authenticity", "integrity", "usability", "security"]
    assert [properties[p]["label_zh"] for p in properties] == ["真实性", "完整性", "可用性", "安全性"]
    assert all(prop["failed"] == 0 for prop in properties.values())
    assert {name for name in EVERY_CHECK if counts(body, name)["not_checked"]} == unchecked_on_this_store()
    # Per revision (3), per record (1), per document (3) and once for the scope.
    assert counts(body, "blob_hash") == {"passed": 3, "failed": 0, "not_checked": 0}
    assert counts(body, "record_period")["passed"] == 1
    assert counts(body, "version_chain")["passed"] == 3
    assert counts(body, "audit_chain")["passed"] == counts(body, "part_files")["passed"] == 1
    assert body["scope"]["kind"] == "park" and body["origin"] == "on_demand"
    assert body["chain"]["ok"] is True and body["chain"]["scope_last_seq"] > 0
    assert revision["state"] == "effective"
    figure(
        f"archival check, clean park: {body['revisions_checked']} revisions, "
        f"{sum(p['passed'] for p in properties.values())} items passed, chain of {body['chain']['checked']} events"
    )


@pytest.fixture()
def allowed_formats():
    """Set the allowed formats for one test; the settings are read again afterwards."""
    saved = os.environ.get("CARBONMS_ARCHIVAL_ALLOWED_FORMATS")

    def set_formats(value: str) -> None:
        os.environ["CARBONMS_ARCHIVAL_ALLOWED_FORMATS"] = value
        config.get_settings.cache_clear()

    yield set_formats
    if saved is None:
        os.environ.pop("CARBONMS_ARCHIVAL_ALLOWED_FORMATS", None)
    else:
        os.environ["CARBONMS_ARCHIVAL_ALLOWED_FORMATS"] = saved
    config.get_settings.cache_clear()


def _tamper(revision: dict) -> None:
    tamper_file(revision["sha256"])


def _wrong_signature(revision: dict) -> None:
    execute("UPDATE signature SET file_sha256 = :sha WHERE revision_id = :id", sha="f" * 64, id=revision["id"])


def _wrong_media_type(revision: dict) -> None:
    execute("UPDATE revision SET media_type = 'application/pdf' WHERE id = :id", id=revision["id"])


def _missing(revision: dict) -> None:
    lose_file(revision["sha256"])


@pytest.mark.parametrize(
    ("fault", "check", "not_checked"),
    [
        (_tamper, "blob_hash", {"media_type", "openable"}),
        (_wrong_signature, "signature_hash", set()),
        (_wrong_media_type, "media_type", {"openable"}),
        (_missing, "blob_present", {"blob_hash", "media_type", "openable", "file_mode"}),
    ],
    ids=["tampered_bytes", "signature_file_hash", "content_not_its_type", "missing_blob"],
)
def test_each_fault_is_found_by_exactly_its_check(park, fault, check, not_checked):
    document, revision = published(park)
    fault(revision)
    body = run_check(park).json()
    assert body["verdict"] == "failed" and failed_checks(body) == {check}
    (problem,) = body["problems"]
    assert (problem["control_no"], problem["revision_number"], problem["revision_id"]) == (
        document["control_no"],
        1,
        revision["id"],
    )
    assert problem["property"] == PROPERTY_OF[check]
    assert problem["message_zh"] and problem["message_en"] and problem["check_zh"]
    skipped = {name for name in EVERY_CHECK if counts(body, name)["not_checked"]}
    assert skipped == not_checked | unchecked_on_this_store()


def test_a_disallowed_format_fails_format_allowed_only(park, allowed_formats):
    published(park)
    allowed_formats("PDF, OFD")
    body = run_check(park).json()
    assert failed_checks(body) == {"format_allowed"} and body["allowed_formats"] == ["PDF", "OFD"]
    assert "DOCX" in body["problems"][0]["message_zh"] and "PDF、OFD" in body["problems"][0]["message_zh"]
    allowed_formats("pdf,docx,banana")  # codes in any case; unknown ones are ignored
    again = run_check(park).json()
    assert again["verdict"] == "passed" and again["allowed_formats"] == ["PDF", "DOCX"]


def test_a_destroyed_file_counts_as_destroyed_not_missing(park, monkeypatch):
    """The retention hook: a file destroyed per disposition passes `blob_present` and leaves the file checks out."""
    _document, revision = published(park)
    lose_file(revision["sha256"])
    monkeypatch.setattr(checks, "destroyed_per_disposition", lambda session, rev: rev.id == revision["id"])
    body = run_check(park).json()
    assert body["verdict"] == "passed" and body["figures"]["destroyed"] == 1
    assert counts(body, "blob_present") == {"passed": 1, "failed": 0, "not_checked": 0}
    assert counts(body, "blob_hash") == {"passed": 0, "failed": 0, "not_checked": 1}


def _xlsx() -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.append(["能耗台账", str(uuid.uuid4())])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _png() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (uuid.uuid4().int % 256, 120, 40)).save(buffer, format="PNG")
    return buffer.getvalue()


def _pdf() -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    writer.add_metadata({"/Title": str(uuid.uuid4())})
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def test_every_kept_format_opens(park):
    """PDF, XLSX, PNG and text open (DOCX in every other test): blobs have no extension, the check reads content."""
    files = {
        "台账.xlsx": (_xlsx(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        "照片.png": (_png(), "image/png"),
        "制度.pdf": (_pdf(), "application/pdf"),
        "说明.txt": (f"数据管理说明 {uuid.uuid4()}".encode(), "text/plain"),
    }
    for name, (content, media_type) in files.items():
        document = register(park, "DATA_MANAGEMENT_RULES", title=name)
        response = park.client.post(
            f"/api/documents/{document['id']}/revisions",
            files={"file": (name, content, media_type)},
            headers=park.headers("coordinator"),
        )
        assert response.status_code == 201 and response.json()["media_type"] == media_type, response.text
    body = run_check(park).json()
    assert body["verdict"] == "passed", body["problems"]
    assert counts(body, "openable") == {"passed": 4, "failed": 0, "not_checked": 0}
