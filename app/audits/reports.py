"""The audit report (《管理体系内审报告》), the nonconformity record and the management review report as .docx.

Filing them as records is `filing.py`.
"""

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from app import docx_reports, timezones
from app.audits import common, service
from app.audits import lifecycle as audit_lifecycle
from app.audits.common import stored_id
from app.audits.models import Audit
from app.clauses.models import Clause
from app.labels import counts_zh, label_zh
from app.nonconformities import lifecycle as nc_lifecycle
from app.nonconformities import queries as nc_queries
from app.nonconformities import service as nonconformities
from app.nonconformities.models import Nonconformity
from app.parks.queries import park_time_zone
from app.reviews import service as review_service
from app.reviews.models import ManagementReview, ReviewState
from app.users.models import Park, User

FONT_LATIN, FONT_EAST_ASIA = "Times New Roman", "宋体"
DOCX_NAME_AUDIT = "管理体系内审报告"
DOCX_NAME_REVIEW = "管理评审报告"


def _park_name(session: Session, park_id: int) -> str:
    park = session.get(Park, park_id)
    return park.name if park else ""


def _new_docx() -> Any:
    return docx_reports.new_report_document(latin=FONT_LATIN, east_asian=FONT_EAST_ASIA)


def _table(document: Any, header: list[str], rows: list[list[Any]]) -> None:
    docx_reports.add_table(document, header, rows)


def _save(document: Any) -> bytes:
    return docx_reports.document_bytes(document)


def _names(session: Session, ids: list[int]) -> dict[int, str]:
    if not ids:
        return {}
    return dict(session.execute(select(col(User.id), col(User.full_name)).where(col(User.id).in_(ids))).all())


def audit_report_docx(session: Session, audit: Audit) -> bytes:
    park_name = _park_name(session, audit.park_id)
    lines = service.audit_lines(session, stored_id(audit))
    findings = service.audit_findings(session, stored_id(audit))
    ncs = service.audit_nonconformities(session, stored_id(audit))
    team = audit_lifecycle.team_ids(audit)
    names = _names(session, team)
    titles = dict(session.execute(select(col(Clause.id), col(Clause.title_zh))).all())
    document = _new_docx()
    document.add_heading(f"{park_name} 管理体系内审报告", level=0)
    document.add_paragraph("Internal audit report — T/CPQS ZC001—2025 10.2")
    state_zh = service.AUDIT_STATE_LABELS[str(audit.state)][0]
    _table(
        document,
        ["项目 / Item", "内容 / Content"],
        [
            ["审核名称 / Audit", audit.title],
            ["审核范围 / Scope", "、".join(common.loads(audit.scope_json, []))],
            ["审核准则 / Criteria", audit.criteria],
            ["受审核单位 / Units audited", "、".join(common.loads(audit.units_json, []))],
            ["审核组长 / Lead auditor", names.get(audit.lead_auditor_id, "")],
            ["审核员 / Auditors", "、".join(names.get(i, "") for i in team[1:]) or "—"],
            ["计划日期 / Planned", f"{audit.planned_start} — {audit.planned_end}"],
            ["审核日期 / Audit date", audit.audit_date or "—"],
            ["状态 / State", state_zh],
        ],
    )
    counts: dict[str, int] = {}
    for line in lines:
        counts[str(line.result)] = counts.get(str(line.result), 0) + 1
    document.add_heading("一、审核结果汇总 / Summary", level=1)
    document.add_paragraph(
        "；".join(f"{service.RESULT_LABELS[key][0]} {value} 项" for key, value in counts.items()) or "尚未生成检查表"
    )
    document.add_heading("二、审核检查表 / Checklist", level=1)
    _table(
        document,
        ["序号", "条款", "要求", "证据（现有文件）", "就绪度", "结论", "说明"],
        [
            [
                line.position,
                f"{line.clause_id} {line.item_label + ')' if line.item_label else ''}".strip(),
                line.requirement,
                "、".join(doc["control_no"] for doc in common.loads(line.evidence_json, [])) or "无",
                label_zh("status", line.readiness_status) if line.readiness_status else "—",
                service.RESULT_LABELS[str(line.result)][0],
                line.notes,
            ]
            for line in lines
        ],
    )
    document.add_heading("三、不符合项 / Nonconformities", level=1)
    if ncs:
        _table(
            document,
            ["编号", "条款", "严重程度", "不符合描述", "审核证据", "状态"],
            [
                [
                    nc_queries.nc_code(nc),
                    f"{nc.clause_id} {titles.get(nc.clause_id, '')}",
                    nonconformities.SEVERITY_LABELS[str(nc.severity)][0],
                    nc.description,
                    nc.evidence_examined,
                    nc_lifecycle.STATE_LABELS[str(nc.state)][0],
                ]
                for nc in ncs
            ],
        )
    else:
        document.add_paragraph("本次审核未发现不符合项。/ No nonconformity was found.")
    document.add_heading("四、观察项与改进机会 / Observations and opportunities for improvement", level=1)
    if findings:
        _table(
            document,
            ["类型", "条款", "说明"],
            [
                ["观察项" if str(f.kind) == "observation" else "改进机会", f.clause_id or "—", f.description]
                for f in findings
            ],
        )
    else:
        document.add_paragraph("无。/ None.")
    document.add_heading("五、审核结论 / Conclusion", level=1)
    document.add_paragraph(audit.conclusion or "（审核尚未完成 / the audit is not completed）")
    return _save(document)


