"""The Annex B review report's sections filled from the confirmed inventory: chapter 2 三 (energy: total, structure,
renewables) and chapter 4 (一 data collected per category; 二 emissions, structure, intensity).

Each returns blocks (paragraphs and tables) so the report writer (app/reports/review_report.py) only lays them out:
("para", text), ("table", header, rows), or ("todo", text) for what the park must complete (no data
yet). Figures are rounded half up to two places, as the report says.
"""

from collections import defaultdict
from decimal import Decimal
from typing import Any, Protocol

from sqlmodel import Session

from app.inventory import overview, queries
from app.inventory.calculation import ENERGY_CATEGORIES, display
from app.inventory.models import SourceCategory
from app.labels import LABELS

Block = tuple[Any, ...]
ROUNDING = "（数据来自已确认的碳排放数据报送，四舍五入保留两位小数。）"
NO_DATA = "该年度尚无已确认的碳排放数据（请先完成企业数据报送和确认），"
NO_ENERGY = ("todo", NO_DATA + "请填写能源消费总量、消费结构、可再生能源利用情况。")
NO_COLLECTION = ("todo", NO_DATA + "请填写各排放类别的活动数据和排放因子。")
NO_EMISSIONS = ("todo", NO_DATA + "请填写碳排放量、碳排放结构、碳排放强度分析。")


class BlockWriter(Protocol):
    def para(self, text: str) -> None: ...
    def table(self, header: list[str], rows: list[list[str]]) -> None: ...
    def todo(self, text: str) -> None: ...


def write(writer: BlockWriter, blocks: list[Block]) -> None:
    for block in blocks:
        if block[0] == "para":
            writer.para(block[1])
        elif block[0] == "todo":
            writer.todo(block[1])
        else:
            writer.table(block[1], block[2])


def _d(value: Decimal, places: int = 2) -> str:
    return display(value, places)


def _label(code: str) -> str:
    return LABELS["source_category"].get(code, (code, code))[0]


def energy_section(session: Session, park_id: int, year: int) -> list[Block]:
    """Chapter 2 三、能源消耗情况."""
    totals = queries.year_totals(session, park_id, year)
    if not totals["rows"]:
        return [NO_ENERGY]
    energy = totals["energy_tce"]
    structure = [
        [_label(code), _d(values["energy_tce"]), f"{_d(values['energy_tce'] / energy * 100, 1)}%" if energy else ""]
        for code, values in sorted(totals["by_category"].items())
        if code in ENERGY_CATEGORIES
    ]
    return [
        (
            "para",
            f"{year} 年园区能源消费总量 {_d(energy)} tce（电力按当量值折算），其中可再生能源 "
            f"{_d(totals['renewable_tce'])} tce，占 {_d(totals['renewable_share'] * 100, 1)}%。{ROUNDING}",
        ),
        ("table", ["能源类别", "消费量（tce）", "占比"], structure),
    ]


def data_collection_section(session: Session, park_id: int, year: int) -> list[Block]:
    """Chapter 4 一、碳排放数据收集: per category, the enterprises, sources, rows and their quality, and the factors."""
    rows = queries.confirmed_rows(session, park_id, year)
    if not rows:
        return [NO_COLLECTION]
    by_category: dict[str, list[queries.TrailRow]] = defaultdict(list)
    for row in rows:
        by_category[row.category].append(row)
    quality = {code: zh for code, (zh, _en) in LABELS["data_quality"].items()}
    table = []
    for category in SourceCategory:
        items = by_category.get(category.value, [])
        if not items:
            continue
        counts: dict[str, int] = defaultdict(int)
        for item in items:
            counts[quality.get(item.quality, item.quality)] += 1
        factors = sorted({f"{r.factor['code']} v{r.factor['version']}" for r in items if r.factor})
        table.append(
            [
                _label(category.value),
                str(len({r.enterprise_id for r in items})),
                str(len({r.source_id for r in items})),
                str(len(items)),
                "、".join(f"{k} {v}" for k, v in sorted(counts.items())),
                "、".join(factors) or "—",
            ]
        )
    enterprises = len({row.enterprise_id for row in rows})
    return [
        ("para", f"{year} 年共收集 {enterprises} 家企业已确认的活动数据 {len(rows)} 行，按排放类别如下。"),
        ("table", ["排放类别", "企业数", "排放源数", "数据行", "数据质量", "所用排放因子（版本）"], table),
    ]


def emission_section(session: Session, park_id: int, year: int) -> list[Block]:
    """Chapter 4 二、碳排放情况分析: total, scope, structure, top emitters, intensity, change from last year."""
    view = overview.year_overview(session, park_id, year)
    if not view["rows"]:
        return [NO_EMISSIONS]
    scopes = "，".join(f"范围{s['scope']} {_d(s['emission'])} tCO₂" for s in view["scopes"])
    change = ""
    if view["change"] is not None:
        ratio = f"（{_d(view['change_ratio'] * 100, 1)}%）" if view["change_ratio"] is not None else ""
        change = f"较 {year - 1} 年变化 {_d(view['change'])} tCO₂{ratio}。"
    intensity = (
        f"园区碳排放强度 {_d(view['park_intensity'], 4)} tCO₂/万元（按填报产值的企业计）。"
        if view["park_intensity"] is not None
        else "企业尚未填报产值，碳排放强度无法计算。"
    )
    return [
        ("para", f"{year} 年园区温室气体排放总量 {_d(view['total'])} tCO₂，其中{scopes}。{change}{ROUNDING}"),
        (
            "table",
            ["排放类别", "排放量（tCO₂）", "占比"],
            [[c["label"][0], _d(c["emission"]), f"{_d(c['share'] * 100, 1)}%"] for c in view["categories"]],
        ),
        (
            "table",
            ["排放量前十的企业", "排放量（tCO₂）", "占比"],
            [[e["name"], _d(e["emission"]), f"{_d(e['share'] * 100, 1)}%"] for e in view["top"]],
        ),
        ("para", intensity),
    ]
