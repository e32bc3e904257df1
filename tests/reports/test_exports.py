"""Exports: the document register (.xlsx/.csv) and evidence packages (.zip) with their verification."""

import csv
import hashlib
import io
import json
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from app import timezones
from app.cli import app as cli
from app.reports.controlled_copy import docx_header_text
from tests.factories import docx_bytes, publish_new_document, record_upload, register, sign, upload
from tests.reports.helpers import PDF_MEDIA, pdf_bytes, pdf_page_texts, take_through, upload_file

runner = CliRunner()


def _csv_rows(content: bytes) -> list[dict[str, str]]:
    assert content.startswith(b"\xef\xbb\xbf")  # BOM, for Excel
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))


def _packed_control_numbers(archive: zipfile.ZipFile) -> set[str]:
    """The control numbers of the package's evidence files, from its manifest (paths are built from ids only)."""
    manifest = json.loads(archive.read("manifest.json"))
    return {entry["control_no"] for entry in manifest["files"] if entry["path"].startswith("files/")}


def test_register_csv_and_xlsx_list_documents_and_records(park):
    document, revision = publish_new_document(park, "CARBON_POLICY", title='=HYPERLINK("x") 方针')
    draft = register(park, "DATA_MANAGEMENT_RULES", title="数据管理制度")
    upload(park, draft["id"])
    record = record_upload(park, "EMISSION_REVIEW_RECORD", "2025").json()
    assert sign(park, record["revision_id"], "approve", "approver").status_code == 200

    response = park.client.get("/api/exports/register.csv", headers=park.headers("auditor"))
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    assert "filename*=utf-8''" in response.headers["content-disposition"].lower()
    rows = {row["受控编号 / Control number"]: row for row in _csv_rows(response.content)}
    assert set(rows) == {document["control_no"], draft["control_no"], record["control_no"]}
    policy = rows[document["control_no"]]
    assert policy["标题 / Title"].startswith("'=HYPERLINK")  # a formula is neutralised
    assert policy["状态 / State"] == "现行有效" and policy["当前版本 / Current revision"] == "1"
    assert policy["条款 / Clauses"] == "6.2" and policy["类别 / Kind"] == "文件"
    assert policy["编制人 / Preparer"] and policy["审核人 / Reviewer"] and policy["批准/确认人 / Approver"]
    assert policy["生效/归档日期 / Effective / filed"] == timezones.fmt_date(revision["effective_from"], None)
    assert rows[draft["control_no"]]["状态 / State"] == "编制中"
    filed = rows[record["control_no"]]
    assert filed["类别 / Kind"] == "记录" and filed["状态 / State"] == "已归档"
    assert filed["记录期间 / Period"] == "2025-01-01/2025-12-31" and filed["批准/确认人 / Approver"]

    xlsx = park.client.get("/api/exports/register.xlsx", headers=park.headers("coordinator"))
    assert xlsx.status_code == 200
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[1][0] == "受控编号 / Control number"
    assert {row[0] for row in values[2:]} == set(rows)
    title_cell = next(row for row in sheet.iter_rows(min_row=3) if row[0].value == document["control_no"])[1]
    assert title_cell.data_type == "s" and title_cell.value.startswith("=HYPERLINK")  # text, not a formula

    # the filters of GET /api/documents apply
    only_records = park.client.get("/api/exports/register.csv?kind=record", headers=park.headers("auditor"))
    assert [row["受控编号 / Control number"] for row in _csv_rows(only_records.content)] == [record["control_no"]]
    by_type = park.client.get("/api/exports/register.csv?type=CARBON_POLICY", headers=park.headers("auditor"))
    assert [row["受控编号 / Control number"] for row in _csv_rows(by_type.content)] == [document["control_no"]]
    assert park.client.get("/api/exports/register.csv?kind=nope", headers=park.headers("auditor")).status_code == 422


def test_register_export_respects_access(park, other_park):
    public, _ = publish_new_document(park, "CARBON_POLICY", access_level="public")
    internal, _ = publish_new_document(park, "DATA_MANAGEMENT_RULES", access_level="internal")
    contributor = park.client.get("/api/exports/register.csv", headers=park.headers("contributor"))
    assert contributor.status_code == 200
    assert [row["受控编号 / Control number"] for row in _csv_rows(contributor.content)] == [public["control_no"]]
    assert park.client.get("/api/exports/register.csv", headers=park.headers("admin")).status_code == 403
    assert park.client.get("/api/exports/register.csv").status_code == 401
    other = other_park.client.get("/api/exports/register.xlsx", headers=other_park.headers("coordinator"))
    sheet = load_workbook(io.BytesIO(other.content)).active
    assert sheet.max_row == 2  # title and header only: nothing of the other park
    assert internal["control_no"] not in other.content.decode("latin-1")


