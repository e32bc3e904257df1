"""Scanned documents yield their text (issue 17): PNG and image-only PDF pages rendered here from the standard's own
sentences at 300 dpi, recognised by Tesseract (chi_sim+eng) in the background job after the upload's commit, found by
2-, 3- and 5-character phrases, with the character accuracy over the fixture set printed; the original bytes never
change; a text PDF needs no recognition; a failure is shown with its reason and can be retried by a coordinator;
missing packages are named clearly."""

import hashlib
import io
from datetime import datetime
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFont
from typer.testing import CliRunner

from app.db import session_scope
from app.documents.models import RevisionText
from app.errors import Conflict, Forbidden
from app.recognition import engine, job, lifecycle
from app.recognition.engine import SystemCheck
from app.recognition.models import RecognitionState, RevisionRecognition
from app.users.models import Role, User
from tests.factories import register, upload
from tests.support import blob_stores

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "samples"
DPI = 300
FONT_PX = 50  # 12 pt at 300 dpi
PAGE_WIDTH = 2480  # A4 at 300 dpi
MARGIN = 200
CJK_FONTS = (
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", "Noto Sans CJK SC"),
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", "WenQuanYi Zen Hei"),
)

# T/CPQS ZC001-2025, chapter 4 (基本原则), word for word.
PNG_TEXT = (
    "碳排放管理体系建设应确保所采用的碳排放管理方式对于碳排放管理实施是有效的。"
    "碳排放管理实施过程和评估结论能够满足评估的目的和需求。",
    "碳排放管理评估过程中的碳排放、碳汇量、碳抵消方式等信息应公开透明，使相关方能够及时有效获取相关信息。",
)
PDF_PAGES = (
    (
        "碳排放管理体系建设应遵循国家、地区或行业的相关法规、标准和规范，确保碳源和碳汇的识别、碳排放及碳汇量的"
        "核算方法以及碳抵消产品的选择均符合规范性要求，并具有可追溯性。",
    ),
    (
        "碳排放和碳汇量核算过程应确保所选择和确定的活动数据、排放因子准确，碳排放和碳汇量计算结果准确，"
        "碳排放管理评估结果准确。",
        "碳排放管理体系建设应适合产业园区的碳管理需求，基于园区情况实施、保持并持续改进碳排放管理体系。",
    ),
)
# Phrases of 2, 3 and 5 characters, each in one of the two scans only.
PNG_PHRASES = ("透明", "相关方", "评估的目的")
PDF_PHRASES = ("追溯", "计算结", "持续改进碳")


def _font() -> ImageFont.FreeTypeFont:
    for path, family in CJK_FONTS:
        if not Path(path).is_file():
            continue
        for index in range(8):
            try:
                font = ImageFont.truetype(path, FONT_PX, index=index)
            except OSError:
                break
            if font.getname()[0] == family:
                return font
    pytest.fail(
        "No Simplified Chinese font to render the scans: install Debian's fonts-noto-cjk or fonts-wqy-zenhei "
        "(scripts/system-packages.sh does it).",
        pytrace=False,
    )


def render_page(paragraphs: tuple[str, ...], font: ImageFont.FreeTypeFont | None = None) -> Image.Image:
    """A white page of A4 width at 300 dpi with the paragraphs in black, wrapped to the margins."""
    font = font or _font()
    per_line = (PAGE_WIDTH - 2 * MARGIN) // FONT_PX
    lines: list[str] = []
    for paragraph in paragraphs:
        lines.extend(paragraph[i : i + per_line] for i in range(0, len(paragraph), per_line))
        lines.append("")
    step = int(FONT_PX * 1.8)
    page = Image.new("L", (PAGE_WIDTH, 2 * MARGIN + step * len(lines)), 255)
    draw = ImageDraw.Draw(page)
    for number, line in enumerate(lines):
        draw.text((MARGIN, MARGIN + number * step), line, font=font, fill=0)
    return page


def png_bytes(paragraphs: tuple[str, ...]) -> bytes:
    out = io.BytesIO()
    render_page(paragraphs).save(out, "PNG", dpi=(DPI, DPI))
    return out.getvalue()


