"""The stored file name's extension follows the type detected from the content, never the uploader's claim."""

import pytest

from app.documents.extract import DOCX, JPEG, PDF, PNG, TEXT, XLSX
from app.documents.storage import name_for_type
from tests.factories import docx_bytes, register
from tests.reports.helpers import PDF_MEDIA, pdf_bytes, upload_file


@pytest.mark.parametrize(
    ("name", "media_type", "expected"),
    [
        ("poly.html", PDF, "poly.pdf"),
        ("page.html", TEXT, "page.txt"),
        ("报告", PDF, "报告.pdf"),
        ("report.PDF", PDF, "report.PDF"),
        ("扫描件.jpeg", JPEG, "扫描件.jpeg"),
        ("扫描件.JPG", JPEG, "扫描件.JPG"),
        ("photo.png.exe", PNG, "photo.png.png"),
        ("排放数据.csv", TEXT, "排放数据.csv"),
        ("说明.md", TEXT, "说明.md"),
        ("制度.doc", DOCX, "制度.docx"),
        ("台账.xls", XLSX, "台账.xlsx"),
        ("file", TEXT, "file.txt"),
    ],
)
def test_name_for_type(name, media_type, expected):
    assert name_for_type(name, media_type) == expected


def test_a_pdf_named_html_is_stored_and_served_as_pdf(park):
    document = register(park, "DATA_MANAGEMENT_RULES")
    revision = upload_file(park, document["id"], pdf_bytes(1), "poly.html", "text/html").json()
    assert revision["file_name"] == "poly.pdf"
    for query in ("", "?original=true"):
        response = park.client.get(f"/api/revisions/{revision['id']}/file{query}", headers=park.headers("coordinator"))
        assert response.status_code == 200
        assert response.headers["content-type"] == PDF_MEDIA
        assert 'filename="poly.pdf"' in response.headers["content-disposition"]


def test_html_is_stored_as_plain_text_named_txt(park):
    document = register(park, "DATA_MANAGEMENT_RULES")
    page = b"<html><body><script>alert(1)</script></body></html>"
    revision = upload_file(park, document["id"], page, "page.html", "text/html").json()
    assert revision["media_type"] == "text/plain" and revision["file_name"] == "page.txt"
    response = park.client.get(f"/api/revisions/{revision['id']}/file", headers=park.headers("coordinator"))
    assert response.headers["content-type"].startswith("text/plain")
    assert 'filename="page.txt"' in response.headers["content-disposition"]


def test_a_matching_extension_keeps_the_uploaders_name(park):
    document = register(park, "CARBON_MANAGEMENT_RULES")
    revision = upload_file(park, document["id"], docx_bytes("第一条"), "碳排放管理制度（2026版）.docx").json()
    assert revision["file_name"] == "碳排放管理制度（2026版）.docx"
