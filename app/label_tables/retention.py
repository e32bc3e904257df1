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
    "opinion": {
        "destroy": ("销毁", "Destroy"),
        "keep": ("延长保管", "Keep longer"),
    },
    "hold_scope": {
        "document": ("文件", "Document"),
        "doc_type": ("文件类型", "Document type"),
    },
}