def _package(response) -> zipfile.ZipFile:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/zip"
    return zipfile.ZipFile(io.BytesIO(response.content))


def test_evidence_package_for_a_clause(park):
    document = register(park, "CMS_SCOPE_BOUNDARY", title="范围和边界 <script>alert(1)</script>")
    pdf = pdf_bytes(2)
    revision = upload_file(park, document["id"], pdf, "范围.pdf", PDF_MEDIA).json()
    take_through(park, revision["id"], "CMS_SCOPE_BOUNDARY")

    archive = _package(park.client.get("/api/exports/evidence?scope=5.3", headers=park.headers("auditor")))
    names = set(archive.namelist())
    assert {"index.html", "manifest.json", "readiness.json"} <= names
    manifest = json.loads(archive.read("manifest.json"))
    assert manifest["scope"] == {"kind": "clause", "value": "5.3"} and manifest["park"]["code"] == park.code
    listed = {entry["path"]: entry for entry in manifest["files"]}
    assert set(listed) == names - {"manifest.json"}
    for name, entry in listed.items():
        assert hashlib.sha256(archive.read(name)).hexdigest() == entry["sha256"]
    evidence = [entry for entry in manifest["files"] if entry["path"].startswith("files/")]
    assert len(evidence) == 1 and evidence[0]["marked"] is True
    assert evidence[0]["original_sha256"] == hashlib.sha256(pdf).hexdigest()
    for text in pdf_page_texts(archive.read(evidence[0]["path"])):
        assert document["control_no"] in text and "受控" in text

    index = archive.read("index.html").decode("utf-8")
    assert "5.3 确定碳排放管理体系的范围" in index and document["control_no"] in index
    assert "<script>" not in index and "&lt;script&gt;alert(1)&lt;/script&gt;" in index  # titles are escaped
    assert "考虑产业园区职能、运行单元和物理边界；" in index  # the requirement, quoted
    assert evidence[0]["path"] in index and evidence[0]["sha256"] in index
    assert "批准" in index and "审核" in index  # signatures
    snapshot = json.loads(archive.read("readiness.json"))
    assert [clause["id"] for clause in snapshot["clauses"]] == ["5.3"]
    items = {item["doc_type"]: item["status"] for item in snapshot["clauses"][0]["items"]}
    # 5.3 also asks for Annex A's management framework and its training and meeting documents
    assert items == {
        "CMS_SCOPE_BOUNDARY": "met",
        "CARBON_MANAGEMENT_FRAMEWORK": "missing",
        "CONTEXT_TRAINING_MEETING_DOCS": "missing",
    }


def test_index_escapes_what_users_wrote(park):
    document, _revision = publish_new_document(park, "CARBON_POLICY")
    second = upload(park, document["id"], docx_bytes("v2"), reason="<img src=x onerror=alert(1)> & 修订").json()
    take_through(park, second["id"], "CARBON_POLICY")
    archive = _package(park.client.get("/api/exports/evidence?scope=6.2", headers=park.headers("coordinator")))
    index = archive.read("index.html").decode("utf-8")
    assert "<img src=x" not in index and "&lt;img src=x onerror=alert(1)&gt; &amp; 修订" in index
    docx_entry = next(name for name in archive.namelist() if name.startswith("files/"))
    assert "受控文件" in docx_header_text(archive.read(docx_entry))


