"""Words of the performance page (碳排放绩效) and of the Annex B chapters 5 and 6 it feeds: the target status of
status.py, a measure's status and a deviation's state, merged into app/labels.py's one table.

Imports nothing, so the core label table may take it in.
"""

PERFWEB_LABELS: dict[str, dict[str, tuple[str, str]]] = {
    "target_status": {
        "achieved": ("已完成", "Achieved"),
        "on_track": ("按计划推进", "On track"),
        "at_risk": ("有风险", "At risk"),
        "missed": ("未完成", "Missed"),
        "no_data": ("暂无数据", "No data"),
    },
    "measure_status": {
        "planned": ("未开始", "Planned"),
        "in_progress": ("实施中", "In progress"),
        "completed": ("已完成", "Completed"),
        "behind": ("滞后", "Behind schedule"),
        "cancelled": ("已取消", "Cancelled"),
    },
    # why an indicator has no value for a period (calculation.IndicatorValue.missing)
    "indicator_missing": {
        "no_inventory": ("该年度尚无已确认的碳排放数据", "No confirmed inventory for the year"),
        "no_economic_data": ("企业尚未填报产值", "No output value reported"),
        "no_product_output": ("企业尚未填报产品产量", "No product output reported"),
        "no_energy": ("该年度无能源消费数据", "No energy consumption for the year"),
        "no_manual_value": ("尚未录入该期数值", "No value entered for the period"),
    },
    # shown on the indicator's page; perfcalc's labels may carry the same kinds (same words: the 7.4/7.5 terms)
    "indicator_level": {
        "park": ("园区", "Park"),
        "enterprise": ("企业", "Enterprise"),
        "process": ("重点工序", "Key process"),
        "equipment": ("重点设备设施", "Key equipment"),
    },
    "deviation_state": {
        "open": ("待调查", "Open"),
        "investigating": ("调查中", "Investigating"),
        "closed": ("已响应关闭", "Closed"),
    },
}
