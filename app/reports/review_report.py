"""The review report of Annex B (碳排放管理体系评审报告), pre-filled from what carbonms knows.

Annex B's six chapters and their sections, in order. carbonms fills what it holds (the scope document, the
organisation and its people by role, the controlled documents and records, readiness per chapter and clause with
a chart, overdue reviews and gaps); what it does not hold (energy consumption, emission figures, target values)
is marked 【待补充】 for the park to complete, never invented.
"""

from __future__ import annotations

import io
import tempfile
from datetime import date
from pathlib import Path
from typing import Any

from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm, RGBColor
from sqlalchemy import select
from sqlmodel import Session, col

from app import docx_reports
from app.common import utcnow
from app.config import get_settings
from app.documents import queries, storage
from app.documents import service as documents
from app.documents.access import readable
from app.documents.models import Document, Revision, RevisionState, RevisionText
from app.errors import Invalid
from app.readiness import service as readiness
from app.reports.chart import readiness_bar_chart
from app.reports.register import register_rows
from app.users.models import ROLE_LABELS, Park, Role, User

REPORT_DOC_TYPE = "CARBON_REVIEW_REPORT"
TO_COMPLETE = "【待补充】"
MIN_YEAR, MAX_YEAR = 2000, 2100
SCOPE_EXCERPT_CHARS = 1500

# Annex B, verbatim: chapters and their sections.
ANNEX_B: list[tuple[str, list[str]]] = [
    ("第一章 评审事项说明", ["一、评审目的", "二、评审依据", "三、评审时间", "四、评审范围和内容"]),
    ("第二章 产业园区基本情况", ["一、园区概况", "二、产业发展概况", "三、能源消耗情况"]),
    ("第三章 产业园区碳排放管理情况", ["一、碳排放管理机构", "二、碳排放管理制度", "三、碳排放管理实施情况"]),
    ("第四章 产业园区碳排放状况分析", ["一、碳排放数据收集", "二、碳排放情况分析"]),
    ("第五章 碳排放目标指标完成情况", ["一、实际完成情况", "二、与基准、绩效（指标）对比"]),
    ("第六章 评审建议", ["一、现存问题", "二、改进建议"]),
]

ROLE_ORDER = (Role.top_management, Role.approver, Role.coordinator, Role.auditor, Role.contributor)


def check_year(year: int) -> int:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise Invalid(f"年度应在 {MIN_YEAR}–{MAX_YEAR} 之间", f"The year must be between {MIN_YEAR} and {MAX_YEAR}")
    return year


# ---------------------------------------------------------------------- data


def _effective_scope(session: Session, user: User) -> tuple[Document, Revision, str] | None:
    row = session.execute(
        select(Document, Revision)
        .join(Revision, col(Revision.document_id) == col(Document.id))
        .where(
            readable(user),
            col(Document.doc_type) == "CMS_SCOPE_BOUNDARY",
            col(Revision.state) == str(RevisionState.effective),
        )
        .order_by(col(Revision.effective_from).desc(), col(Revision.id).desc())
    ).first()
    if row is None:
        return None
    document, revision = row
    text = session.get(RevisionText, revision.id)
    return document, revision, (text.text if text else "")


def _people(session: Session, park_id: int) -> list[User]:
    users = (
        session.execute(
            select(User).where(col(User.park_id) == park_id, col(User.is_active).is_(True)).order_by(col(User.id))
        )
        .scalars()
        .all()
    )
    order = {role: index for index, role in enumerate(ROLE_ORDER)}
    return sorted((u for u in users if u.role in order), key=lambda u: (order[Role(u.role)], u.id))


def _items_by_type(result: dict[str, Any]) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for clause in result["clauses"]:
        for item in clause["items"]:
            found.setdefault(item["doc_type"], item)
    return found


