"""Recognise an uploaded file from its content and pull out its text for search.

Only a small set of types is accepted (PDF, DOCX, XLSX, OFD, PNG, JPEG, UTF-8 text). Anything broken, encrypted or
built to exhaust memory becomes an `Invalid` (422) with a bilingual message; nothing else escapes the extractor.
"""

from __future__ import annotations

import codecs
import logging
import re
import struct
import zipfile
import zlib
from pathlib import Path
from typing import Any

from app.documents import ofd
from app.documents.docx_text import docx_text
from app.documents.xlsx_text import xlsx_text
from app.errors import AppError, Invalid, Unsupported

logger = logging.getLogger("carbonms.extract")

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PNG = "image/png"
JPEG = "image/jpeg"
TEXT = "text/plain"
OFD = "application/ofd"  # GB/T 33190: e-invoices and official documents

SUPPORTED_MEDIA_TYPES: frozenset[str] = frozenset({PDF, DOCX, XLSX, OFD, PNG, JPEG, TEXT})

# The file name extensions that fit each type; the first is the one a stored name gets when its own does not fit.
EXTENSIONS: dict[str, tuple[str, ...]] = {
    PDF: ("pdf",),
    DOCX: ("docx",),
    XLSX: ("xlsx",),
    OFD: ("ofd",),
    PNG: ("png",),
    JPEG: ("jpg", "jpeg"),
    TEXT: ("txt", "csv", "md", "text", "log"),
}

MAX_TEXT_CHARS = 2_000_000  # far beyond a long standard; bounds the memory of one upload

# Zip-bomb limits, checked on the central directory before any library opens a docx/xlsx.
MAX_ZIP_ENTRIES = 2_000
MAX_ZIP_ENTRY_BYTES = 200 * 1024 * 1024
MAX_ZIP_TOTAL_BYTES = 500 * 1024 * 1024
MAX_ZIP_RATIO = 200
# Tiny entries (a few KB of repeated spaces) can have huge ratios without being dangerous.
_RATIO_MIN_BYTES = 1024 * 1024

_CHUNK = 1 << 20

_UNSUPPORTED = (
    "不支持的文件类型：只接受 PDF、Word(.docx)、Excel(.xlsx)、OFD(.ofd)、PNG、JPEG 或纯文本文件（UTF-8）",
    "Unsupported file type: only PDF, Word (.docx), Excel (.xlsx), OFD (.ofd), PNG, JPEG or plain text (UTF-8) files "
    "are accepted",
)
_EMPTY = ("文件为空", "The file is empty")
_CORRUPT_ZIP = (
    "文件已损坏或不完整，无法读取，请重新导出后上传",
    "The file is damaged or incomplete and cannot be read; please export it again and upload it",
)
_ZIP_BOMB = (
    "文件内容异常（可能是压缩炸弹），已拒绝",
    "The file content is abnormal (possibly a zip bomb) and was rejected",
)
_PDF_BROKEN = (
    "PDF 文件已损坏或不完整，无法读取文字，请重新导出后上传",
    "The PDF file is damaged or incomplete and its text cannot be read; please export it again and upload it",
)
_PDF_ENCRYPTED = (
    "PDF 文件已加密，请先去除密码保护后再上传",
    "The PDF file is encrypted; please remove the password protection and upload it again",
)
_PDF_BOMB = (
    "PDF 文件内容异常（解压后数据过大），已拒绝",
    "The PDF content is abnormal (its decompressed data is too large) and was rejected",
)


def _too_many_pages(pages: int, limit: int) -> Invalid:
    return Invalid(
        f"PDF 共 {pages} 页，超过 {limit} 页的上限，请拆分后分别上传",
        f"The PDF has {pages} pages, more than the limit of {limit} pages; please split it and upload the parts",
    )


_UNREADABLE = (
    "无法读取文件中的文字，文件可能已损坏",
    "The text of the file cannot be read; the file may be damaged",
)


# --------------------------------------------------------------------------- detection


def detect_media_type(path: Path) -> str:
    """The media type of the file at `path`, judged from its bytes only (the name is never trusted)."""
    with Path(path).open("rb") as fh:
        head = fh.read(16)
    if not head:
        raise Invalid(*_EMPTY)
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"PK\x03\x04"):
        return _detect_zip(path)
    if _is_utf8_text(path):
        return TEXT
    raise Unsupported(*_UNSUPPORTED)


