"""The words of the dashboard's item lists, the reports page and drafting from a template (Chinese first).

Kept apart from i18n.py so the streams that add pages do not edit the same lines; i18n.TEXT takes them in.
"""

TEXT: dict[str, tuple[str, str]] = {
    # dashboard
    "dash.explain": (
        "覆盖率＝已满足的事项 ÷ 适用事项；进展＝已满足或进行中的事项 ÷ 适用事项。"
        "一个“事项”是某一条款要求的一类文件或记录：计数的是事项，不是条款，同一类文件服务几个条款就计几项。",
        "Coverage = items met ÷ applicable items; progress = items met or in progress ÷ applicable items. "
        "An “item” is one type of document or record that a clause requires: the figures count items, not clauses, "
        "and a type serving several clauses counts once for each.",
    ),
    "dash.contributor_scope": (
        "您是填报人：这里只计入您有权查看的文件和记录（公开的，以及您本人登记的），其他人的内部文件不计入；"
        "待办只列出您本人的事项。",
        "You are a contributor: only the documents and records you may see (public ones and those you registered) "
        "are counted here, not other people's internal documents; your tasks list only your own.",
    ),
    "dash.open_list": ("查看清单：%s", "Open the list: %s"),
    "dash.items_overdue": ("项已逾期", "items overdue"),
    "dash.items_due": ("项即将到期", "items due"),
    "dash.my_tasks_overdue": ("项我的待办已逾期", "of my tasks overdue"),
    "dash.col_due": ("到期", "Due"),
    # the item lists
    "items.title": ("就绪度事项清单", "Readiness items"),
    "items.title_state": ("就绪度事项：%s", "Readiness items: %s"),
    "items.filter": ("筛选", "Filter"),
    "items.state": ("状态", "State"),
    "items.all_states": ("全部状态", "All states"),
    "items.chapter": ("章", "Chapter"),
    "items.all_chapters": ("全部章", "All chapters"),
    "items.clause_filter": ("条款：%s", "Clause: %s"),
    "items.count": ("共 %s 项", "%s items"),
    "items.none": ("没有符合条件的事项。", "No item matches."),
    "items.reason": ("说明", "Why"),
    "items.due_date": ("到期日", "Due by"),
    "items.register": ("登记此类", "Register this type"),
    "items.register_label": ("登记此类：%s", "Register this type: %s"),
    "items.back": ("返回就绪度总览", "Back to the readiness overview"),
    "items.state.met": ("已满足", "Met"),
    "items.state.due": ("即将到期", "Due"),
    "items.state.overdue": ("已逾期", "Overdue"),
    "items.state.missing": ("缺失", "Missing"),
    "items.state.in_progress": ("进行中", "In progress"),
    "items.state.not_applicable": ("不适用", "Not applicable"),
    # reports and exports
    "nav.reports": ("报告与导出", "Reports and exports"),
    "reports.title": ("报告与导出", "Reports and exports"),
    "reports.intro": (
        "生成的文件按您的权限制作：您看不到的文件不会出现在导出中。较大的证据包需要一些时间。",
        "Every file is made with your access: what you may not read is left out. Large evidence packages take a while.",
    ),
    "reports.annex_b": ("体系评审报告（附录 B）", "System review report (Annex B)"),
    "reports.annex_b_hint": ("按年度生成，内容取自系统中的数据。", "One per year, filled from the system's data."),
    "reports.year": ("年度", "Year"),
    "reports.evidence": ("证据包", "Evidence package"),
    "reports.evidence_hint": (
        "受控副本、索引、清单与就绪度快照，可按条款、按章或全部。",
        "Controlled copies, an index, a manifest and a readiness snapshot: per clause, per chapter or all.",
    ),
    "reports.scope": ("范围", "Scope"),
    "reports.scope_all": ("全部条款", "All clauses"),
    "reports.scope_chapter": ("第 %s 章", "Chapter %s"),
    "reports.register": ("文件和记录清单", "Document and record register"),
    "reports.register_hint": ("全部您可查看的文件和记录。", "Every document and record you may read."),
    "reports.oscal": ("OSCAL 导出", "OSCAL exports"),
    "reports.oscal_hint": (
        "条款映射目录与就绪度评估结果（OSCAL 1.1 JSON）。",
        "The clause map catalog and the readiness assessment results (OSCAL 1.1 JSON).",
    ),
    "reports.oscal_catalog": ("OSCAL 目录", "OSCAL catalog"),
    "reports.oscal_results": ("OSCAL 评估结果", "OSCAL assessment results"),
    "reports.audits": ("内审报告", "Internal audit reports"),
    "reports.nonconformities": ("不符合项报告", "Nonconformity reports"),
    "reports.reviews": ("管理评审报告", "Management review reports"),
    "reports.none_yet": ("尚无。", "None yet."),
    "reports.download": ("下载", "Download"),
    "reports.download_named": ("下载：%s", "Download: %s"),
    "reports.making": ("正在生成“%s”，请稍候…", "Making “%s”, please wait…"),
    "reports.ready": ("“%s”已生成，下载已开始。", "“%s” is ready: the download has started."),
    "reports.failed": ("“%s”未能生成：%s", "“%s” could not be made: %s"),
    # drafting from a template
    "template.draft": ("按模板起草", "Draft from the template"),
    "template.draft_hint": (
        "按此文件类型的模板生成一版草稿（含条款要求原文），之后可下载修改再上传新版本。",
        "Makes a draft revision from this type's template (with the clause text quoted); download it, edit it and "
        "upload the next revision.",
    ),
    "template.register_and_draft": ("登记并按模板起草", "Register and draft from the template"),
    "template.record_label": (
        "按模板起草：%s（下载填好后用上方表单登记）",
        "Draft from the template: %s (fill it in, then register it above)",
    ),
    "template.none": ("此文件类型没有模板。", "This document type has no template."),
    "flash.template_drafted": ("已按模板生成草稿版本。", "A draft revision was made from the template."),
    "flash.registered_drafted": (
        "文件已登记，并已按模板生成第一版草稿。",
        "Document registered, and its first draft made from the template.",
    ),
}