def gather(session: Session, *, user: User, year: int) -> dict[str, Any]:
    """Everything the report says, from live data."""
    check_year(year)
    today = utcnow().date()
    as_of = min(today, date(year, 12, 31))
    result = readiness.compute_readiness(session, park_id=user.park_id, as_of=as_of, user=user)
    rows = register_rows(session, user=user, filters=queries.DocumentFilters())
    records = [
        row
        for row in rows
        if row["kind"] == "记录" and row["period"] and row["period"][:4] <= str(year) <= row["period"][11:15]
    ]
    issues = [
        (clause, item)
        for clause in result["clauses"]
        if clause["applicable"]
        for item in clause["items"]
        if item["status"] in ("missing", "overdue", "review_overdue", "in_progress")
    ]
    return {
        "park": session.get_one(Park, user.park_id),
        "year": year,
        "as_of": as_of,
        "today": today,
        "readiness": result,
        "scope": _effective_scope(session, user),
        "people": _people(session, user.park_id),
        "documents": [row for row in rows if row["kind"] == "文件"],
        "records": records,
        "items": _items_by_type(result),
        "issues": issues,
        "author": user,
    }


# ---------------------------------------------------------------------- writing


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
        """A section carbonms cannot fill: said plainly, in red, for the park to complete."""
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


def _pct(value: float) -> str:
    return f"{value * 100:.1f}%"


def _status(key: str) -> str:
    return readiness.STATUS_LABELS.get(key, (key, key))[0]


def _item_line(data: dict[str, Any], code: str) -> str:
    item = data["items"].get(code)
    if item is None:
        return f"《{code}》：不在就绪度评价范围内"
    label = readiness.ITEM_STATUS_LABELS.get(item["status"], (item["status"],))[0]
    return f"《{item['title_zh']}》：{label}。{item['reason_zh']}"


def _chapter_one(w: Writer, data: dict[str, Any]) -> None:
    park, year = data["park"], data["year"]
    w.heading("一、评审目的", 2)
    w.para(
        f"依据 T/CPQS ZC001—2025 第 7.3 条，对{park.name}碳排放管理体系在 {year} 年度的建立、实施和运行情况"
        "进行评审，确认体系的适宜性、充分性和有效性，识别碳排放源、碳交易、碳资产和碳中和管理中的问题，提出改进建议。"
    )
    w.heading("二、评审依据", 2)
    w.para("T/CPQS ZC001—2025《产业园区碳排放管理体系建设规范》；园区现行碳排放管理体系文件（见第三章）。")
    w.todo("适用的国家、地方碳排放法律法规、核算和报告指南及其他要求（见《合规性评价报告》）。")
    w.heading("三、评审时间", 2)
    w.para(
        f"评审期间：{year}-01-01 至 {year}-12-31；数据截至 {data['as_of'].isoformat()}；"
        f"报告生成日期：{data['today'].isoformat()}。"
    )
    w.todo("现场评审日期及评审组成员。")
    w.heading("四、评审范围和内容", 2)
    scope = data["scope"]
    if scope is None:
        w.todo("园区尚无现行有效的《碳排放管理体系范围和边界》（5.3），请先发布后再描述评审范围。")
    else:
        document, revision, text = scope
        effective = revision.effective_from.date().isoformat() if revision.effective_from else ""
        w.para(
            f"评审范围依据现行《{document.title}》（受控编号 {document.control_no}，第{revision.number}版，"
            f"{effective} 生效）："
        )
        excerpt = " ".join(text.split())[:SCOPE_EXCERPT_CHARS]
        if excerpt:
            w.para(excerpt + ("……" if len(text) > SCOPE_EXCERPT_CHARS else ""))
        else:
            w.todo("范围文件无可提取的文字，请摘录范围和边界的描述。")
    w.para(
        "评审内容：碳排放管理评审（7.3.2）、碳交易管理评审（7.3.3）、碳资产管理评审（7.3.4）、碳中和实施评审（7.3.5）"
        "以及体系各条款所需文件化信息的就绪情况。"
    )


def _chapter_two(w: Writer, data: dict[str, Any]) -> None:
    park = data["park"]
    w.heading("一、园区概况", 2)
    w.para(f"园区名称：{park.name}（代码 {park.code}）。")
    w.todo("地理位置、区域面积、发展历程、所获荣誉等。")
    w.heading("二、产业发展概况", 2)
    w.todo("产业现状、主导产业、重点企业、发展方向等。")
    w.heading("三、能源消耗情况", 2)
    w.todo("能源消费总量、消费结构、可再生能源利用情况（carbonms 不保存能耗数据，请依据能耗台账填写）。")
    w.para(_item_line(data, "MONITORING_MEASUREMENT_RECORDS"))


