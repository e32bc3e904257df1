"""Unit tests of content detection, text extraction, upload staging and the blob store (no web app needed)."""

from __future__ import annotations

import asyncio
import hashlib
import io
import random
import re
import stat
import uuid
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import UploadFile
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel, create_engine

from app import db
from app.documents import extract
from app.documents.extract import DOCX, JPEG, PDF, PNG, TEXT, XLSX, detect_media_type, extract_text, normalize_text
from app.documents.storage import (
    StagedFile,
    blob_path,
    discard,
    open_blob,
    sanitize_filename,
    stage_file,
    stage_upload,
    store_blob,
    verify_blob,
)
from app.documents.storage import stage_bytes as stage_generated_bytes
from app.errors import AppError, Invalid, NotFound, TooLarge, Unsupported
from tests.support import SAMPLES

HAN = re.compile("[\u3400-\u4dbf\u4e00-\u9fff]")


def process(path: Path) -> str | None:
    return extract_text(path, detect_media_type(path))


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def assert_bilingual(exc: AppError, zh: str) -> None:
    assert zh in exc.message_zh
    assert exc.message_en and exc.message_en != exc.message_zh


def minimal_pdf(content: bytes, *, filter_flate: bool = True) -> bytes:
    """A one-page PDF whose content stream is `content` (already Flate-compressed when `filter_flate`)."""
    flt = b" /Filter /FlateDecode" if filter_flate else b""
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Resources << /Font << /F1 5 0 R >> >>"
        b" /Contents 4 0 R >>",
        b"<< /Length %d%s >>\nstream\n" % (len(content), flt) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    return bytes(out)


def docx_with_document_xml(tmp_path: Path, name: str, document_xml: bytes) -> Path:
    """The sample docx with its word/document.xml replaced."""
    path = tmp_path / name
    with zipfile.ZipFile(SAMPLES / "sample_zh.docx") as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = document_xml if info.filename == "word/document.xml" else src.read(info)
            dst.writestr(info.filename, data)
    return path


# --------------------------------------------------------------------------- samples


@pytest.mark.parametrize(
    ("name", "media_type"),
    [("sample_zh.docx", DOCX), ("sample_zh.pdf", PDF), ("long_zh.pdf", PDF), ("cid_stsong.pdf", PDF)],
)
def test_detects_samples(name: str, media_type: str) -> None:
    assert detect_media_type(SAMPLES / name) == media_type


def test_detection_ignores_the_name(tmp_path: Path) -> None:
    renamed = write(tmp_path, "report.txt", (SAMPLES / "sample_zh.pdf").read_bytes())
    assert detect_media_type(renamed) == PDF
    renamed_docx = write(tmp_path, "scan.png", (SAMPLES / "sample_zh.docx").read_bytes())
    assert detect_media_type(renamed_docx) == DOCX


def test_docx_text_includes_tables_headers_in_body_order() -> None:
    text = extract_text(SAMPLES / "sample_zh.docx", DOCX)
    assert text is not None
    assert "碳排放管理体系内部审核报告" in text
    assert "苏州工业园区碳排放管理文件" in text  # the page header
    # Table cells, one row per line, separated by tabs.
    assert "序号\t不符合项描述\t责任部门\t纠正措施" in text
    assert "监测计划未明确天然气流量计的校准周期\t能源管理中心" in text
    assert "补齐2020年度电力、蒸汽消耗台账" in text
    # Body order: the paragraph announcing the table, the table, then the conclusion.
    assert text.index("见下表") < text.index("序号") < text.index("四、审核结论")
    # Paragraph breaks of a docx are real: they are not joined.
    assert "一、审核目的\n为验证本园区" in text


def test_sample_pdf_text_joins_broken_phrases() -> None:
    text = extract_text(SAMPLES / "sample_zh.pdf", PDF)
    assert text is not None
    assert "碳排放管理体系内部审核报告" in text
    # The PDF breaks the line inside 天然气 and 补充; normalisation joins them.
    assert "监测计划未明确天然气流量计的校准周期" in text
    assert "修订监测计划，补充校准要求" in text
    assert "\uf0b7" not in text  # symbol-font bullets are dropped
    assert len(HAN.findall(text)) > 300


@pytest.mark.slow
def test_long_pdf_text() -> None:
    text = extract_text(SAMPLES / "long_zh.pdf", PDF)
    assert text is not None
    assert len(HAN.findall(text)) > 50_000
    assert "承诺持续降低单位产值碳排放强度" in text
    assert "成都天府新区文件控制程序" in text
    assert "  " not in text