def nonconformity_report_docx(session: Session, nc: Nonconformity) -> bytes:
    """《不符合和纠正措施记录》: what was found, its cause, the actions, their evidence and the verification."""
    park_name = _park_name(session, nc.park_id)
    zone = park_time_zone(session, nc.park_id)
    actions = nc_queries.nc_actions(session, stored_id(nc))
    names = _names(
        session, [a.owner_id for a in actions] + [nc.raised_by_id] + ([nc.verified_by_id] if nc.verified_by_id else [])
    )
    titles = dict(session.execute(select(col(Clause.id), col(Clause.title_zh))).all())
    origin = nonconformities.origin_display(session, nc)
    document = _new_docx()
    document.add_heading(f"{park_name} 不符合和纠正措施记录", level=0)
    document.add_paragraph("Nonconformity and corrective action record — T/CPQS ZC001—2025 11.2")
    similar = {True: "是", False: "否", None: "—"}[nc.similar_elsewhere]
    _table(
        document,
        ["项目 / Item", "内容 / Content"],
        [
            ["编号 / No.", nc_queries.nc_code(nc)],
            ["来源 / Origin", origin["text_zh"]],
            ["条款 / Clause", f"{nc.clause_id} {titles.get(nc.clause_id, '')}"],
            ["严重程度 / Severity", nonconformities.SEVERITY_LABELS[str(nc.severity)][0]],
            ["不符合描述 / Description", nc.description],
            ["审核证据 / Evidence examined", nc.evidence_examined or "—"],
            [
                "提出人 / Raised by",
                f"{names.get(nc.raised_by_id, '')}（{timezones.fmt_date(nc.raised_at, zone)}）",
            ],
            ["原因分析 / Cause", nc.cause_analysis or "—"],
            ["其他地方是否存在类似不符合 / Similar elsewhere", f"{similar} {nc.similar_details}".strip()],
            ["完成证据 / Evidence of completion", nc.completion_evidence or "—"],
            [
                "有效性验证 / Verification",
                f"{nc.verification}（{names.get(nc.verified_by_id or 0, '')}）" if nc.verification else "—",
            ],
            ["状态 / State", nc_lifecycle.STATE_LABELS[str(nc.state)][0]],
            ["关闭或撤销说明 / Closing note", nc.end_reason or "—"],
        ],
    )
    document.add_heading("纠正措施 / Corrective actions", level=1)
    _table(
        document,
        ["措施", "负责人", "期限", "状态", "完成证据"],
        [
            [
                a.description,
                names.get(a.owner_id, ""),
                a.due_date,
                label_zh("action_state", a.state),
                a.completion_evidence or "—",
            ]
            for a in actions
        ],
    )
    return _save(document)


