"""The annual GHG inventory report (温室气体排放核算报告, doc type GHG_INVENTORY_REPORT) as an editable .docx, and
filing it in one step as the record the 7.3.2 review uses (through the documents service, like the audit reports).

Built from confirmed submissions only: boundary, sources, activity data, factors with their sources, results and
data quality. Figures are exact Decimals rounded half up to two places for display, and the report says so.
"""

from collections import Counter, defaultdict
from decimal import Decimal
from typing import Any

from sqlmodel import Session

from app import docx_reports
from app.audits.filing import file_generated, may_file_reports
from app.errors import Conflict, Forbidden
from app.events.refusals import Rule, refusal
from app.inventory import boundary, overview, queries, service
from app.inventory.calculation import display
from app.labels import LABELS
from app.users.models import Park, User

DOC_TYPE = "GHG_INVENTORY_REPORT"
ROUNDING = "本报告数值为精确计算结果四舍五入保留两位小数（排放量单位 tCO₂，能源单位 tce）。"
QUALITY_ZH = {code: zh for code, (zh, _en) in LABELS["data_quality"].items()}


def _d(value: Decimal | None, places: int = 2) -> str:
    return "" if value is None else display(value, places)


def _n(value: Decimal) -> str:
    return format(value.normalize(), "f")


def report_docx(session: Session, *, user: User, year: int) -> bytes:
    service.check_year(year)
    service.require_park_reader(user)
    park = session.get_one(Park, user.park_id)
    view = overview.year_overview(session, user.park_id, year)
    rows = queries.confirmed_rows(session, user.park_id, year)
    scope = boundary.get_boundary(session, user=user, year=year)
    names = view["names"]
    sources = overview.source_names(session, user.park_id)
    doc = docx_reports.new_report_document(heading_latin="SimHei", heading_east_asian="黑体")
    doc.add_heading(f"{park.name} {year} 年度温室气体排放核算报告", level=0)
    doc.add_paragraph(f"核算依据：GB/T 32150《工业企业温室气体排放核算和报告通则》。核算年度：{year} 年。{ROUNDING}")

    doc.add_heading("一、核算边界", level=1)
    if not scope.defined:
        doc.add_paragraph("该年度的核算边界尚未确定。")
    doc.add_paragraph(
        f"边界内企业 {len(scope.enterprise_ids)} 家、排放源 {len(scope.source_ids)} 个。{scope.note}".strip()
    )
    if scope.previous_defined:
        changes = [
            *(f"新增企业：{names.get(str(i), i)}" for i in scope.added_enterprise_ids),
            *(f"移出企业：{names.get(str(i), i)}" for i in scope.removed_enterprise_ids),
            *(f"新增排放源：{sources.get(i, i)}" for i in scope.added_source_ids),
            *(f"移出排放源：{sources.get(i, i)}" for i in scope.removed_source_ids),
        ]
        doc.add_paragraph(f"与 {year - 1} 年度相比：" + ("；".join(changes) if changes else "无变化") + "。")
        if scope.significant_change:
            doc.add_paragraph("核算边界与上一年度不同，属于重大变化（7.3.1 注），碳排放管理体系评审应予更新。")

    doc.add_heading("二、排放源", level=1)
    per_source: dict[int, list[queries.TrailRow]] = defaultdict(list)
    for row in rows:
        per_source[row.source_id].append(row)
    docx_reports.add_table(
        doc,
        ["企业", "排放源", "排放类别", "范围"],
        [
            [first.enterprise_name, first.source_name, LABELS["source_category"][first.category][0], first.scope]
            for first in (items[0] for items in per_source.values())
        ],
        bold_header=True,
    )

    doc.add_heading("三、活动数据", level=1)
    activity = []
    for items in per_source.values():
        units = {item.unit for item in items}
        quantity = _n(sum((item.quantity for item in items), Decimal(0))) if len(units) == 1 else "（见明细）"
        quality = "、".join(sorted({QUALITY_ZH.get(item.quality, item.quality) for item in items}))
        activity.append([items[0].enterprise_name, items[0].source_name, quantity, "、".join(sorted(units)), quality])
    docx_reports.add_table(doc, ["企业", "排放源", "活动数据", "单位", "数据质量"], activity, bold_header=True)

    doc.add_heading("四、排放因子及其来源", level=1)
    factors: dict[Any, dict[str, Any]] = {}
    for row in rows:
        if row.factor:
            factors[row.factor["id"]] = row.factor
    docx_reports.add_table(
        doc,
        ["因子", "版本", "适用", "数值", "来源"],
        [
            [
                factor["code"],
                factor["version"],
                f"{factor['quantity']}（每 {factor['activity_unit']}）",
                _factor_values(factor),
                " ".join(
                    str(part)
                    for part in (factor["source_document"], factor["source_table"], factor["source_row"])
                    if part
                ),
            ]
            for factor in factors.values()
        ],
        bold_header=True,
    )

    doc.add_heading("五、核算结果", level=1)
    doc.add_paragraph(
        f"{year} 年度园区温室气体排放总量 {_d(view['total'])} tCO₂；综合能源消费量 {_d(view['energy_tce'])} tce，"
        f"其中可再生能源占 {_d(view['renewable_share'] * 100, 1)}%。"
        + (f"较上年变化 {_d(view['change'])} tCO₂。" if view["change"] is not None else "")
    )
    docx_reports.add_table(
        doc,
        ["范围", "排放量（tCO₂）"],
        [[f"范围{item['scope']}", _d(item["emission"])] for item in view["scopes"]],
        bold_header=True,
    )
    docx_reports.add_table(
        doc,
        ["排放类别", "排放量（tCO₂）", "占比"],
        [[c["label"][0], _d(c["emission"]), f"{_d(c['share'] * 100, 1)}%"] for c in view["categories"]],
        bold_header=True,
    )
    docx_reports.add_table(
        doc,
        ["企业", "排放量（tCO₂）", "占比"],
        [[e["name"], _d(e["emission"]), f"{_d(e['share'] * 100, 1)}%"] for e in view["top"]],
        bold_header=True,
    )
    if view["park_intensity"] is not None:
        doc.add_paragraph(f"园区排放强度（填报产值的企业）：{_d(view['park_intensity'], 4)} tCO₂/万元。")

    doc.add_heading("六、数据质量", level=1)
    counts = Counter(row.quality for row in rows)
    parts = [f"{QUALITY_ZH.get(code, code)} {count} 行" for code, count in sorted(counts.items())]
    doc.add_paragraph(f"计入已确认数据 {len(rows)} 行：" + ("、".join(parts) if parts else "无") + "。")
    if view["missing"]:
        doc.add_paragraph("尚未确认数据的边界内企业：" + "、".join(m["name"] for m in view["missing"]) + "。")
    doc.add_paragraph(ROUNDING)
    return docx_reports.document_bytes(doc)


