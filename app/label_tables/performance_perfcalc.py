"""Labels of indicators, their values and baselines (7.4, 7.5), merged into `app.labels.LABELS`.

Plain data, importing nothing: `app/labels.py` is core and merges this table by kind.
"""

Pair = tuple[str, str]

LABELS: dict[str, dict[str, Pair]] = {
    "indicator_level": {
        "park": ("园区", "Park"),
        "enterprise": ("企业", "Enterprise"),
        "process": ("重点工序", "Key process"),
        "equipment": ("重点设备设施", "Key equipment"),
    },
    "indicator_formula": {
        "total_emission": ("碳排放总量", "Total emissions"),
        "intensity_output_value": ("单位产值碳排放强度", "Emission intensity per output value"),
        "intensity_product": ("单位产品碳排放强度", "Emission intensity per product"),
        "renewable_share": ("可再生能源占比", "Share of renewable energy"),
        "scope_emission": ("范围排放量", "Scope emissions"),
        "energy_consumption": ("综合能耗", "Energy consumption"),
        "manual": ("手工录入（附证据）", "Entered with evidence"),
    },
    "frequency": {
        "annual": ("每年", "Annual"),
        "quarterly": ("每季度", "Quarterly"),
        "monthly": ("每月", "Monthly"),
    },
    "direction": {
        "lower": ("越低越好", "Lower is better"),
        "higher": ("越高越好", "Higher is better"),
    },
    "deviation_reference": {
        "target": ("指标进度", "The target's path"),
        "baseline": ("基准", "The baseline"),
    },
    "value_missing": {
        "no_inventory": ("该年度尚无已确认的碳排放数据", "No confirmed inventory data for the year"),
        "no_economic_data": ("该年度尚无经济数据（产值）", "No economic data (output value) for the year"),
        "no_product_output": ("该年度尚无产品产量", "No product output for the year"),
        "no_energy": ("该年度尚无能源消费数据", "No energy consumption for the year"),
        "no_manual_value": ("该期间尚未录入数值", "No value entered for the period"),
    },
    "adjustment_reason": {
        "indicator_no_longer_reflects": (
            "a) 碳排放管理绩效参数不再反映产业园区碳排放管理绩效",
            "a) the indicator no longer reflects the park's performance",
        ),
        "static_factors_changed": (
            "b) 静态因素（如边界、规模）发生了重大变化",
            "b) a significant change of static factors (e.g. boundary, scale)",
        ),
        "factors_or_method_changed": (
            "c) 排放因子和核算方法发生变化",
            "c) a change of emission factors or the accounting method",
        ),
    },
    "entity": {
        "indicator": ("碳排放管理绩效参数", "performance indicator"),
        "manual_value": ("绩效参数录入值", "indicator value entered"),
        "baseline": ("碳排放管理基准", "baseline"),
    },
    "event": {
        "indicator.create": ("建立碳排放管理绩效参数", "created a performance indicator"),
        "indicator.update": ("修改碳排放管理绩效参数", "changed a performance indicator"),
        "indicator.deactivate": ("停用碳排放管理绩效参数", "deactivated a performance indicator"),
        "indicator.activate": ("重新启用碳排放管理绩效参数", "reactivated a performance indicator"),
        "manual_value.enter": ("录入绩效参数数值", "entered an indicator value"),
        "manual_value.correct": ("更正绩效参数数值（新版本）", "corrected an indicator value (new version)"),
        "baseline.create": ("建立碳排放管理基准", "created a baseline"),
        "baseline.adjust": ("调整碳排放管理基准（新版本）", "adjusted a baseline (new version)"),
    },
}