def image_pdf_bytes(pages: tuple[tuple[str, ...], ...]) -> bytes:
    """An image-only PDF (no text layer), one rendered page per entry, black and white as a document scanner makes
    them (Pillow stores bilevel pages losslessly, CCITT G4; it would store grey ones as JPEG)."""
    images = [render_page(paragraphs).convert("1") for paragraphs in pages]
    out = io.BytesIO()
    images[0].save(out, "PDF", resolution=DPI, save_all=True, append_images=images[1:])
    return out.getvalue()


def edit_distance(a: str, b: str) -> int:
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def _bare(text: str) -> str:
    return "".join(text.split())


def _upload_scan(park, content: bytes, name: str, title: str) -> tuple[dict, dict]:
    document = register(park, title=title)
    response = upload(park, document["id"], content, name=name)
    assert response.status_code == 201, response.text
    return document, response.json()


def _revision(park, revision_id: int, role: str = "coordinator") -> dict:
    response = park.client.get(f"/api/revisions/{revision_id}", headers=park.headers(role))
    assert response.status_code == 200, response.text
    return response.json()


def _found(park, phrase: str) -> set[int]:
    response = park.client.get("/api/search", params={"q": f'"{phrase}"'}, headers=park.headers("coordinator"))
    assert response.status_code == 200, response.text
    return {hit["document_id"] for hit in response.json()["items"]}


def _stored_text(revision_id: int) -> str:
    with session_scope(write=False) as session:
        row = session.get(RevisionText, revision_id)
        return row.text if row is not None else ""