def test_cid_font_pdf_yields_han_text() -> None:
    text = extract_text(SAMPLES / "cid_stsong.pdf", PDF)
    assert text is not None
    assert "碳排放管理方针由最高管理者批准" in text
    assert "对于不符合项，责任部门应制定并实施纠正措施" in text


# --------------------------------------------------------------------------- normalisation


def test_normalize_joins_han_line_breaks_only() -> None:
    assert normalize_text("碳排\n放管理") == "碳排放管理"
    assert normalize_text("碳排 \n  放管理") == "碳排放管理"
    assert normalize_text("hello\nworld") == "hello\nworld"
    assert normalize_text("方针。\n目标") == "方针。\n目标"  # punctuation: not between two Han characters
    assert normalize_text("第一段\n\n第二段") == "第一段\n\n第二段"  # a blank line is a paragraph break
    assert normalize_text("碳排\n放", join_han_lines=False) == "碳排\n放"


def test_normalize_collapses_whitespace() -> None:
    assert normalize_text("  a   b \t c  \r\n\r\n\r\n\r\nd\x00e\x0c") == "a b\tc\n\nd e"
    assert normalize_text("\ufeff文本\u3000\u3000内容") == "文本 内容"
    assert normalize_text("") == ""


def test_plain_text_and_csv(tmp_path: Path) -> None:
    csv = write(tmp_path, "data.csv", "\ufeff排放源,排放量\n天然气,12.5\n".encode())
    assert detect_media_type(csv) == TEXT
    assert extract_text(csv, TEXT) == "排放源,排放量\n天然气,12.5"
    gbk = write(tmp_path, "gbk.txt", "碳排放管理".encode("gbk"))
    with pytest.raises(Unsupported):
        detect_media_type(gbk)


def test_text_is_capped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(extract, "MAX_TEXT_CHARS", 100)
    path = write(tmp_path, "long.txt", ("碳排放管理" * 1000).encode())
    text = process(path)
    assert text is not None and len(text) == 100


def test_images_are_accepted_without_text_and_xlsx_gives_its_cells(tmp_path: Path) -> None:
    import openpyxl

    png = write(tmp_path, "a.png", b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(32))
    jpeg = write(tmp_path, "a.jpg", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(32))
    workbook = openpyxl.Workbook()
    workbook.active["A1"] = "碳排放"
    xlsx = tmp_path / "a.xlsx"
    workbook.save(xlsx)
    for path, media_type in ((png, PNG), (jpeg, JPEG)):
        assert detect_media_type(path) == media_type
        assert extract_text(path, media_type) is None
    assert detect_media_type(xlsx) == XLSX
    assert extract_text(xlsx, XLSX) == "Sheet\n碳排放"  # the sheet name, then its cells


# --------------------------------------------------------------------------- refused and broken input


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("setup.pdf", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + bytes(200)),
        ("random.pdf", random.Random(7).randbytes(4096)),
        ("prog.docx", b"\x7fELF\x02\x01\x01\x00" + bytes(100)),
        ("image.png", b"GIF89a\x01\x00\x01\x00\x80\x00\x00" + bytes(20)),
        ("utf16.txt", "碳排放".encode("utf-16")),
    ],
)
def test_unsupported_content(tmp_path: Path, name: str, data: bytes) -> None:
    with pytest.raises(Unsupported) as info:
        process(write(tmp_path, name, data))
    assert info.value.status_code == 415
    assert_bilingual(info.value, "不支持的文件类型")
    assert "Unsupported file type" in info.value.message_en


def test_plain_zip_is_unsupported(tmp_path: Path) -> None:
    path = tmp_path / "archive.docx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("readme.txt", "hello")
    with pytest.raises(Unsupported):
        process(path)


def test_empty_file(tmp_path: Path) -> None:
    with pytest.raises(Invalid) as info:
        process(write(tmp_path, "empty.pdf", b""))
    assert info.value.status_code == 422
    assert_bilingual(info.value, "文件为空")


