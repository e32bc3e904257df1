"""The 《碳排放管理基准》 of one indicator as an editable .docx: the version being approved, its relevant variables
and activity levels, and every earlier version with its reason for adjustment (7.5), staged as a revision's file."""

import json
from decimal import Decimal

from app.docx_reports import add_table, document_bytes, new_report_document
from app.labels import label_zh
from app.performance.models import Baseline, Indicator
from app.timezones import fmt_date


def _number(value: Decimal | str | None) -> str:
    if value is None:
        return ""
    number = Decimal(str(value))
    return format(number.normalize(), "f") if number else "0"


def _base(baseline: Baseline) -> str:
    return (
        f"{baseline.base_year} 年" if baseline.base_year is not None and not baseline.base_line else baseline.base_line
    )


def render(indicator: Indicator, versions: list[Baseline], *, park_name: str, zone: str) -> bytes:
    """`versions`: every version of the indicator's baseline, oldest first; the last is the one being approved."""
    current = versions[-1]
    document = new_report_document()
    document.add_heading(f"{park_name}碳排放管理基准", level=0)
    document.add_paragraph(f"绩效参数：{indicator.code} {indicator.name}（第 {current.version} 版）")
    add_table(
        document,
        ["项目", "内容"],
        [
            ["层级", label_zh("indicator_level", indicator.level)],
            ["计算方法", label_zh("indicator_formula", indicator.formula)],
            ["计量单位", indicator.unit],
            ["确定方法", indicator.method or "按计算方法由已确认的碳排放清单计算"],
            ["基准年/基准线", _base(current)],
            ["基准值", f"{_number(current.value)} {indicator.unit}"],
        ],
        bold_header=True,
    )
    document.add_heading("相关变量及其活动水平", level=1)
    variables = json.loads(current.variables_json or "[]")
    if variables:
        rows = [[v.get("name"), v.get("unit"), _number(v.get("value")), v.get("source")] for v in variables]
        add_table(document, ["变量", "单位", "活动水平", "数据来源"], rows, bold_header=True)
    else:
        document.add_paragraph("未列出相关变量。")
    if current.version > 1:
        previous = versions[-2]
        document.add_heading("本次调整", level=1)
        document.add_paragraph(f"调整原因：{label_zh('adjustment_reason', current.adjustment_reason)}")
        document.add_paragraph(
            f"基准值由 {_number(previous.value)} 调整为 {_number(current.value)} {indicator.unit}"
            f"（{_base(previous)} → {_base(current)}）。"
        )
        if current.adjustment_note:
            document.add_paragraph(f"说明：{current.adjustment_note}")
    document.add_heading("版本记录", level=1)
    history = [
        [
            str(v.version),
            _base(v),
            _number(v.value),
            label_zh("adjustment_reason", v.adjustment_reason) if v.adjustment_reason else "建立",
            fmt_date(v.created_at, zone),
        ]
        for v in versions
    ]
    add_table(document, ["版本", "基准年/基准线", "基准值", "调整原因", "日期"], history, bold_header=True)
    document.add_paragraph("本文件由 carbonms 依据碳排放管理绩效参数和已确认的碳排放清单生成，经审核、批准后生效。")
    return document_bytes(document)
