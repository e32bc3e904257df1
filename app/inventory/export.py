"""The year's inventory as an .xlsx workbook: a summary sheet and every confirmed row with its factor and formula.

Values are written exact (as numbers with full precision); the summary states the rounding used in reports.
"""

import io
from decimal import Decimal

from openpyxl import Workbook
from sqlmodel import Session

from app.inventory import overview, queries

SUMMARY, ROWS = "汇总 Summary", "明细 Rows"


def _n(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def inventory_workbook(session: Session, park_id: int, year: int) -> bytes:
    view = overview.year_overview(session, park_id, year)
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = SUMMARY
    sheet.append([f"{year} 年度园区温室气体排放清单 / GHG inventory {year}"])
    sheet.append(["排放总量 Total (tCO₂)", _n(view["total"])])
    sheet.append(["综合能源消费量 Energy (tce)", _n(view["energy_tce"])])
    sheet.append(["可再生能源占比 Renewable share", _n(view["renewable_share"])])
    note = "数值为精确计算结果；报告中四舍五入保留两位小数 / exact values; reports round to 2 places"
    sheet.append(["说明 Note", note])
    sheet.append([])
    sheet.append(["类别 Category", "排放量 tCO₂", "占比 Share", "能源 tce"])
    for item in view["categories"]:
        sheet.append(
            [f"{item['label'][0]} {item['label'][1]}", _n(item["emission"]), _n(item["share"]), _n(item["energy_tce"])]
        )
    sheet.append([])
    sheet.append(["范围 Scope", "排放量 tCO₂"])
    for item in view["scopes"]:
        sheet.append([f"范围{item['scope']} Scope {item['scope']}", _n(item["emission"])])
    sheet.append([])
    sheet.append(["企业 Enterprise", "排放量 tCO₂"])
    for key, values in sorted(view["by_enterprise"].items(), key=lambda kv: kv[1]["emission"], reverse=True):
        sheet.append([view["names"].get(key, key), _n(values["emission"])])
    rows = book.create_sheet(ROWS)
    rows.append(
        [
            "企业 Enterprise",
            "排放源 Source",
            "类别 Category",
            "范围 Scope",
            "月份 Month",
            "活动数据 Quantity",
            "单位 Unit",
            "数据质量 Quality",
            "排放因子 Factor",
            "因子来源 Factor source",
            "公式 Formula",
            "排放量 tCO₂",
            "能源 tce",
        ]
    )
    for row in queries.confirmed_rows(session, park_id, year):
        factor = row.factor or {}
        source = " ".join(
            str(part)
            for part in (factor.get("source_document"), factor.get("source_table"), factor.get("source_row"))
            if part
        )
        rows.append(
            [
                row.enterprise_name,
                row.source_name,
                overview.category_label(row.category)[0],
                row.scope,
                row.month,
                _n(row.quantity),
                row.unit,
                row.quality,
                f"{factor.get('code', '')} v{factor.get('version', '')}" if factor else "",
                source,
                row.formula,
                _n(row.emission),
                _n(row.energy_tce),
            ]
        )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
