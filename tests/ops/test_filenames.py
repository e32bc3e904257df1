"""Hostile file names through the API: stored sanitised, nothing written outside the blob store, downloaded as an
attachment with an RFC 6266 Content-Disposition (UTF-8 `filename*` plus an ASCII fallback), never as HTML."""

import re
from pathlib import Path
from urllib.parse import quote, unquote

import pytest

from app.config import get_settings
from app.documents.storage import content_disposition
from tests.factories import register, upload
from tests.support import blob_stores

SCRIPT = "<html><script>alert('xss')</script></html>\n碳排放数据\n".encode()

NAMES = {
    "traversal": "../../../../etc/cron.d/evil.txt",
    "windows-traversal": "..\\..\\Windows\\System32\\evil.txt",
    "nul": "report\x00.html.txt",
    "crlf": "a\r\nContent-Type: text/html\r\n\r\n<script>.txt",
    "long": "长" * 250 + "x" * 250 + ".txt",
    "chinese": "园区碳排放管理方针（2025 年版）.txt",
    "quotes": 'say "hi"; filename=evil.html .txt',
    "dots": "..",
}
FALLBACK = re.compile(r'filename="([\x20-\x7e]*)"')


def _exists(path: Path) -> bool:
    try:
        return path.resolve().is_file()
    except OSError:  # e.g. a name too long for the filesystem: nothing can be there
        return False


def _files(folder: Path) -> set[Path]:
    return {p for p in folder.rglob("*") if p.is_file()}


@pytest.mark.parametrize("case", list(NAMES))
def test_hostile_names_are_stored_safely_and_downloaded_as_attachments(park, case):
    settings = get_settings()
    name = NAMES[case]
    root = settings.data_dir.resolve()
    before = _files(root)
    document = register(park, "DATA_MANAGEMENT_RULES", title=f"文件名 {case}")
    response = upload(park, document["id"], SCRIPT + case.encode(), name=name)
    assert response.status_code == 201, response.text
    revision = response.json()
    stored = revision["file_name"]
    assert stored and len(stored) <= 200
    assert not set(stored) & set('/\\\x00\r\n"')
    assert stored not in (".", "..") and not stored.startswith("..")
    assert revision["media_type"] == "text/plain"  # judged from the bytes, whatever the name says
    if case == "chinese":
        assert stored == NAMES["chinese"]
    if case == "long":
        assert stored.endswith(".txt") and stored.startswith("长" * 10)
    # Only the content-addressed file was written, inside the blob store.
    assert blob_stores.exists(revision["sha256"])
    created = _files(root) - before
    allowed = (settings.blob_dir.resolve(), settings.index_dir.resolve())
    assert all(
        p.is_relative_to(allowed[0]) or p.is_relative_to(allowed[1]) or p.name.startswith(root.name) or p.parent == root
        for p in created
    ), created
    assert not any("evil" in p.name for p in created)
    # Where a naive implementation would have written the client's path: nothing there.
    for base in (settings.blob_dir, settings.tmp_dir, settings.data_dir):
        for raw in (name, name.replace("\\", "/")):
            target = Path(base, raw.replace("\x00", ""))
            assert not _exists(target)

    for query in ("?original=true", ""):
        download = park.client.get(f"/api/revisions/{revision['id']}/file{query}", headers=park.headers("coordinator"))
        assert download.status_code == 200, download.text
        disposition = download.headers["content-disposition"]
        assert disposition.startswith("attachment;")
        assert "\r" not in disposition and "\n" not in disposition
        assert f"filename*=UTF-8''{quote(stored, safe='!#$&+^`|~')}" in disposition
        encoded = disposition.split("filename*=UTF-8''", 1)[1].split(";")[0]
        assert unquote(encoded) == stored
        fallback = FALLBACK.search(disposition)
        assert fallback and '"' not in fallback.group(1) and "\\" not in fallback.group(1) and fallback.group(1)
        assert download.headers["x-content-type-options"] == "nosniff"
        assert not download.headers["content-type"].startswith("text/html")
    assert download.headers["content-type"].startswith("text/plain")


def test_content_disposition_helper():
    value = content_disposition("碳排放 方针.docx")
    assert value == (
        "attachment; filename=\"file.docx\"; filename*=UTF-8''%E7%A2%B3%E6%8E%92%E6%94%BE%20%E6%96%B9%E9%92%88.docx"
    )
    assert content_disposition('x/a"b;c\r\nd.pdf') == (
        "attachment; filename=\"a_b_c d.pdf\"; filename*=UTF-8''a_b%3Bc%20d.pdf"
    )
    assert content_disposition("年度 报告 (2025).docx").startswith('attachment; filename="(2025).docx"; ')
    assert content_disposition(None) == "attachment; filename=\"file\"; filename*=UTF-8''file"
