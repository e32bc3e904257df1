"""Helpers of the review report tests: the report's text and the year the park is in."""

import io

from docx import Document as DocxDocument

from app import timezones


def report_text(document) -> str:
    """Every word of the report: body, tables, header and the file's properties."""
    parts = [paragraph.text for paragraph in document.paragraphs]
    parts += [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    parts += [paragraph.text for section in document.sections for paragraph in section.header.paragraphs]
    props = document.core_properties
    parts += [props.title or "", props.author or "", props.last_modified_by or "", props.comments or ""]
    return "\n".join(parts)


def get_report(park, year: int, role: str = "coordinator"):
    response = park.client.get(f"/api/reports/review?year={year}", headers=park.headers(role))
    assert response.status_code == 200, response.text
    document = DocxDocument(io.BytesIO(response.content))
    return document, report_text(document)


def this_year() -> int:
    return timezones.today(timezones.DEFAULT_ZONE).year


def gap_table(document):
    """The table of 第六章 一、现存问题: one row per chapter (chapter, number of types, the types and their state)."""
    return next(
        table for table in document.tables if table.rows[0].cells[-1].text == "未满足的文件化信息（条款）及现状"
    )


def suggestions(document) -> dict[str, str]:
    """第六章 二、改进建议: chapter heading -> the actions to take."""
    paragraphs = [p.text for p in document.paragraphs]
    start = paragraphs.index("二、改进建议")
    out = {}
    for text in paragraphs[start + 1 :]:
        if not text.startswith("第") or "：" not in text:
            break
        heading, actions = text.split("：", 1)
        out[heading] = actions
    return out
