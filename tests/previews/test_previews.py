"""Previews of each revision (page images and a thumbnail, made by a background job), on both databases."""

from __future__ import annotations

import io
import json
import struct
import time
import zlib

import pytest
from sqlmodel import col, select

from app.config import get_settings
from app.db import session_scope
from app.events.models import Event
from app.jobs.models import Job, JobState
from app.previews import lifecycle, render
from app.previews import service as previews
from app.previews.models import PreviewState, RevisionPreview, RevisionPreviewStatus
from tests.factories import register, upload
from tests.support import blob_stores
from tests.support.office_samples import ofd_bytes, xlsx_bytes

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PDF_MEDIA = "application/pdf"
XLSX_MEDIA = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(autouse=True)
def previews_on(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(get_settings(), "previews_enabled", True)


def pdf_pages(count: int, *, width_pt: int = 216, height_pt: int = 288) -> bytes:
    """A PDF of `count` pages of 3 × 4 inches (240 × 320 px at 80 dpi), each saying its number."""
    objects: list[bytes] = [b"<< /Type /Catalog /Pages 2 0 R >>", b""]
    kids = []
    for number in range(1, count + 1):
        stream = zlib.compress(b"BT /F1 24 Tf 36 200 Td (Page %d) Tj ET" % number)
        objects.append(b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream")
        content_id = len(objects)
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %d %d] /Contents %d 0 R"
            b" /Resources << /Font << /F1 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> >> >> >>"
            % (width_pt, height_pt, content_id)
        )
        kids.append(b"%d 0 R" % len(objects))
    objects[1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (b" ".join(kids), count)
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == PNG_SIGNATURE
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def _uploaded(park, content: bytes, name: str, *, access_level: str = "internal") -> dict:
    document = register(park, "DATA_MANAGEMENT_RULES", title=f"预览 {name}", access_level=access_level)
    response = upload(park, document["id"], content, name=name)
    assert response.status_code == 201, response.text
    return response.json()


def _previews(park, revision_id: int, role: str = "coordinator") -> dict:
    response = park.client.get(f"/api/revisions/{revision_id}/previews", headers=park.headers(role))
    assert response.status_code == 200, response.text
    return response.json()


def _image(park, url: str, role: str = "coordinator") -> tuple[int, int]:
    response = park.client.get(url, headers=park.headers(role))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "image/png"
    assert response.headers["x-content-type-options"] == "nosniff"
    return png_size(response.content)


def _events(revision_id: int) -> list[str]:
    with session_scope(write=False) as session:
        return list(
            session.execute(
                select(col(Event.action))
                .where(col(Event.entity_type) == "revision", col(Event.entity_id) == str(revision_id))
                .where(col(Event.action).startswith("revision.preview_"))
                .order_by(col(Event.seq))
            ).scalars()
        )


def _blob_files() -> set[str]:
    return blob_stores.names()  # the configured store's, local folder or S3 (`make test-scaleout`)


def test_a_pdf_gives_page_images_and_a_thumbnail(park, figure) -> None:
    started = time.perf_counter()
    revision = _uploaded(park, pdf_pages(3), "三页.pdf")
    figure(f"previews: a three-page PDF uploaded and rendered by pdftoppm in {time.perf_counter() - started:.2f} s")
    body = _previews(park, revision["id"])
    assert body["state"] == "ready"
    assert (body["state_zh"], body["state_en"]) == ("预览已生成", "Preview ready")
    assert body["pages_total"] == 3
    assert [(page["page"], page["width"], page["height"]) for page in body["pages"]] == [
        (1, 240, 320),
        (2, 240, 320),
        (3, 240, 320),
    ]
    for page in body["pages"]:
        assert page["url"] == f"/api/revisions/{revision['id']}/previews/{page['page']}.png"
        assert _image(park, page["url"]) == (240, 320)
    assert body["thumbnail"]["url"] == f"/api/revisions/{revision['id']}/previews/thumbnail.png"
    assert (body["thumbnail"]["width"], body["thumbnail"]["height"]) == (160, 213)
    assert _image(park, body["thumbnail"]["url"]) == (160, 213)
    assert body["allowed_actions"] == []
    assert _events(revision["id"]) == ["revision.preview_start", "revision.preview_ready"]
    missing = park.client.get(f"/api/revisions/{revision['id']}/previews/4.png", headers=park.headers("coordinator"))
    assert missing.status_code == 404


def test_only_the_first_pages_are_rendered(park, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(get_settings(), "preview_max_pages", 2)
    body = _previews(park, _uploaded(park, pdf_pages(5), "五页.pdf")["id"])
    assert [page["page"] for page in body["pages"]] == [1, 2]
    assert body["pages_total"] == 5


def test_a_docx_and_an_xlsx_are_converted_with_libreoffice(park, figure) -> None:
    started = time.perf_counter()
    word_id = upload_default_docx(park)  # the job runs inline, right after the upload's commit
    figure(f"previews: a one-page .docx uploaded and rendered by LibreOffice in {time.perf_counter() - started:.1f} s")
    word = _previews(park, word_id)
    assert word["state"] == "ready"
    assert [(page["width"], page["height"]) for page in word["pages"]] == [(680, 880)]  # US Letter at 80 dpi
    assert _image(park, word["pages"][0]["url"]) == (680, 880)
    assert _image(park, word["thumbnail"]["url"]) == (160, 207)
    sheet = _previews(park, _uploaded(park, xlsx_bytes(), "台账.xlsx")["id"])
    assert sheet["state"] == "ready"
    assert len(sheet["pages"]) == 2  # one page per sheet
    assert sheet["pages_total"] == 2


def upload_default_docx(park) -> int:
    document = register(park, "DATA_MANAGEMENT_RULES", title="Word 预览")
    response = upload(park, document["id"])
    assert response.status_code == 201, response.text
    return response.json()["id"]


def test_without_libreoffice_the_preview_is_unavailable_then_made_on_request(
    park, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = render.find_converter
    monkeypatch.setattr(render, "find_converter", lambda name: None if name == "soffice" else real(name))
    revision_id = upload_default_docx(park)
    body = _previews(park, revision_id)
    assert body["state"] == "unavailable"
    assert body["reason"] == "no_soffice"
    assert "LibreOffice" in body["reason_zh"] and "LibreOffice is not installed" in body["reason_en"]
    assert body["pages"] == [] and body["thumbnail"] is None
    assert body["allowed_actions"] == ["generate"]
    assert _previews(park, revision_id, role="approver")["allowed_actions"] == []
    refused = park.client.post(f"/api/revisions/{revision_id}/previews/generate", headers=park.headers("approver"))
    assert refused.status_code == 403
    monkeypatch.setattr(render, "find_converter", real)  # LibreOffice installed
    again = park.client.post(f"/api/revisions/{revision_id}/previews/generate", headers=park.headers("coordinator"))
    assert again.status_code == 202, again.text
    body = _previews(park, revision_id)
    assert body["state"] == "ready" and len(body["pages"]) == 1
    assert _events(revision_id) == [
        "revision.preview_start",
        "revision.preview_unavailable",
        "revision.preview_generate",
        "revision.preview_ready",
    ]
    ready_again = park.client.post(
        f"/api/revisions/{revision_id}/previews/generate", headers=park.headers("coordinator")
    )
    assert ready_again.status_code == 409


def test_a_type_without_a_converter_is_unavailable(park) -> None:
    body = _previews(park, _uploaded(park, ofd_bytes(), "发票.ofd")["id"])
    assert (body["state"], body["reason"]) == ("unavailable", "no_converter")
    assert body["reason_zh"] == "该文件类型暂不支持预览，请下载后查看"


def test_an_image_is_downscaled(park) -> None:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (2000, 1000), (30, 120, 60)).save(buffer, "JPEG")
    body = _previews(park, _uploaded(park, buffer.getvalue(), "现场照片.jpg")["id"])
    assert [(page["width"], page["height"]) for page in body["pages"]] == [(1600, 800)]
    assert _image(park, body["pages"][0]["url"]) == (1600, 800)
    assert _image(park, body["thumbnail"]["url"]) == (160, 80)


def test_a_broken_file_fails_with_its_reason_and_leaves_no_blob(park) -> None:
    before = _blob_files()
    broken_png = PNG_SIGNATURE + b"\x00\x00\x00\rIHDR" + bytes(40)  # accepted by its signature, not decodable
    revision = _uploaded(park, broken_png, "损坏.png")
    body = _previews(park, revision["id"])
    assert (body["state"], body["reason"]) == ("failed", "render_failed")
    assert body["reason_zh"].startswith("无法生成页面图像")
    assert body["pages"] == [] and body["thumbnail"] is None
    assert _blob_files() - before == {revision["sha256"]}  # the upload itself, no image
    assert not list(get_settings().tmp_dir.glob("preview-*"))
    with session_scope(write=False) as session:
        status = session.get(RevisionPreviewStatus, revision["id"])
        assert status is not None and "UnidentifiedImageError" in status.detail
        rows = session.execute(select(RevisionPreview).where(RevisionPreview.revision_id == revision["id"])).all()
        assert rows == []
    assert _events(revision["id"]) == ["revision.preview_start", "revision.preview_fail"]


def test_a_failure_while_recording_leaves_no_rows_and_no_images(park, monkeypatch: pytest.MonkeyPatch) -> None:
    real = lifecycle.transition

    def fail_on_ready(session, revision, status, action, **kwargs):
        if action == "ready":
            raise RuntimeError("the database went away")
        return real(session, revision, status, action, **kwargs)

    monkeypatch.setattr(lifecycle, "transition", fail_on_ready)
    before = _blob_files()
    revision = _uploaded(park, pdf_pages(2, width_pt=288), "回滚.pdf")  # a page size no other test renders
    assert _blob_files() - before == {revision["sha256"]}  # the placed images were removed again
    with session_scope(write=False) as session:
        status = session.get(RevisionPreviewStatus, revision["id"])
        assert status is not None and status.state == PreviewState.pending
        assert session.execute(select(RevisionPreview).where(RevisionPreview.revision_id == revision["id"])).all() == []
        job = session.execute(select(Job).where(Job.kind == previews.JOB_KIND, Job.key == str(revision["id"]))).one()[0]
        assert job.state == JobState.queued and "the database went away" in job.last_error  # retried later
    monkeypatch.setattr(lifecycle, "transition", real)
    previews.render_revision({"revision_id": revision["id"]})  # the retry
    assert _previews(park, revision["id"])["state"] == "ready"


def test_running_the_job_again_changes_nothing(park) -> None:
    revision = _uploaded(park, pdf_pages(2), "两页.pdf")

    def snapshot() -> list[tuple]:
        with session_scope(write=False) as session:
            rows = session.execute(
                select(RevisionPreview)
                .where(RevisionPreview.revision_id == revision["id"])
                .order_by(RevisionPreview.id)
            ).scalars()
            return [(row.id, row.kind, row.page, row.blob_sha256, row.width, row.height) for row in rows]

    first = snapshot()
    assert len(first) == 3
    previews.render_revision({"revision_id": revision["id"]})
    previews.render_revision(json.loads(json.dumps({"revision_id": revision["id"]})))
    assert snapshot() == first
    assert _events(revision["id"]) == ["revision.preview_start", "revision.preview_ready"]
    for _, _, _, sha256, _, _ in first:
        assert blob_stores.exists(sha256)


def test_previews_follow_the_file_access_rule(park, other_park) -> None:
    revision = _uploaded(park, pdf_pages(1), "内部.pdf", access_level="internal")
    base = f"/api/revisions/{revision['id']}"
    urls = [f"{base}/previews", f"{base}/previews/1.png", f"{base}/previews/thumbnail.png"]
    file_status = park.client.get(f"{base}/file", headers=park.headers("contributor")).status_code
    assert file_status == 404
    for url in urls:
        assert park.client.get(url, headers=park.headers("contributor")).status_code == file_status, url
        assert other_park.client.get(url, headers=other_park.headers("coordinator")).status_code == 404, url
        assert park.client.get(url).status_code == 401, url
    generate = park.client.post(f"{base}/previews/generate", headers=park.headers("contributor"))
    assert generate.status_code == 404
    public = _uploaded(park, pdf_pages(1), "公开.pdf", access_level="public")
    assert _previews(park, public["id"], role="contributor")["state"] == "ready"
    assert _image(park, f"/api/revisions/{public['id']}/previews/1.png", role="contributor") == (240, 320)


def test_the_original_file_stays_an_attachment(park) -> None:
    revision = _uploaded(park, pdf_pages(1), "原件.pdf")
    for query in ("?original=true", ""):
        response = park.client.get(f"/api/revisions/{revision['id']}/file{query}", headers=park.headers("coordinator"))
        assert response.status_code == 200
        assert response.headers["content-disposition"].startswith("attachment;")
        assert response.headers["x-content-type-options"] == "nosniff"
    image = park.client.get(f"/api/revisions/{revision['id']}/previews/1.png", headers=park.headers("coordinator"))
    assert image.headers["content-disposition"].startswith("inline;")


def test_previews_switched_off_leave_no_state_and_cost_nothing(park, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(get_settings(), "previews_enabled", False)
    revision = _uploaded(park, pdf_pages(1), "关闭.pdf", access_level="internal")
    body = _previews(park, revision["id"])
    assert body["state"] is None
    assert (body["state_zh"], body["state_en"]) == ("尚未生成预览", "No preview has been made")
    assert body["allowed_actions"] == ["generate"]
    assert _events(revision["id"]) == []


def test_verify_counts_preview_images_as_referenced(park) -> None:
    """`carbonms verify --clean-orphans` must not take preview images (derived blobs without a Blob row) for orphans."""
    from app.ops.verify import verify

    revision = _uploaded(park, pdf_pages(1, width_pt=144), "校验.pdf")  # a page size no other test renders
    with session_scope(write=False) as session:
        shas = set(
            session.execute(
                select(col(RevisionPreview.blob_sha256)).where(RevisionPreview.revision_id == revision["id"])
            ).scalars()
        )
        assert len(shas) == 2  # the page and its thumbnail
        report = verify(session, get_settings().blob_dir, clean_orphans=True, orphan_min_age=0)
    flagged = {problem.sha256 for problem in report.problems if problem.kind == "orphan_blob"}
    assert flagged.isdisjoint(shas)
    for sha256 in shas:
        assert blob_stores.store().exists(sha256)


def test_a_converter_that_hangs_is_stopped_at_the_timeout(park, monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    hanging = tmp_path / "pdftoppm"
    hanging.write_text("#!/bin/sh\nsleep 60\n")
    hanging.chmod(0o755)
    monkeypatch.setattr(render, "find_converter", lambda name: str(hanging))
    monkeypatch.setattr(get_settings(), "preview_timeout_seconds", 0.5)
    body = _previews(park, _uploaded(park, pdf_pages(1), "超时.pdf")["id"])
    assert (body["state"], body["reason"]) == ("failed", "timeout")
    assert body["reason_en"] == "Making the preview took too long; download the file to view it"


def test_the_trail_names_the_preview_events() -> None:
    from app.labels import label_pair

    assert label_pair("event", "revision.preview_ready") == ("预览已生成", "preview made")
    assert label_pair("event", "revision.create") == ("上传版本", "uploaded a revision")  # merged, not replaced
