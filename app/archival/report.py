"""The archival check report (电子档案四性检测报告) as .docx, made from the stored run alone, so the same run always
gives the same report: Chinese first with English beside it, the 依据 line, the scope, the time in the park's zone,
one table per property and the list of problems."""

from __future__ import annotations

import json
from typing import Any

from sqlmodel import Session

from app import timezones
from app.archival import service
from app.archival.models import ArchivalCheck
from app.archival.result import CHECKS
from app.archival.scope import scope_label
from app.docx_reports import add_table, document_bytes, new_report_document
from app.labels import label_pair, label_zh
from app.parks.queries import park_time_zone
from app.users.models import Park

TITLE = ("电子档案四性检测报告", "Archival check report: authenticity, integrity, usability, security")
BASIS_ZH = (
    "依据：DA/T 70—2018《文书类电子档案检测一般要求》（真实性、完整性、可用性、安全性四性检测），参照 GB/T 18894—2016"
    "《电子文件归档与电子档案管理规范》。本报告只列出 carbonms 实施的检测项，并非上述标准的全部检测项目。"
)
BASIS_EN = (
    "Basis: DA/T 70-2018 General requirements for testing of electronic records of documents (the four properties "
    "authenticity, integrity, usability and security), with GB/T 18894-2016. The report lists the checks carbonms "
    "makes, not every item of these standards."
)
# What each check does, for the report's explanation table (Chinese, English).
EXPLAINED: dict[str, tuple[str, str]] = {
    "blob_hash": ("重新计算存储文件的 SHA-256，与登记值比对", "The stored file is hashed again and compared"),
    "signature_hash": ("每个电子签名记录的文件哈希等于版本文件的哈希", "Each signature's file hash is the revision's"),
    "audit_chain": (
        "按 carbonms verify 校验审计链的密钥哈希与签名锚点，范围内事件均在首个断点之前",
        "The trail's keyed hashes and signed anchors verify (as carbonms verify) up to the scope's last event",
    ),
    "lifecycle_events": (
        "登记、上传、提交、审核、批准、发布/归档等事件齐全且有操作人",
        "Register, upload, submit, review, approve, publish/file events exist, each with its actor",
    ),
    "blob_present": (
        "文件存在于存储中（按处置销毁的计为已处置）",
        "The file is in the store (destroyed per disposition counts as kept)",
    ),
    "metadata": (
        "受控编号、标题、类型、所处状态的日期、编制人、发布人及类型要求的签名齐全",
        "Control number, title, type, the dates of its state, preparer, publisher and the signatures its type needs",
    ),
    "version_chain": ("文件的版本号为 1…n，无缺号", "A document's revision numbers run 1..n without a gap"),
    "record_period": ("记录登记了所属期间", "A record carries its period"),
    "media_type": ("由内容识别的类型与登记类型一致", "The type recognised from the content is the stored type"),
    "openable": (
        "提取文字（PDF、DOCX、文本）或解析（XLSX、图片）成功",
        "Text extracts (PDF, DOCX, text) or it parses (XLSX, images)",
    ),
    "format_allowed": ("格式在设置允许的格式之内", "The format is among the allowed formats (a setting)"),
    "access_level": ("设置了访问级别（公开、内部、受限）", "An access level is set (public, internal, restricted)"),
    "file_mode": ("本地存储文件不可被组或其他用户改写", "The local stored file is not writable by group or others"),
    "part_files": ("数据目录中没有中断上传遗留的临时文件", "No part file of an interrupted upload is left"),
}


def _pair(kind: str, code: str) -> str:
    zh, en = label_pair(kind, code)
    return f"{zh} / {en}"


def _counts(figures: dict[str, Any]) -> list[list[Any]]:
    rows: list[list[Any]] = []
    for prop, checks in CHECKS.items():
        data = figures[str(prop)]
        for check in checks:
            counts = data["checks"][check]
            rows.append([_pair("archival_property", prop), _pair("archival_check", check), *_three(counts)])
        rows.append([_pair("archival_property", prop), "小计 / subtotal", *_three(data)])
    return rows


def _three(counts: dict[str, int]) -> list[int]:
    return [counts["passed"], counts["failed"], counts["not_checked"]]


