"""可用性 (usability): does the stored file open as what it says it is, and is its format one the park keeps?

The type is judged from the content (app/documents/extract.py, the same recognition as at upload); opening means
text extraction for PDF, DOCX and text, parsing the workbook for XLSX and decoding the image for PNG and JPEG.
"""

from __future__ import annotations

import logging
from pathlib import Path

from app.config import get_settings
from app.documents.extract import DOCX, JPEG, PDF, PNG, TEXT, XLSX, check_zip_safety, detect_media_type, extract_text
from app.errors import AppError

logger = logging.getLogger("carbonms.archival")

OFD = "application/ofd"
# The format codes of the `archival_allowed_formats` setting and the media types they stand for.
FORMAT_CODES: dict[str, str] = {
    "PDF": PDF,
    "OFD": OFD,
    "DOCX": DOCX,
    "XLSX": XLSX,
    "PNG": PNG,
    "JPEG": JPEG,
    "TXT": TEXT,
}
CODE_OF: dict[str, str] = {media: code for code, media in FORMAT_CODES.items()}


def allowed_formats() -> list[str]:
    """The format codes the setting allows, in the setting's order (unknown codes are ignored)."""
    codes = [code.strip().upper() for code in get_settings().archival_allowed_formats.split(",")]
    return [code for code in dict.fromkeys(codes) if code in FORMAT_CODES]


def format_problem(media_type: str, allowed: list[str]) -> tuple[str, str] | None:
    if media_type in {FORMAT_CODES[code] for code in allowed}:
        return None
    name = CODE_OF.get(media_type, media_type)
    listed = "、".join(allowed) or "无"
    return (
        f"格式 {name} 不在允许的格式（{listed}）之内",
        f"Format {name} is not among the allowed formats ({', '.join(allowed) or 'none'})",
    )


def media_type_problem(path: Path, stored: str) -> tuple[str, str] | None:
    """None when the content is recognised as the stored media type."""
    try:
        detected = detect_media_type(path)
    except AppError as exc:
        return (f"无法从内容识别文件类型：{exc.message_zh}", f"The type cannot be recognised: {exc.message_en}")
    if detected == stored:
        return None
    return (
        f"内容识别为 {CODE_OF.get(detected, detected)}，登记为 {CODE_OF.get(stored, stored)}",
        f"The content is {CODE_OF.get(detected, detected)} but it is stored as {CODE_OF.get(stored, stored)}",
    )


def _open_workbook(path: Path) -> None:
    from openpyxl import load_workbook

    check_zip_safety(path)
    # A file object: openpyxl refuses a path whose name lacks an .xlsx extension (blobs are named by their hash).
    with path.open("rb") as fh:
        workbook = load_workbook(fh, read_only=True, data_only=True)
        try:
            for sheet in workbook.worksheets:
                for _row in sheet.iter_rows(max_row=1):
                    pass
        finally:
            workbook.close()


def _open_image(path: Path) -> None:
    from PIL import Image

    with Image.open(path) as image:
        image.verify()


def open_problem(path: Path, media_type: str) -> tuple[str, str] | None:
    """None when the file opens: its text extracts (PDF, DOCX, text), its workbook or image parses."""
    try:
        if media_type in (PDF, DOCX, TEXT):
            extract_text(path, media_type)
        elif media_type == XLSX:
            _open_workbook(path)
        elif media_type in (PNG, JPEG):
            _open_image(path)
        else:
            return (f"不知道如何打开 {media_type} 文件", f"carbonms cannot open a {media_type} file")
    except AppError as exc:
        return (f"文件无法打开：{exc.message_zh}", f"The file does not open: {exc.message_en}")
    except Exception as exc:  # parsers raise odd things on damaged input
        logger.info("archival check: %s does not open (%s): %r", path.name, media_type, exc)
        return ("文件无法打开，可能已损坏", f"The file does not open and may be damaged ({type(exc).__name__})")
    return None
