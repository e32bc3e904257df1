"""The cell text of an .xlsx workbook (ledgers, 台账) for search: each sheet's name, then its rows, cells separated
by tabs, values as the sheet shows them (formulas by their cached values, dates as dates, numbers with their
format's decimals, thousands separators and percent signs).

openpyxl in read-only mode streams each sheet instead of building it in memory; with defusedxml installed it refuses
entity tricks in the workbook's XML. The archive is size-checked (`extract.check_zip_safety`) before it is opened.
"""

from __future__ import annotations

import re
import zipfile
import zlib
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import IO, Any, BinaryIO

from lxml import etree

from app.errors import Invalid

XLSX_BROKEN = (
    "Excel 文件已损坏或格式不正确，无法读取内容，请用 Excel/WPS 另存为 .xlsx 后上传",
    "The Excel file is damaged or malformed and its cells cannot be read; please save it again as .xlsx and upload it",
)

# A row's text stops after this many filled cells: a ledger has a few dozen columns.
MAX_COLUMNS = 1_000
# Cells looked at in one workbook (100,000 rows of 50 columns): a sheet of far-apart empty cells ends here.
MAX_CELLS = 5_000_000

# What openpyxl raises on a damaged workbook: malformed or refused XML (lxml, defusedxml's ValueError subclasses),
# parts missing or pointing nowhere (KeyError, IndexError), bad values (TypeError, ValueError), a damaged archive.
_BROKEN = (
    zipfile.BadZipFile,
    zlib.error,
    etree.LxmlError,
    KeyError,
    IndexError,
    ValueError,
    TypeError,
    AttributeError,
    OSError,
    EOFError,
)

_QUOTED = re.compile(r'"[^"]*"|\\.|\[[^\]]*\]|_.|\*.')


def xlsx_text(path: Path, max_chars: int) -> str:
    _check_structure(path)
    # A file object, not the path: openpyxl refuses a path whose name does not end in .xlsx (a staged upload's part
    # file), and read-only mode keeps reading from it until the workbook is closed.
    with Path(path).open("rb") as fh:
        return _text(fh, max_chars)


def _check_structure(path: Path) -> None:
    """Refuse absurd XML before openpyxl reads it. openpyxl parses sheets and shared strings with Python's expat
    (through defusedxml), a second or more for a few MB of elements nested 100,000 deep; lxml's C parser, run first
    without keeping the tree, stops at a depth of 256, a text node of 10 MB or an entity trick at once."""
    try:
        with zipfile.ZipFile(path) as zf:
            for info in zf.infolist():
                if info.filename.startswith("xl/") and info.filename.endswith((".xml", ".rels")):
                    with zf.open(info) as fh:
                        _scan(fh)
    except _BROKEN as exc:
        raise Invalid(*XLSX_BROKEN) from exc


def _scan(fh: IO[bytes]) -> None:
    events = etree.iterparse(
        fh,
        events=("end",),
        tag=("{*}row", "{*}si"),  # one event per row or shared string, not per cell: the scan stays in C
        huge_tree=False,
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
    )
    for _event, element in events:
        element.clear()
        parent = element.getparent()
        while parent is not None and element.getprevious() is not None:
            del parent[0]  # rows already seen: the tree never holds more than one


def _text(fh: BinaryIO, max_chars: int) -> str:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = load_workbook(fh, read_only=True, data_only=True, keep_links=False)
    except (InvalidFileException, *_BROKEN) as exc:
        raise Invalid(*XLSX_BROKEN) from exc
    try:
        lines: list[str] = []
        budget = max_chars
        for line in _workbook_lines(workbook):
            lines.append(line)
            budget -= len(line) + 1
            if budget < 0:
                break
        return "\n".join(lines)
    except _BROKEN as exc:
        raise Invalid(*XLSX_BROKEN) from exc
    finally:
        workbook.close()


def _workbook_lines(workbook: Any) -> Iterator[str]:
    visited = 0
    for sheet in workbook.worksheets:
        yield sheet.title
        # The declared dimension (`<dimension ref="A1:XFD1048576"/>`) is not trusted: without it, read-only mode
        # yields only the cells the sheet holds instead of padding every row and every gap to the declared size.
        sheet.reset_dimensions()
        for row in sheet.iter_rows():
            visited += len(row) + 1
            if visited > MAX_CELLS:
                return
            # The cells that hold something (a run of empty cells would collapse to one separator anyway).
            texts = [text for text in (cell_text(cell) for cell in row if cell.value is not None) if text]
            if texts:
                yield "\t".join(text.replace("\t", " ").replace("\n", " ") for text in texts[:MAX_COLUMNS])
        yield ""


def cell_text(cell: Any) -> str:
    """A cell's value as the sheet shows it (roughly: the number format's decimals, separators and percent)."""
    value = getattr(cell, "value", None)
    if value is None:
        return ""
    number_format = getattr(cell, "number_format", None) or "General"
    return format_value(value, number_format)


def format_value(value: Any, number_format: str) -> str:
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, datetime):
        if value.time() == time(0, 0):
            return value.date().isoformat()
        return value.strftime("%Y-%m-%d %H:%M:%S" if "ss" in number_format.lower() else "%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.strftime("%H:%M:%S" if "ss" in number_format.lower() else "%H:%M")
    if isinstance(value, timedelta):
        return str(value)
    if isinstance(value, int | float):
        return _number(value, number_format)
    return str(value).strip()


def _number(value: float, number_format: str) -> str:
    section = _QUOTED.sub("", number_format.split(";", 1)[0]).strip()
    if section in ("", "General", "@") or not re.search(r"[0#?]", section):
        if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return f"{value:.15g}" if isinstance(value, float) else str(value)
    percent = "%" in section
    if percent:
        value = value * 100
    integer_part, _, fraction = section.partition(".")
    decimals = len(re.findall(r"[0#?]", fraction.split("E")[0].split("e")[0]))
    if "E" in section.upper():
        text = f"{value:.{decimals}E}"
    else:
        grouping = "," if "," in integer_part else ""
        text = f"{value:{grouping}.{decimals}f}"
    return text + ("%" if percent else "")
