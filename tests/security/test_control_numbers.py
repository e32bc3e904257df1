"""Control numbers are validated where people type them; evidence package paths come from ids, never from them."""

import hashlib
import io
import json
import re
import zipfile

import pytest

from app.reports.exports import verify_package
from tests.factories import publish_new_document

BAD = ["..", ".", "../etc", "a/b", "a\\b", "a b", "a..b", "-lead", "trail.", "_x", "C:x", "a\nb"]
GOOD = ["YQ-2026.01_a", "DEMO-DATA_MANAGEMENT_RULES-002", "园区-制度-001", "7"]


def _register(park, control_no: str):
    body = {"doc_type": "DATA_MANAGEMENT_RULES", "title": "制度", "control_no": control_no}
    return park.client.post("/api/documents", json=body, headers=park.headers("coordinator"))


@pytest.mark.parametrize("control_no", BAD)
def test_a_control_number_that_is_a_path_part_or_has_other_characters_is_refused(park, control_no):
    response = _register(park, control_no)
    assert response.status_code == 422, response.text
    assert "受控编号" in response.json()["message_zh"] and "control number" in response.json()["message_en"]
    listing = park.client.get("/api/documents", headers=park.headers("coordinator")).json()
    assert listing["total"] == 0  # nothing half-written


def test_control_numbers_of_letters_digits_dash_underscore_and_dot_are_accepted(park):
    for control_no in GOOD:
        response = _register(park, control_no)
        assert response.status_code == 201, response.text
        assert response.json()["control_no"] == control_no


def test_evidence_package_paths_are_built_from_ids_only(park):
    document, revision = publish_new_document(park, "CARBON_POLICY", control_no="YQ-6.2.x")
    response = park.client.get("/api/exports/evidence?scope=6.2", headers=park.headers("auditor"))
    assert response.status_code == 200, response.text
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        files = [name for name in archive.namelist() if name.startswith("files/")]
        manifest = json.loads(archive.read("manifest.json"))
    assert files == [f"files/{document['id']}/r{revision['number']}.docx"]
    entry = next(e for e in manifest["files"] if e["path"] == files[0])
    assert entry["control_no"] == document["control_no"] and entry["document_id"] == document["id"]


def test_verify_package_refuses_a_member_that_leaves_its_folder(tmp_path):
    evil = b"x"
    target = tmp_path / "evil.zip"
    with zipfile.ZipFile(target, "w") as archive:
        archive.writestr("files/../evil.txt", evil)
        manifest = {"files": [{"path": "files/../evil.txt", "sha256": hashlib.sha256(evil).hexdigest()}]}
        archive.writestr("manifest.json", json.dumps(manifest))
    report = verify_package(target)
    assert not report.ok
    assert [p for p in report.problems if re.search("unsafe path: files/../evil.txt", p)]