def _chapter_three(w: Writer, data: dict[str, Any]) -> None:
    result = data["readiness"]
    w.heading("一、碳排放管理机构", 2)
    for code in ("LEADERSHIP_GROUP_FOUNDING", "ORGANISATION_RESPONSIBILITIES"):
        w.para(_item_line(data, code))
    people = data["people"]
    if people:
        w.para("carbonms 中登记的体系人员（按角色）：")
        w.table(
            ["角色", "姓名", "部门/单位"],
            [[ROLE_LABELS[Role(u.role)][0], u.full_name or u.username, u.unit or ""] for u in people],
        )
    else:
        w.todo("最高管理者、相关部门负责人、碳排放管理人员。")

    w.heading("二、碳排放管理制度", 2)
    docs = data["documents"]
    if docs:
        w.para(f"园区受控文件共 {len(docs)} 份（截至报告生成日）：")
        w.table(
            ["受控编号", "标题", "文件类型", "版本", "状态", "生效日期"],
            [
                [
                    row["control_no"],
                    row["title"],
                    row["doc_type_title"],
                    row["revision"],
                    row["state"],
                    row["effective_from"],
                ]
                for row in docs
            ],
        )
    else:
        w.todo("园区尚未登记受控文件。")
    records = data["records"]
    if records:
        w.para(f"{data['year']} 年度的记录共 {len(records)} 份：")
        w.table(
            ["受控编号", "标题", "记录类型", "期间", "状态"],
            [[row["control_no"], row["title"], row["doc_type_title"], row["period"], row["state"]] for row in records],
        )
    else:
        w.para(f"carbonms 中没有覆盖 {data['year']} 年度的记录。")

    w.heading("三、碳排放管理实施情况", 2)
    overall = result["overall"]
    w.para(
        f"截至 {result['as_of']}，体系总体就绪度：{_status(overall['status'])}；覆盖率 {_pct(overall['coverage'])}"
        f"（已满足事项 / 适用事项），进展 {_pct(overall['progress'])}（已满足或进行中事项 / 适用事项）。"
    )
    chapters = result["chapters"]
    w.picture(
        readiness_bar_chart([(f"CH{c['id']}", c["coverage"], c["progress"]) for c in chapters]),
        "图 1 各章就绪度（深色：覆盖率 COVERAGE；浅色：进展 PROGRESS）",
    )
    w.table(
        ["章", "状态", "覆盖率", "进展", "满足/适用事项"],
        [
            [
                f"第{c['id']}章 {c['title_zh']}",
                _status(c["status"]),
                _pct(c["coverage"]),
                _pct(c["progress"]),
                f"{c['counts']['met']}/{c['counts']['applicable_items']}",
            ]
            for c in chapters
        ],
    )
    w.para("各条款就绪度：")
    w.table(
        ["条款", "标题", "状态", "覆盖率", "进展"],
        [
            [
                c["id"],
                c["title_zh"],
                _status(c["status"]) + (f"（{c['not_applicable_reason']}）" if c["not_applicable_reason"] else ""),
                _pct(c["coverage"]),
                _pct(c["progress"]),
            ]
            for c in result["clauses"]
        ],
    )
    w.todo("碳管理平台建设、管理制度制定及实施的具体情况。")


def _chapter_four(w: Writer, data: dict[str, Any]) -> None:
    w.heading("一、碳排放数据收集", 2)
    for code in ("DATA_MANAGEMENT_RULES", "MONITORING_MEASUREMENT_RECORDS", "EMISSION_REVIEW_RECORD"):
        w.para(_item_line(data, code))
    w.todo(
        "化石燃料燃烧、工业生产过程、废弃物处置处理、购入/输出的电力和热力的活动数据和排放因子"
        "（carbonms 不保存排放数据，请依据核算报告填写）。"
    )
    w.heading("二、碳排放情况分析", 2)
    w.todo("碳排放量、碳排放结构、碳排放强度分析。")


def _chapter_five(w: Writer, data: dict[str, Any]) -> None:
    w.heading("一、实际完成情况", 2)
    for code in ("OBJECTIVES_RESPONSIBILITY_LETTER", "ANNUAL_WORK_PLAN", "TARGET_COMPLETION_CHECKLIST"):
        w.para(_item_line(data, code))
    w.todo("各项目标和指标的目标值、实际完成值和完成率。")
    w.heading("二、与基准、绩效（指标）对比", 2)
    for code in ("CARBON_BASELINE", "PERFORMANCE_INDICATOR_METHODS", "PERFORMANCE_INDICATOR_VALUES"):
        w.para(_item_line(data, code))
    w.todo("绩效参数值与碳排放管理基准的对比及偏差分析。")


