"""A PDF above the page limit is refused at upload (422), before its pages are read, and nothing is left behind."""

import io
import time
from pathlib import Path

import pytest
from pypdf import PdfWriter
from pypdf.generic import NameObject, NumberObject

from app.config import get_settings
from app.documents.extract import PDF, extract_text
from app.errors import Invalid
from tests.factories import register
from tests.reports.helpers import PDF_MEDIA, upload_file


def blank_pdf(pages: int, *, declared: int | None = None) -> bytes:
    """`pages` blank pages; `declared` overwrites the page tree's /Count (a file that lies about its length)."""
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(595, 842)
    if declared is not None:
        writer.root_object["/Pages"][NameObject("/Count")] = NumberObject(declared)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def _leftovers() -> set[str]:
    folder = get_settings().tmp_dir
    return {path.name for path in folder.iterdir()} if folder.exists() else set()


@pytest.mark.slow
def test_a_20000_page_pdf_is_refused_with_422_and_leaves_nothing(park, figure):
    content = blank_pdf(20_000)
    document = register(park, "DATA_MANAGEMENT_RULES")
    before = _leftovers()
    clock = time.perf_counter()
    response = upload_file(park, document["id"], content, "两万页.pdf", PDF_MEDIA)
    elapsed = time.perf_counter() - clock
    figure(f"\n20,000-page PDF ({len(content) / 1e6:.1f} MB): {response.status_code} in {elapsed * 1000:.0f} ms")
    assert response.status_code == 422, response.text
    error = response.json()
    assert "20000" in error["message_zh"] and "2000" in error["message_zh"] and "20000" in error["message_en"]
    assert error["detail"].index("页") < error["detail"].index("pages")  # Chinese first, then English
    assert _leftovers() == before
    detail = park.client.get(f"/api/documents/{document['id']}", headers=park.headers("coordinator")).json()
    assert detail["revisions"] == []


def test_a_pdf_at_the_limit_is_accepted(park, monkeypatch):
    monkeypatch.setattr(get_settings(), "max_pdf_pages", 5)
    document = register(park, "DATA_MANAGEMENT_RULES")
    response = upload_file(park, document["id"], blank_pdf(5), "五页.pdf", PDF_MEDIA)
    assert response.status_code == 201, response.text
    refused = upload_file(park, document["id"], blank_pdf(6), "六页.pdf", PDF_MEDIA)
    assert refused.status_code == 422
    assert "6 页" in refused.json()["message_zh"] and "5 页" in refused.json()["message_zh"]


def test_a_pdf_that_understates_its_page_count_is_still_refused(tmp_path: Path, monkeypatch):
    monkeypatch.setattr(get_settings(), "max_pdf_pages", 10)
    path = tmp_path / "liar.pdf"
    path.write_bytes(blank_pdf(11, declared=1))
    with pytest.raises(Invalid) as caught:
        extract_text(path, PDF)
    assert "11" in caught.value.message_zh


def test_the_page_limit_is_configurable(monkeypatch):
    monkeypatch.setenv("CARBONMS_MAX_PDF_PAGES", "300")
    from app.config import Settings

    assert Settings().max_pdf_pages == 300
    monkeypatch.delenv("CARBONMS_MAX_PDF_PAGES")
    assert Settings().max_pdf_pages == 2000
