"""The web interface's words in Chinese (first) and English: one table, used by templates through t(key).

Domain labels (states, actions, roles, readiness statuses, signature meanings) come from the domains' own label
tables, so a state is named the same way in the API, the CLI and the pages.
"""

from collections.abc import Mapping
from typing import Any

from app.labels import LABELS as LABELS_TABLE
from app.readiness.service import CHAPTER_TITLES
from app.web.i18n_dashboard import TEXT as DASHBOARD_TEXT
from app.web.i18n_distribution import DISTRIBUTION_TEXT
from app.web.i18n_flow import FLOW_TEXT
from app.web.i18n_performance_calc import TEXT as PERFORMANCE_CALC_TEXT
from app.web.i18n_retention import RETENTION_TEXT
from app.web.i18n_search import SEARCH_TEXT

LANGUAGES = ("zh", "en")

TEXT: dict[str, tuple[str, str]] = {
    # layout
    "app.name": ("园区碳排放管理体系文件控制", "Park carbon management documents"),
    "app.footer": (
        "依据 T/CPQS ZC001—2025《产业园区碳排放管理体系建设规范》。",
        "Following T/CPQS ZC001—2025 for park carbon emission management systems.",
    ),
    "nav.skip": ("跳到正文", "Skip to content"),
    "nav.main": ("主导航", "Main navigation"),
    "nav.dashboard": ("就绪度总览", "Readiness"),
    "nav.documents": ("文件清单", "Document register"),
    "nav.register": ("登记与上传", "Add documents"),
    "nav.tasks": ("待办", "My tasks"),
    "nav.inventory": ("碳排放清单", "Inventory"),
    "nav.performance": ("碳排放绩效", "Performance"),
    "nav.events": ("审计追踪", "Audit trail"),
    "nav.users": ("用户管理", "Users"),
    "nav.search": ("搜索", "Search"),
    "nav.search_placeholder": ("搜索文件全文", "Search documents"),
    "nav.sign_out": ("退出登录", "Sign out"),
    "nav.other_language": ("English", "中文"),
    "form.required": ("（必填）", "(required)"),
    "form.optional": ("（选填）", "(optional)"),
    # sign in
    "login.title": ("登录", "Sign in"),
    "login.intro": (
        "请使用您的账号登录园区碳排放管理体系文件控制系统。",
        "Sign in with your account to the park's carbon management document control.",
    ),
    "login.username": ("用户名", "Username"),
    "login.password": ("密码", "Password"),
    "login.submit": ("登录", "Sign in"),
    # errors
    "error.title": ("操作未能完成", "This could not be done"),
    "error.heading_401": ("身份验证未通过", "Authentication failed"),
    "error.heading_403": ("无权执行此操作", "Not allowed"),
    "error.heading_404": ("未找到", "Not found"),
    "error.heading_409": ("数据已变化或状态不允许", "Changed meanwhile or not allowed now"),
    "error.heading_413": ("文件过大", "File too large"),
    "error.heading_415": ("不支持的文件类型", "File type not accepted"),
    "error.heading_422": ("输入有误", "Please check the input"),
    "error.heading_429": ("请稍后再试", "Please wait"),
    "error.heading_500": ("系统内部错误", "Internal error"),
    "error.heading_503": ("暂时不可用", "Temporarily unavailable"),
    "error.status": ("状态码 %s", "Status %s"),
    "error.back": ("返回上一页", "Go back"),
    "error.home": ("回到就绪度总览", "Back to the readiness overview"),
    "error.reload_hint": ("请刷新页面查看最新状态后重试", "reload the page to see the current state, then retry"),
    # messages after a successful form
    "flash.signed_out": ("您已退出登录。", "You have signed out."),
    "flash.saved": ("已保存。", "Saved."),
    "flash.registered": (
        "文件已登记。下一步：上传第一个版本。",
        "Document registered. Next: upload its first revision.",
    ),
    "flash.record_registered": ("记录已登记。", "Record registered."),
    "flash.enterprise_created": ("企业已登记。", "Enterprise registered."),
    "flash.source_created": ("排放源已添加。", "Source added."),
    "flash.boundary_saved": ("核算边界已保存。", "Boundary saved."),
    "flash.submission_prepared": ("数据已保存，尚未提交。", "Data saved, not yet submitted."),
    "flash.submission_submitted": ("数据已提交，等待体系管理员确认。", "Data submitted for confirmation."),
    "flash.submission_confirmed": ("报送已签名确认。", "Submission confirmed (signed)."),
    "flash.submission_rejected": ("报送已退回。", "Submission returned."),
    "flash.uploaded": ("新版本已上传（编制中）。", "New revision uploaded (draft)."),
    "flash.submit": ("已提交。", "Submitted."),
    "flash.review": ("已审核并签名。", "Reviewed and signed."),
    "flash.approve": ("已批准并签名。", "Approved and signed."),
    "flash.reject": ("已退回编制人。", "Returned to the preparer."),
    "flash.publish": ("已发布，现行有效。", "Published: now effective."),
    "flash.void": ("记录已作废。", "Record voided."),
    "flash.obsolete": ("文件已作废。", "Document made obsolete."),
    "flash.applicability": ("条款适用性已保存。", "Applicability saved."),
    "flash.declared": ("未发生声明已签署。", "No-occurrence declaration signed."),
    "flash.user_created": ("用户已创建。", "User created."),
    "flash.user_updated": ("用户已更新。", "User updated."),
    # common columns
    "col.clause": ("条款", "Clause"),
    "col.clauses": ("条款", "Clauses"),
    "col.title": ("标题", "Title"),
    "col.type": ("文件类型", "Type"),
    "col.kind": ("类别", "Kind"),
    "col.status": ("状态", "Status"),
    "col.state": ("状态", "State"),
    "col.control_no": ("受控编号", "Control no."),
    "col.revision": ("版本", "Revision"),
    "col.effective_revision": ("现行版本", "Effective revision"),
    "col.owner_unit": ("责任部门", "Owner unit"),
    "col.access": ("密级", "Access level"),
    "col.created_at": ("登记时间", "Registered"),
    "col.period": ("期间", "Period"),
    # dashboard
    "dash.title": ("就绪度总览", "Readiness overview"),
    "dash.as_of": ("截至日期", "As of"),
    "dash.show": ("查看", "Show"),
    "dash.back_today": ("回到今天", "Back to today"),
    "dash.historical": (
        "显示截至 %s 的就绪度（当时现行有效的文件）。",
        "Readiness as of %s (what was effective then).",
    ),
    "dash.overall": ("总体", "Overall"),
    "dash.coverage": ("覆盖率", "Coverage"),
    "dash.progress": ("进展", "Progress"),
    "dash.items_met": ("项已满足", "items met"),
    "dash.items_in_progress": ("项进行中", "items in progress"),
    "dash.items_missing": ("项缺失", "items missing"),
    "dash.tasks_overdue": ("项待办已逾期", "tasks overdue"),
    "dash.items_na": ("项不适用", "items not applicable"),
    "dash.chapters": ("各章", "Chapters"),
    "dash.chapter_no": ("第 %s 章", "Chapter %s"),
    "dash.short_counts": ("缺失 %s · 逾期 %s · 进行中 %s", "missing %s · overdue %s · in progress %s"),
    "dash.clauses": ("各条款", "Clauses"),
    "dash.legend": ("图例", "Legend"),
    "dash.col_missing": ("缺失", "Missing"),
    "dash.col_overdue": ("逾期", "Overdue"),
    "dash.col_in_progress": ("进行中", "In progress"),
    # clause page
    "clause.requirement": ("条款要求", "Requirement"),
    "clause.original_text": ("标准原文（中文）：", "The standard's original text (Chinese):"),
    "clause.required_docs": ("所需文件化信息", "Required documented information"),
    "clause.reason": ("理由", "Reason"),
    "clause.evidence": ("证据", "Evidence"),
    "clause.effective_on": ("生效", "effective"),
    "clause.approvers": ("批准人", "approved by"),
    "clause.applicability": ("适用性", "Applicability"),
    "clause.is_applicable": ("本条款适用于本园区。", "This clause applies to the park."),
    "clause.set_applicability": ("设置适用性", "Set applicability"),
    "clause.applicable_yes": ("适用", "Applicable"),
    "clause.applicable_no": ("不适用（须填写理由）", "Not applicable (a reason is required)"),
    "clause.reason_label": ("理由", "Reason"),
    "clause.save": ("保存", "Save"),
    "clause.no_readiness": (
        "本条款不单独计入就绪度（无所需文件类型）。",
        "This clause has no required document type of its own and takes no part in readiness.",
    ),
    "clause.doc_types": ("相关文件类型", "Document types"),
    "clause.basis": ("依据", "basis"),
    "clause.editorial_note": ("编者注", "Editorial note"),
    "clause.principle": ("基本原则", "Principle"),
    "clause.principle_intro": (
        "本条为第 4 章基本原则，不单独要求文件，也不计入覆盖率和进展；它由下列条款的文件和记录落实：",
        "This is a chapter 4 principle: it asks for no document of its own and is not counted in coverage or "
        "progress; the documents and records of these clauses carry it out:",
    ),
    "dash.principles": ("基本原则（第 4 章）", "Principles (chapter 4)"),
    "dash.principles_intro": (
        "基本原则不计入覆盖率和进展，其证据见所列条款。",
        "Principles are not counted in coverage or progress; their evidence is in the clauses listed.",
    ),
    "dash.supported_by": ("落实条款", "Carried out by"),
    "clause.approver": ("批准", "approved by"),
    "clause.cycle": ("复审周期 %s 个月", "review every %s months"),
    "clause.due_by": ("应于 %s 前", "due by %s"),
    "clause.was_due": ("应于 %s 前（已逾期）", "was due by %s (overdue)"),
    "clause.next_due": ("下次到期 %s", "next due %s"),
    "clause.not_counted": ("建议性，不计入覆盖率", "recommended: not counted"),
    "clause.counted_in": ("在 %s 计入总数", "counted in the totals at %s"),
    "clause.declare": ("签署未发生声明", "Sign a no-occurrence declaration"),
    "clause.declare_hint": (
        "本期间内未发生需记录的事件时，由体系管理员签署声明（须再次输入密码），代替该期间的记录。",
        "When nothing to record occurred in the year, the coordinator signs a declaration (password again) that "
        "stands for the year's record.",
    ),
    "clause.declare_year": ("年度", "Year"),
    "clause.declare_statement": ("声明内容", "Statement"),
    "clause.declare_password": ("密码（电子签名）", "Password (electronic signature)"),
    "clause.declare_submit": ("签署声明", "Sign the declaration"),
    "clause.declared": ("已声明未发生", "declared no occurrence"),
    # register
    "documents.title": ("文件清单", "Document register"),
    "documents.export": ("导出 .xlsx", "Export .xlsx"),
    "documents.filters": ("筛选", "Filters"),
    "documents.keyword": ("关键词（标题或编号）", "Keyword (title or number)"),
    "documents.all": ("全部", "All"),
    "documents.apply": ("筛选", "Filter"),
    "documents.reset": ("清除", "Clear"),
    "documents.count": ("共 %s 项", "%s in all"),
    "documents.empty": ("没有符合条件的文件或记录。", "No documents or records match."),
    "documents.no_revision": ("尚无版本", "no revision yet"),
    "documents.effective_short": ("现行 %s", "effective %s"),
    "pager.label": ("分页", "Pages"),
    "pager.prev": ("上一页", "Previous"),
    "pager.next": ("下一页", "Next"),
    "pager.page": ("第 %s / %s 页", "Page %s of %s"),
    "pager.page_only": ("第 %s 页", "Page %s"),
    # one document
    "doc.metadata": ("基本信息", "Details"),
    "doc.revisions": ("版本", "Revisions"),
    "doc.revision_no": ("第 %s 版", "Revision %s"),
    "doc.file": ("文件", "File"),
    "doc.preparer": ("编制人", "Prepared by"),
    "doc.change_reason": ("变更原因", "Change reason"),
    "doc.created": ("上传时间", "Uploaded"),
    "doc.effective_from": ("生效时间", "Effective from"),
    "doc.ended": ("终止", "Ended"),
    "doc.signatures": ("电子签名", "Electronic signatures"),
    "doc.your_actions": ("您可以执行的操作", "What you may do"),
    "doc.comment": ("意见", "Comment"),
    "doc.obsolete_reason": ("作废原因", "Reason for making it obsolete"),
    "doc.void_reason": ("作废原因", "Reason for voiding"),
    "doc.password_to_sign": ("电子签名：请再次输入您的密码", "Electronic signature: enter your password again"),
    "doc.signature_meaning": (
        "签名含义：%s。签名将记录您的姓名、时间和文件的 SHA-256。",
        "Meaning of the signature: %s. Your name, the time and the file's SHA-256 are recorded.",
    ),
    "doc.no_revisions": ("尚无版本，请上传第一个版本。", "No revision yet: upload the first one."),
    "doc.history": ("历史记录（审计追踪）", "History (audit trail)"),
    "doc.upload_title": ("上传新版本", "Upload a new revision"),
    "doc.upload": ("上传", "Upload"),
    "doc.upload_progress": ("上传进度", "Upload progress"),
    "sig.meaning": ("含义", "Meaning"),
    "sig.name": ("签名人", "Signed by"),
    "sig.time": ("时间", "Time"),
    "sig.comment": ("意见", "Comment"),
    # register and upload
    "new.title": ("登记文件与记录", "Register documents and records"),
    "new.document": ("登记受控文件", "Register a controlled document"),
    "new.document_hint": (
        "先登记文件，再上传其第一个版本并提交审批。",
        "Register the document, then upload its first revision and submit it.",
    ),
    "new.record": ("登记记录", "Register a record"),
    "new.record_hint": (
        "记录归档后不可修改；上传文件并注明所属期间。",
        "A filed record never changes; upload the file and state the period it covers.",
    ),
    "new.choose_type": ("请选择类型", "Choose a type"),
    "new.control_no": ("受控编号（选填）", "Control number (optional)"),
    "new.control_no_hint": ("留空则自动编号。", "Leave empty to number it automatically."),
    "new.period": ("期间", "Period"),
    "new.covers_clause": ("所覆盖的过程条款", "Process clause covered"),
    "new.covers_hint": ("仅过程管理记录（9.2.2–9.2.5）填写", "process management records (9.2.2–9.2.5) only"),
    "new.period_hint": (
        "例如 2025、2025-06、2025-Q2 或 2025-01-01/2025-06-30",
        "e.g. 2025, 2025-06, 2025-Q2 or 2025-01-01/2025-06-30",
    ),
    "new.submit_now": ("上传后立即提交确认", "Submit for confirmation right away"),
    "new.register_document": ("登记文件", "Register document"),
    "new.register_record": ("上传并登记记录", "Upload and register record"),
    "new.types": ("所需文件类型及当前就绪情况", "Required document types and their readiness"),
    "new.still_missing": ("尚未满足的条款", "Clauses still not met"),
    "new.choose": ("登记此类", "Register this type"),
    # tasks
    "tasks.title": ("待办", "My tasks"),
    "tasks.count": ("共 %s 项待办", "%s tasks"),
    "tasks.when": ("期限", "Due"),
    "tasks.due": ("应于 %s 前复审", "review due %s"),
    "tasks.none": ("目前没有等待您处理的事项。", "Nothing is waiting for you."),
    "tasks.task": ("事项", "Task"),
    "tasks.overdue": ("已逾期", "overdue"),
    "tasks.more": ("另有 %s 项未列出，请先处理以上事项。", "%s more not listed: start with those above."),
    # search
    "search.title": ("全文搜索", "Full-text search"),
    "search.query": ("搜索词", "Search for"),
    "search.hint": ("可输入中文词语，或用引号搜索完整短语。", 'Type words, or a "phrase" in quotes.'),
    "search.count": ("找到 %s 个版本", "%s revisions found"),
    "search.empty": ("没有找到您可以阅读的匹配文件。", "No readable document matches."),
    # events
    "events.title": ("审计追踪", "Audit trail"),
    "events.verify": ("校验哈希链", "Verify the hash chain"),
    "events.chain_ok": ("哈希链完整：已校验 %s 条事件，未发现篡改。", "The chain is intact: %s events checked."),
    "events.chain_broken": ("哈希链断裂：第 %s 条事件（%s）。", "The chain is broken at event %s (%s)."),
    "events.entity_type": ("对象类型", "Entity type"),
    "events.entity_id": ("对象编号", "Entity id"),
    "events.entity": ("对象", "Entity"),
    "events.empty": ("没有符合条件的事件。", "No events match."),
    "ev.time": ("时间", "Time"),
    "ev.actor": ("操作人", "By"),
    "ev.action": ("操作", "Action"),
    "ev.details": ("详情", "Details"),
    # users
    "users.title": ("用户管理", "Users"),
    "users.username": ("用户名", "Username"),
    "users.full_name": ("姓名", "Full name"),
    "users.unit": ("单位/部门", "Unit"),
    "users.role": ("角色", "Role"),
    "users.active": ("启用", "Active"),
    "users.disabled": ("已停用", "disabled"),
    "users.settings": ("设置", "Settings"),
    "users.assigned": ("可上传的文件类型（%s）", "Types they may upload (%s)"),
    "users.assigned_legend": ("可上传的文件类型", "Types they may upload"),
    "users.save": ("保存", "Save"),
    "users.create": ("新建用户", "New user"),
    "users.password": ("初始密码（至少 8 个字符）", "Initial password (at least 8 characters)"),
    "users.create_button": ("创建用户", "Create user"),
    # internal audits, nonconformities, management reviews (pages_audits)
    "nav.audits": ("审核", "Audits"),
    "nav.nonconformities": ("不符合项", "Nonconformities"),
    "nav.reviews": ("管理评审", "Management reviews"),
    "nav.registers": ("登记册", "Registers"),
    # the registers (app/web/pages_registers.py)
    "registers.title": ("登记册", "Registers"),
    "registers.compliance": ("合规性评价", "Compliance evaluation"),
    "registers.settings": ("频次与准则", "Frequencies and criteria"),
    "registers.compliance_interval": ("合规性评价频次（月）", "Compliance evaluation every (months)"),
    "registers.risk_criteria": ("风险判定准则", "Risk criteria"),
    "registers.risk_medium_from": ("“较大”起始分值（可能性×后果）", "Medium from score (likelihood × consequence)"),
    "registers.risk_high_from": ("“重大”起始分值（可能性×后果）", "High from score (likelihood × consequence)"),
    "registers.save": ("保存", "Save"),
    "registers.export": ("导出 .xlsx", "Export .xlsx"),
    "registers.import": ("从 .xlsx 导入", "Import from .xlsx"),
    "registers.import_hint": (
        "列名与导出文件一致；任何一行有误则整批不导入，并列出出错的行。",
        "Columns as in the export; if any row is wrong nothing is imported and the wrong rows are named.",
    ),
    "registers.file": ("文件", "File"),
    "registers.filter": ("筛选", "Filter"),
    "registers.apply": ("应用", "Apply"),
    "registers.total": ("共 %s 条", "%s rows"),
    "registers.empty": ("暂无条目", "No rows yet"),
    "registers.new_row": ("新增条目", "Add a row"),
    "registers.publish": ("发布为受控文件", "Publish as the controlled document"),
    "registers.publish_hint": (
        "将当前登记册生成 .docx 和 .xlsx，作为该类受控文件的新版本提交审核。",
        "Renders the register as .docx and .xlsx and submits it as a new revision of its controlled document.",
    ),
    "registers.change_reason": ("变更原因", "Change reason"),
    "registers.snapshots": ("已发布的快照", "Published snapshots"),
    "registers.snapshots_link": ("登记册快照及逐条变化", "Register snapshots and row-by-row changes"),
    "registers.diff": ("与上一快照对比", "Changes since the previous snapshot"),
    "registers.added": ("新增", "Added"),
    "registers.removed": ("删除", "Removed"),
    "registers.changed": ("修改", "Changed"),
    "registers.back": ("返回", "Back"),
    "registers.review": ("确认适用性", "Confirm applicability"),
    "registers.reason": ("理由", "Reason"),
    "registers.action_confirm": ("确认适用", "Confirm"),
    "registers.action_reject": ("不适用", "Reject"),
    "registers.action_reopen": ("重新评估", "Reopen"),
    "registers.history": ("评估历史", "Assessment history"),
    "registers.date": ("日期", "Date"),
    "registers.significance": ("重要性等级", "Significance"),
    "registers.note": ("说明", "Note"),
    "registers.likelihood": ("可能性（1–5）", "Likelihood (1–5)"),
    "registers.consequence": ("后果（1–5）", "Consequence (1–5)"),
    "registers.assess": ("重新评估", "Re-assess"),
    "registers.calibrate": ("记录校准或检定", "Record a calibration"),
    "registers.edit": ("修改", "Edit"),
    "registers.delete": ("删除", "Delete"),
    "registers.yes": ("是", "Yes"),
    "registers.no": ("否", "No"),
    "registers.new_round": ("开始一次合规性评价", "Start a compliance evaluation"),
    "registers.period_start": ("期间开始", "Period start"),
    "registers.period_end": ("期间结束", "Period end"),
    "registers.report": ("合规性评价报告", "Compliance evaluation report"),
    "registers.result": ("评价结果", "Result"),
    "registers.evidence": ("证据", "Evidence"),
    "registers.no_confirmed": ("尚无已确认适用的要求", "No confirmed requirements yet"),
    "registers.conclusion": ("结论", "Conclusion"),
    "registers.close_round": ("完成评价", "Close the evaluation"),
    "registers.file_report": ("生成并归档《合规性评价报告》", "Generate and file the compliance evaluation report"),
    "flash.audit_created": (
        "审核已计划。下一步：审核组成员开始审核。",
        "Audit planned. Next: an auditor of the team starts it.",
    ),
    "flash.audit_started": ("审核已开始，检查表已生成。", "Audit started: the checklist is ready."),
    "flash.line_marked": ("审核结论已保存。", "Verdict saved."),
    "flash.audit_completed": ("审核已完成。", "Audit completed."),
    "flash.audit_cancelled": ("审核已取消。", "Audit cancelled."),
    "flash.report_filed": ("报告已归档为记录（待确认）。", "Report filed as a record (awaiting confirmation)."),
    "flash.nc_analyse": ("原因分析已保存。", "Cause analysis saved."),
    "flash.nc_plan": ("纠正措施已制定。", "Actions planned."),
    "flash.nc_complete": ("已确认措施完成，待验证。", "Actions confirmed done: awaiting verification."),
    "flash.nc_verify": ("有效性已验证。", "Effectiveness verified."),
    "flash.nc_reopen": ("验证无效，已退回。", "Not effective: reopened."),
    "flash.nc_close": ("不符合项已关闭。", "Nonconformity closed."),
    "flash.nc_cancel": ("不符合项已撤销。", "Nonconformity cancelled."),
    "flash.action_done": ("措施已标记为完成。", "Action marked done."),
    "flash.review_created": ("管理评审已发起，评审输入已汇总。", "Management review prepared: inputs assembled."),
    "flash.review_input": ("评审输入已保存。", "Review input saved."),
    "flash.review_refreshed": ("评审输入已更新。", "Review inputs refreshed."),
    "flash.review_decision": ("评审决定已记录。", "Decision recorded."),
    "flash.review_closed": ("管理评审已签署关闭。", "Management review closed and signed."),
    "flash.action_added": (
        "纠正措施已增加，负责人将在待办中看到。",
        "Corrective action added: its owner sees it in their tasks.",
    ),
    "flash.finding_added": ("审核发现已记录。", "Finding recorded."),
    "audits.title": ("内部审核", "Internal audits"),
    "audits.programme": ("审核方案", "Audit programme"),
    "audits.year": ("年度", "Year"),
    "audits.no_programme": (
        "尚无审核方案。计划第一次审核时自动建立当年方案。",
        "No audit programme yet: planning the first audit sets up that year's programme.",
    ),
    "audits.list": ("审核", "Audits"),
    "audits.empty": ("尚无审核。", "No audits yet."),
    "audits.scope": ("审核范围", "Scope"),
    "audits.scope_hint": (
        "填写章或条款，用逗号分隔，例如：7 或 6.2, 10.2",
        "Chapters or clauses, separated by commas, e.g. 7 or 6.2, 10.2",
    ),
    "audits.criteria": ("审核准则", "Criteria"),
    "audits.dates": ("计划日期", "Planned dates"),
    "audits.planned_start": ("计划开始日期", "Planned start"),
    "audits.planned_end": ("计划结束日期", "Planned end"),
    "audits.lead": ("审核组长", "Lead auditor"),
    "audits.auditors": ("其他审核员", "Other auditors"),
    "audits.units": ("受审核单位", "Units audited"),
    "audits.units_hint": (
        "多个单位用逗号分隔；审核员不能审核本单位。",
        "Separate units with commas; auditors may not audit their own unit.",
    ),
    "audits.choose": ("请选择", "Choose"),
    "audits.new": ("计划一次内部审核", "Plan an internal audit"),
    "audits.create": ("计划审核", "Plan the audit"),
    "audits.audit_date": ("审核日期", "Audit date"),
    "audits.team": ("审核组", "Audit team"),
    "audits.conclusion": ("审核结论", "Conclusion"),
    "audits.cancel_reason": ("取消原因", "Reason for cancelling"),
    "audits.report_record": ("已归档的记录", "Filed record"),
    "audits.open_record": ("查看记录", "Open the record"),
    "audits.download_report": ("下载审核报告 .docx", "Download the audit report .docx"),
    "audits.start": ("开始审核", "Start the audit"),
    "audits.start_hint": (
        "开始后按审核范围生成检查表，并记录当日的证据和就绪度。",
        "Starting generates the checklist with today's evidence and readiness.",
    ),
    "audits.file_report": ("将审核报告归档为 10.2 记录", "File the report as a 10.2 record"),
    "audits.checklist": ("检查表", "Checklist"),
    "audits.evidence": ("现有证据", "Evidence held"),
    "audits.no_evidence": ("无相关文件", "no documents"),
    "audits.evidence_examined": ("查阅的文件", "Documents examined"),
    "audits.readiness": ("就绪度", "Readiness"),
    "audits.notes": ("审核记录", "Notes"),
    "audits.verdict": ("审核结论", "Verdict"),
    "audits.nc_fields": ("不符合时填写：严重程度和不符合描述", "If nonconforming: severity and description"),
    "audits.save_verdict": ("保存结论", "Save the verdict"),
    "audits.findings": ("观察项和改进机会", "Observations and opportunities for improvement"),
    "audits.add_finding": ("记录观察项或改进机会", "Record an observation or opportunity for improvement"),
    "audits.add_finding_hint": (
        "用于检查表之外的审核发现；针对检查表某一行的观察项和不符合项，请在该行填写结论。",
        "For findings beyond the checklist; an observation or a nonconformity on a checklist "
        "line is recorded with that line's verdict.",
    ),
    "audits.finding_kind": ("类型", "Type"),
    "audits.finding_description": ("说明", "Description"),
    "audits.no_clause": ("不指定条款", "No particular clause"),
    "audits.complete": ("完成审核", "Complete the audit"),
    "audits.cancel": ("取消审核", "Cancel the audit"),
    "nc.title": ("不符合项", "Nonconformities"),
    "nc.title_one": ("不符合项", "Nonconformity"),
    "nc.code": ("编号", "Number"),
    "nc.origin": ("来源", "Origin"),
    "nc.severity": ("严重程度", "Severity"),
    "nc.description": ("不符合描述", "Description"),
    "nc.raised_at": ("提出日期", "Raised"),
    "nc.raised": ("提出人", "Raised by"),
    "nc.empty": ("没有符合条件的不符合项。", "No nonconformities match."),
    "nc.evidence_examined": ("审核证据", "Evidence examined"),
    "nc.cause": ("原因分析", "Cause analysis"),
    "nc.similar": ("其他地方是否存在类似不符合", "Do similar nonconformities exist elsewhere"),
    "nc.similar_details": ("类似不符合在哪里（存在时必填）", "Where (required if yes)"),
    "nc.yes": ("是", "Yes"),
    "nc.no": ("否", "No"),
    "nc.completion_evidence": ("完成证据", "Evidence of completion"),
    "nc.verification": ("有效性验证", "Verification of effectiveness"),
    "nc.end_reason": ("关闭意见或撤销原因", "Closing comment or reason"),
    "nc.download_report": ("下载不符合和纠正措施记录 .docx", "Download the record .docx"),
    "nc.file_record": ("归档为 11.2 记录", "File as an 11.2 record"),
    "nc.actions": ("纠正措施", "Corrective actions"),
    "nc.action": ("措施", "Action"),
    "nc.action_no": ("措施 %s", "Action %s"),
    "nc.owner": ("负责人", "Owner"),
    "nc.due": ("完成期限", "Due date"),
    "nc.no_actions": ("尚未制定纠正措施。", "No actions planned yet."),
    "nc.action_evidence": ("完成证据", "Evidence of completion"),
    "nc.mark_done": ("标记措施完成", "Mark the action done"),
    "nc.add_action": ("增加纠正措施", "Add a corrective action"),
    "nc.add_action_hint": (
        "措施实施期间发现还需要其他措施时在此增加；所有措施完成后才能确认措施完成。",
        "While the actions are under way, add any further action needed; the actions can be "
        "confirmed done only when all of them are done.",
    ),
    "nc.reason": ("原因", "Reason"),
    "nc.raise": ("提出不符合项", "Raise a nonconformity"),
    "nc.raise_hint": (
        "用于监视测量中发现的偏差、合规性评价等；内部审核的不符合项在审核检查表中开具。",
        "For deviations found in monitoring, compliance evaluations and the like; audit "
        "nonconformities are raised from the audit's checklist.",
    ),
    "nc.origin_ref": ("来源说明", "Where it was found"),
    "flash.nc_raised": (
        "不符合项已提出。下一步：体系管理员分析原因。",
        "Nonconformity raised. Next: the coordinator analyses the cause.",
    ),
    "reviews.title": ("管理评审", "Management reviews"),
    "reviews.date": ("评审日期", "Review date"),
    "reviews.closed_by": ("签署关闭", "Closed by"),
    "reviews.empty": ("尚无管理评审。", "No management reviews yet."),
    "reviews.new": ("发起管理评审", "Prepare a management review"),
    "reviews.new_hint": (
        "系统将依据 10.3 汇总现有信息作为评审输入，需要人工填写的部分标为“待填写”。",
        "The inputs of 10.3 are assembled from what the system holds; parts people must add are "
        "marked to be completed.",
    ),
    "reviews.create": ("发起评审", "Prepare the review"),
    "reviews.previous": ("上次管理评审", "Previous review"),
    "reviews.open": ("查看", "Open"),
    "reviews.assembled_at": ("输入汇总时间", "Inputs assembled"),
    "reviews.next_due": ("下次评审最迟", "Next review due"),
    "reviews.download_report": ("下载管理评审报告 .docx", "Download the review report .docx"),
    "reviews.file_report": ("将评审报告归档为记录", "File the report as a record"),
    "reviews.refresh": ("重新汇总评审输入", "Assemble the inputs again"),
    "reviews.inputs": ("评审输入", "Review inputs"),
    "reviews.to_complete": ("待填写", "To be completed"),
    "reviews.changes": ("自上次评审以来修订 %s 次", "%s revision(s) since the last review"),
    "reviews.nc_counts": (
        "不符合项共 %s 项，自上次评审以来新增 %s 项",
        "%s nonconformities, %s raised since the last review",
    ),
    "reviews.readiness_now": (
        "当前就绪度（截至 %s）：覆盖率 %s，进展 %s",
        "Readiness now (as of %s): coverage %s, progress %s",
    ),
    "reviews.readiness_change": (
        "自上次评审以来：覆盖率 %s，进展 %s",
        "Since the last review: coverage %s, progress %s",
    ),
    "reviews.nothing_held": ("系统中暂无相关信息。", "Nothing recorded in carbonms."),
    "reviews.your_input": ("填写内容", "What you add"),
    "reviews.decisions": ("评审输出（10.3.2 a–h）", "Review outputs (10.3.2 a–h)"),
    "reviews.no_decisions": ("尚未记录评审决定。", "No decisions recorded yet."),
    "reviews.output": ("评审输出项", "Output"),
    "reviews.decision": ("决定", "Decision"),
    "reviews.action": ("需要采取的措施", "Action to take"),
    "reviews.add_decision": ("记录决定", "Record the decision"),
    "reviews.nonconformities": ("本次评审提出的不符合项", "Nonconformities raised from this review"),
    "reviews.no_nonconformities": ("本次评审尚未提出不符合项。", "No nonconformity raised from this review yet."),
    "reviews.raise_nc": ("从本次评审提出不符合项", "Raise a nonconformity from this review"),
    "reviews.raise_nc_hint": (
        "来源记为本次管理评审；提出后由体系管理员分析原因、制定纠正措施。",
        "Its origin is this management review; the coordinator then analyses the cause and plans the actions.",
    ),
    "reviews.origin_ref_hint": (
        "例如评审输出项或评审输入；不填写时使用本次评审的名称",
        "e.g. the output or input concerned; left empty, the review's title is used",
    ),
    "reviews.close": ("签署关闭管理评审", "Close and sign the review"),
    "reviews.close_hint": (
        "签名含义：批准。签名将记录您的姓名和时间。",
        "Meaning of the signature: approval. Your name and the time are recorded.",
    ),
}
TEXT.update(FLOW_TEXT)  # the document steps, trail links, checklist and evidence words
TEXT.update(DISTRIBUTION_TEXT)  # the document page's distribution and revision comparison

