"""The words of the retention pages (保管期限、鉴定销毁、法律保全、销毁清册) and of the document page's retention line.

Kept beside app/web/i18n.py (which merges this table into TEXT) so the streams that add words do not collide.
"""

RETENTION_TEXT: dict[str, tuple[str, str]] = {
    "nav.retention": ("保管与销毁", "Retention"),
    "ret.title": ("保管期限与鉴定销毁", "Retention and disposition"),
    "ret.rule": (
        "保管期限依据《企业文件材料归档范围和档案保管期限规定》（国家档案局令第10号，2012）分为永久、30 年、10 年，"
        "自记录归档或版本失效的次年 1 月 1 日起算。到期的版本经鉴定、批准（电子签名）后方可销毁文件内容；"
        "版本、签名和历史保留，并留下销毁记录。",
        "Retention classes follow National Archives Administration Order No. 10 (2012): permanent, 30 years, "
        "10 years, counted from 1 January of the year after a record was filed or a revision ended. A revision past "
        "its retention may have its file destroyed only after appraisal and a signed approval; the revision, its "
        "signatures and history stay, with a record of the destruction.",
    ),
    "ret.due": ("已过保管期限（销毁清单）", "Past their retention (disposition list)"),
    "ret.due_empty": ("没有已过保管期限的版本。", "Nothing is past its retention."),
    "ret.end": ("保管到期", "Retention ends"),
    "ret.class": ("保管期限", "Retention"),
    "ret.revision": ("版本", "Revision"),
    "ret.in_batch": ("已在批次 {n}", "in batch {n}"),
    "ret.propose": ("提出销毁鉴定", "Propose for appraisal"),
    "ret.comment": ("说明", "Comment"),
    "ret.batches": ("销毁批次", "Disposition batches"),
    "ret.batches_empty": ("尚无销毁批次。", "No batches yet."),
    "ret.batch": ("销毁批次 {n}", "Disposition batch {n}"),
    "ret.proposed_by": ("提出人", "Proposed by"),
    "ret.appraised_by": ("鉴定人", "Appraised by"),
    "ret.approved_by": ("批准人（电子签名）", "Approved by (e-signature)"),
    "ret.destroyed_by": ("销毁人", "Destroyed by"),
    "ret.rejected": ("驳回原因", "Rejected because"),
    "ret.items": ("批次内容", "Items"),
    "ret.opinion": ("鉴定意见", "Opinion"),
    "ret.keep_until": ("延长至", "Keep until"),
    "ret.appraise": ("提交鉴定意见", "Record the appraisal"),
    "ret.approve": ("签署批准销毁", "Sign the approval"),
    "ret.password": ("再次输入密码（电子签名）", "Your password again (electronic signature)"),
    "ret.reject": ("驳回", "Reject"),
    "ret.reason": ("原因", "Reason"),
    "ret.destroy": ("执行销毁", "Destroy the files"),
    "ret.destroy_hint": (
        "销毁后文件内容不可恢复；版本、签名、历史和销毁记录保留。",
        "Destroyed files cannot be recovered; the revisions, signatures, history and the record of destruction stay.",
    ),
    "ret.holds": ("法律保全（冻结）", "Legal holds"),
    "ret.holds_empty": ("没有生效的法律保全。", "No active legal hold."),
    "ret.hold_target": ("对象", "On"),
    "ret.placed_by": ("设置人", "Placed by"),
    "ret.place_hold": ("设置法律保全", "Place a legal hold"),
    "ret.hold_document": ("文件编号（ID）", "Document (id)"),
    "ret.hold_type": ("或文件类型", "or document type"),
    "ret.release": ("解除", "Release"),
    "ret.types": ("各类文件的保管期限", "Retention class per document type"),
    "ret.default": ("条款映射", "Clause map"),
    "ret.park": ("本园区", "This park"),
    "ret.set_class": ("调整", "Set"),
    "ret.use_default": ("恢复默认", "Use the clause map's"),
    "ret.register": ("销毁清册", "Destruction register"),
    "ret.register_empty": ("尚无销毁记录。", "Nothing has been destroyed."),
    "ret.export": ("导出 .xlsx", "Export .xlsx"),
    "ret.destroyed_at": ("销毁时间", "Destroyed at"),
    "ret.line_running": ("保管至 {date}", "kept until {date}"),
    "ret.line_permanent": ("永久保管", "kept permanently"),
    "ret.line_not_started": ("保管期限自失效或归档次年起算", "counts from the year after it ends or is filed"),
    "ret.line_hold": ("法律保全中", "under a legal hold"),
    "ret.line_destroyed": ("文件已于 {time} 按保管期限鉴定销毁", "file destroyed on {time} after appraisal"),
    "flash.retention_proposed": ("已提出销毁鉴定。", "Proposed for appraisal."),
    "flash.retention_done": ("已完成。", "Done."),
    "flash.retention_hold": ("法律保全已更新。", "Legal hold updated."),
    "flash.retention_class": ("保管期限已更新。", "Retention class updated."),
}