def test_scans_are_recognised_found_by_phrases_and_accurate(park, figure) -> None:
    png = png_bytes(PNG_TEXT)
    pdf = image_pdf_bytes(PDF_PAGES)
    letter, png_revision = _upload_scan(park, png, "目标责任书.png", "碳排放目标责任书（扫描件）")
    group, pdf_revision = _upload_scan(park, pdf, "领导小组文件.pdf", "关于产业园区成立碳排放领导小组（扫描件）")
    # The upload answers before the job runs: the recognition is queued (识别中), never done inside the request.
    for uploaded in (png_revision, pdf_revision):
        assert uploaded["recognition"]["state"] == "pending"
        assert uploaded["recognition"]["state_zh"] == "识别中"
    png_after, pdf_after = _revision(park, png_revision["id"]), _revision(park, pdf_revision["id"])
    for after, pages in ((png_after, 1), (pdf_after, 2)):
        shown = after["recognition"]
        assert (shown["state"], shown["state_zh"], shown["state_en"]) == ("done", "已识别", "Recognised")
        assert shown["pages"] == pages
        assert shown["languages"] == "chi_sim+eng"
        assert shown["engine"].startswith("tesseract ")
        assert shown["error"] == ""
    for phrase in PNG_PHRASES:
        assert _found(park, phrase) == {letter["id"]}, phrase
    for phrase in PDF_PHRASES:
        assert _found(park, phrase) == {group["id"]}, phrase
    # Character accuracy over the fixture set: 1 − edit distance / length.
    truth = {png_revision["id"]: _bare("".join(PNG_TEXT)), pdf_revision["id"]: _bare("".join(sum(PDF_PAGES, ())))}
    errors = sum(edit_distance(expected, _bare(_stored_text(rid))) for rid, expected in truth.items())
    length = sum(len(expected) for expected in truth.values())
    accuracy = 1 - errors / length
    spans = [(r["recognition"]["started_at"], r["recognition"]["finished_at"]) for r in (png_after, pdf_after)]
    seconds = sum((datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds() for start, end in spans)
    figure(
        f"OCR (tesseract chi_sim+eng, 300 dpi, a PNG and a 2-page image-only PDF): character accuracy {accuracy:.2%} "
        f"over {length} characters, {seconds / 3:.1f} s per page"
    )
    assert accuracy >= 0.95
    assert pdf_after["recognition"]["characters"] == len(_stored_text(pdf_revision["id"]))
    # The original bytes are untouched: the stored blob is the uploaded file, byte for byte.
    for content, revision in ((png, png_after), (pdf, pdf_after)):
        assert revision["sha256"] == hashlib.sha256(content).hexdigest()
        with blob_stores.store().open(revision["sha256"]) as stream:
            stored = stream.read()
        assert stored == content
        assert hashlib.sha256(stored).hexdigest() == revision["sha256"]


def test_a_text_pdf_is_not_recognised(park) -> None:
    document = register(park)
    response = upload(park, document["id"], (FIXTURES / "sample_zh.pdf").read_bytes(), name="方针.pdf")
    assert response.status_code == 201, response.text
    revision = _revision(park, response.json()["id"])
    assert revision["recognition"]["state"] == "none"
    assert revision["recognition"]["state_zh"] == "无需识别"
    with session_scope(write=False) as session:
        assert session.get(RevisionRecognition, revision["id"]) is None
    retry = park.client.post(f"/api/revisions/{revision['id']}/recognition/retry", headers=park.headers("coordinator"))
    assert retry.status_code == 409
    assert "无需识别" in retry.json()["message_zh"]


def _missing() -> SystemCheck:
    return SystemCheck(tesseract=None, pdftoppm="/usr/bin/pdftoppm", missing=("tesseract-ocr", "tesseract-ocr-chi-sim"))


def test_a_failed_recognition_is_shown_and_a_coordinator_retries_it(park, monkeypatch) -> None:
    from tests.web.conftest import Browser

    monkeypatch.setattr(job, "check_system", _missing)
    document, revision = _upload_scan(park, png_bytes(("碳排放管理方针",)), "方针.png", "碳排放管理方针（照片）")
    failed = _revision(park, revision["id"])["recognition"]
    assert (failed["state"], failed["state_zh"], failed["state_en"]) == ("failed", "识别失败", "Recognition failed")
    assert failed["error"].startswith("未安装 Tesseract 中文识别组件")
    assert "tesseract-ocr-chi-sim" in failed["error"]
    assert failed["error_en"].startswith("Tesseract with chi_sim is not installed")
    assert failed["allowed_actions"] == ["retry"]
    assert _revision(park, revision["id"], "approver")["recognition"]["allowed_actions"] == []
    # The document page says so, with the reason, and offers the coordinator the retry.
    web = Browser(park.client.app, park, "coordinator")
    try:
        page = web.get(f"/documents/{document['id']}").text
        assert 'data-recognition="failed"' in page and "识别失败" in page
        assert "未安装 Tesseract 中文识别组件" in page
        assert 'data-action="recognition-retry"' in page
    finally:
        web.close()
    # Only a coordinator may retry; the approver is refused (403) and nothing changes.
    refused = park.client.post(f"/api/revisions/{revision['id']}/recognition/retry", headers=park.headers("approver"))
    assert refused.status_code == 403
    assert _revision(park, revision["id"])["recognition"]["state"] == "failed"
    # Once the packages are there, the coordinator's retry recognises it (the job runs after the retry's commit).
    monkeypatch.undo()
    retried = park.client.post(
        f"/api/revisions/{revision['id']}/recognition/retry", headers=park.headers("coordinator")
    )
    assert retried.status_code == 200, retried.text
    assert retried.json()["state"] == "pending"
    done = park.client.get(f"/api/revisions/{revision['id']}/recognition", headers=park.headers("coordinator"))
    assert done.json()["state"] == "done"
    assert done.json()["error"] == ""
    assert "排放管理方针" in _stored_text(revision["id"])
    again = park.client.post(f"/api/revisions/{revision['id']}/recognition/retry", headers=park.headers("coordinator"))
    assert again.status_code == 409
    history = park.client.get(f"/api/documents/{document['id']}", headers=park.headers("auditor")).json()["history"]
    steps = [event["action"] for event in history if event["action"].startswith("recognition.")]
    assert steps == [
        "recognition.queue",
        "recognition.fail",
        "recognition.retry",
        "recognition.start",
        "recognition.finish",
    ]


def test_another_parks_recognition_is_not_found(park, other_park, monkeypatch) -> None:
    monkeypatch.setattr(job, "check_system", _missing)
    _document, revision = _upload_scan(park, png_bytes(("园区",)), "园区.png", "园区（照片）")
    for method, path in (("get", ""), ("post", "/retry")):
        response = getattr(other_park.client, method)(
            f"/api/revisions/{revision['id']}/recognition{path}", headers=other_park.headers("coordinator")
        )
        assert response.status_code == 404


def test_missing_packages_are_named_clearly(monkeypatch) -> None:
    from app.cli import app as cli_app

    monkeypatch.setattr(engine.shutil, "which", lambda _name: None)
    check = engine.check_system()
    assert not check.ok
    assert check.missing == ("tesseract-ocr", "tesseract-ocr-chi-sim", "poppler-utils")
    zh, en = check.message()
    assert zh.startswith("未安装 Tesseract 中文识别组件") and "tesseract-ocr-chi-sim" in zh
    assert en.startswith("Tesseract with chi_sim is not installed") and "poppler-utils" in en
    result = CliRunner().invoke(cli_app, ["check-system"])
    assert result.exit_code == 1
    assert "Tesseract with chi_sim is not installed" in result.output
    monkeypatch.undo()
    present = CliRunner().invoke(cli_app, ["check-system"])
    assert present.exit_code == 0, present.output
    assert "chi_sim" in present.output


@pytest.mark.parametrize(
    ("media_type", "text", "pages", "needed"),
    [
        ("image/png", None, 1, True),
        ("image/jpeg", None, 1, True),
        ("application/pdf", None, 3, True),  # no text layer at all
        ("application/pdf", " \n ", 3, True),
        ("application/pdf", "第 1 页" * 3, 3, True),  # page numbers only: 12 characters for 3 pages
        ("application/pdf", "碳" * 60, 3, False),  # 20 characters a page: a text PDF
        ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "", 1, False),
        ("text/plain", "", 1, False),
    ],
)
def test_which_uploads_need_recognition(monkeypatch, media_type, text, pages, needed) -> None:
    monkeypatch.setattr(job.storage, "open_blob", lambda _dir, sha: Path(sha))
    monkeypatch.setattr(job, "pdf_pages", lambda _path: pages)
    assert job.needs_recognition(media_type, text, "0" * 64) is needed