ACCESS_LABELS = LABELS_TABLE["access"]
KIND_LABELS = LABELS_TABLE["kind"]
TASK_LABELS = LABELS_TABLE["task"]  # the kinds of app.tasks.service, in the order the tasks page shows them
ENTITY_LABELS = LABELS_TABLE["entity"]
EVENT_LABELS = LABELS_TABLE["event"]

# The one label table (app/labels.py), plus the chapter titles, which are the standard's own words.
LABELS: dict[str, Mapping[Any, tuple[str, str]]] = {**LABELS_TABLE, "chapter": CHAPTER_TITLES}


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def label(kind: str, key: Any, lang: str) -> str:
    """A domain value in words: label('state', 'in_review', 'en') → 'In review'."""
    pair = LABELS.get(kind, {}).get(str(key) if key is not None else "")
    if pair is None and kind == "event" and "." in str(key):
        # An action added later by some domain: name its object at least, and keep the code.
        entity, _, verb = str(key).partition(".")
        if entity in ENTITY_LABELS:
            return f"{label('entity', entity, lang)} · {verb}"
    if pair is None:
        return "" if key is None else str(key)
    return pair[0] if lang == "zh" else _capital(pair[1])


TEXT.update(DASHBOARD_TEXT)  # the dashboard lists, reports page and template drafts (i18n_dashboard.py)
TEXT.update(PERFORMANCE_CALC_TEXT)  # the indicator and baseline pages (i18n_performance_calc.py)
TEXT.update(RETENTION_TEXT)  # the retention and disposition pages (i18n_retention.py)
TEXT.update(SEARCH_TEXT)  # the search page's estimated total (i18n_search.py)


