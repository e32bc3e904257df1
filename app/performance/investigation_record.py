"""The 《碳排放管理绩效严重偏离调查和响应记录》 of a closed deviation (10.1.1 保留调查和响应结果的文件化信息):
generated from the deviation's data and filed as a DEVIATION_INVESTIGATION_RECORD record in one step (submitted
for confirmation, as every record is)."""

from sqlmodel import Session

from app import docx_reports, timezones
from app.documents import records_service
from app.documents import service as documents
from app.errors import Conflict
from app.events import service as events
from app.labels import label_zh
from app.nonconformities.models import Nonconformity
from app.nonconformities.queries import nc_code
from app.parks.queries import park_time_zone
from app.performance.deviations import get_deviation, percent, plain, require_editor
from app.performance.models import Deviation, DeviationState, Indicator
from app.users.models import Park, User

RECORD_TYPE = "DEVIATION_INVESTIGATION_RECORD"


def _name(session: Session, user_id: int | None) -> str:
    user = session.get(User, user_id) if user_id else None
    return user.full_name or user.username if user else ""


def record_docx(session: Session, deviation: Deviation) -> bytes:
    park = session.get_one(Park, deviation.park_id)
    indicator = session.get_one(Indicator, deviation.indicator_id)
    zone = park_time_zone(session, deviation.park_id)
    nc = session.get(Nonconformity, deviation.nonconformity_id) if deviation.nonconformity_id else None
    document = docx_reports.new_report_document()
    document.add_heading(f"{park.name}碳排放管理绩效严重偏离调查和响应记录", level=1)
    document.add_paragraph("依据：T/CPQS ZC001—2025 10.1.1 产业园区应对碳排放管理绩效的严重偏离进行调查和响应。")
    reference = label_zh("deviation_reference", deviation.reference_kind)
    docx_reports.add_table(
        document,
        ["项目", "内容"],
        [
            ["绩效参数", f"{indicator.code} {indicator.name}（{indicator.unit}）"],
            ["期间", f"{deviation.year} 年"],
            ["数值", f"{plain(deviation.value)} {indicator.unit}"],
            [f"比较对象（{reference}）", f"{plain(deviation.reference_value)} {indicator.unit}"],
            [
                "偏离程度",
                f"劣于比较对象 {percent(deviation.deviation_percent)}%"
                f"（严重偏离阈值 {plain(deviation.threshold_percent)}%）",
            ],
            ["发现时间", f"{timezones.fmt_time(deviation.detected_at, zone)}（{zone}）"],
            ["调查人", _name(session, deviation.assignee_id) or "体系管理员"],
            ["状态", label_zh("deviation_state", deviation.state)],
        ],
        bold_header=True,
    )
    document.add_heading("调查（原因分析）", level=2)
    document.add_paragraph(deviation.investigation)
    document.add_heading("响应（采取的措施）", level=2)
    document.add_paragraph(deviation.response)
    document.add_heading("不符合项", level=2)
    document.add_paragraph(f"已提出不符合项 {nc_code(nc)}：{nc.description}" if nc else "未提出不符合项。")
    closed = f"{_name(session, deviation.closed_by_id)}，{timezones.fmt_time(deviation.closed_at, zone)}（{zone}）"
    document.add_paragraph(f"响应关闭：{closed}")
    return docx_reports.document_bytes(document)


def file_record(session: Session, *, actor: User, deviation_id: int) -> tuple[Deviation, int]:
    """Render the record of a closed deviation and register it (submitted for confirmation); returns the record id."""
    require_editor(actor, deviation_id)
    deviation = get_deviation(session, deviation_id=deviation_id, user=actor, for_update=True)
    if deviation.state != DeviationState.closed:
        raise Conflict("请先完成调查和响应并关闭偏离，再归档记录", "Close the deviation before filing its record")
    if deviation.record_document_id is not None:
        raise Conflict("该偏离的调查和响应记录已归档", "The record of this deviation is filed already")
    content = record_docx(session, deviation)
    staged = documents.stage_generated(content, f"偏离调查和响应记录-{deviation.year}-{deviation.id}.docx")
    indicator = session.get_one(Indicator, deviation.indicator_id)
    document, _revision = records_service.create_record(
        session,
        actor=actor,
        doc_type_code=RECORD_TYPE,
        period_text=str(deviation.year),
        staged=staged,
        title=f"绩效严重偏离调查和响应记录（{indicator.name} {deviation.year}）",
        owner_unit=actor.unit or "",
        check_period=False,  # the deviation's own year, which may still be running
    )
    deviation.record_document_id = document.id
    session.add(deviation)
    session.flush()
    events.record(
        session,
        action="deviation.file_record",
        entity_type="deviation",
        entity_id=deviation.id,
        park_id=deviation.park_id,
        actor=actor,
        before={"record_document_id": None},
        after={"record_document_id": document.id},
    )
    return deviation, document.id or 0
