"""The year's inventory as .xlsx: totals by scope, category and enterprise, and every confirmed row with its factor,
version, source and formula (the trail of the park total)."""

import io
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from sqlalchemy import select
from sqlmodel import Session, col

from app.inventory import queries
from app.inventory.models import Enterprise
from app.labels import LABELS


def _n(value: Decimal | None) -> float | str:
    # Spreadsheets hold floats: the exact text stays in the trail column next to it.
    return "" if value is None else float(value)


def inventory_workbook(session: Session, park_id: int, year: int) -> bytes:
    totals = queries.year_totals(session, park_id, year)
    rows = queries.confirmed_rows(session, park_id, year)
    names = dict(
        session.execute(
            select(col(Enterprise.id), col(Enterprise.name)).where(col(Enterprise.park_id) == park_id)
        ).all()
    )
    book = Workbook()
    summary = book.active
    assert summary is not None
    summary.title = "汇总"
    summary.append(["年度", year])
    summary.append(["园区排放总量（tCO₂）", _n(totals["total"]), format(totals["total"], "f")])
    summary.append(["范围一（tCO₂）", _n(totals["scope"].get("1", {}).get("emission", Decimal(0)))])
    summary.append(["范围二（tCO₂）", _n(totals["scope"].get("2", {}).get("emission", Decimal(0)))])
    summary.append(["综合能耗（tce，电力按当量值）", _n(totals["energy_tce"])])
    summary.append(["上一年度排放总量（tCO₂）", _n(totals["previous_total"])])
    summary.append([])
    summary.append(["排放类别", "排放量（tCO₂）", "占比"])
    for category, values in sorted(totals["by_category"].items()):
        summary.append(
            [
                LABELS["source_category"][category][0],
                _n(values["emission"]),
                _n(totals["category_shares"].get(category)),
            ]
        )
    summary.append([])
    summary.append(["尚未确认数据的边界内企业", *[m["name"] for m in totals["missing"]]])
    by_enterprise = book.create_sheet("按企业")
    by_enterprise.append(["企业", "排放量（tCO₂）", "综合能耗（tce）"])
    for enterprise_id, values in sorted(totals["by_enterprise"].items()):
        by_enterprise.append(
            [names.get(int(enterprise_id), enterprise_id), _n(values["emission"]), _n(values["energy_tce"])]
        )
    detail = book.create_sheet("明细")
    detail.append(
        [
            "企业",
            "排放源",
            "类别",
            "月份",
            "数量",
            "单位",
            "数据质量",
            "因子编码",
            "因子版本",
            "因子来源",
            "计算过程",
            "排放量（tCO₂）",
            "能耗（tce）",
            "证据文件",
        ]
    )
    for row in rows:
        factor: dict[str, Any] = row.factor or {}
        citation = " / ".join(
            part
            for part in (factor.get("source_document"), factor.get("source_table"), factor.get("source_row"))
            if part
        )
        detail.append(
            [
                row.enterprise_name,
                row.source_name,
                LABELS["source_category"][row.category][0],
                row.month or "",
                _n(row.quantity),
                row.unit,
                LABELS["data_quality"][row.quality][0],
                factor.get("code", ""),
                factor.get("version", ""),
                citation,
                row.formula,
                _n(row.emission),
                _n(row.energy_tce),
                "; ".join(f"{e['file_name']} ({e['sha256'][:12]})" for e in row.evidence),
            ]
        )
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