class Translator:
    def __init__(self, lang: str) -> None:
        self.lang = lang
        self.index = 0 if lang == "zh" else 1

    def __call__(self, key: str, **values: Any) -> str:
        pair = TEXT.get(key)
        if pair is None:
            return key
        text = pair[self.index]
        return text.format(**values) if values else text

    def has(self, key: str) -> bool:
        return key in TEXT


def translator(lang: str) -> Translator:
    return Translator(lang if lang in LANGUAGES else "zh")


def describe(before: Any, after: Any, lang: str) -> str:
    """One line for an audit event's before/after: state change, signature, comment, reason, file."""
    parts: list[str] = []
    before = before if isinstance(before, dict) else {}
    after = after if isinstance(after, dict) else {}
    if "state" in after and before.get("state") != after.get("state"):
        old = label("state", before["state"], lang) if before.get("state") else ""
        parts.append(f"{old} → {label('state', after['state'], lang)}" if old else label("state", after["state"], lang))
    signature = after.get("signature")
    if isinstance(signature, dict):
        meaning = label("meaning", signature.get("meaning"), lang)
        parts.append(
            f"{'签名' if lang == 'zh' else 'signature'}：{meaning} {signature.get('signer_name', '')}"
            if lang == "zh"
            else f"signature: {meaning} by {signature.get('signer_name', '')}"
        )
    for key, zh, en in (
        ("title", "标题", "title"),
        ("control_no", "编号", "number"),
        ("file_name", "文件", "file"),
        ("change_reason", "变更原因", "change reason"),
        ("comment", "意见", "comment"),
        ("reason", "理由", "reason"),
        ("via", "方式", "via"),
        ("client_address", "来源地址", "from address"),
        ("role", "角色", "role"),
    ):
        value = after.get(key)
        if value not in (None, "", [], {}):
            if key == "role":
                value = label("role", value, lang)
            parts.append(f"{zh}：{value}" if lang == "zh" else f"{en}: {value}")
    if "applicable" in after:
        parts.append(
            ("适用" if after["applicable"] else "不适用")
            if lang == "zh"
            else ("applicable" if after["applicable"] else "not applicable")
        )
    return "；".join(parts) if lang == "zh" else "; ".join(parts)
