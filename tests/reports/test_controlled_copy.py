"""Controlled copies (受控标识, 8.4 b)): what a download says about the revision it is."""

import hashlib
import io

from docx import Document as DocxDocument

from app import timezones
from app.reports.controlled_copy import docx_header_text
from tests.factories import docx_bytes, register, upload
from tests.reports.helpers import PDF_MEDIA, pdf_bytes, pdf_page_texts, take_through, upload_file


def _tmp_leftovers() -> set:
    from app.config import get_settings

    folder = get_settings().tmp_dir
    return {path.name for path in folder.glob("marked-*")} if folder.exists() else set()


def test_effective_pdf_is_stamped_on_every_page(park):
    document = register(park, "DATA_MANAGEMENT_RULES")
    content = pdf_bytes(3)
    revision = upload_file(park, document["id"], content, "数据管理制度.pdf", PDF_MEDIA).json()
    take_through(park, revision["id"], "DATA_MANAGEMENT_RULES")
    before = _tmp_leftovers()
    response = park.client.get(f"/api/revisions/{revision['id']}/file", headers=park.headers("auditor"))
    assert response.status_code == 200
    assert response.headers["content-type"] == PDF_MEDIA
    assert response.headers["x-controlled-copy"] == "controlled"
    assert response.headers["x-original-sha256"] == hashlib.sha256(content).hexdigest()
    assert response.content != content
    pages = pdf_page_texts(response.content)
    assert len(pages) == 3
    for text in pages:
        assert document["control_no"] in text
        assert "受控" in text and "CONTROLLED COPY" in text and "第1版" in text
    assert _tmp_leftovers() == before  # the temporary marked file is gone once sent

    original = park.client.get(f"/api/revisions/{revision['id']}/file?original=true", headers=park.headers("auditor"))
    assert original.content == content
    assert original.headers["x-content-sha256"] == hashlib.sha256(content).hexdigest()


def test_effective_docx_carries_the_marking_in_its_header(park):
    document = register(park, "CARBON_MANAGEMENT_RULES")
    content = docx_bytes("第一条 总则")
    revision = upload(park, document["id"], content).json()
    published = take_through(park, revision["id"], "CARBON_MANAGEMENT_RULES")
    response = park.client.get(f"/api/revisions/{revision['id']}/file", headers=park.headers("coordinator"))
    assert response.status_code == 200 and response.headers["x-controlled-copy"] == "controlled"
    header = docx_header_text(response.content)
    assert document["control_no"] in header and "受控文件" in header and "CONTROLLED COPY" in header
    assert timezones.fmt_date(published["effective_from"], None) in header and "（Asia/Shanghai）" in header
    # the body is unchanged
    assert [p.text for p in DocxDocument(io.BytesIO(response.content)).paragraphs] == ["第一条 总则"]


def test_drafts_superseded_and_obsolete_copies_say_so(park):
    document = register(park, "DATA_MANAGEMENT_RULES")
    first = upload_file(park, document["id"], pdf_bytes(2), "v1.pdf", PDF_MEDIA).json()
    draft = park.client.get(f"/api/revisions/{first['id']}/file", headers=park.headers("coordinator"))
    assert draft.headers["x-controlled-copy"] == "draft"
    assert all("草稿/未生效" in text and "DRAFT" in text for text in pdf_page_texts(draft.content))
    take_through(park, first["id"], "DATA_MANAGEMENT_RULES", until="in_review")
    in_review = park.client.get(f"/api/revisions/{first['id']}/file", headers=park.headers("coordinator"))
    assert all("未生效" in text for text in pdf_page_texts(in_review.content))
    take_through_rest(park, first["id"])

    second = upload(park, document["id"], docx_bytes("第2版"), reason="修订").json()
    take_through(park, second["id"], "DATA_MANAGEMENT_RULES")
    superseded = park.client.get(f"/api/revisions/{first['id']}/file", headers=park.headers("auditor"))
    assert superseded.headers["x-controlled-copy"] == "superseded"
    assert all("已被替代" in text and "SUPERSEDED" in text for text in pdf_page_texts(superseded.content))

    obsolete = park.client.post(
        f"/api/documents/{document['id']}/obsolete", json={"reason": "制度废止"}, headers=park.headers("coordinator")
    )
    assert obsolete.status_code == 200
    marked = park.client.get(f"/api/revisions/{second['id']}/file", headers=park.headers("auditor"))
    assert marked.headers["x-controlled-copy"] == "obsolete"
    header = docx_header_text(marked.content)
    assert "作废" in header and "OBSOLETE" in header and document["control_no"] in header


def take_through_rest(park, revision_id: int) -> None:
    from tests.factories import sign

    assert sign(park, revision_id, "review", "top_management").status_code == 200
    assert sign(park, revision_id, "approve", "approver").status_code == 200
    assert (
        park.client.post(f"/api/revisions/{revision_id}/publish", headers=park.headers("coordinator")).status_code
        == 200
    )


def test_other_types_are_served_unmarked(park):
    document = register(park, "DATA_MANAGEMENT_RULES")
    content = "碳排放数据管理说明\n第一条\n".encode()
    revision = upload_file(park, document["id"], content, "说明.txt", "text/plain").json()
    response = park.client.get(f"/api/revisions/{revision['id']}/file", headers=park.headers("coordinator"))
    assert response.status_code == 200
    assert response.headers["x-controlled-copy"] == "not-marked"
    assert response.content == content


def test_filed_record_is_a_controlled_record(park):
    from tests.factories import record_upload, sign

    record = record_upload(park, "EMISSION_REVIEW_RECORD", "2025").json()
    assert sign(park, record["revision_id"], "approve", "approver").status_code == 200
    response = park.client.get(f"/api/revisions/{record['revision_id']}/file", headers=park.headers("auditor"))
    assert response.headers["x-controlled-copy"] == "record"
    assert "受控记录" in docx_header_text(response.content)


def test_marked_download_respects_parks(park, other_park):
    document = register(park, "DATA_MANAGEMENT_RULES")
    revision = upload_file(park, document["id"], pdf_bytes(1), "x.pdf", PDF_MEDIA).json()
    for original in ("", "?original=true"):
        response = other_park.client.get(
            f"/api/revisions/{revision['id']}/file{original}", headers=other_park.headers("auditor")
        )
        assert response.status_code == 404


def test_an_encrypted_pdf_is_refused_marking_but_its_original_is_served(park):
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    writer.encrypt(user_password="", owner_password="owner-only")
    buffer = io.BytesIO()
    writer.write(buffer)
    document = register(park, "DATA_MANAGEMENT_RULES")
    revision = upload_file(park, document["id"], buffer.getvalue(), "加密.pdf", PDF_MEDIA).json()
    response = park.client.get(f"/api/revisions/{revision['id']}/file", headers=park.headers("coordinator"))
    assert response.status_code == 409
    assert "original=true" in response.json()["detail"]
    original = park.client.get(
        f"/api/revisions/{revision['id']}/file?original=true", headers=park.headers("coordinator")
    )
    assert original.status_code == 200 and original.content == buffer.getvalue()
