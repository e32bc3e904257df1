"""The review report of Annex B (碳排放管理体系评审报告) of one year, pre-filled from live data.

Annex B's six chapters and their sections, in order, each written by its own function (`SECTIONS`), so that a part
of the system that comes to hold a section's figures (the inventory: 第二章 三、第四章) replaces just that function.
What the park holds nowhere in the system (area, energy figures, target values) is marked 【待补充】, never invented.
The body never names the software: it is the park's report.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from docx.enum.text import WD_ALIGN_PARAGRAPH
from sqlmodel import Session

from app import timezones
from app.config import get_settings
from app.documents import records_service, storage
from app.documents.models import Document, Revision
from app.inventory import annex_b
from app.reports.chart import readiness_bar_chart
from app.reports.review_data import MAX_YEAR, MIN_YEAR, ReportData, check_year, gather
from app.reports.review_gaps import gap_line, group_gaps
from app.reports.review_writer import Writer, as_of_text, item_label, item_line, pct, status_label
from app.users.models import Park, User

__all__ = ["MAX_YEAR", "MIN_YEAR", "build_report", "register_report", "report_filename"]

REPORT_DOC_TYPE = "CARBON_REVIEW_REPORT"
SCOPE_EXCERPT_CHARS = 1500


# ---------------------------------------------------------------------- 第一章 评审事项说明


def section_1_1_purpose(w: Writer, data: ReportData) -> None:
    w.para(
        f"依据 T/CPQS ZC001—2025 第 7.3 条，对{data.park.name}碳排放管理体系在 {data.year} 年度的建立、实施和运行"
        "情况进行评审，确认体系的适宜性、充分性和有效性，识别碳排放源、碳交易、碳资产和碳中和管理中的问题，提出改进建议。"
    )


def section_1_2_basis(w: Writer, data: ReportData) -> None:
    w.para("T/CPQS ZC001—2025《产业园区碳排放管理体系建设规范》；园区现行碳排放管理体系文件（见第三章）。")
    w.todo("适用的国家、地方碳排放法律法规、核算和报告指南及其他要求（见《合规性评价报告》）。")


def section_1_3_time(w: Writer, data: ReportData) -> None:
    w.para(
        f"评审期间：{data.year}-01-01 至 {data.year}-12-31。体系就绪情况截至 {as_of_text(data)}；"
        f"年度记录按期间属于 {data.year} 年度的记录判定（含次年归档的）。"
    )
    w.para(f"报告生成时间：{data.generated_at}。{timezones.zone_note(data.time_zone)}")
    w.todo("现场评审日期及评审组成员。")


def section_1_4_scope(w: Writer, data: ReportData) -> None:
    scope = data.scope
    if scope is None:
        w.todo(
            f"截至 {data.as_of.isoformat()}，园区尚无现行有效的《碳排放管理体系范围和边界》（5.3），"
            "请先发布后再描述评审范围。"
        )
    else:
        document, revision, text = scope
        effective = timezones.fmt_date(revision.effective_from, data.time_zone)
        w.para(
            f"评审范围依据《{document.title}》（受控编号 {document.control_no}，第{revision.number}版，"
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


# ---------------------------------------------------------------------- 第二章 产业园区基本情况


def section_2_1_park(w: Writer, data: ReportData) -> None:
    w.para(f"园区名称：{data.park.name}（代码 {data.park.code}）。")
    w.todo("地理位置、区域面积、发展历程、所获荣誉等。")


def section_2_2_industry(w: Writer, data: ReportData) -> None:
    w.todo("产业现状、主导产业、重点企业、发展方向等。")


def section_2_3_energy(w: Writer, data: ReportData) -> None:
    """能源消耗情况: total, structure and renewables from the confirmed inventory."""
    annex_b.write(w, data.extra["inventory"]["energy"])
    w.para(item_line(data, "MONITORING_MEASUREMENT_RECORDS"))


# ---------------------------------------------------------------------- 第三章 产业园区碳排放管理情况


def section_3_1_organisation(w: Writer, data: ReportData) -> None:
    for code in ("LEADERSHIP_GROUP_FOUNDING", "ORGANISATION_RESPONSIBILITIES"):
        w.para(item_line(data, code))
    members = data.organisation
    if members:
        w.para(f"园区碳排放管理领导小组（共 {len(members)} 人）：")
        w.table(
            ["组内职责", "姓名", "职务", "部门/单位"],
            [[m.group_role, m.name, m.title, m.unit] for m in members],
        )
    else:
        w.todo("碳排放管理领导小组成员（最高管理者、相关部门负责人、碳排放管理人员）尚未在园区资料中登记。")


def section_3_2_rules(w: Writer, data: ReportData) -> None:
    counts = data.document_counts
    w.para(
        f"报告生成日园区登记的体系文件共 {counts.registered} 份，其中现行有效 {counts.effective} 份、"
        f"起草或审批中 {counts.in_progress} 份、已废止 {counts.obsolete} 份、尚未上传文件 {counts.empty} 份。"
    )
    if data.in_force:
        w.para(f"截至 {as_of_text(data)}现行有效的体系文件（{len(data.in_force)} 份）：")
        w.table(
            ["受控编号", "标题", "文件类型", "版本", "生效日期"],
            [
                [
                    document.control_no,
                    document.title,
                    type_title,
                    str(revision.number),
                    timezones.fmt_date(revision.effective_from, data.time_zone),
                ]
                for document, revision, type_title in data.in_force
            ],
        )
    else:
        w.todo(f"截至 {data.as_of.isoformat()}，园区尚无现行有效的体系文件。")
    records = data.records
    if records:
        w.para(f"期间属于 {data.year} 年度的记录共 {len(records)} 份（按状态：{_state_counts(records)}）：")
        w.table(
            ["受控编号", "标题", "记录类型", "期间", "状态"],
            [[row["control_no"], row["title"], row["doc_type_title"], row["period"], row["state"]] for row in records],
        )
    else:
        w.para(f"尚无期间属于 {data.year} 年度的记录。")
    if data.year_records:
        w.para(f"年度记录（以年度为周期，按 {data.year} 年度的记录判定）：")
        w.table(
            ["记录类型", "状态", "说明"],
            [
                [entry.title_zh, item_label(entry.status), entry.reason_zh(data.year)]
                for entry in sorted(data.year_records.values(), key=lambda e: e.doc_type)
                if entry.doc_type in data.items
            ],
        )


def _state_counts(rows: list[dict[str, str]]) -> str:
    counts: dict[str, int] = {}
    for row in rows:
        counts[row["state"]] = counts.get(row["state"], 0) + 1
    return "、".join(f"{state} {number} 份" for state, number in counts.items())


def section_3_3_implementation(w: Writer, data: ReportData) -> None:
    result = data.readiness
    overall = result["overall"]
    counts = overall["counts"]
    w.para(
        f"截至 {as_of_text(data)}，体系总体就绪度：{status_label(overall['status'])}；"
        f"覆盖率 {pct(overall['coverage'])}（已满足事项 {counts['met']} / 适用事项 {counts['applicable_items']}），"
        f"进展 {pct(overall['progress'])}（已满足或进行中事项 / 适用事项）。一个事项是一条款所需的一类文件化信息。"
    )
    chapters = result["chapters"]
    chart = readiness_bar_chart(
        [(f"第{c['id']}章", f"Ch. {c['id']}", c["coverage"], c["progress"]) for c in chapters],
        title_zh=f"各章就绪度（截至 {data.as_of.isoformat()}）",
        title_en=f"Readiness by chapter (as of {data.as_of.isoformat()})",
    )
    w.picture(chart.png, "图 1 各章就绪度（深色：覆盖率；浅色：进展）")
    if chart.warning_zh:
        w.para(f"注：{chart.warning_zh}。")
    w.table(
        ["章", "状态", "覆盖率", "进展", "满足/适用事项"],
        [
            [
                f"第{c['id']}章 {c['title_zh']}",
                status_label(c["status"]),
                pct(c["coverage"]),
                pct(c["progress"]),
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
                status_label(c["status"]) + (f"（{c['not_applicable_reason']}）" if c["not_applicable_reason"] else ""),
                pct(c["coverage"]),
                pct(c["progress"]),
            ]
            for c in result["clauses"]
        ],
    )
    w.todo("碳管理平台建设、管理制度制定及实施的具体情况。")


# ---------------------------------------------------------------------- 第四章 产业园区碳排放状况分析


def section_4_1_data_collection(w: Writer, data: ReportData) -> None:
    """碳排放数据收集: activity data and factors per category from the confirmed inventory."""
    for code in ("DATA_MANAGEMENT_RULES", "MONITORING_MEASUREMENT_RECORDS", "EMISSION_REVIEW_RECORD"):
        w.para(item_line(data, code))
    annex_b.write(w, data.extra["inventory"]["data_collection"])


def section_4_2_emission_analysis(w: Writer, data: ReportData) -> None:
    """碳排放情况分析: totals, structure and intensity from the confirmed inventory."""
    annex_b.write(w, data.extra["inventory"]["emissions"])


# ---------------------------------------------------------------------- 第五章 碳排放目标指标完成情况


def section_5_1_achievement(w: Writer, data: ReportData) -> None:
    """实际完成情况: every target against its target value, with its status (app/performance/annex_b.py)."""
    for code in ("OBJECTIVES_RESPONSIBILITY_LETTER", "ANNUAL_WORK_PLAN", "TARGET_COMPLETION_CHECKLIST"):
        w.para(item_line(data, code))
    annex_b.write(w, data.extra["performance"]["achievement"])


def section_5_2_comparison(w: Writer, data: ReportData) -> None:
    """与基准、绩效对比: indicators against the baseline in force and last year; the deviations of the year."""
    for code in ("CARBON_BASELINE", "PERFORMANCE_INDICATOR_METHODS", "PERFORMANCE_INDICATOR_VALUES"):
        w.para(item_line(data, code))
    annex_b.write(w, data.extra["performance"]["comparison"])


# ---------------------------------------------------------------------- 第六章 评审建议


def section_6_1_problems(w: Writer, data: ReportData) -> None:
    groups = group_gaps(data)
    if groups:
        types = sum(len(group.gaps) for group in groups)
        items = sum(group.items for group in groups)
        w.para(
            f"截至 {as_of_text(data)}，尚有 {types} 类文件化信息未满足要求（涉及 {items} 个条款事项），"
            f"分属 {len(groups)} 章："
        )
        w.table(
            ["章", "未满足（类）", "未满足的文件化信息（条款）及现状"],
            [
                [group.heading, str(len(group.gaps)), "\n".join(gap_line(gap) for gap in group.gaps.values())]
                for group in groups
            ],
        )
        w.para("应采取的措施按章列于“二、改进建议”。")
    else:
        w.para("就绪度评价未发现未满足的事项。")
    seeded = data.extra["performance"]["problems"]
    if seeded:  # missed or at-risk targets, deviations, measures behind schedule
        w.para(f"目标指标、监测和实施方案方面的问题（{len(seeded)} 项）：")
        for number, line in enumerate(seeded, start=1):
            w.para(f"{number}. {line}")
    w.todo("评审中发现的其他问题（现场核查、数据质量、减排措施成效等）。")


def section_6_2_suggestions(w: Writer, data: ReportData) -> None:
    for group in group_gaps(data):
        w.para(f"{group.heading}：{group.action_text()}。")
    for number, line in enumerate(data.extra["performance"]["suggestions"], start=1):
        w.para(f"（{number}）{line}")
    w.todo("针对评审发现的其他改进建议、责任部门和完成时限。")


Section = Callable[[Writer, ReportData], None]

# Annex B, verbatim: chapters, their sections, and the function that writes each.
SECTIONS: list[tuple[str, list[tuple[str, Section]]]] = [
    (
        "第一章 评审事项说明",
        [
            ("一、评审目的", section_1_1_purpose),
            ("二、评审依据", section_1_2_basis),
            ("三、评审时间", section_1_3_time),
            ("四、评审范围和内容", section_1_4_scope),
        ],
    ),
    (
        "第二章 产业园区基本情况",
        [
            ("一、园区概况", section_2_1_park),
            ("二、产业发展概况", section_2_2_industry),
            ("三、能源消耗情况", section_2_3_energy),
        ],
    ),
    (
        "第三章 产业园区碳排放管理情况",
        [
            ("一、碳排放管理机构", section_3_1_organisation),
            ("二、碳排放管理制度", section_3_2_rules),
            ("三、碳排放管理实施情况", section_3_3_implementation),
        ],
    ),
    (
        "第四章 产业园区碳排放状况分析",
        [("一、碳排放数据收集", section_4_1_data_collection), ("二、碳排放情况分析", section_4_2_emission_analysis)],
    ),
    (
        "第五章 碳排放目标指标完成情况",
        [("一、实际完成情况", section_5_1_achievement), ("二、与基准、绩效（指标）对比", section_5_2_comparison)],
    ),
    ("第六章 评审建议", [("一、现存问题", section_6_1_problems), ("二、改进建议", section_6_2_suggestions)]),
]
ANNEX_B: list[tuple[str, list[str]]] = [(chapter, [title for title, _ in sections]) for chapter, sections in SECTIONS]


def build_report(session: Session, *, user: User, year: int) -> bytes:
    """The Annex B review report of `year` for the user's park, as .docx bytes."""
    data = gather(session, user=user, year=year)
    return write_report(data)


