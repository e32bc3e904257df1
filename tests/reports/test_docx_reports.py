"""One way to build generated .docx reports (app/docx_reports.py): fonts for Chinese, grid tables, bytes."""

import io
import re
import zipfile
from pathlib import Path

from docx import Document as DocxDocument

from app import docx_reports

APP = Path(__file__).resolve().parents[2] / "app"


def test_a_report_names_its_east_asian_fonts_and_keeps_its_table() -> None:
    document = docx_reports.new_report_document(latin="SimSun", east_asian="宋体", heading_east_asian="黑体")
    document.add_heading("管理评审报告", level=1)
    docx_reports.add_table(document, ["项目", "结论"], [["方针", None], ["目标", 3]], bold_header=True)
    content = docx_reports.document_bytes(document)
    styles = zipfile.ZipFile(io.BytesIO(content)).read("word/styles.xml").decode()
    assert 'w:eastAsia="宋体"' in styles and 'w:eastAsia="黑体"' in styles
    reopened = DocxDocument(io.BytesIO(content))
    table = reopened.tables[0]
    assert [[cell.text for cell in row.cells] for row in table.rows] == [["项目", "结论"], ["方针", ""], ["目标", "3"]]
    assert [run.bold for run in table.rows[0].cells[0].paragraphs[0].runs if run.text] == [True]


def test_no_other_module_creates_a_blank_docx() -> None:
    """New documents come from docx_reports; others open existing files (extraction, controlled copies)."""
    blank = re.compile(r"\b(?:DocxDocument|docx\.Document|Document)\(\)")
    offenders = [
        path.relative_to(APP).as_posix()
        for path in sorted(APP.rglob("*.py"))
        if path.name != "docx_reports.py" and blank.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
