"""The words of the pages that lead the way: the document page's steps (why a step is not offered, who acts next,
one heading per form, confirmations), the audit trail's links, the checklist form, a corrective action's evidence.

Kept beside app/web/i18n.py (which merges this table into TEXT) so the streams that add words do not collide.
"""

FLOW_TEXT: dict[str, tuple[str, str]] = {
    # the document page: one headed form per step
    "step.heading.submit": ("提交", "Submit"),
    "step.heading.review": ("审核并签名", "Review and sign"),
    "step.heading.approve": ("批准并签名", "Approve and sign"),
    "step.heading.confirm": ("确认记录并签名", "Confirm the record and sign"),
    "step.heading.reject": ("退回编制人", "Return to the preparer"),
    "step.heading.publish": ("发布", "Publish"),
    "step.heading.obsolete": ("作废文件", "Make the document obsolete"),
    "step.heading.void": ("作废记录", "Void the record"),
    "step.review_comment": ("审核意见", "Review comment"),
    "step.approve_comment": ("批准意见", "Approval comment"),
    "step.reject_reason": ("退回原因", "Reason for returning it"),
    "step.submit_hint": (
        "提交后版本进入下一步，编制中的内容不能再修改。",
        "Once submitted, the revision moves on and can no longer be changed.",
    ),
    "step.publish_hint": (
        "发布后此版本现行有效，原现行版本被替代。",
        "Once published this revision is effective and the previous one is superseded.",
    ),
    "step.confirm_obsolete": (
        "我确认作废此文件：作废后它不再现行有效，且不能撤销。",
        "I confirm: the document will no longer be effective, and this cannot be undone.",
    ),
    "step.confirm_void": (
        "我确认作废此记录：作废后它不再作为证据，且不能撤销。",
        "I confirm: the record will no longer count as evidence, and this cannot be undone.",
    ),
    "step.not_offered": ("未向您提供的步骤", "Steps not offered to you"),
    "step.next_line": ("下一步：{action}，由{roles}执行。", "Next step: {action}, taken by {roles}."),
    "step.next_people": ("可执行的人员：", "People who may take it: "),
    "step.next_nobody": (
        "园区中目前没有可执行此步骤的在用账号，请管理员添加。",
        "No active account in the park may take this step yet; ask the administrator to add one.",
    ),
    "step.error": ("未能完成：", "Not done: "),
    "step.password_kept": ("出于安全原因，密码需要重新输入。", "For security, type the password again."),
    # the audit trail and document history
    "events.action_all": ("全部操作", "All actions"),
    "events.object": ("对象", "Object"),
    # the checklist: every line in one form
    "audits.save_all": ("保存全部审核结论", "Save all verdicts"),
    "audits.save_all_hint": (
        "一次保存所有已填写的行；任何一行有误时都不会保存，并在该行显示原因。",
        "Saves every line you filled in at once; if any line is wrong nothing is saved and that line says why.",
    ),
    "audits.line_error": ("此行未保存：", "This line was not saved: "),
    "audits.lines_not_saved": (
        "有 {count} 行需要修改，所有结论均未保存。",
        "{count} line(s) need correcting; no verdict was saved.",
    ),
    "audits.unchanged": ("（不变）", "(unchanged)"),
    "flash.lines_marked": ("审核结论已保存。", "Verdicts saved."),
    # a corrective action's evidence of completion
    "nc.evidence_numbers": ("证据文件编号", "Evidence control numbers"),
    "nc.evidence_numbers_hint": (
        "填写证明措施完成的文件或记录的编号，多个用逗号分隔；指定版本写作 编号@版本号，例如 CMS-001@2。",
        "Control numbers of the documents or records that show the action is done, separated by commas; "
        "a given revision is written number@revision, e.g. CMS-001@2.",
    ),
    "nc.evidence_links": ("证据", "Evidence"),
    "nc.line_ref": ("第 {position} 行（{clause}）", "line {position} ({clause})"),
}
