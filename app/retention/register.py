"""The destruction register (销毁清册): one row per destroyed revision, for the page and its .xlsx export."""

import io

from openpyxl import Workbook
from openpyxl.styles import Font
from sqlmodel import Session

from app import timezones
from app.labels import label_pair
from app.parks.queries import park_time_zone
from app.retention import access, queries
from app.users.models import Park, User

HEADERS = [
    "序号 No.",
    "受控编号 Control no.",
    "题名 Title",
    "文件类型 Type",
    "版本 Revision",
    "版本状态 State",
    "保管期限 Retention",
    "到期日 Retention end",
    "文件名 File name",
    "大小（字节）Size (bytes)",
    "SHA-256",
    "鉴定人 Appraiser",
    "批准人 Approver",
    "批准时间 Approved at",
    "销毁人 Destroyed by",
    "销毁时间 Destroyed at",
    "销毁批次 Batch",
]


def rows(session: Session, *, user: User) -> list[list[object]]:
    access.require_reader(user)
    zone = park_time_zone(session, user.park_id)
    result: list[list[object]] = []
    for number, row in enumerate(queries.register(session, user.park_id), start=1):
        result.append(
            [
                number,
                row.control_no,
                row.title,
                row.doc_type,
                row.revision_number,
                label_pair("state", row.revision_state)[0],
                label_pair("retention", row.retention)[0],
                row.retention_end.isoformat(),
                row.file_name,
                row.size_bytes,
                row.sha256,
                row.appraised_by_name,
                row.approved_by_name,
                timezones.fmt_time(row.approved_at, zone) if row.approved_at else "",
                row.destroyed_by_name,
                timezones.fmt_time(row.destroyed_at, zone),
                row.batch_id,
            ]
        )
    return result


def export_xlsx(session: Session, *, user: User) -> tuple[bytes, str]:
    book = Workbook()
    sheet = book.active
    assert sheet is not None  # a new workbook has one sheet
    sheet.title = "销毁清册"
    sheet.append(HEADERS)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows(session, user=user):
        sheet.append(row)
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    book.save(buffer)
    park = session.get_one(Park, user.park_id)
    return buffer.getvalue(), f"{park.code}-销毁清册.xlsx"
