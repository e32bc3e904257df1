"""Controlled copies (受控标识, 8.4 b)): a downloaded file says what it is.

An effective revision is stamped 受控文件 / CONTROLLED COPY with its control number, revision and effective date;
superseded and obsolete revisions 已被替代 / SUPERSEDED or 作废 / OBSOLETE with the date; drafts and revisions in
approval 草稿/未生效 / DRAFT – NOT EFFECTIVE; filed records 受控记录 / CONTROLLED RECORD, void ones 作废 / VOID.

- PDF: every page gets a stamp at its top and bottom edge, merged with pypdf. The stamp is text in the standard
  CID font STSong-Light (UniGB-UCS2-H), which every PDF viewer provides, so no font file is embedded and the text
  stays extractable.
- DOCX: a red line at the top of every page header (python-docx), with the East Asian font set; links to files
  outside the document (attached templates, linked images, hyperlinks) are removed (app/documents/docx_links.py).
- Other types are not marked (the caller says so in a header).

The stored blob is never touched: marking reads it and writes a new file. Downloads keep the marked file in the
store once made (app/reports/copy_cache.py).
"""

from __future__ import annotations

import io
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from docx import Document as DocxDocument
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt, RGBColor
from lxml.etree import LxmlError
from pypdf import PageObject, PdfReader, PdfWriter
from pypdf.errors import PyPdfError
from pypdf.generic import (
    ArrayObject,
    ContentStream,
    DictionaryObject,
    NameObject,
    NumberObject,
    TextStringObject,
)

from app import timezones
from app.config import get_settings
from app.documents.docx_links import strip_external_relationships
from app.documents.extract import DOCX, PDF
from app.documents.models import Document, Revision, RevisionState
from app.errors import Conflict

MARKABLE = frozenset({PDF, DOCX})
S = RevisionState


@dataclass(frozen=True)
class Marking:
    status: str  # controlled | superseded | obsolete | draft | record | void
    label_zh: str
    label_en: str
    detail_zh: str  # control number, revision, date
    detail_en: str

    @property
    def line(self) -> str:
        return f"{self.label_zh} / {self.label_en}　{self.detail_zh}"


def marking_for(document: Document, revision: Revision, zone: str | None = None) -> Marking:
    """What a copy of this revision must say, from its state; dates in the park's zone, which the stamp names."""

    def _day(value: datetime | None) -> str:
        return timezones.fmt_date(value, zone) if value else "—"

    zone_name = zone or timezones.DEFAULT_ZONE
    marking = _marking(document, revision, _day)
    return Marking(
        marking.status,
        marking.label_zh,
        marking.label_en,
        f"{marking.detail_zh}（{zone_name}）",
        f"{marking.detail_en} ({zone_name})",
    )


def _marking(document: Document, revision: Revision, _day: Callable[[datetime | None], str]) -> Marking:
    control = f"受控编号 {document.control_no}　第{revision.number}版"
    control_en = f"No. {document.control_no} rev. {revision.number}"
    state = RevisionState(revision.state)
    if state == S.effective:
        return Marking(
            "controlled",
            "受控文件",
            "CONTROLLED COPY",
            f"{control}　生效日期 {_day(revision.effective_from)}",
            f"{control_en}, effective {_day(revision.effective_from)}",
        )
    if state == S.superseded:
        return Marking(
            "superseded",
            "已被替代",
            "SUPERSEDED",
            f"{control}　替代日期 {_day(revision.ended_at)}　仅供参考",
            f"{control_en}, superseded {_day(revision.ended_at)}, for reference only",
        )
    if state == S.obsolete:
        return Marking(
            "obsolete",
            "作废",
            "OBSOLETE",
            f"{control}　作废日期 {_day(revision.ended_at)}",
            f"{control_en}, obsolete since {_day(revision.ended_at)}",
        )
    if state == S.filed:
        return Marking(
            "record",
            "受控记录",
            "CONTROLLED RECORD",
            f"{control}　归档日期 {_day(revision.effective_from)}",
            f"{control_en}, filed {_day(revision.effective_from)}",
        )
    if state == S.void:
        return Marking(
            "void",
            "作废",
            "VOID",
            f"{control}　作废日期 {_day(revision.ended_at)}",
            f"{control_en}, void since {_day(revision.ended_at)}",
        )
    return Marking(
        "draft",
        "草稿/未生效",
        "DRAFT – NOT EFFECTIVE",
        f"{control}　{_day(revision.created_at)} 编制",
        f"{control_en}, prepared {_day(revision.created_at)}",
    )


# ---------------------------------------------------------------------- PDF

