"""Labels of significant deviations and their investigation (10.1.1), merged into `app.labels.LABELS`.

Imports nothing: `app.labels` (core) reads this table, so it must not pull in the domain.
"""

Pair = tuple[str, str]

MONITOR_LABELS: dict[str, dict[str, Pair]] = {
    "deviation_state": {
        "open": ("待调查", "Open"),
        "investigating": ("调查中", "Investigating"),
        "closed": ("已响应关闭", "Closed"),
    },
    "deviation_action": {
        "investigate": ("开始调查", "Start the investigation"),
        "raise_nonconformity": ("提出不符合项", "Raise a nonconformity"),
        "close": ("记录响应并关闭", "Record the response and close"),
        "reopen": ("重新打开", "Reopen"),
    },
    "deviation_reference": {
        "target": ("指标进度", "Target path"),
        "baseline": ("基准", "Baseline"),
    },
    # The words of app/performance/status.py and MeasureStatus (the review inputs show them; perftargets may own
    # the same keys: the words must stay identical).
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
    "readiness_finding": {
        "objective_without_targets": ("目标未分解为指标", "Objective without targets"),
        "target_without_value": ("指标缺少上一期的绩效参数值", "Target without an indicator value for the past period"),
        "baseline_never_approved": ("基准从未批准", "Baseline never approved"),
    },
    "entity": {"deviation": ("绩效偏离", "performance deviation")},
    "event": {
        "deviation.detect": ("发现绩效严重偏离", "detected a significant deviation"),
        "deviation.assign": ("指派偏离调查人", "assigned a deviation's investigator"),
        "deviation.investigate": ("开始调查偏离", "started investigating a deviation"),
        "deviation.raise_nonconformity": ("就偏离提出不符合项", "raised a nonconformity from a deviation"),
        "deviation.link_nonconformity": ("关联偏离与不符合项", "linked a deviation to its nonconformity"),
        "deviation.close": ("记录偏离响应并关闭", "closed a deviation with its response"),
        "deviation.reopen": ("重新打开偏离", "reopened a deviation"),
        "deviation.file_record": ("归档偏离调查与响应记录", "filed the deviation investigation record"),
    },
    "task": {
        "deviation_investigate": ("待调查的绩效偏离", "Deviations to investigate"),
        "deviation_respond": ("待完成调查与响应的偏离", "Deviations to respond to"),
        "deviation_file_record": ("待归档的偏离调查记录", "Deviation records to file"),
    },
}
