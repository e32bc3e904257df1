"""The document register (文件和记录清单): one row per document or record the user may read, as .xlsx or .csv."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select
from sqlmodel import Session, col

from app import timezones
from app.documents import lifecycle, queries
from app.documents.models import Revision, Signature, SignatureMeaning
from app.labels import label_zh
from app.parks.queries import park_time_zone
from app.users.models import User

REGISTER_COLUMNS: list[tuple[str, str, str]] = [
    ("control_no", "受控编号", "Control number"),
    ("title", "标题", "Title"),
    ("doc_type_title", "文件类型", "Document type"),
    ("doc_type", "类型代码", "Type code"),
    ("kind", "类别", "Kind"),
    ("clauses", "条款", "Clauses"),
    ("access_level", "密级", "Access level"),
    ("owner_unit", "编制单位", "Owner unit"),
    ("revision", "当前版本", "Current revision"),
    ("state", "状态", "State"),
    ("effective_revision", "现行版本", "Effective revision"),
    ("period", "记录期间", "Period"),
    ("registered_at", "登记日期", "Registered"),
    ("submitted_at", "提交日期", "Submitted"),
    ("approved_at", "批准日期", "Approved"),
    ("effective_from", "生效/归档日期", "Effective / filed"),
    ("ended_at", "终止日期", "Ended"),
    ("preparer", "编制人", "Preparer"),
    ("reviewer", "审核人", "Reviewer"),
    ("approver", "批准/确认人", "Approver"),
]


def _date_in(zone: str) -> Callable[[datetime | None], str]:
    """Dates of moments in the park's zone (a document published at 00:30 in Shanghai is dated that day)."""
    return lambda value: timezones.fmt_date(value, zone) if value else ""


def register_rows(session: Session, *, user: User, filters: queries.DocumentFilters) -> list[dict[str, str]]:
    """Every document and record the user may read (the filters of GET /api/documents), one row each.

    Three queries whatever the size: the filtered register, the park's revisions, their signatures.
    """
    page = queries.list_documents(session, user=user, filters=filters, limit=1_000_000, offset=0)
    _date = _date_in(park_time_zone(session, user.park_id))
    wanted = {item.id for item in page.items}
    latest: dict[int, Revision] = {}
    if wanted:
        for revision in session.execute(select(Revision).where(col(Revision.park_id) == user.park_id)).scalars():
            if revision.document_id in wanted:
                current = latest.get(revision.document_id)
                if current is None or revision.number > current.number:
                    latest[revision.document_id] = revision
    signers: dict[int, dict[str, str]] = {}
    if latest:
        cycles = {revision.id: revision.cycle for revision in latest.values()}
        for revision_id, meaning, name, cycle in session.execute(
            select(col(Signature.revision_id), col(Signature.meaning), col(Signature.signer_name), col(Signature.cycle))
            .where(col(Signature.park_id) == user.park_id)
            .order_by(col(Signature.signed_at), col(Signature.id))
        ):
            if revision_id in cycles and cycle == cycles[revision_id]:
                signers.setdefault(revision_id, {})[str(meaning)] = name
    preparers = {
        row.id: row.full_name or row.username
        for row in session.execute(select(User).where(col(User.park_id) == user.park_id)).scalars()
    }
    rows = []
    for item in page.items:
        revision = latest.get(item.id)
        signed = signers.get(revision.id, {}) if revision and revision.id is not None else {}
        period = ""
        if revision and revision.period_start:
            assert revision.period_end is not None  # a record's period is stored as a pair
            period = f"{revision.period_start.isoformat()}/{revision.period_end.isoformat()}"
        rows.append(
            {
                "id": str(item.id),
                "control_no": item.control_no,
                "title": item.title,
                "doc_type_title": item.doc_type_title_zh,
                "doc_type": item.doc_type,
                "kind": label_zh("kind", item.kind),
                "clauses": "、".join(item.clauses),
                "access_level": label_zh("access", item.access_level),
                "owner_unit": item.owner_unit,
                "revision": str(revision.number) if revision else "",
                "state": lifecycle.STATE_LABELS[str(revision.state)][0] if revision else "未上传",
                "state_code": str(revision.state) if revision else "",
                "effective_revision": str(item.effective_revision or ""),
                "period": period,
                "registered_at": _date(item.created_at),
                "submitted_at": _date(revision.submitted_at) if revision else "",
                "approved_at": _date(revision.approved_at) if revision else "",
                "effective_from": _date(revision.effective_from) if revision else "",
                "ended_at": _date(revision.ended_at) if revision else "",
                "preparer": preparers.get(revision.preparer_id, "") if revision else "",
                "reviewer": signed.get(str(SignatureMeaning.review), ""),
                "approver": signed.get(str(SignatureMeaning.approve)) or signed.get(str(SignatureMeaning.confirm), ""),
            }
        )
    return rows


def _safe_cell(value: str) -> str:
    """Neutralise spreadsheet formulas in CSV cells (=, +, -, @ at the start)."""
    if value and value[0] in "=+-@\t\r":
        return "'" + value
    return value


def register_csv(rows: list[dict[str, str]]) -> bytes:
    """UTF-8 with a BOM, so Excel opens Chinese text correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([f"{zh} / {en}" for _, zh, en in REGISTER_COLUMNS])
    for row in rows:
        writer.writerow([_safe_cell(row[key]) for key, _, _ in REGISTER_COLUMNS])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def register_xlsx(rows: list[dict[str, str]], *, park_name: str, zone: str | None = None) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("文件和记录清单")
    sheet.freeze_panes = "A3"
    zone_name = zone or timezones.DEFAULT_ZONE
    title = WriteOnlyCell(
        sheet, f"{park_name} 文件和记录清单（{timezones.today(zone)}，日期按 {zone_name} 时区 / dates in {zone_name}）"
    )
    title.font = Font(bold=True, size=13)
    sheet.append([title])
    header = []
    for _, zh, en in REGISTER_COLUMNS:
        cell = WriteOnlyCell(sheet, f"{zh} / {en}")
        cell.font = Font(bold=True)
        header.append(cell)
    sheet.append(header)
    for row in rows:
        cells = []
        for key, _, _ in REGISTER_COLUMNS:
            cell = WriteOnlyCell(sheet, row[key])
            cell.data_type = "s"  # never a formula, whatever the text starts with
            cells.append(cell)
        sheet.append(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
