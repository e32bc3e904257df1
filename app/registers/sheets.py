"""A register as .xlsx and .docx (the Annex A document it stands for), and .xlsx import: every row checked first,
the errors named by row, nothing written unless all rows are good."""

import copy
import io
from datetime import date, datetime
from typing import Any

from docx.oxml.ns import qn
from lxml import etree
from sqlmodel import Session

from app import docx_reports
from app.errors import Invalid
from app.events import service as events
from app.labels import LABELS, label_zh
from app.registers import lifecycle
from app.registers.service import insert_row, parse_body
from app.registers.specs import SPECS, TRAINING_CONTENT, Col, RegisterKind, RegisterSpec, display
from app.users.models import User

W_TC, W_P, W_R, W_T = qn("w:tc"), qn("w:p"), qn("w:r"), qn("w:t")
XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"
MAX_IMPORT_ROWS = 2000
MAX_REPORTED_ERRORS = 20


def _headers(spec: RegisterSpec) -> list[str]:
    return ["编号 / id", *(f"{c.zh} / {c.en}" for c in spec.cols)]


def xlsx_bytes(spec: RegisterSpec, rows: list[dict[str, Any]], *, title: str) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None  # a new workbook has one sheet
    sheet.title = label_zh("register", spec.kind)[:31]
    sheet.append([title])
    sheet["A1"].font = Font(bold=True)
    sheet.append(_headers(spec))
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([row["id"], *(display(c, row.get(c.name)) for c in spec.cols)])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def docx_bytes(spec: RegisterSpec, rows: list[dict[str, Any]], *, title: str, subtitle: str) -> bytes:
    document = docx_reports.new_report_document()
    document.add_heading(title, level=1)
    document.add_paragraph(subtitle)
    shown = [c for c in spec.cols if c.type != "ids"]
    table = docx_reports.add_table(document, ["序号", *(c.zh for c in shown)], [], bold_header=True)
    # Rows as copies of the header row's XML: python-docx's add_row() walks the whole table each time, which made
    # a 2,000-row register take 45 s; a copied <w:tr> keeps the grid and cell widths and costs the same per row.
    header = table.rows[0]._tr
    for index, row in enumerate(rows, start=1):
        tr = copy.deepcopy(header)
        for tc, value in zip(
            tr.iterchildren(W_TC), [index, *(display(c, row.get(c.name)) for c in shown)], strict=True
        ):
            paragraph = tc.find(W_P)
            for run in paragraph.findall(W_R):
                paragraph.remove(run)
            text = etree.SubElement(etree.SubElement(paragraph, W_R), W_T)
            text.text = str(value)
            text.set(XML_SPACE, "preserve")
        table._tbl.append(tr)
    return docx_reports.document_bytes(document)


# ---------------------------------------------------------------- import


def _reverse_labels(col: Col) -> dict[str, str]:
    words = LABELS.get(col.label_kind, {})
    out = {code: code for code in words}
    for code, (zh, en) in words.items():
        out[zh] = code
        out[en.lower()] = code
    return out


def _value(col: Col, raw: Any) -> Any:
    """A cell as the row body takes it: labels back to codes, 是/否 to booleans, dates to ISO text."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if isinstance(raw, datetime):
        raw = raw.date()
    if isinstance(raw, date):
        return raw.isoformat()
    text = str(raw).strip()
    if col.type == "enum":
        return _reverse_labels(col).get(text, _reverse_labels(col).get(text.lower(), text))
    if col.type == "bool":
        return {"是": True, "否": False, "true": True, "false": False, "1": True, "0": False}.get(text.lower(), text)
    if col.type == "multi":
        words = _reverse_labels(col)
        return [
            words.get(part.strip(), part.strip()) for part in text.replace("，", "、").replace(",", "、").split("、")
        ]
    if col.type == "ids":
        return [part.strip() for part in text.replace("，", "、").replace(",", "、").split("、") if part.strip()]
    if col.type in ("int", "enterprise", "source", "document", "party") and isinstance(raw, float) and raw.is_integer():
        return int(raw)
    return text


def read_rows(content: bytes, spec: RegisterSpec) -> list[tuple[int, dict[str, Any]]]:
    """The data rows of an uploaded sheet (header row: the export's, or the column names), with their row numbers."""
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken file; all mean the same to the user
        raise Invalid("无法读取该 .xlsx 文件", "The .xlsx file cannot be read") from exc
    sheet = workbook.worksheets[0]
    by_name = {c.name: c for c in spec.editable}
    by_label = {f"{c.zh} / {c.en}": c for c in spec.editable} | {c.zh: c for c in spec.editable}
    header: list[Col | None] | None = None
    out: list[tuple[int, dict[str, Any]]] = []
    for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
        cells = list(values)
        if header is None:
            names = [str(v).strip() if v is not None else "" for v in cells]
            if any(n in by_name or n in by_label for n in names):
                header = [by_name.get(n) or by_label.get(n) for n in names]
            continue
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in cells):
            continue
        body: dict[str, Any] = {}
        for column, raw in zip(header, cells, strict=False):
            if column is not None and (value := _value(column, raw)) is not None:
                body[column.name] = value
        out.append((number, body))
        if len(out) > MAX_IMPORT_ROWS:
            raise Invalid(f"一次最多导入 {MAX_IMPORT_ROWS} 行", f"At most {MAX_IMPORT_ROWS} rows per import")
    workbook.close()
    if header is None:
        raise Invalid("未找到表头行（列名应与导出文件一致）", "No header row found (use the export's column names)")
    return out


def import_rows(session: Session, *, actor: User, kind: RegisterKind, content: bytes) -> int:
    spec = SPECS[kind]
    lifecycle.require_editor(actor, spec.entity, "import")
    rows = read_rows(content, spec)
    if not rows:
        raise Invalid("文件中没有数据行", "The file has no data rows")
    parsed: list[dict[str, Any]] = []
    errors: list[str] = []
    for number, body in rows:
        try:
            parsed.append(parse_body(kind, body, partial=False))
        except Invalid as exc:
            errors.append(f"第 {number} 行：{exc.message_zh} / row {number}: {exc.message_en}")
    if errors:
        shown = errors[:MAX_REPORTED_ERRORS]
        more = f"（另有 {len(errors) - len(shown)} 处）" if len(errors) > len(shown) else ""
        raise Invalid("导入未执行，请修正后重试：" + "；".join(shown) + more, "Nothing imported: " + "; ".join(shown))
    for number_body, values in zip(rows, parsed, strict=True):
        try:
            insert_row(session, actor=actor, kind=kind, values=values)
        except Invalid as exc:  # references are checked against the database row by row; the request rolls back
            raise Invalid(
                f"导入未执行：第 {number_body[0]} 行：{exc.message_zh}",
                f"Nothing imported: row {number_body[0]}: {exc.message_en}",
            ) from exc
    events.record(
        session,
        action="register.import",
        entity_type="register",
        entity_id=str(kind),
        park_id=actor.park_id,
        actor=actor,
        after={"register": str(kind), "rows": len(parsed)},
    )
    return len(parsed)


__all__ = ["TRAINING_CONTENT", "docx_bytes", "import_rows", "read_rows", "xlsx_bytes"]