def review_report_docx(session: Session, review: ManagementReview) -> bytes:
    park_name = _park_name(session, review.park_id)
    zone = park_time_zone(session, review.park_id)
    sections = common.loads(review.inputs_json, []) or []
    notes = common.loads(review.notes_json, {}) or {}
    rows = review_service.decisions(session, stored_id(review))
    actions = review_service.decision_actions(session, [stored_id(d) for d in rows])
    names = _names(session, [a.owner_id for group in actions.values() for a in group])
    document = _new_docx()
    document.add_heading(f"{park_name} 管理评审报告", level=0)
    document.add_paragraph("Management review report — T/CPQS ZC001—2025 10.3")
    _table(
        document,
        ["项目 / Item", "内容 / Content"],
        [
            ["评审名称 / Review", review.title],
            ["评审日期 / Date", review.review_date],
            ["状态 / State", "已关闭" if review.state == ReviewState.closed else "草稿"],
            [
                "签署人 / Signed by",
                f"{review.closed_by_name}（{timezones.fmt_time(review.closed_at, zone)}，{zone}）"
                if review.closed_at
                else "—",
            ],
        ],
    )
    document.add_heading("一、评审输入 / Inputs (10.3, 10.3.1)", level=1)
    for section in sections:
        document.add_heading(f"{section['title_zh']}（{'、'.join(section['refs'])}）", level=2)
        for line in _section_lines(section):
            document.add_paragraph(line, style="List Bullet")
        if section["to_complete"] or notes.get(section["key"]):
            text = notes.get(section["key"]) or f"{section['prompt_zh']} / {section['prompt_en']}"
            document.add_paragraph(f"评审意见 / Review notes：{text}")
    document.add_heading("二、评审输出 / Outputs (10.3.2)", level=1)
    _table(
        document,
        ["输出", "决定", "措施（负责人，期限）"],
        [
            [
                f"{d.output_item}) {review_service.OUTPUT_ITEMS[d.output_item][0]}",
                d.decision,
                "；".join(
                    f"{a.description}（{names.get(a.owner_id, '')}，{a.due_date}）"
                    for a in actions.get(stored_id(d), [])
                )
                or "—",
            ]
            for d in rows
        ],
    )
    if review.closing_comment:
        document.add_paragraph(f"最高管理者意见 / Comment: {review.closing_comment}")
    return _save(document)


def _section_lines(section: dict[str, Any]) -> list[str]:
    data = section.get("data", {})
    lines: list[str] = list(data.get("summary_lines", []))  # sections that word their own lines (performance)
    for doc in data.get("documents", []):
        changes = len(doc.get("changes_since_last_review", []))
        lines.append(
            f"{doc['control_no']} {doc['title']}：第{doc.get('revision')}版，{label_zh('state', doc.get('state'))}"
            + (f"，自上次评审以来 {changes} 次修订" if changes else "")
        )
    for action in data.get("actions", []):
        lines.append(
            f"措施 {action['id']}：{action['description']}（{action['owner_name']}，{action['due_date']}，"
            f"{label_zh('action_state', action['state'])}{'，已逾期' if action['overdue'] else ''}）"
        )
    if "nonconformities_all" in data:
        lines.append(
            f"不符合项共 {data['total']} 项，自上次评审以来新增 {data['raised_since_last_review']} 项；"
            f"按状态 {counts_zh('nc_state', data['nonconformities_all']['by_state'], '、')}，"
            f"按严重程度 {counts_zh('severity', data['nonconformities_all']['by_severity'], '、')}，"
            f"按来源 {counts_zh('origin', data['nonconformities_all']['by_origin'], '、')}"
        )
        for audit in data.get("audits", []):
            lines.append(f"审核“{audit['title']}”（{audit['audit_date']}）：{counts_zh('result', audit['lines'])}")
    if "now" in data:
        now = data["now"]
        lines.append(f"当前就绪度（截至 {now['as_of']}）：覆盖率 {now['coverage']:.0%}，进展 {now['progress']:.0%}")
        if data.get("change"):
            lines.append(
                f"自上次评审以来覆盖率变化 {data['change']['coverage']:+.0%}，进展变化 "
                f"{data['change']['progress']:+.0%}"
            )
    for change in data.get("risk_changes", []):
        before = label_zh("significance", change["significance_before"]) if change["significance_before"] else "新识别"
        lines.append(
            f"风险和机遇“{change['title']}”：{before} → {label_zh('significance', change['significance_after'])}"
            f"（{change['assessed_on']}）"
        )
    for evaluation in data.get("evaluation_rounds", []):
        lines.append(f"合规性评价“{evaluation['title']}”：{counts_zh('compliance', evaluation['counts'], '、')}")
    for key in ("nonconformities_from_compliance_evaluation", "nonconformities_from_monitoring"):
        for nc in data.get(key, []):
            lines.append(f"{nc['code']}：{nc['description']}（{label_zh('nc_state', nc['state'])}）")
    for finding in data.get("opportunities_from_audits", []):
        lines.append(f"改进机会：{finding['description']}")
    if not lines:
        lines.append("系统中暂无相关信息 / nothing recorded in carbonms")
    return lines


def report_filename(kind: str, entity_id: int, day: date | None = None) -> str:
    base = {"audit": DOCX_NAME_AUDIT, "review": DOCX_NAME_REVIEW}.get(kind, "不符合和纠正措施记录")
    return f"{base}-{entity_id}{'-' + day.isoformat() if day else ''}.docx"