_SUGGESTIONS = {
    ("missing", "document"): "编制并发布《{title}》",
    ("missing", "record"): "形成并归档《{title}》",
    ("overdue", "record"): "按周期形成并归档本期《{title}》",
    ("review_overdue", "document"): "组织复审并更新《{title}》",
    ("in_progress", "document"): "完成《{title}》的审核、批准和发布",
    ("in_progress", "record"): "完成《{title}》的确认和归档",
}


def _chapter_six(w: Writer, data: dict[str, Any]) -> None:
    issues = data["issues"]
    w.heading("一、现存问题", 2)
    if issues:
        w.para(f"就绪度评价发现 {len(issues)} 项尚未满足的事项（按条款）：")
        w.table(
            ["条款", "所需文件化信息", "状态", "说明"],
            [
                [
                    clause["id"],
                    item["title_zh"],
                    readiness.ITEM_STATUS_LABELS.get(item["status"], (item["status"],))[0],
                    item["reason_zh"],
                ]
                for clause, item in issues
            ],
        )
    else:
        w.para("就绪度评价未发现未满足的事项。")
    w.todo("评审中发现的其他问题（现场核查、数据质量、减排措施成效等）。")
    w.heading("二、改进建议", 2)
    suggestions: dict[str, tuple[str, list[str]]] = {}  # one per document type, naming every clause it serves
    for clause, item in issues:
        template = _SUGGESTIONS.get((item["status"], item["kind"]), "完善《{title}》")
        text, clauses = suggestions.setdefault(item["doc_type"], (template.format(title=item["title_zh"]), []))
        clauses.append(clause["id"])
    for text, clauses in suggestions.values():
        w.para(f"· {text}（{'、'.join(dict.fromkeys(clauses))}）。")
    w.todo("针对评审发现的其他改进建议、责任部门和完成时限。")


def build_report(session: Session, *, user: User, year: int) -> bytes:
    """The Annex B review report of `year` for the user's park, as .docx bytes."""
    data = gather(session, user=user, year=year)
    park = data["park"]
    w = Writer()
    w.para(park.name, bold=True, center=True)
    w.doc.add_heading(f"{year} 年度碳排放管理体系评审报告", level=0).alignment = WD_ALIGN_PARAGRAPH.CENTER
    w.para("（依据 T/CPQS ZC001—2025 附录 B 模板编制；红色【待补充】处由园区填写）", center=True)
    w.para(
        f"编制：{data['author'].full_name or data['author'].username}　　生成日期：{data['today'].isoformat()}",
        center=True,
    )
    header = w.doc.sections[0].header.paragraphs[0]
    header.text = f"{park.name}　{year} 年度碳排放管理体系评审报告"
    header.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    writers = (_chapter_one, _chapter_two, _chapter_three, _chapter_four, _chapter_five, _chapter_six)
    for (title, _sections), write in zip(ANNEX_B, writers, strict=True):
        w.heading(title, 1)
        write(w, data)
    return w.bytes()


def report_filename(park: Park, year: int) -> str:
    return f"{park.code}_{year}_碳排放管理体系评审报告.docx"


def register_report(session: Session, *, actor: User, year: int) -> tuple[Document, Revision]:
    """File the generated report as a draft record of CARBON_REVIEW_REPORT (a record type) for `year`."""
    check_year(year)
    content = build_report(session, user=actor, year=year)
    park = session.get_one(Park, actor.park_id)
    settings = get_settings()
    settings.tmp_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=settings.tmp_dir, prefix="review-") as folder:
        path = Path(folder) / "report.docx"
        path.write_bytes(content)
        staged = storage.stage_file(
            path, report_filename(park, year), max_bytes=settings.max_upload_bytes, tmp_dir=settings.tmp_dir
        )
    return documents.create_record(
        session,
        actor=actor,
        doc_type_code=REPORT_DOC_TYPE,
        period_text=str(year),
        staged=staged,
        title=f"{year} 年度碳排放管理体系评审报告",
        submit=False,
        check_period=False,  # the year of the review report asked for, not a period a user typed
    )