def test_truncated_pdf(tmp_path: Path) -> None:
    data = (SAMPLES / "sample_zh.pdf").read_bytes()
    with pytest.raises(Invalid) as info:
        process(write(tmp_path, "cut.pdf", data[: len(data) // 2]))
    assert_bilingual(info.value, "PDF 文件已损坏")


def test_pdf_header_only(tmp_path: Path) -> None:
    with pytest.raises(Invalid):
        process(write(tmp_path, "header.pdf", b"%PDF-1.7\n"))


def test_truncated_docx(tmp_path: Path) -> None:
    data = (SAMPLES / "sample_zh.docx").read_bytes()
    with pytest.raises(Invalid) as info:
        process(write(tmp_path, "cut.docx", data[: len(data) // 2]))
    assert_bilingual(info.value, "损坏")


def test_docx_without_package_parts(tmp_path: Path) -> None:
    path = tmp_path / "bare.docx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("word/document.xml", "<not-word/>")
    with pytest.raises(Invalid) as info:
        process(path)
    assert_bilingual(info.value, "损坏")  # python-docx fails with an AttributeError: the generic conversion


def test_docx_with_malformed_xml(tmp_path: Path) -> None:
    path = docx_with_document_xml(tmp_path, "bad.docx", b"<w:document><w:body><w:p>")
    with pytest.raises(Invalid):
        process(path)


def test_deeply_nested_docx_xml(tmp_path: Path) -> None:
    depth = 5_000
    xml = (
        b'<?xml version="1.0" encoding="UTF-8"?>'
        b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>'
        + b"<w:p>" * depth
        + b"</w:p>" * depth
        + b"</w:body></w:document>"
    )
    path = docx_with_document_xml(tmp_path, "nested.docx", xml)
    assert detect_media_type(path) == DOCX
    with pytest.raises(Invalid) as info:  # lxml refuses depth > 256 without huge_tree
        extract_text(path, DOCX)
    assert_bilingual(info.value, "Word 文件已损坏")


def test_encrypted_pdf(tmp_path: Path) -> None:
    from pypdf import PdfWriter

    writer = PdfWriter(clone_from=SAMPLES / "sample_zh.pdf")
    writer.encrypt("secret")
    buffer = io.BytesIO()
    writer.write(buffer)
    path = write(tmp_path, "locked.pdf", buffer.getvalue())
    assert detect_media_type(path) == PDF
    with pytest.raises(Invalid) as info:
        extract_text(path, PDF)
    assert_bilingual(info.value, "加密")


def test_pdf_with_owner_password_only_opens(tmp_path: Path) -> None:
    from pypdf import PdfWriter

    writer = PdfWriter(clone_from=SAMPLES / "sample_zh.pdf")
    writer.encrypt(user_password="", owner_password="secret", algorithm="AES-256")
    buffer = io.BytesIO()
    writer.write(buffer)
    text = process(write(tmp_path, "restricted.pdf", buffer.getvalue()))
    assert text is not None and "碳排放管理体系内部审核报告" in text


def test_missing_crypto_dependency_is_invalid(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from pypdf import PdfReader
    from pypdf.errors import DependencyError

    def refuse(self: PdfReader, password: str) -> None:
        raise DependencyError("cryptography is required for AES")

    monkeypatch.setattr(PdfReader, "decrypt", refuse)
    from pypdf import PdfWriter

    writer = PdfWriter(clone_from=SAMPLES / "cid_stsong.pdf")
    writer.encrypt("secret", algorithm="AES-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    with pytest.raises(Invalid) as info:
        process(write(tmp_path, "aes.pdf", buffer.getvalue()))
    assert_bilingual(info.value, "加密")


def test_minimal_pdf_and_flate_bomb(tmp_path: Path) -> None:
    ok = write(tmp_path, "ok.pdf", minimal_pdf(zlib.compress(b"BT /F1 12 Tf 10 10 Td (hello world) Tj ET")))
    assert process(ok) == "hello world"
    compressor = zlib.compressobj(1)
    chunk = b" " * (1 << 20)
    stream = b"".join(compressor.compress(chunk) for _ in range(100)) + compressor.flush()  # 100 MB of spaces
    bomb = write(tmp_path, "bomb.pdf", minimal_pdf(stream))
    assert bomb.stat().st_size < 1_000_000
    with pytest.raises(Invalid) as info:
        process(bomb)
    assert_bilingual(info.value, "解压后数据过大")


@pytest.fixture(scope="module")
def zip_bomb_docx(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 300 KB docx whose word/document.xml inflates to 300 MB of zeros, written chunk by chunk."""
    path = tmp_path_factory.mktemp("bomb") / "bomb.docx"
    chunk = bytes(1 << 20)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        with zf.open("word/document.xml", "w", force_zip64=True) as entry:
            for _ in range(300):
                entry.write(chunk)
    return path


def test_zip_bomb_docx(zip_bomb_docx: Path) -> None:
    assert zip_bomb_docx.stat().st_size < 5_000_000
    with pytest.raises(Invalid) as info:
        process(zip_bomb_docx)
    assert_bilingual(info.value, "压缩炸弹")


def test_zip_bomb_by_ratio_and_entry_count(tmp_path: Path) -> None:
    ratio = tmp_path / "ratio.docx"
    with zipfile.ZipFile(ratio, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("word/document.xml", bytes(20 << 20))  # 20 MB of zeros: ratio ~1000
    with pytest.raises(Invalid, match="压缩炸弹"):
        process(ratio)
    many = tmp_path / "many.docx"
    with zipfile.ZipFile(many, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("word/document.xml", "<x/>")
        for number in range(2_001):
            zf.writestr(f"word/media/{number}.bin", b"x")
    with pytest.raises(Invalid, match="压缩炸弹"):
        detect_media_type(many)


def test_unexpected_library_error_becomes_invalid(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    import docx

    def explode(path: str) -> None:
        raise RuntimeError("odd internal failure")

    monkeypatch.setattr(docx, "Document", explode)
    with pytest.raises(Invalid) as info:
        extract_text(SAMPLES / "sample_zh.docx", DOCX)
    assert_bilingual(info.value, "无法读取文件中的文字")
    assert "text extraction failed" in caplog.text


# --------------------------------------------------------------------------- file names


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("../../etc/passwd", "passwd"),
        ("a\x00b.pdf", "ab.pdf"),
        ("x\r\ny.docx", "x y.docx"),
        ("C:\\tmp\\报告.docx", "报告.docx"),
        ("  碳排放   管理\t手册 .pdf ", "碳排放 管理 手册 .pdf"),
        ("..", "file"),
        ("../", "file"),
        ("", "file"),
        (None, "file"),
        ("\x00\x01", "file"),
        ("evil\u202efdp.exe", "evilfdp.exe"),
        ('a<b>:c"|?*.txt', "a_b__c____.txt"),
    ],
)
def test_sanitize_filename(raw: str | None, expected: str) -> None:
    assert sanitize_filename(raw) == expected


def test_sanitize_long_chinese_name_keeps_extension() -> None:
    name = sanitize_filename("碳" * 500 + ".docx")
    assert len(name) == 200
    assert name.endswith("碳.docx")
    assert len(sanitize_filename("排" * 500)) == 200


# --------------------------------------------------------------------------- staging


def upload(data: bytes, filename: str) -> UploadFile:
    return UploadFile(file=io.BytesIO(data), filename=filename)


def test_stage_upload_success(tmp_path: Path) -> None:
    data = (SAMPLES / "sample_zh.docx").read_bytes()
    tmp_dir = tmp_path / "tmp"
    staged = asyncio.run(stage_upload(upload(data, "../内审报告.docx"), max_bytes=10 << 20, tmp_dir=tmp_dir))
    assert staged.sha256 == hashlib.sha256(data).hexdigest()
    assert staged.size_bytes == len(data)
    assert staged.media_type == DOCX
    assert staged.file_name == "内审报告.docx"
    assert staged.text is not None and "能源管理中心" in staged.text
    assert staged.temp_path.parent == tmp_dir
    assert staged.temp_path.read_bytes() == data
    discard(staged)
    assert not staged.temp_path.exists()
    discard(staged)  # idempotent


def test_stage_upload_streams_several_chunks(tmp_path: Path) -> None:
    data = ("碳排放管理体系，" * 200_000).encode()  # ~4.8 MB: several 1 MiB chunks
    staged = asyncio.run(stage_upload(upload(data, "big.txt"), max_bytes=len(data), tmp_dir=tmp_path))
    assert staged.size_bytes == len(data)
    assert staged.sha256 == hashlib.sha256(data).hexdigest()
    assert staged.media_type == TEXT
    discard(staged)


def test_stage_upload_over_the_limit(tmp_path: Path) -> None:
    data = (SAMPLES / "long_zh.pdf").read_bytes()
    with pytest.raises(TooLarge) as info:
        asyncio.run(stage_upload(upload(data, "long.pdf"), max_bytes=100_000, tmp_dir=tmp_path))
    assert info.value.status_code == 413
    assert "MB 的上限" in info.value.message_zh and "MB limit" in info.value.message_en
    assert list(tmp_path.iterdir()) == []


def test_generated_bytes_are_staged_like_an_upload(tmp_path: Path) -> None:
    data = (SAMPLES / "long_zh.pdf").read_bytes()
    staged = stage_generated_bytes(data, "报告.pdf", max_bytes=len(data), tmp_dir=tmp_path)
    assert (staged.sha256, staged.size_bytes, staged.media_type) == (hashlib.sha256(data).hexdigest(), len(data), PDF)
    discard(staged)
    with pytest.raises(TooLarge):
        stage_generated_bytes(data, "报告.pdf", max_bytes=len(data) - 1, tmp_dir=tmp_path)
    assert list(tmp_path.iterdir()) == []  # no part file left behind either way


def test_stage_upload_limit_message_in_whole_megabytes(tmp_path: Path) -> None:
    data = bytes(3 << 20)
    with pytest.raises(TooLarge) as info:
        asyncio.run(stage_upload(upload(data, "zeros.bin"), max_bytes=2 << 20, tmp_dir=tmp_path))
    assert info.value.message_zh == "文件超过 2 MB 的上限"
    assert info.value.message_en == "The file exceeds the 2 MB limit"
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("data", "error"),
    [(b"MZ\x90\x00" + bytes(64), Unsupported), (b"", Invalid), (b"%PDF-1.4\ngarbage", Invalid)],
)
def test_stage_upload_failures_leave_nothing(tmp_path: Path, data: bytes, error: type[AppError]) -> None:
    with pytest.raises(error):
        asyncio.run(stage_upload(upload(data, "x.pdf"), max_bytes=1 << 20, tmp_dir=tmp_path))
    assert list(tmp_path.iterdir()) == []


def test_stage_upload_cancelled_leaves_nothing(tmp_path: Path) -> None:
    class SlowUpload(UploadFile):
        async def read(self, size: int = -1) -> bytes:
            await asyncio.sleep(10)
            return b""

    async def run() -> None:
        task = asyncio.create_task(
            stage_upload(SlowUpload(file=io.BytesIO(b"x"), filename="x.txt"), max_bytes=100, tmp_dir=tmp_path)
        )
        await asyncio.sleep(0.05)
        assert len(list(tmp_path.iterdir())) == 1  # noqa: ASYNC240 - a test's look at its own folder
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(run())
    assert list(tmp_path.iterdir()) == []


def test_stage_file(tmp_path: Path) -> None:
    source = SAMPLES / "cid_stsong.pdf"
    staged = stage_file(source, "C:\\docs\\方针.pdf", max_bytes=1 << 20, tmp_dir=tmp_path / "tmp")
    assert staged.file_name == "方针.pdf"
    assert staged.media_type == PDF
    assert staged.sha256 == hashlib.sha256(source.read_bytes()).hexdigest()
    assert staged.text is not None and "最高管理者" in staged.text
    assert source.exists()
    discard(staged)
    with pytest.raises(TooLarge):
        stage_file(source, "x.pdf", max_bytes=100, tmp_dir=tmp_path / "tmp")
    assert list((tmp_path / "tmp").iterdir()) == []


# --------------------------------------------------------------------------- blob store


@pytest.fixture()
def engine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    """A private SQLite database configured like the app's; `app.db` sessions use it."""
    import app.models  # noqa: F401  (every table, so foreign keys resolve whatever else the run imported)

    own = create_engine(f"sqlite:///{tmp_path / 'blobs.db'}", connect_args={"check_same_thread": False})
    db._configure_sqlite(own)
    SQLModel.metadata.create_all(own)
    monkeypatch.setattr(db, "get_engine", lambda url=None: own)
    yield own
    own.dispose()


def stage_bytes(tmp_path: Path, data: bytes, name: str = "a.txt") -> StagedFile:
    source = write(tmp_path, f"src-{uuid.uuid4().hex}", data)
    return stage_file(source, name, max_bytes=1 << 20, tmp_dir=tmp_path / "tmp")


def test_blob_path_layout(tmp_path: Path) -> None:
    sha = hashlib.sha256(b"x").hexdigest()
    assert blob_path(tmp_path, sha) == tmp_path / sha[:2] / sha[2:4] / sha
    for bad in ("../../etc/passwd", sha.upper(), sha[:-1]):
        with pytest.raises(ValueError):
            blob_path(tmp_path, bad)
        with pytest.raises(NotFound):
            open_blob(tmp_path, bad)


def test_store_blob_new_then_duplicate(tmp_path: Path, engine: Engine) -> None:
    blob_dir = tmp_path / "blobs"
    data = "碳排放管理体系\n".encode()
    staged = stage_bytes(tmp_path, data)
    with db.session_scope() as session:
        blob = store_blob(session, staged, blob_dir=blob_dir)
        assert (blob.sha256, blob.size_bytes, blob.media_type) == (staged.sha256, len(data), TEXT)
    target = open_blob(blob_dir, staged.sha256)
    assert target == blob_path(blob_dir, staged.sha256)
    assert target.read_bytes() == data
    assert stat.S_IMODE(target.stat().st_mode) == 0o444
    assert not staged.temp_path.exists()
    assert verify_blob(blob_dir, staged.sha256)

    inode = target.stat().st_ino
    again = stage_bytes(tmp_path, data, "copy.txt")
    with db.session_scope() as session:
        blob = store_blob(session, again, blob_dir=blob_dir)
        assert blob.sha256 == staged.sha256
    assert not again.temp_path.exists()
    assert target.stat().st_ino == inode  # the stored file was not touched
    with Session(engine) as check:
        from app.documents.models import Blob

        assert check.get(Blob, staged.sha256) is not None
    assert list((tmp_path / "tmp").iterdir()) == []


def test_store_blob_twice_in_one_transaction(tmp_path: Path, engine: Engine) -> None:
    blob_dir = tmp_path / "blobs"
    first, second = stage_bytes(tmp_path, b"same"), stage_bytes(tmp_path, b"same")
    with db.session_scope() as session:
        assert store_blob(session, first, blob_dir=blob_dir) is store_blob(session, second, blob_dir=blob_dir)
    assert verify_blob(blob_dir, first.sha256)
    assert list((tmp_path / "tmp").iterdir()) == []


def test_store_blob_rollback_removes_new_file(tmp_path: Path, engine: Engine) -> None:
    blob_dir = tmp_path / "blobs"
    staged = stage_bytes(tmp_path, b"rolled back")
    with pytest.raises(RuntimeError), db.session_scope() as session:
        store_blob(session, staged, blob_dir=blob_dir)
        assert blob_path(blob_dir, staged.sha256).exists()
        raise RuntimeError("the request failed later")
    assert not blob_path(blob_dir, staged.sha256).exists()
    assert not staged.temp_path.exists()
    with pytest.raises(NotFound):
        open_blob(blob_dir, staged.sha256)


def test_store_blob_rollback_keeps_committed_file(tmp_path: Path, engine: Engine) -> None:
    blob_dir = tmp_path / "blobs"
    data = b"committed before"
    with db.session_scope() as session:
        store_blob(session, stage_bytes(tmp_path, data), blob_dir=blob_dir)
    target = blob_path(blob_dir, hashlib.sha256(data).hexdigest())

    # Same content again, rolled back: the committed file stays.
    with pytest.raises(RuntimeError), db.session_scope() as session:
        store_blob(session, stage_bytes(tmp_path, data), blob_dir=blob_dir)
        raise RuntimeError("rolled back")
    assert target.read_bytes() == data

    # The row exists but its file went missing: it is restored, and a rollback does not remove it again.
    target.unlink()
    with pytest.raises(RuntimeError), db.session_scope() as session:
        store_blob(session, stage_bytes(tmp_path, data), blob_dir=blob_dir)
        assert target.exists()
        raise RuntimeError("rolled back")
    assert target.read_bytes() == data
    assert list((tmp_path / "tmp").iterdir()) == []


def test_verify_blob_detects_tampering(tmp_path: Path, engine: Engine) -> None:
    blob_dir = tmp_path / "blobs"
    staged = stage_bytes(tmp_path, b"original content")
    with db.session_scope() as session:
        store_blob(session, staged, blob_dir=blob_dir)
    target = blob_path(blob_dir, staged.sha256)
    assert verify_blob(blob_dir, staged.sha256)
    target.chmod(0o644)
    target.write_bytes(b"altered content")
    assert not verify_blob(blob_dir, staged.sha256)
    target.unlink()
    assert not verify_blob(blob_dir, staged.sha256)
    assert not verify_blob(blob_dir, "not-a-hash")