def test_blank_rendered_pages_are_skipped(tmp_path) -> None:
    blank, inked, unknown = tmp_path / "blank.pgm", tmp_path / "inked.pgm", tmp_path / "odd.pgm"
    blank.write_bytes(b"P5\n# pdftoppm\n4 2\n255\n" + bytes([255, 250, 200, 129] * 2))
    inked.write_bytes(b"P5\n4 2\n255\n" + bytes([255] * 7 + [127]))
    unknown.write_bytes(b"P6\n1 1\n255\n\x00\x00\x00")  # not an 8-bit grey page: Tesseract decides
    assert [engine.has_ink(path) for path in (blank, inked, unknown)] == [False, True, True]


def test_tesseract_gaps_between_han_characters_are_closed() -> None:
    assert engine.clean_text("碳 排 放 管 理 ， 体 系\n建 设 ISO 14064") == "碳排放管理，体系建设 ISO 14064"


# ---------------------------------------------------------------- the lifecycle table


def _recognition(state: RecognitionState, park_id: int = 1) -> RevisionRecognition:
    return RevisionRecognition(revision_id=1, park_id=park_id, state=state)


def _user(role: Role, park_id: int = 1) -> User:
    return User(id=1, park_id=park_id, username="u", full_name="u", role=role, password_hash="x")


def test_the_lifecycle_table() -> None:
    S = RecognitionState
    assert {action: (sorted(sources), target) for action, (sources, target) in lifecycle.TRANSITIONS.items()} == {
        "start": ([S.pending, S.running], S.running),
        "finish": ([S.running], S.done),
        "fail": ([S.pending, S.running], S.failed),
        "retry": ([S.failed], S.pending),
    }
    coordinator, approver = _user(Role.coordinator), _user(Role.approver)
    assert lifecycle.allowed_actions(_recognition(S.failed), coordinator) == ["retry"]
    assert lifecycle.allowed_actions(_recognition(S.failed), approver) == []
    assert lifecycle.allowed_actions(_recognition(S.failed, park_id=2), coordinator) == []
    for state in (S.pending, S.running, S.done):
        assert lifecycle.allowed_actions(_recognition(state), coordinator) == []
    assert lifecycle.allowed_actions(None, coordinator) == []


def test_the_lifecycle_refuses_wrong_states_and_roles(app) -> None:
    with session_scope() as session:
        with pytest.raises(Conflict):
            lifecycle.transition(session, _recognition(RecognitionState.done), "retry", actor=_user(Role.coordinator))
        with pytest.raises(Forbidden):
            lifecycle.transition(session, _recognition(RecognitionState.failed), "retry", actor=_user(Role.approver))
        with pytest.raises(Forbidden):
            lifecycle.transition(session, _recognition(RecognitionState.failed), "retry")  # the job never retries
        session.rollback()