_RED = (0.75, 0.0, 0.0)
_FONT_NAME = "/CMSStampFont"


def _font(writer: PdfWriter):
    """A Type0 font on STSong-Light (a standard Adobe-GB1 CID font): no embedding, Chinese and Latin text."""
    descriptor = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/FontDescriptor"),
            NameObject("/FontName"): NameObject("/STSong-Light"),
            NameObject("/Flags"): NumberObject(6),
            NameObject("/FontBBox"): ArrayObject(
                [NumberObject(-25), NumberObject(-254), NumberObject(1000), NumberObject(880)]
            ),
            NameObject("/ItalicAngle"): NumberObject(0),
            NameObject("/Ascent"): NumberObject(880),
            NameObject("/Descent"): NumberObject(-120),
            NameObject("/CapHeight"): NumberObject(880),
            NameObject("/StemV"): NumberObject(93),
        }
    )
    descendant = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Font"),
            NameObject("/Subtype"): NameObject("/CIDFontType0"),
            NameObject("/BaseFont"): NameObject("/STSong-Light"),
            NameObject("/CIDSystemInfo"): DictionaryObject(
                {
                    NameObject("/Registry"): TextStringObject("Adobe"),
                    NameObject("/Ordering"): TextStringObject("GB1"),
                    NameObject("/Supplement"): NumberObject(2),
                }
            ),
            NameObject("/FontDescriptor"): writer._add_object(descriptor),
            NameObject("/DW"): NumberObject(1000),
            # Latin glyphs (proportional and half-width CID ranges) are half as wide as Han characters.
            NameObject("/W"): ArrayObject(
                [
                    NumberObject(1),
                    NumberObject(95),
                    NumberObject(500),
                    NumberObject(814),
                    NumberObject(939),
                    NumberObject(500),
                ]
            ),
        }
    )
    font = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Font"),
            NameObject("/Subtype"): NameObject("/Type0"),
            NameObject("/BaseFont"): NameObject("/STSong-Light"),
            NameObject("/Encoding"): NameObject("/UniGB-UCS2-H"),
            NameObject("/DescendantFonts"): ArrayObject([writer._add_object(descendant)]),
        }
    )
    return writer._add_object(font)


def _text_width(text: str, size: float) -> float:
    return sum(size * (0.5 if ord(ch) < 0x2E80 else 1.0) for ch in text)


def _ucs2(text: str) -> str:
    # UCS-2: characters outside the BMP cannot be shown with this CMap; none occur in our labels.
    return "".join(f"{ord(ch):04X}" if ord(ch) <= 0xFFFF else "FF1F" for ch in text)


def _fitted_size(text: str, room: float, preferred: float) -> float:
    natural = _text_width(text, 1.0)
    return max(4.0, min(preferred, room / natural)) if natural else preferred


def _stamp_stream(marking: Marking, left: float, bottom: float, width: float, height: float) -> bytes:
    ops = ["q", f"{_RED[0]} {_RED[1]} {_RED[2]} rg", f"{_RED[0]} {_RED[1]} {_RED[2]} RG", "0.8 w"]
    margin = 18.0
    room = width - 2 * margin
    # Top: a framed label at the right edge, in Chinese.
    top_text = f"{marking.label_zh} / {marking.label_en}　{marking.detail_zh}"
    size = _fitted_size(top_text, room, 9.0)
    text_width = _text_width(top_text, size)
    x = left + width - margin - text_width
    y = bottom + height - margin
    ops.append(f"{x - 3:.2f} {y - 3:.2f} {text_width + 6:.2f} {size + 5:.2f} re S")
    ops.append(f"BT {_FONT_NAME} {size:.2f} Tf {x:.2f} {y:.2f} Td <{_ucs2(top_text)}> Tj ET")
    # Bottom: the same in English, centred, so a cut or folded page still says what it is.
    bottom_text = f"{marking.label_zh} {marking.label_en}　{marking.detail_en}"
    size = _fitted_size(bottom_text, room, 8.0)
    x = left + (width - _text_width(bottom_text, size)) / 2
    ops.append(f"BT {_FONT_NAME} {size:.2f} Tf {x:.2f} {bottom + 8:.2f} Td <{_ucs2(bottom_text)}> Tj ET")
    ops.append("Q")
    return "\n".join(ops).encode("ascii")


