"""Labels of objectives, targets, completion and measures (perftargets); merged into app/labels.py's table."""

Pair = tuple[str, str]

LABELS_TARGETS: dict[str, dict[str, Pair]] = {
    "objective_category": {
        "compliance": ("满足碳排放法律法规及相关标准的要求", "Meet carbon legal and standard requirements"),
        "performance": ("达到碳排放绩效改进的预期结果", "Achieve the intended performance improvement"),
        "fulfilment": ("完成碳排放履约", "Fulfil carbon compliance obligations"),
        "carbon_assets": ("实现碳资产开发和利用的预期效果", "Develop and use carbon assets as intended"),
        "social_responsibility": ("履行节能降碳的社会责任", "Fulfil the social responsibility of saving energy"),
    },
    "consideration": {
        "reduction_and_intensity": ("碳减排量及碳排放强度", "Reductions and emission intensity"),
        "carbon_assets": ("碳资产盈亏", "Carbon asset gains and losses"),
        "trading": ("碳排放的交易与管理", "Emission trading and management"),
        "social_responsibility": ("社会责任", "Social responsibility"),
        "production_plan": ("自身的生产计划", "Own production plan"),
        "industry_benchmark": ("行业先进值", "Industry benchmark"),
        "other": ("其他应当考虑的因素（如外部合规性要求）", "Other factors (e.g. external compliance)"),
    },
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
    "entity": {
        "objective": ("碳排放管理目标", "objective"),
        "target": ("碳排放管理指标", "target"),
        "measure": ("碳排放管理实施方案措施", "implementation measure"),
        "milestone": ("里程碑", "milestone"),
        "responsibility_letter": ("目标和指标责任书", "responsibility letter"),
        "target_completion": ("目标和指标完成情况", "target completion"),
    },
    "event": {
        "objective.create": ("新建目标", "created an objective"),
        "objective.update": ("修改目标", "changed an objective"),
        "objective.withdraw": ("撤销目标", "withdrew an objective"),
        "target.create": ("新建指标", "created a target"),
        "target.update": ("修改指标", "changed a target"),
        "target.withdraw": ("撤销指标", "withdrew a target"),
        "measure.create": ("新建实施措施", "created a measure"),
        "measure.update": ("修改实施措施", "changed a measure"),
        "measure.progress": ("记录措施进展", "recorded a measure's progress"),
        "milestone.create": ("新增里程碑", "added a milestone"),
        "milestone.done": ("完成里程碑", "completed a milestone"),
        "target_completion.file_checklist": ("归档目标和指标完成情况检查表", "filed the target completion checklist"),
        "responsibility_letter.generate": ("生成目标和指标责任书", "generated a responsibility letter"),
    },
}
