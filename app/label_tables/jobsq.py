"""Words of the background jobs (app/jobs) and of their admin page (/admin/jobs), merged into app/labels.py.

Imports nothing, so the core label table may take it in.
"""

JOBSQ_LABELS: dict[str, dict[str, tuple[str, str]]] = {
    "job_state": {
        "queued": ("排队中", "Queued"),
        "running": ("运行中", "Running"),
        "done": ("已完成", "Done"),
        "failed": ("已失败", "Failed"),
    },
    "job_kind": {
        "daily_reminders": ("每日待办提醒", "Daily reminders"),
    },
    "job_action": {
        "requeue": ("重新排队", "Queue again"),
    },
    "entity": {"job": ("后台任务", "background job")},
    "event": {
        "job.start": ("后台任务开始运行", "Background job started"),
        "job.succeed": ("后台任务完成", "Background job done"),
        "job.retry_later": ("后台任务失败，稍后重试", "Background job failed, to be retried"),
        "job.give_up": ("后台任务多次失败，已停止重试", "Background job failed for good"),
        "job.requeue": ("后台任务重新排队", "Background job queued again"),
        "job.recover": ("后台任务的运行进程已中断，重新排队", "Background job recovered from a dead runner"),
    },
    # the admin page's own words
    "jobs_page": {
        "title": ("后台任务", "Background jobs"),
        "intro": (
            "识别、预览、每日提醒等后台任务。失败的任务在排除原因后可重新排队；时间为本园区时区。",
            "Recognition, previews, daily reminders and other background work. A failed job may be queued again "
            "once its cause is fixed; times are in the park's zone.",
        ),
        "filter": ("状态", "State"),
        "all": ("全部", "All"),
        "show": ("筛选", "Filter"),
        "id": ("编号", "No."),
        "kind": ("类型", "Kind"),
        "key": ("对象", "Key"),
        "state": ("状态", "State"),
        "attempts": ("尝试次数", "Attempts"),
        "last_error": ("最近错误", "Last error"),
        "times": ("时间", "Times"),
        "created": ("创建", "Created"),
        "run_after": ("计划运行", "Due"),
        "started": ("开始", "Started"),
        "finished": ("结束", "Finished"),
        "worker": ("运行者", "Worker"),
        "actions": ("操作", "Actions"),
        "none": ("没有符合条件的任务。", "No jobs match."),
        "requeued": ("任务已重新排队。", "The job was queued again."),
        "more": ("仅显示最近的任务。", "Only the latest jobs are shown."),
    },
}