def _detect_zip(path: Path) -> str:
    names = {info.filename for info in _zip_infolist(path)}
    if "[Content_Types].xml" in names and "word/document.xml" in names:
        return DOCX
    if "xl/workbook.xml" in names:
        return XLSX
    if ofd.is_ofd(names):
        # Judged from its OFD.xml (a DocBody naming its DocRoot), read only once the archive passed the size checks.
        check_zip_safety(path)
        _ofd_roots(path)
        return OFD
    raise Unsupported(*_UNSUPPORTED)


def _ofd_roots(path: Path) -> list[str]:
    try:
        with zipfile.ZipFile(path) as zf:
            return ofd.doc_roots(zf)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError, struct.error, zlib.error) as exc:
        raise Invalid(*_CORRUPT_ZIP) from exc


def _is_utf8_text(path: Path) -> bool:
    """Valid UTF-8 without NUL bytes, checked in chunks so a large file is never held in memory."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        with Path(path).open("rb") as fh:
            while chunk := fh.read(_CHUNK):
                if b"\x00" in chunk:
                    return False
                decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


# --------------------------------------------------------------------------- zip safety


def _zip_entry_count_hint(path: Path) -> int | None:
    """The entry count from the end-of-central-directory record, read before zipfile builds one object per entry.

    None when the record cannot be found or defers to ZIP64 (zipfile then decides).
    """
    with Path(path).open("rb") as fh:
        fh.seek(0, 2)
        size = fh.tell()
        tail_len = min(size, 22 + 0xFFFF)
        fh.seek(size - tail_len)
        tail = fh.read(tail_len)
    pos = tail.rfind(b"PK\x05\x06")
    if pos < 0 or len(tail) - pos < 22:
        return None
    entries = struct.unpack("<H", tail[pos + 10 : pos + 12])[0]
    return None if entries == 0xFFFF else entries


def _zip_infolist(path: Path) -> list[zipfile.ZipInfo]:
    hint = _zip_entry_count_hint(path)
    if hint is not None and hint > MAX_ZIP_ENTRIES:
        raise Invalid(*_ZIP_BOMB)
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError, struct.error) as exc:
        raise Invalid(*_CORRUPT_ZIP) from exc
    if len(infos) > MAX_ZIP_ENTRIES:
        raise Invalid(*_ZIP_BOMB)
    return infos


def check_zip_safety(path: Path) -> None:
    """Refuse archives that would expand beyond sane limits (entry count, sizes, compression ratio).

    The declared sizes can be trusted as upper bounds: zipfile stops at `file_size` and fails the CRC beyond it.
    """
    infos = _zip_infolist(path)
    total = 0
    total_compressed = 0
    for info in infos:
        if info.file_size > MAX_ZIP_ENTRY_BYTES:
            raise Invalid(*_ZIP_BOMB)
        if info.file_size >= _RATIO_MIN_BYTES and info.file_size > MAX_ZIP_RATIO * max(info.compress_size, 1):
            raise Invalid(*_ZIP_BOMB)
        total += info.file_size
        total_compressed += info.compress_size
    if total > MAX_ZIP_TOTAL_BYTES:
        raise Invalid(*_ZIP_BOMB)
    if total >= _RATIO_MIN_BYTES and total > MAX_ZIP_RATIO * max(total_compressed, 1):
        raise Invalid(*_ZIP_BOMB)


# --------------------------------------------------------------------------- extraction


def extract_text(path: Path, media_type: str, *, max_pdf_pages: int | None = None) -> str | None:
    """The normalised text of a PDF, DOCX, XLSX, OFD or plain-text file (at most MAX_TEXT_CHARS); None for images.

    Raises only `Invalid` (with a bilingual message) for broken, encrypted or malicious input, or for a PDF of more
    than `max_pdf_pages` pages (default: the `max_pdf_pages` setting).
    """
    if max_pdf_pages is None:
        from app.config import get_settings

        max_pdf_pages = get_settings().max_pdf_pages
    if media_type in (DOCX, XLSX, OFD):
        check_zip_safety(path)
    try:
        if media_type == PDF:
            raw = _pdf_text(path, max_pdf_pages)
        elif media_type == DOCX:
            raw = docx_text(path, MAX_TEXT_CHARS)
        elif media_type == XLSX:
            raw = xlsx_text(path, MAX_TEXT_CHARS)
        elif media_type == OFD:
            raw = ofd.ofd_text(path)
        elif media_type == TEXT:
            raw = _plain_text(path)
        else:
            return None
    except AppError:
        raise
    except Exception as exc:  # document libraries raise odd things on fuzzed input
        logger.warning("text extraction failed for %s (%s): %r", path.name, media_type, exc, exc_info=True)
        raise Invalid(*_UNREADABLE) from exc
    # PDF lines are layout breaks, and so are an OFD's text objects (a line each); a docx, xlsx or text file's line
    # breaks separate real paragraphs and rows.
    return normalize_text(raw, join_han_lines=media_type in (PDF, OFD))[:MAX_TEXT_CHARS]


def _check_page_count(reader: Any, limit: int) -> None:
    """Refuse a PDF of more than `limit` pages before any page is read.

    The page tree's declared /Count answers at once for an honest file; walking the tree (pypdf's `len(pages)`, a
    fraction of a second per thousand pages) catches a file that understates it.
    """
    try:
        declared = int(reader.root_object["/Pages"]["/Count"])
    except (KeyError, TypeError, ValueError):
        declared = 0
    if declared > limit:
        raise _too_many_pages(declared, limit)
    actual = len(reader.pages)
    if actual > limit:
        raise _too_many_pages(actual, limit)


def _pdf_text(path: Path, max_pages: int) -> str:
    from pypdf import PdfReader
    from pypdf.errors import (
        DependencyError,
        EmptyFileError,
        FileNotDecryptedError,
        LimitReachedError,
        PdfReadError,
        PdfStreamError,
        PyPdfError,
    )

    try:
        reader = PdfReader(str(path))
        # Many PDFs carry only an owner password (restrictions) and open with an empty user password.
        if reader.is_encrypted and not reader.decrypt(""):
            raise Invalid(*_PDF_ENCRYPTED)
        _check_page_count(reader, max_pages)
        parts: list[str] = []
        length = 0
        for page in reader.pages:
            page_text = page.extract_text() or ""
            parts.append(page_text)
            length += len(page_text)
            if length > MAX_TEXT_CHARS:
                break
        return "\n".join(parts)
    except (FileNotDecryptedError, DependencyError) as exc:
        raise Invalid(*_PDF_ENCRYPTED) from exc
    except LimitReachedError as exc:
        raise Invalid(*_PDF_BOMB) from exc
    except (EmptyFileError, PdfStreamError, PdfReadError, PyPdfError) as exc:
        raise Invalid(*_PDF_BROKEN) from exc


def _plain_text(path: Path) -> str:
    with Path(path).open("rb") as fh:
        data = fh.read(MAX_TEXT_CHARS * 3)  # UTF-8 Han characters take three bytes
    return data.decode("utf-8-sig", errors="ignore")


# --------------------------------------------------------------------------- normalisation

_HAN = "\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
_HAN_BREAK = re.compile(rf"(?<=[{_HAN}])[^\S\n]*\n[^\S\n]*(?=[{_HAN}])")
# Control characters except tab and newline, private-use glyphs (symbol-font bullets), BOM / zero-width no-break.
_JUNK = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f\ue000-\uf8ff\ufeff\ufffe\uffff]")
_LINE_BREAKS = re.compile("\r\n|[\r\x0c\x1c-\x1e\x85\u2028\u2029]")
_SPACE_RUN = re.compile(r"[^\S\n]+")
_BLANK_LINES = re.compile(r"\n{3,}")


def normalize_text(text: str, *, join_han_lines: bool = True) -> str:
    """Tidy extracted text for indexing.

    With `join_han_lines`, a line break between two Han characters is removed (PDF lines split phrases). Runs of
    spaces become one space (or one tab when they contain a tab, which separates table cells); lines are trimmed;
    at most one blank line is kept; control characters and private-use glyphs (symbol-font bullets) go.
    """
    text = _LINE_BREAKS.sub("\n", text)
    text = _JUNK.sub(" ", text)
    text = _SPACE_RUN.sub(lambda m: "\t" if "\t" in m.group() else " ", text)
    text = "\n".join(line.strip() for line in text.split("\n"))
    if join_han_lines:
        text = _HAN_BREAK.sub("", text)
    text = _BLANK_LINES.sub("\n\n", text)
    return text.strip()
