"""Words of retention (保管期限) and disposition (鉴定销毁): the classes of 国家档案局令第10号, a disposition batch's
states and steps, an appraisal's opinions and a legal hold's scope, merged into app/labels.py's one table.

Imports nothing, so the core label table may take it in.
"""

RETENTION_LABELS: dict[str, dict[str, tuple[str, str]]] = {
    "retention": {
        "permanent": ("永久", "Permanent"),
        "30y": ("30 年", "30 years"),
        "10y": ("10 年", "10 years"),
    },
    "disposition_state": {
        "proposed": ("待鉴定", "Proposed"),
        "appraised": ("已鉴定，待批准", "Appraised"),
        "approved": ("已批准，待销毁", "Approved"),
        "destroyed": ("已销毁", "Destroyed"),
        "rejected": ("已驳回", "Rejected"),
    },
    "disposition_action": {
        "appraise": ("鉴定", "appraise"),
        "approve": ("批准销毁", "approve"),
        "reject": ("驳回", "reject"),
        "destroy": ("销毁", "destroy"),
    },
    # the tasks page's groups (merged into "task")
    "task": {
        "disposition_appraise": ("待鉴定的销毁批次", "Disposition batches to appraise"),
        "disposition_approve": ("待签署批准的销毁批次", "Disposition batches to approve"),
        "disposition_destroy": ("已批准待销毁的批次", "Approved batches to destroy"),
    },
    "opinion": {
        "destroy": ("销毁", "Destroy"),
        "keep": ("延长保管", "Keep longer"),
    },
    # the audit trail's words for retention's events and entities (merged into "event" and "entity")
    "event": {
        "retention.set_class": ("调整保管期限", "set the retention class"),
        "legal_hold.place": ("设置法律保全", "placed a legal hold"),
        "legal_hold.release": ("解除法律保全", "released a legal hold"),
        "disposition.propose": ("提出销毁鉴定", "proposed for disposition"),
        "disposition.appraise": ("鉴定", "appraised"),
        "disposition.approve": ("签署批准销毁", "approved the destruction (signed)"),
        "disposition.reject": ("驳回销毁", "rejected the disposition"),
        "disposition.destroy": ("执行销毁", "carried out the destruction"),
        "revision.destroy": ("文件按保管期限销毁", "file destroyed at the end of its retention"),
    },
    "entity": {
        "legal_hold": ("法律保全", "legal hold"),
        "disposition_batch": ("销毁批次", "disposition batch"),
        "retention": ("保管期限", "retention"),
    },
    "hold_scope": {
        "document": ("文件", "Document"),
        "doc_type": ("文件类型", "Document type"),
    },
}
