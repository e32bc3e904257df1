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
    """The table of 第六章 一、现存问题 (its header names the actions)."""
    return next(table for table in document.tables if table.rows[0].cells[-1].text == "应采取的措施")