def mark_pdf(source: Path, marking: Marking, target: Path) -> None:
    """Write `source` with the marking stamped on every page to `target`."""
    try:
        reader = PdfReader(str(source))
        if reader.is_encrypted:
            raise Conflict(
                "加密的 PDF 无法加盖受控标识，请下载原件（?original=true）",
                "An encrypted PDF cannot be marked; download the original (?original=true)",
            )
        writer = PdfWriter(clone_from=reader)
        font = _font(writer)
        for page in writer.pages:
            if page.rotation % 360:
                # Keep the stamp upright as the reader sees the page.
                page.transfer_rotation_to_content()
            box = page.cropbox
            left, bottom = float(box.left), float(box.bottom)
            width, height = float(box.width), float(box.height)
            stamp = PageObject.create_blank_page(width=width + left, height=height + bottom)
            stamp[NameObject("/Resources")] = DictionaryObject(
                {
                    NameObject("/Font"): DictionaryObject({NameObject(_FONT_NAME): font}),
                }
            )
            stream = ContentStream(None, None)
            stream.set_data(_stamp_stream(marking, left, bottom, width, height))
            stamp.replace_contents(stream)
            page.merge_page(stamp, over=True)
        writer.add_metadata({"/Subject": TextStringObject(marking.line)})
        with Path(target).open("wb") as out:
            writer.write(out)
    except PyPdfError as exc:
        raise Conflict(
            "此 PDF 无法加盖受控标识，请下载原件（?original=true）",
            "This PDF cannot be marked; download the original (?original=true)",
        ) from exc


# ---------------------------------------------------------------------- DOCX


def _marking_paragraph(header, marking: Marking) -> None:
    """Insert the marking as the first paragraph of a header part."""
    paragraph = header.add_paragraph()
    run = paragraph.add_run(marking.line)
    run.bold = True
    run.font.size = Pt(9)
    run.font.color.rgb = RGBColor(0xC0, 0x00, 0x00)
    run.font.name = "SimHei"
    r_fonts = run._element.get_or_add_rPr().find(qn("w:rFonts"))
    if r_fonts is None:
        r_fonts = OxmlElement("w:rFonts")
        run._element.get_or_add_rPr().append(r_fonts)
    r_fonts.set(qn("w:eastAsia"), "黑体")
    body = header._element
    body.remove(paragraph._p)
    body.insert(0, paragraph._p)


def mark_docx(source: Path, marking: Marking, target: Path) -> int:
    """Write `source` with the marking at the top of every page header, and without external links, to `target`;
    returns how many external links were removed."""
    document = DocxDocument(str(source))
    odd_even = document.settings.odd_and_even_pages_header_footer
    for index, section in enumerate(document.sections):
        parts = [section.header]
        if section.different_first_page_header_footer:
            parts.append(section.first_page_header)
        if odd_even:
            parts.append(section.even_page_header)
        for part in parts:
            # A linked header shows the previous section's, which is already marked.
            if index > 0 and part.is_linked_to_previous:
                continue
            _marking_paragraph(part, marking)
    document.core_properties.subject = marking.line
    document.save(str(target))
    return len(strip_external_relationships(target))


# ---------------------------------------------------------------------- entry points


@dataclass(frozen=True)
class Stamped:
    external_links_removed: int = 0


def mark_file(source: Path, media_type: str, marking: Marking, target: Path) -> Stamped | None:
    """Write a marked copy to `target`; None (and `target` untouched) when the type is not marked."""
    if media_type == PDF:
        mark_pdf(source, marking, target)
        return Stamped()
    if media_type == DOCX:
        try:
            return Stamped(mark_docx(source, marking, target))
        except (KeyError, ValueError, OSError, zipfile.BadZipFile, LxmlError) as exc:
            raise Conflict(
                "此 Word 文件无法加盖受控标识，请下载原件（?original=true）",
                "This Word file cannot be marked; download the original (?original=true)",
            ) from exc
    return None


def marked_bytes(source: Path, media_type: str, marking: Marking) -> bytes | None:
    """The marked copy in memory (for packages), or None when the type is not marked."""
    if media_type not in MARKABLE:
        return None
    with temporary_path(get_settings().tmp_dir) as target:
        mark_file(source, media_type, marking, target)
        return target.read_bytes()


@contextmanager
def temporary_path(directory: Path | None = None, suffix: str = "") -> Iterator[Path]:
    """A temporary file name that is always removed afterwards."""
    if directory is not None:
        directory.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(dir=directory, prefix="marked-"))
    try:
        yield folder / f"copy{suffix}"
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def docx_header_text(content: bytes) -> str:
    """The text of every header of a .docx (for tests and checks)."""
    document = DocxDocument(io.BytesIO(content))
    texts: list[str] = []
    for section in document.sections:
        for part in (section.header, section.first_page_header, section.even_page_header):
            if not part.is_linked_to_previous:
                texts.extend(paragraph.text for paragraph in part.paragraphs)
    return "\n".join(texts)