def _factor_values(factor: dict[str, Any]) -> str:
    if factor.get("direct_factor"):
        return f"{factor['direct_factor']} tCO₂/{factor['activity_unit']}"
    return (
        f"低位发热量 {factor.get('ncv')} GJ/{factor['activity_unit']}；单位热值含碳量 {factor.get('carbon_content')} "
        f"tC/GJ；碳氧化率 {factor.get('oxidation_rate')}"
    )


def file_report(session: Session, *, actor: User, year: int) -> tuple[Any, Any]:
    """Generate the year's report and register it as a GHG_INVENTORY_REPORT record, submitted for confirmation."""
    if not may_file_reports(actor):
        raise Forbidden(
            "只有体系管理员可以将报告归档为记录",
            "Only a coordinator may file a report as a record",
            audit=refusal(actor, Rule.role, "inventory", year),
        )
    if not queries.confirmed_figures(session, actor.park_id, year):
        raise Conflict(
            "该年度没有已确认的排放数据，不能生成核算报告", "No confirmed data for this year: nothing to report"
        )
    content = report_docx(session, user=actor, year=year)
    park = session.get_one(Park, actor.park_id)
    return file_generated(
        session,
        actor=actor,
        doc_type=DOC_TYPE,
        period=str(year),
        title=f"{year} 年度温室气体排放核算报告",
        content=content,
        file_name=f"{park.code}-{year}-温室气体排放核算报告.docx",
    )