@pytest.mark.slow
def test_evidence_package_for_a_chapter_and_all_and_access(park, other_park):
    public, _ = publish_new_document(park, "CARBON_POLICY", access_level="public")
    internal, _ = publish_new_document(park, "CARBON_MANAGEMENT_RULES", access_level="internal")
    record = record_upload(park, "EMISSION_REVIEW_RECORD", "2026").json()
    assert sign(park, record["revision_id"], "approve", "approver").status_code == 200

    chapter = _package(park.client.get("/api/exports/evidence?scope=6", headers=park.headers("top_management")))
    packed = _packed_control_numbers(chapter)
    assert public["control_no"] in packed and internal["control_no"] in packed
    assert record["control_no"] not in packed  # 7.3.2 is not in chapter 6

    everything = _package(park.client.get("/api/exports/evidence?scope=all", headers=park.headers("auditor")))
    assert record["control_no"] in _packed_control_numbers(everything)

    contributor = _package(park.client.get("/api/exports/evidence?scope=6", headers=park.headers("contributor")))
    packed = _packed_control_numbers(contributor)
    assert public["control_no"] in packed and internal["control_no"] not in packed
    assert internal["control_no"] not in contributor.read("manifest.json").decode("utf-8")
    assert internal["control_no"] not in contributor.read("index.html").decode("utf-8")

    other = _package(other_park.client.get("/api/exports/evidence?scope=all", headers=other_park.headers("auditor")))
    assert not [name for name in other.namelist() if name.startswith("files/")]
    assert park.client.get("/api/exports/evidence?scope=banana", headers=park.headers("auditor")).status_code == 422
    assert park.client.get("/api/exports/evidence?scope=99.1", headers=park.headers("auditor")).status_code == 422
    assert park.client.get("/api/exports/evidence?scope=all", headers=park.headers("admin")).status_code == 403


def test_verify_package_cli(park, tmp_path):
    publish_new_document(park, "CARBON_POLICY")
    response = park.client.get("/api/exports/evidence?scope=6.2", headers=park.headers("auditor"))
    good = tmp_path / "good.zip"
    good.write_bytes(response.content)
    result = runner.invoke(cli, ["verify-package", str(good)])
    assert result.exit_code == 0, result.output
    assert "完整" in result.output

    tampered = tmp_path / "tampered.zip"
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(tampered, "w") as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "index.html":
                data = data.replace(b"</body>", b"<p>changed</p></body>")
            target.writestr(info, data)
    result = runner.invoke(cli, ["verify-package", str(tampered)])
    assert result.exit_code == 1
    assert "index.html" in result.output

    extra = tmp_path / "extra.zip"
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(extra, "w") as target:
        for info in source.infolist():
            target.writestr(info, source.read(info.filename))
        target.writestr("files/smuggled.txt", b"x")
    assert runner.invoke(cli, ["verify-package", str(extra)]).exit_code == 1

    broken = tmp_path / "broken.zip"
    broken.write_bytes(b"not a zip")
    assert runner.invoke(cli, ["verify-package", str(broken)]).exit_code == 1


def test_export_evidence_cli_writes_a_verifiable_package(park, tmp_path):
    document, _ = publish_new_document(park, "CARBON_POLICY")
    out = tmp_path / "package.zip"
    result = runner.invoke(cli, ["export-evidence", "--scope", "6", "--out", str(out), "--park", park.code])
    assert result.exit_code == 0, result.output
    assert out.is_file() and not Path(str(out) + ".part").exists()
    with zipfile.ZipFile(out) as archive:
        assert document["control_no"] in _packed_control_numbers(archive)
    assert runner.invoke(cli, ["verify-package", str(out)]).exit_code == 0
    bad = runner.invoke(cli, ["export-evidence", "--scope", "x", "--out", str(tmp_path / "b.zip"), "--park", park.code])
    assert bad.exit_code == 1 and not (tmp_path / "b.zip").exists()


def test_long_report_routes_run_in_the_threadpool():
    """Sync routes run in FastAPI's threadpool, so a long export never blocks the event loop.

    (The download of a revision is `async` on purpose: it gives up its admission slot while its copy is stamped in a
    worker thread; tests/reports/test_copy_cache.py and test_copy_under_load.py cover it.)
    """
    import inspect

    from app.documents.routes import router as documents_router
    from app.reports.routes import router as reports_router

    paths = {
        "/api/exports/evidence",
        "/api/exports/register.xlsx",
        "/api/exports/register.csv",
        "/api/reports/review",
        "/api/reports/review/register",
        "/api/documents/{document_id}/revisions/from-template",
        "/api/exports/oscal/catalog.json",
        "/api/exports/oscal/assessment-results.json",
    }
    found = {
        route.path: route.endpoint
        for router in (documents_router, reports_router)
        for route in router.routes
        if getattr(route, "path", None) in paths
    }
    assert set(found) == paths
    assert not [path for path, endpoint in found.items() if inspect.iscoroutinefunction(endpoint)]
