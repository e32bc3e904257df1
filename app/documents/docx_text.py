"""The text of a .docx: headers, the body (paragraphs and tables in order), footers (python-docx).

The archive is size-checked (`extract.check_zip_safety`) before python-docx opens it: it has no limits of its own.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from app.errors import Invalid

DOCX_BROKEN = (
    "Word 文件已损坏或格式不正确，无法读取文字，请用 Word/WPS 另存为 .docx 后上传",
    "The Word file is damaged or malformed and its text cannot be read; please save it again as .docx and upload it",
)


def docx_text(path: Path, max_chars: int) -> str:
    import docx
    from docx.opc.exceptions import PackageNotFoundError
    from lxml.etree import LxmlError

    try:
        document = docx.Document(str(path))
        return "\n".join(_docx_lines(document, max_chars))
    except (zipfile.BadZipFile, KeyError, ValueError, LxmlError, PackageNotFoundError) as exc:
        raise Invalid(*DOCX_BROKEN) from exc


def _docx_lines(document: Any, max_chars: int) -> Iterator[str]:
    """Headers, then the body (paragraphs and tables in order), then footers; each header/footer once."""
    headers, footers = _docx_headers_footers(document)
    yield from headers
    budget = max_chars
    for line in _block_lines(document.iter_inner_content(), depth=0):
        yield line
        budget -= len(line) + 1
        if budget < 0:
            return
    yield from footers


def _docx_headers_footers(document: Any) -> tuple[list[str], list[str]]:
    seen_parts: set[int] = set()
    headers: list[str] = []
    footers: list[str] = []
    for section in document.sections:
        for attr, out in (
            ("first_page_header", headers),
            ("header", headers),
            ("even_page_header", headers),
            ("first_page_footer", footers),
            ("footer", footers),
            ("even_page_footer", footers),
        ):
            part = getattr(section, attr)
            # A linked header has no definition of its own: reading it would create one.
            if part.is_linked_to_previous:
                continue
            key = id(part.part)
            if key in seen_parts:
                continue
            seen_parts.add(key)
            for line in _block_lines(part.iter_inner_content(), depth=0):
                if line.strip() and line not in out:
                    out.append(line)
    return headers, footers


_MAX_TABLE_DEPTH = 32


def _block_lines(blocks: Iterator[Any], *, depth: int) -> Iterator[str]:
    from docx.table import Table

    for block in blocks:
        if isinstance(block, Table):
            if depth < _MAX_TABLE_DEPTH:
                yield from _table_lines(block, depth=depth)
        else:
            yield block.text


def _table_lines(table: Any, *, depth: int) -> Iterator[str]:
    """One line per row, cells separated by tabs; merged cells (repeated objects) are written once."""
    for row in table.rows:
        cells: list[str] = []
        previous: Any = None
        for cell in row.cells:
            if cell._tc is previous:  # a horizontally merged cell repeats
                continue
            previous = cell._tc
            text = "\n".join(_block_lines(cell.iter_inner_content(), depth=depth + 1))
            cells.append(text.replace("\t", " "))
        yield "\t".join(cells)
