"""How the Annex B review report is written: the .docx writer its chapters write through, and the wording they share.

Body in 宋体, black headings in 黑体, what the park completes by hand in red after 【待补充】, readiness statuses
in their Chinese labels: so every chapter of `review_report.py` words the same things the same way.
"""

from __future__ import annotations

import io

from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm, RGBColor

from app import docx_reports
from app.readiness import service as readiness
from app.reports.review_data import ReportData

TO_COMPLETE = "【待补充】"


class Writer:
    def __init__(self) -> None:
        self.doc = docx_reports.new_report_document(
            latin="SimSun", east_asian="宋体", heading_latin="SimHei", heading_east_asian="黑体"
        )
        for name in docx_reports.HEADING_STYLES:
            self.doc.styles[name].font.color.rgb = RGBColor(0, 0, 0)

    def heading(self, text: str, level: int) -> None:
        self.doc.add_heading(text, level=level)

    def para(self, text: str, *, bold: bool = False, center: bool = False) -> None:
        paragraph = self.doc.add_paragraph()
        run = paragraph.add_run(text)
        run.bold = bold
        if center:
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER

    def todo(self, text: str) -> None:
        """A section the park completes by hand: said plainly, in red."""
        paragraph = self.doc.add_paragraph()
        run = paragraph.add_run(f"{TO_COMPLETE}{text}")
        run.font.color.rgb = RGBColor(0xC0, 0x00, 0x00)

    def table(self, header: list[str], rows: list[list[str]]) -> None:
        docx_reports.add_table(self.doc, header, rows, bold_header=True)

    def picture(self, png: bytes, caption: str) -> None:
        self.doc.add_picture(io.BytesIO(png), width=Cm(15.5))
        self.doc.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
        self.para(caption, center=True)

    def bytes(self) -> bytes:
        return docx_reports.document_bytes(self.doc)


def pct(value: float) -> str:
    return f"{value * 100:.1f}%"


def status_label(key: str) -> str:
    return readiness.STATUS_LABELS.get(key, (key, key))[0]


def item_label(key: str) -> str:
    return readiness.ITEM_STATUS_LABELS.get(key, (key,))[0]


def item_line(data: ReportData, code: str) -> str:
    item = data.items.get(code)
    if item is None:
        return f"《{code}》：不在就绪度评价范围内"
    return f"《{item['title_zh']}》：{item_label(item['status'])}。{item['reason_zh']}"


def as_of_text(data: ReportData) -> str:
    if data.current_year:
        return f"{data.as_of.isoformat()}（{data.year} 年度尚未结束，按报告生成日的状态）"
    return f"{data.as_of.isoformat()}（{data.year} 年末）"