def write_report(data: ReportData) -> bytes:
    park, year = data.park, data.year
    w = Writer()
    title = f"{year} 年度碳排放管理体系评审报告"
    properties: Any = w.doc.core_properties
    properties.title, properties.author, properties.last_modified_by = title, park.name, park.name
    properties.comments = properties.keywords = ""
    w.para(park.name, bold=True, center=True)
    w.doc.add_heading(title, level=0).alignment = WD_ALIGN_PARAGRAPH.CENTER
    w.para("（依据 T/CPQS ZC001—2025 附录 B 模板编制；红色【待补充】处由园区填写）", center=True)
    w.para(
        f"编制：{data.author.full_name or data.author.username}　　生成时间：{data.generated_at}"
        f"（{data.time_zone}，{timezones.utc_offset(data.time_zone)}）",
        center=True,
    )
    header = w.doc.sections[0].header.paragraphs[0]
    header.text = f"{park.name}　{title}"
    header.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    for chapter, sections in SECTIONS:
        w.heading(chapter, 1)
        for section_title, write in sections:
            w.heading(section_title, 2)
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
    return records_service.create_record(
        session,
        actor=actor,
        doc_type_code=REPORT_DOC_TYPE,
        period_text=str(year),
        staged=staged,
        title=f"{year} 年度碳排放管理体系评审报告",
        submit=False,
        check_period=False,  # the year of the review report asked for, not a period a user typed
    )
