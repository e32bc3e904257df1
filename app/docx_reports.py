"""One way to build a generated .docx report (audit, nonconformity, management review, Annex B review report, demo
files): a document whose styles name a Latin and an East Asian font (python-docx's `font.name` sets only the Latin
one, so Chinese would fall back to whatever Word picks), tables in the grid style, and the bytes to store or send.

Core level: python-docx only, so any domain may use it.
"""

import io
from typing import Any

from docx import Document as DocxDocument
from docx.oxml.ns import qn
from docx.shared import Pt

BODY_STYLES = ("Normal", "Table Grid")
HEADING_STYLES = ("Title", "Heading 1", "Heading 2", "Heading 3")


def set_east_asian_font(element: Any, font: str) -> None:
    """Name the East Asian font (w:eastAsia) of a style's or a run's properties."""
    r_pr = element.get_or_add_rPr()
    r_fonts = r_pr.find(qn("w:rFonts"))
    if r_fonts is None:
        r_fonts = r_pr.makeelement(qn("w:rFonts"), {})
        r_pr.append(r_fonts)
    r_fonts.set(qn("w:eastAsia"), font)


def new_report_document(
    *,
    latin: str = "SimSun",
    east_asian: str = "宋体",
    heading_latin: str | None = None,
    heading_east_asian: str | None = None,
    size_pt: float = 10.5,
) -> Any:
    """A new python-docx Document with the report fonts set on the body and heading styles."""
    document = DocxDocument()
    for style_name in (*BODY_STYLES, *HEADING_STYLES):
        try:
            style = document.styles[style_name]
        except KeyError:
            continue
        heading = style_name in HEADING_STYLES
        style.font.name = (heading_latin or latin) if heading else latin
        if style_name == "Normal":
            style.font.size = Pt(size_pt)
        set_east_asian_font(style.element, (heading_east_asian or east_asian) if heading else east_asian)
    return document


def add_table(document: Any, header: list[str], rows: list[list[Any]], *, bold_header: bool = False) -> Any:
    """A grid table with a header row; None becomes an empty cell."""
    table = document.add_table(rows=1, cols=len(header))
    table.style = document.styles["Table Grid"]
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        if bold_header:
            cell.text = ""
            cell.paragraphs[0].add_run(text).bold = True
        else:
            cell.text = text
    for row in rows:
        cells = table.add_row().cells
        for cell, value in zip(cells, row, strict=True):
            cell.text = "" if value is None else str(value)
    return table


def document_bytes(document: Any) -> bytes:
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