def build_report(session: Session, run: ArchivalCheck) -> bytes:
    park = session.get_one(Park, run.park_id)
    zone = park_time_zone(session, run.park_id)
    figures = service.figures_of(run)
    scope_zh, scope_en = scope_label(service.scope_of(run))
    chain = json.loads(run.chain_json or "{}")
    document = new_report_document()
    document.add_heading(TITLE[0], level=0)
    document.add_paragraph(TITLE[1])
    verdict = _pair("archival_verdict", run.verdict)
    for line in (
        f"园区 / Park：{park.name}（{park.code}）",
        f"检测编号 / Check No.：{run.id}",
        f"检测时间 / Checked at：{timezones.fmt_time(run.created_at, zone, seconds=True)}",
        f"{timezones.zone_note(zone, 'zh')} {timezones.zone_note(zone, 'en')}",
        f"检测人 / Checked by：{run.created_by_name}",
        f"检测来源 / Origin：{_pair('archival_origin', run.origin)}",
        f"检测范围 / Scope：{scope_zh} / {scope_en}",
        f"允许的格式 / Allowed formats：{run.allowed_formats or '—'}",
        BASIS_ZH,
        BASIS_EN,
        f"结论 / Verdict：{verdict}（文件 {run.documents_checked} 份、版本 {run.revisions_checked} 个、问题 "
        f"{run.problems_count} 项 / {run.documents_checked} documents, {run.revisions_checked} revisions, "
        f"{run.problems_count} problems）",
    ):
        document.add_paragraph(line)
    if figures.get("destroyed"):
        document.add_paragraph(
            f"按处置销毁的文件 {figures['destroyed']} 个（计为已处置，不计为缺失）/ "
            f"{figures['destroyed']} files destroyed per disposition (kept as decided, not missing)"
        )
    document.add_heading("一、各性质检测结果 / Results per property", level=1)
    add_table(
        document,
        ["性质 / Property", "检测项 / Check", "通过 / Passed", "未通过 / Failed", "未检 / Not checked"],
        _counts(figures),
        bold_header=True,
    )
    document.add_paragraph(
        "未检：前提不满足（如文件缺失或已被改动）时，依赖该文件的检测项不作判断。/ Not checked: a check that needs "
        "the file is not judged when its precondition failed (the file is missing or altered)."
    )
    if chain:
        checked, anchors, last = (
            chain.get("checked", 0),
            chain.get("anchors_checked", 0),
            chain.get("scope_last_seq", 0),
        )
        line = (
            f"审计链 / Audit trail：校验事件 {checked} 条、锚点 {anchors} 个，范围内最后事件第 {last} 条 / "
            f"{checked} events and {anchors} anchors checked; the scope's last event is {last}"
        )
        if not chain.get("ok"):
            broken = chain.get("first_broken_seq")
            line += f"；断于第 {broken} 条 / broken at {broken}"
        document.add_paragraph(line)
    document.add_heading("二、检测项说明 / What each check does", level=1)
    add_table(
        document,
        ["性质 / Property", "检测项 / Check", "说明", "Description"],
        [
            [label_zh("archival_property", prop), _pair("archival_check", check), *EXPLAINED[check]]
            for prop, checks in CHECKS.items()
            for check in checks
        ],
        bold_header=True,
    )
    document.add_heading("三、问题清单 / Problems", level=1)
    problems = service.problems_of(session, run.id or 0)
    if not problems:
        document.add_paragraph("未发现问题。/ No problem found.")
    else:
        add_table(
            document,
            ["序号 / No.", "文件 / Document", "性质 / Property", "检测项 / Check", "问题", "Problem"],
            [
                [
                    problem.position,
                    _where(problem.control_no, problem.revision_number),
                    label_zh("archival_property", problem.property),
                    label_zh("archival_check", problem.check_code),
                    problem.message_zh,
                    problem.message_en,
                ]
                for problem in problems
            ],
            bold_header=True,
        )
    return document_bytes(document)


def _where(control_no: str, number: int | None) -> str:
    if not control_no:
        return "整个范围 / whole scope"
    return f"{control_no} 第{number}版 / r{number}" if number is not None else control_no


def report_filename(park: Park, run: ArchivalCheck) -> str:
    return f"{park.code}_四性检测报告_{run.id}.docx"
