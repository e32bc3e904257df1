"""The document page shows each revision's preview pages; the register shows a thumbnail per document."""

import re

import pytest

from app.config import get_settings
from app.previews import render
from tests.factories import register, upload
from tests.previews.test_previews import pdf_pages
from tests.web.conftest import csrf_of


@pytest.fixture(autouse=True)
def previews_on(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(get_settings(), "previews_enabled", True)


def _pdf_document(park, title: str) -> tuple[dict, dict]:
    document = register(park, "DATA_MANAGEMENT_RULES", title=title)
    response = upload(park, document["id"], pdf_pages(2), name="预览.pdf")
    assert response.status_code == 201, response.text
    return document, response.json()


def test_the_document_page_shows_the_pages_lazily_with_alt_text(park, browser) -> None:
    document, revision = _pdf_document(park, "页面预览文件")
    page = browser(park, "coordinator").get(f"/documents/{document['id']}")
    assert page.status_code == 200
    images = re.findall(r"<img [^>]*>", page.text.split(f'id="preview-{revision["id"]}"', 1)[1].split("</details>")[0])
    assert len(images) == 2
    for number, image in enumerate(images, start=1):
        assert f'src="/api/revisions/{revision["id"]}/previews/{number}.png"' in image
        assert 'loading="lazy"' in image
        assert f'alt="第 {number} 页：预览.pdf"' in image
        assert 'width="240" height="320"' in image
    english = browser(park, "coordinator", lang="en").get(f"/documents/{document['id']}")
    assert 'alt="Page 1 of 预览.pdf"' in english.text
    assert "Page preview" in english.text


def test_the_register_shows_a_thumbnail_per_document(park, browser) -> None:
    document, revision = _pdf_document(park, "缩略图文件")
    page = browser(park, "coordinator").get("/documents", params={"q": "缩略图文件"})
    assert page.status_code == 200
    row = page.text.split(f'href="/documents/{document["id"]}"', 1)[1].split("</tr>")[0]
    thumb = re.search(r'<img class="thumb" [^>]*>', page.text)
    assert thumb is not None
    assert f'src="/api/revisions/{revision["id"]}/previews/thumbnail.png"' in thumb.group(0)
    assert 'loading="lazy"' in thumb.group(0) and 'alt="首页缩略图：缩略图文件"' in thumb.group(0)
    assert "缩略图文件" in row


def test_an_unavailable_preview_says_why_and_a_coordinator_can_ask_again(
    park, browser, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = render.find_converter
    monkeypatch.setattr(render, "find_converter", lambda name: None if name == "pdftoppm" else real(name))
    document, revision = _pdf_document(park, "无转换器文件")
    coordinator = browser(park, "coordinator")
    page = coordinator.get(f"/documents/{document['id']}")
    assert 'data-preview-reason="no_pdftoppm"' in page.text
    assert "服务器未安装 poppler（pdftoppm）" in page.text
    assert f'action="/revisions/{revision["id"]}/previews/generate"' in page.text
    approver_page = browser(park, "approver").get(f"/documents/{document['id']}")
    assert "/previews/generate" not in approver_page.text
    monkeypatch.setattr(render, "find_converter", real)
    done = coordinator.post(f"/revisions/{revision['id']}/previews/generate", token=csrf_of(page.text))
    assert done.status_code == 303
    assert done.headers["location"] == f"/documents/{document['id']}#preview-{revision['id']}"
    again = coordinator.get(f"/documents/{document['id']}")
    assert f'src="/api/revisions/{revision["id"]}/previews/2.png"' in again.text
