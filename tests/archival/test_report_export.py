"""The report (.docx, made again from the stored run) and the check before an evidence package export."""

import io
import json
import zipfile

from docx import Document as DocxDocument

from app import timezones
from app.reports.exports import verify_package
from tests.archival.helpers import execute, failed_checks, lose_file, published, run_check


def _docx_text(content: bytes) -> tuple[str, list[list[str]]]:
    document = DocxDocument(io.BytesIO(content))
    paragraphs = "\n".join(paragraph.text for paragraph in document.paragraphs)
    rows = [[cell.text for cell in row.cells] for table in document.tables for row in table.rows]
    return paragraphs, rows


def test_the_report_opens_and_holds_the_figures(park):
    document, revision = published(park)
    _other, _ = published(park, "DATA_MANAGEMENT_RULES")
    lose_file(revision["sha256"])
    run = run_check(park, "auditor").json()
    response = park.client.get(run["report_url"], headers=park.headers("coordinator"))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert "filename*=utf-8''" in response.headers["content-disposition"].lower()
    text, rows = _docx_text(response.content)
    assert text.startswith("电子档案四性检测报告")
    assert "依据：DA/T 70—2018《文书类电子档案检测一般要求》" in text and "GB/T 18894—2016" in text
    assert "并非上述标准的全部检测项目" in text
    assert "结论 / Verdict：未通过 / Failed" in text and "问题 1 项" in text
    assert f"检测时间 / Checked at：{timezones.fmt_time(run['created_at'], 'Asia/Shanghai', seconds=True)}" in text
    assert "时间均为 Asia/Shanghai 时区" in text
    assert "检测范围 / Scope：全园区 / Whole park" in text
    by_check = {row[1]: row[2:] for row in rows if len(row) == 5}
    assert by_check["文件存在 / File present"] == ["1", "1", "0"]
    assert by_check["文件哈希与内容一致 / File SHA-256 matches its bytes"] == ["1", "0", "1"]
    assert rows.count(["完整性 / Integrity", "小计 / subtotal", "5", "1", "0"]) == 1
    problem_rows = [row for row in rows if len(row) == 6 and row[0] == "1"]
    assert problem_rows == [
        [
            "1",
            f"{document['control_no']} 第1版 / r1",
            "完整性",
            "文件存在",
            "文件在存储中缺失",
            f"The file is missing from the store ({revision['sha256']})",
        ]
    ]
    # The same run always gives the same report content.
    again = park.client.get(run["report_url"], headers=park.headers("auditor"))
    assert _docx_text(again.content) == (text, rows)


def _package(response) -> zipfile.ZipFile:
    assert response.status_code == 200, response.text
    return zipfile.ZipFile(io.BytesIO(response.content))


def test_the_evidence_export_runs_the_check_first_and_packs_its_report(park, tmp_path):
    document, revision = published(park)
    archive = _package(park.client.get("/api/exports/evidence?scope=6.2", headers=park.headers("auditor")))
    manifest = json.loads(archive.read("manifest.json"))
    assert manifest["archival_check"]["verdict"] == "passed" and manifest["archival_check"]["problems"] == 0
    assert "archival_check.docx" in {entry["path"] for entry in manifest["files"]}
    text, _rows = _docx_text(archive.read("archival_check.docx"))
    assert "证据包导出前检测" in text and "证据包导出范围 6.2" in text and "通过 / Passed" in text
    index = archive.read("index.html").decode("utf-8")
    assert "导出前四性检测" in index and "通过 / Passed" in index and "不阻止导出" not in index
    target = tmp_path / "package.zip"
    target.write_bytes(park.client.get("/api/exports/evidence?scope=6.2", headers=park.headers("auditor")).content)
    assert verify_package(target).ok

    runs = park.client.get("/api/archival/checks", headers=park.headers("coordinator")).json()
    assert [run["origin"] for run in runs] == ["export", "export"]
    assert runs[0]["scope"]["document_ids"] == [document["id"]] and runs[0]["scope"]["export_scope"] == "6.2"
    assert runs[0]["created_by_name"] == "auditor 测试"

    # A failed check does not block the export; the package says so.
    execute("UPDATE signature SET file_sha256 = :sha WHERE revision_id = :id", sha="0" * 64, id=revision["id"])
    failed = _package(park.client.get("/api/exports/evidence?scope=6.2", headers=park.headers("auditor")))
    manifest = json.loads(failed.read("manifest.json"))
    assert manifest["archival_check"]["verdict"] == "failed" and manifest["archival_check"]["problems"] == 1
    assert any(name.startswith("files/") for name in failed.namelist())
    index = failed.read("index.html").decode("utf-8")
    assert "未通过 / Failed" in index and "检测未通过不阻止导出" in index
    detail = park.client.get(
        f"/api/archival/checks/{manifest['archival_check']['id']}", headers=park.headers("auditor")
    ).json()
    assert failed_checks(detail) == {"signature_hash"}
