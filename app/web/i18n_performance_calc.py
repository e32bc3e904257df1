"""The indicator and baseline pages' flash messages (pages_performance_calc.py), merged into i18n.TEXT."""

TEXT: dict[str, tuple[str, str]] = {
    "flash.indicator_created": ("绩效参数已建立。", "Indicator created."),
    "flash.indicator_deactivated": ("绩效参数已停用。", "Indicator deactivated."),
    "flash.indicator_activated": ("绩效参数已重新启用。", "Indicator reactivated."),
    "flash.value_entered": ("数值已录入。", "Value entered."),
    "flash.value_corrected": ("数值已更正，原值保留在记录中。", "Value corrected; the old one stays on record."),
    "flash.baseline_created": (
        "基准已建立：《碳排放管理基准》的新版本待提交审批。",
        "Baseline created: the baseline document's new revision awaits approval.",
    ),
    "flash.baseline_adjusted": (
        "基准已调整为新版本：批准并发布后替代现行基准。",
        "Baseline adjusted: the new version replaces the one in force once approved and published.",
    ),
}
