"""The Annex B review report's chapter 5 (一 actual completion per target; 二 against the baseline and indicators)
and the seeds of chapter 6 (problems and suggestions from missed or at-risk targets, significant deviations and
measures behind schedule), from the same read model as the performance page (overview.py), so the report and the
page give the same numbers.

Blocks as app/inventory/annex_b.py writes them: ("para", text), ("table", header, rows), ("todo", text).
"""

from collections import Counter
from datetime import date
from decimal import Decimal
from typing import Any

from sqlmodel import Session

from app.inventory.annex_b import Block
from app.inventory.calculation import display
from app.labels import label_zh
from app.performance import overview, status
from app.performance.calculation import IndicatorValue
from app.performance.models import DeviationState, Indicator
from app.performance.overview import Overview, TargetView
from app.performance.status import TargetStatus

ROUNDING = "（数值来自已确认的碳排放数据报送及附证据录入的参数，四舍五入显示。）"
NO_TARGETS = (
    "todo",
    "园区尚未设置碳排放管理目标和指标（7.1），请填写各项目标和指标的目标值、实际完成值和完成率。",
)
NO_INDICATORS = ("todo", "园区尚未设置碳排放管理绩效参数（7.4），请填写绩效参数值与碳排放管理基准的对比及偏差分析。")


def _places(indicator: Indicator) -> int:
    return 4 if "/" in indicator.unit else 2


def _n(value: Decimal | None, places: int = 2) -> str:
    return "—" if value is None else display(value, places)


def _v(value: Decimal | None, indicator: Indicator) -> str:
    return "—" if value is None else f"{display(value, _places(indicator))} {indicator.unit}"


def _pct(value: Decimal | None) -> str:
    return "—" if value is None else f"{display(value, 1)}%"


def _actual(view: TargetView) -> str:
    result = view.result
    if result.value is None:
        return "暂无数据"
    return f"{_v(result.value, view.indicator)}（{result.year} 年）"


def achievement(view: Overview) -> list[Block]:
    """第五章 一、实际完成情况: every target's actual against its target value, with its status and the rule."""
    if not view.targets:
        return [NO_TARGETS]
    counts = Counter(t.result.status for t in view.targets)
    tally = "、".join(f"{label_zh('target_status', s)} {counts[s]} 项" for s in TargetStatus if counts[s])
    rows = [
        [
            t.objective.title if t.objective else "",
            t.target.title,
            t.target.responsible_unit,
            _v(t.target.target_value, t.indicator),
            str(t.target.deadline.year),
            _v(t.baseline.value, t.indicator) if t.baseline else "—",
            _actual(t),
            _pct(t.completion_rate),
            label_zh("target_status", t.result.status),
        ]
        for t in view.targets
    ]
    return [
        (
            "para",
            f"截至 {view.year} 年，园区共有碳排放管理目标 {len(view.objectives)} 项、指标 {len(view.targets)} 项，"
            f"其中{tally}。{ROUNDING}",
        ),
        (
            "table",
            ["目标", "指标", "责任单位", "指标值", "截止年度", "基准", "实际值", "完成率", "完成状态"],
            rows,
        ),
        ("para", f"判定规则：{status.RULE_ZH}完成率＝（基准值−实际值）÷（基准值−指标值）。"),
    ]


def _value(value: IndicatorValue | None) -> Decimal | None:
    return value.value if value else None


def comparison(view: Overview) -> list[Block]:
    """第五章 二、与基准、绩效（指标）对比: each indicator against its baseline in force and last year; the
    significant deviations of the year and their investigation."""
    if not view.indicators:
        return [NO_INDICATORS]
    rows = []
    for item in view.indicators:
        indicator, baseline = item.indicator, item.baseline
        base = (
            f"{_v(baseline.value, indicator)}（{baseline.base_year or baseline.base_line}，第{baseline.version}版）"
            if baseline
            else "无现行有效的基准"
        )
        rows.append(
            [
                indicator.name,
                base,
                _v(_value(item.previous), indicator),
                _v(_value(item.value), indicator),
                _pct(item.change_from_baseline),
                _pct(overview.change_percent(_value(item.value), _value(item.previous))),
            ]
        )
    blocks: list[Block] = [
        ("para", f"{view.year} 年各项碳排放管理绩效参数与碳排放管理基准（7.5）及上年的对比如下。{ROUNDING}"),
        ("table", ["绩效参数", "基准", f"{view.year - 1} 年", f"{view.year} 年", "较基准", "较上年"], rows),
    ]
    missing = [i.indicator.name for i in view.indicators if i.baseline is None]
    if missing:
        blocks.append(("para", f"尚无经批准的碳排放管理基准的绩效参数：{'、'.join(missing)}。"))
    if view.deviations:
        names = view.names
        blocks.append(("para", f"{view.year} 年监测发现严重偏离 {len(view.deviations)} 项（10.1.1）："))
        blocks.append(
            (
                "table",
                ["绩效参数", "数值", "参照", "偏离", "调查和响应", "不符合项"],
                [
                    [
                        names.get(d.indicator_id, str(d.indicator_id)),
                        _n(d.value, 4),
                        f"{_n(d.reference_value, 4)}（{'指标' if d.reference_kind == 'target' else '基准'}）",
                        f"劣于参照 {_pct(d.deviation_percent)}（阈值 {_pct(d.threshold_percent)}）",
                        label_zh("deviation_state", d.state) + (f"：{d.response}" if d.response else ""),
                        "已提出" if d.nonconformity_id else "—",
                    ]
                    for d in view.deviations
                ],
            )
        )
    else:
        blocks.append(("para", f"{view.year} 年监测未发现严重偏离。"))
    return blocks


def problems(view: Overview) -> list[str]:
    """第六章 一 seeds: missed and at-risk targets, the year's deviations, measures behind schedule."""
    lines = []
    for t in view.attention:
        if t.result.status == TargetStatus.missed:
            lines.append(
                f"指标“{t.target.title}”未完成：{_actual(t)}，指标值 {_v(t.target.target_value, t.indicator)}"
                f"（责任单位：{t.target.responsible_unit}）。"
            )
        else:
            lines.append(
                f"指标“{t.target.title}”有风险：{_actual(t)}，按进度应达到 {_v(t.result.expected, t.indicator)}"
                f"（责任单位：{t.target.responsible_unit}）。"
            )
    names = view.names
    for d in view.deviations:
        raised = "，已转为不符合项" if d.nonconformity_id else ""
        lines.append(
            f"绩效参数“{names.get(d.indicator_id, d.indicator_id)}”{d.year} 年严重偏离，劣于参照 "
            f"{_pct(d.deviation_percent)}（阈值 {_pct(d.threshold_percent)}），{label_zh('deviation_state', d.state)}"
            f"{raised}。"
        )
    for m in view.behind:
        overdue = "、".join(f"{ms.title}（应于 {ms.due_date.isoformat()}）" for ms in m.overdue_milestones)
        lines.append(f"实施方案措施“{m.measure.title}”进度滞后{('：' + overdue) if overdue else ''}。")
    return lines


def suggestions(view: Overview) -> list[str]:
    """第六章 二 seeds: one action per problem above."""
    lines = [
        f"针对指标“{t.target.title}”分析原因，调整实施方案或补充减排措施，由{t.target.responsible_unit}明确完成时限（7.1、7.2）。"
        for t in view.attention
    ]
    names = view.names
    lines += [
        f"完成对绩效参数“{names.get(d.indicator_id, d.indicator_id)}”严重偏离的调查和响应（10.1.1）。"
        for d in view.deviations
        if d.state != DeviationState.closed
    ]
    lines += [f"督促措施“{m.measure.title}”按里程碑推进，必要时调整实施方案（7.2）。" for m in view.behind]
    return lines


def sections(session: Session, park_id: int, year: int, as_of: date) -> dict[str, Any]:
    """What the review report's chapters 5 and 6 take from the performance data (one read model for all); a
    milestone is overdue as of the report's date."""
    view = overview.performance_overview(session, park_id, year, today=as_of)
    return {
        "achievement": achievement(view),
        "comparison": comparison(view),
        "problems": problems(view),
        "suggestions": suggestions(view),
    }
