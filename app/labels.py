"""The one translation table: every code a person may read (states, readiness, roles, access levels, kinds,
actions, signature meanings, audit and nonconformity values, tasks, audit-trail events) → (中文, English).

Core level: it imports nothing from the domains, so domains, the API's `*_label` fields, the web pages and the
generated .docx/.xlsx/.csv all take their words from here. A generated document never shows a raw code.
"""

from collections.abc import Mapping
from typing import Any

Pair = tuple[str, str]

LABELS: dict[str, dict[str, Pair]] = {
    # a revision of a document or record (app/documents/lifecycle.py)
    "state": {
        "draft": ("编制中", "Draft"),
        "in_review": ("待审核", "In review"),
        "in_approval": ("待批准", "In approval"),
        "approved": ("已批准待发布", "Approved"),
        "effective": ("现行有效", "Effective"),
        "superseded": ("已被替代", "Superseded"),
        "obsolete": ("已作废", "Obsolete"),
        "filed": ("已归档", "Filed"),
        "void": ("已作废（记录）", "Void"),
    },
    "action": {
        "submit": ("提交", "submit"),
        "review": ("审核", "review"),
        "approve": ("批准", "approve"),
        "reject": ("退回", "reject"),
        "publish": ("发布", "publish"),
        "obsolete": ("作废", "make obsolete"),
        "void": ("作废记录", "void"),
    },
    "meaning": {
        "review": ("审核", "Reviewed"),
        "approve": ("批准", "Approved"),
        "publish": ("发布", "Published"),
        "confirm": ("确认", "Confirmed"),
    },
    "role": {
        "admin": ("系统管理员", "Administrator"),
        "coordinator": ("体系管理员", "Management-system coordinator"),
        "approver": ("部门负责人", "Approver"),
        "top_management": ("最高管理者", "Top management"),
        "auditor": ("内审员", "Internal auditor"),
        "contributor": ("企业填报人员", "Enterprise data contributor"),
    },
    "access": {"public": ("公开", "public"), "internal": ("内部", "internal"), "restricted": ("受限", "restricted")},
    "kind": {"document": ("文件", "document"), "record": ("记录", "record")},
    # why a clause asks for a document type (app/clauses/schema.py LinkBasis)
    "basis": {
        "annex_a": ("附录 A 列明", "named in Annex A"),
        "maintain": ("条文要求保持", "the clause says maintain (保持)"),
        "retain": ("条文要求保留", "the clause says retain (保留)"),
        "establish": ("条文要求建立/制定", "the clause says establish (建立/制定)"),
        "recommended": ("建议措施，不计入覆盖率", "recommended only, not counted"),
    },
    # readiness of a clause, a chapter, the whole park (app/readiness)
    "status": {
        "met": ("已满足", "met"),
        "partial": ("部分满足", "partial"),
        "gap": ("缺失", "gap"),
        "not_applicable": ("不适用", "not applicable"),
    },
    # readiness of one item (a required document type of a clause)
    "item": {
        "met": ("满足", "met"),
        "review_overdue": ("复审逾期", "review overdue"),
        "in_progress": ("进行中", "in progress"),
        "overdue": ("已逾期", "overdue"),
        "missing": ("缺失", "missing"),
        "not_applicable": ("不适用", "not applicable"),
    },
    # internal audits (app/audits)
    "audit_state": {
        "planned": ("已计划", "Planned"),
        "in_progress": ("实施中", "In progress"),
        "completed": ("已完成", "Completed"),
        "cancelled": ("已取消", "Cancelled"),
    },
    "result": {
        "pending": ("未审核", "pending"),
        "conforming": ("符合", "conforming"),
        "nonconforming": ("不符合", "nonconforming"),
        "observation": ("观察项", "observation"),
        "not_audited": ("未审核（不适用）", "not audited"),
    },
    "finding_kind": {
        "observation": ("观察项", "observation"),
        "improvement": ("改进机会", "opportunity for improvement"),
    },
    # nonconformities and corrective actions
    "origin": {
        "internal_audit": ("内部审核", "Internal audit"),
        "management_review": ("管理评审", "Management review"),
        "monitoring": ("监视测量中发现的偏差", "Deviation found in monitoring"),
        "compliance_evaluation": ("合规性评价", "Compliance evaluation"),
        "other": ("其他", "Other"),
    },
    "severity": {"major": ("严重", "major"), "minor": ("一般", "minor")},
    "nc_state": {
        "open": ("待原因分析", "Open"),
        "cause_analysed": ("已分析原因", "Cause analysed"),
        "action_planned": ("纠正措施实施中", "Actions planned"),
        "actions_done": ("待验证", "Actions done"),
        "verified": ("已验证有效", "Verified"),
        "closed": ("已关闭", "Closed"),
        "cancelled": ("已撤销", "Cancelled"),
    },
    "nc_action": {
        "analyse": ("原因分析", "analyse the cause"),
        "plan": ("制定纠正措施", "plan actions"),
        "complete": ("确认措施完成", "confirm the actions are done"),
        "verify": ("验证有效性", "verify effectiveness"),
        "reopen": ("验证无效退回", "reopen as not effective"),
        "close": ("关闭", "close"),
        "cancel": ("撤销", "cancel"),
    },
    "action_state": {"open": ("进行中", "open"), "done": ("已完成", "done"), "cancelled": ("已取消", "cancelled")},
    # management reviews
    "review_state": {"draft": ("进行中", "in preparation"), "closed": ("已关闭", "closed")},
    # the tasks page (app/audits/tasks.py), in the order it shows them
    "task": {
        "revision_review": ("待我审核", "To review"),
        "revision_approve": ("待我批准", "To approve"),
        "revision_publish": ("已批准待发布", "Approved, to publish"),
        "revision_returned": ("退回给我的草稿", "Drafts returned to me"),
        "document_read_confirm": ("待阅读并确认的文件", "Documents to read and confirm"),
        "document_review": ("到期或逾期的文件复审", "Document reviews due or overdue"),
        "record_missing": ("缺少的年度记录", "Annual records missing"),
        "record_due": ("到期的年度记录", "Annual records due"),
        "audit_start": ("待开始的内部审核", "Internal audits to start"),
        "audit_finish": ("待完成的内部审核", "Internal audits to finish"),
        "audit_file_report": ("待归档的内审报告", "Audit reports to file"),
        "action_due": ("待完成的措施", "Actions to complete"),
        "review_close": ("待关闭的管理评审", "Management reviews to close"),
        "review_file_report": ("待归档的管理评审报告", "Review reports to file"),
        "compliance_evaluation_due": ("到期的合规性评价", "Compliance evaluations due"),
        "risk_review_due": ("到期的风险和机遇评审", "Risk reviews due"),
        "calibration_due": ("到期或逾期的校准检定", "Calibrations due or overdue"),
        "other": ("其他待办", "Other tasks"),
    },
    # the audit trail
    "entity": {
        "document": ("文件", "document"),
        "revision": ("版本", "revision"),
        "clause": ("条款", "clause"),
        "user": ("用户", "user"),
        "login": ("登录", "sign-in"),
        "park": ("园区", "park"),
        "route": ("页面/接口", "route"),
        "doc_type": ("文件类型", "document type"),
        "audit": ("内部审核", "internal audit"),
        "audit_programme": ("审核方案", "audit programme"),
        "audit_line": ("审核条目", "audit line"),
        "audit_finding": ("审核发现", "audit finding"),
        "nonconformity": ("不符合项", "nonconformity"),
        "corrective_action": ("纠正措施", "corrective action"),
        "review": ("管理评审", "management review"),
        "review_decision": ("评审决定", "review decision"),
        "enterprise": ("入园企业", "enterprise"),
        "emission_source": ("排放源", "emission source"),
        "boundary": ("核算边界", "boundary"),
        "economic_data": ("经济数据", "economic data"),
        "factor_data_set": ("排放因子数据集", "factor data set"),
        "emission_factor": ("排放因子", "emission factor"),
        "submission": ("碳排放数据报送", "activity data submission"),
        "inventory": ("碳排放清单", "inventory"),
        "legal_requirement": ("法律法规及其他要求", "legal requirement"),
        "compliance_round": ("合规性评价", "compliance evaluation"),
        "compliance_result": ("合规性评价结果", "compliance result"),
        "risk": ("风险和机遇", "risk or opportunity"),
        "equipment": ("监视和测量设备", "monitoring equipment"),
        "register_settings": ("登记册设置", "register settings"),
        "register": ("登记册", "register"),
    },
    # the park's carbon data (app/inventory)
    "source_category": {
        "fuel_combustion": ("燃料燃烧", "fuel combustion"),
        "industrial_process": ("工业生产过程", "industrial processes"),
        "waste_treatment": ("废弃物处置处理", "waste treatment"),
        "purchased_electricity": ("购入的电力", "purchased electricity"),
        "purchased_heat": ("购入的热力", "purchased heat"),
        "exported_electricity": ("输出的电力", "exported electricity"),
        "exported_heat": ("输出的热力", "exported heat"),
        "co2_recovered": ("CO₂ 回收利用", "CO₂ recovered and used"),
    },
    "data_quality": {
        "metered": ("实测", "metered"),
        "calculated": ("计算", "calculated"),
        "estimated": ("估算", "estimated"),
    },
    "factor_kind": {
        "fuel": ("燃料", "fuel"),
        "process": ("工业生产过程", "process"),
        "waste": ("废弃物处置处理", "waste treatment"),
        "electricity": ("电力", "electricity"),
        "heat": ("热力", "heat"),
    },
    "factor_origin": {
        "published": ("公开发布", "published"),
        "measured": ("实测", "measured"),
        "supplier": ("供应商提供", "supplier"),
    },
    "submission_state": {
        "prepared": ("填报中", "being prepared"),
        "draft": ("已退回", "returned"),
        "in_approval": ("待确认", "awaiting confirmation"),
        "filed": ("已确认归档", "confirmed"),
        "void": ("已被更正", "corrected (void)"),
    },
    "event": {
        "document.register": ("登记文件", "registered"),
        "revision.create": ("上传版本", "uploaded a revision"),
        "revision.submit": ("提交", "submitted"),
        "revision.review": ("审核签名", "reviewed (signed)"),
        "revision.approve": ("批准签名", "approved (signed)"),
        "revision.reject": ("退回", "returned"),
        "revision.publish": ("发布", "published"),
        "revision.supersede": ("被新版本替代", "superseded"),
        "revision.obsolete": ("作废", "made obsolete"),
        "revision.void": ("作废记录", "voided"),
        "revision.distribute": ("分发", "distributed"),
        "revision.read_confirm": ("阅读并确认", "confirmed reading"),
        "document.distribution": ("设置分发范围", "set the distribution list"),
        "revision.external_links": ("受控副本去除外部链接", "external links removed from controlled copies"),
        "auth.login": ("登录", "signed in"),
        "auth.logout": ("退出登录", "signed out"),
        "auth.login_failed": ("登录失败", "failed sign-in"),
        "auth.login_throttled": ("登录被限制（密码错误次数过多）", "sign-in throttled (too many wrong passwords)"),
        "access.refused": ("拒绝访问", "access refused"),
        "signature.refused": ("签名被拒（密码错误）", "signature refused (wrong password)"),
        "signature.throttled": ("签名被限制（密码错误次数过多）", "signature throttled (too many wrong passwords)"),
        "clause.applicability": ("设置条款适用性", "set clause applicability"),
        "park.time_zone": ("设置园区时区", "set the park's time zone"),
        "park.member_add": ("添加领导小组成员", "added a leadership group member"),
        "park.member_update": ("修改领导小组成员", "changed a leadership group member"),
        "park.member_remove": ("移除领导小组成员", "removed a leadership group member"),
        "user.create": ("创建用户", "created user"),
        "user.update": ("修改用户", "changed user"),
        "user.password_change": ("修改密码", "changed password"),
        "user.password_reset": ("重置密码（命令行）", "reset password (command line)"),
        "user.password_change_refused": (
            "修改密码被拒（原密码错误）",
            "password change refused (wrong current password)",
        ),
        "user.password_change_throttled": (
            "修改密码被限制（密码错误次数过多）",
            "password change throttled (too many wrong passwords)",
        ),
        "park.create": ("创建园区", "created park"),
        "audit_programme.create": ("制定审核方案", "created an audit programme"),
        "audit.create": ("计划内部审核", "planned an internal audit"),
        "audit.start": ("开始内部审核", "started the audit"),
        "audit.complete": ("完成内部审核", "completed the audit"),
        "audit.cancel": ("取消内部审核", "cancelled the audit"),
        "audit.file_report": ("归档内审报告", "filed the audit report"),
        "audit_line.mark": ("记录审核结论", "marked an audit line"),
        "audit_finding.create": ("记录审核发现", "recorded a finding"),
        "audit_finding.remove": ("删除审核发现", "removed a finding"),
        "nonconformity.raise": ("提出不符合项", "raised a nonconformity"),
        "nonconformity.analyse": ("分析原因", "analysed the cause"),
        "nonconformity.plan": ("制定措施", "planned actions"),
        "nonconformity.complete": ("措施完成", "completed the actions"),
        "nonconformity.verify": ("验证有效性", "verified effectiveness"),
        "nonconformity.reopen": ("重新打开", "reopened"),
        "nonconformity.close": ("关闭不符合项", "closed"),
        "nonconformity.cancel": ("取消不符合项", "cancelled"),
        "nonconformity.file_record": ("归档不符合项记录", "filed the record"),
        "action.create": ("制定纠正措施", "created an action"),
        "action.done": ("完成纠正措施", "completed an action"),
        "action.cancel": ("取消纠正措施", "cancelled an action"),
        "review.create": ("计划管理评审", "planned a management review"),
        "review.input": ("记录评审输入", "recorded a review input"),
        "review.refresh_inputs": ("更新评审输入", "refreshed the review inputs"),
        "review.decision": ("记录评审决定", "recorded a decision"),
        "review.close": ("关闭管理评审", "closed the management review"),
        "review.file_report": ("归档管理评审报告", "filed the review report"),
        "enterprise.create": ("登记入园企业", "registered an enterprise"),
        "enterprise.update": ("修改入园企业", "changed an enterprise"),
        "enterprise.delete": ("删除入园企业", "deleted an enterprise"),
        "user.enterprise": ("分配填报企业", "assigned a contributor's enterprise"),
        "emission_source.create": ("登记排放源", "registered an emission source"),
        "emission_source.update": ("修改排放源", "changed an emission source"),
        "boundary.set": ("确定核算边界", "set the boundary"),
        "economic_data.set": ("录入经济数据", "entered economic data"),
        "factor_data_set.create": ("建立排放因子数据集", "created a factor data set"),
        "emission_factor.create": ("录入排放因子", "added an emission factor"),
        "emission_factor.correct": ("更正排放因子（新版本）", "corrected an emission factor (new version)"),
        "submission.prepare": ("填报活动数据", "prepared activity data"),
        "submission.rows": ("修改填报数据", "changed the prepared rows"),
        "submission.evidence": ("添加证据文件", "attached evidence"),
        "legal_requirement.confirm": ("确认适用的法律法规及其他要求", "confirmed a legal requirement"),
        "legal_requirement.reject": ("确认不适用的法律法规及其他要求", "rejected a legal requirement"),
        "legal_requirement.reopen": ("重新评估法律法规及其他要求", "reopened a legal requirement"),
        "compliance_round.create": ("开始合规性评价", "started a compliance evaluation"),
        "compliance_round.close": ("完成合规性评价", "closed a compliance evaluation"),
        "compliance_round.file_report": ("归档合规性评价报告", "filed the compliance evaluation report"),
        "compliance_result.record": ("记录合规性评价结果", "recorded a compliance result"),
        "risk.assess": ("评估风险和机遇", "assessed a risk"),
        "equipment.calibrate": ("记录校准或检定", "recorded a calibration"),
        "register_settings.update": ("修改登记册设置", "changed the register settings"),
        "register.row_create": ("新增登记册条目", "added a register row"),
        "register.row_update": ("修改登记册条目", "changed a register row"),
        "register.row_delete": ("删除登记册条目", "deleted a register row"),
        "register.import": ("导入登记册", "imported a register"),
        "register.publish": ("发布登记册快照", "published a register snapshot"),
    },
    # the registers (app/registers)
    "register": {
        "legal": ("法律法规及其他要求清单", "Legal and other requirements"),
        "risks": ("风险与机遇登记册", "Risks and opportunities"),
        "equipment": ("监视和测量设备台账", "Monitoring and measuring equipment"),
        "parties": ("利益相关方名录", "Interested parties"),
        "channels": ("信息渠道清单", "Information channels"),
        "competence": ("岗位能力要求", "Roles and required competence"),
        "training": ("培训记录", "Training sessions"),
        "communication": ("沟通记录", "Communication"),
    },
    "source_kind": {
        "law": ("法律", "Law"),
        "regulation": ("法规规章", "Regulation"),
        "standard": ("标准", "Standard"),
        "policy": ("政策", "Policy"),
        "other": ("其他要求", "Other requirement"),
    },
    "source_status": {"in_force": ("现行有效", "In force"), "repealed": ("已废止", "Repealed")},
    "requirement_origin": {
        "normative_reference": ("本标准规范性引用文件", "Normative reference of the standard"),
        "bibliography": ("本标准参考文献", "Bibliography of the standard"),
        "park": ("园区识别", "Identified by the park"),
        "interested_party": ("相关方要求", "Requirement of an interested party"),
    },
    "requirement_state": {
        "candidate": ("待确认", "Candidate"),
        "confirmed": ("已确认适用", "Confirmed"),
        "rejected": ("不适用", "Rejected"),
    },
    "round_state": {"open": ("进行中", "Open"), "closed": ("已完成", "Closed")},
    "compliance": {
        "compliant": ("合规", "Compliant"),
        "non_compliant": ("不合规", "Non-compliant"),
        "not_applicable": ("不适用", "Not applicable"),
    },
    "risk_category": {
        "strategic": ("战略规划和实施风险", "Strategic and policy risk"),
        "operational": ("运营风险", "Operational risk"),
        "financial": ("财务风险", "Financial risk"),
        "emergent": ("潜在的其他风险", "Other emergent risk"),
        "opportunity": ("潜在的机遇", "Opportunity"),
    },
    "significance": {"low": ("一般", "Low"), "medium": ("较大", "Medium"), "high": ("重大", "High")},
    "party_side": {"internal": ("内部", "Internal"), "external": ("外部", "External")},
    "communication_form": {
        "meeting": ("会议", "Meeting"),
        "external_channel": ("外部信息传递", "External information channel"),
        "internal_platform": ("内部信息沟通平台", "Internal platform"),
        "notification": ("信息通报", "Notification"),
        "other": ("其他方式", "Other"),
    },
    "training_content": {
        "law": ("法律", "Law"),
        "regulation": ("法规", "Regulation"),
        "policy": ("政策", "Policy"),
        "technology": ("技术", "Technology"),
        "management": ("管理要求", "Management"),
    },
}


def label_pair(kind: str, code: Any) -> Pair:
    """(中文, English) for a code; an unknown code is given back as itself in both (never an error)."""
    key = "" if code is None else str(code)
    return LABELS.get(kind, {}).get(key, (key, key))


def label_zh(kind: str, code: Any) -> str:
    return label_pair(kind, code)[0]


def label_en(kind: str, code: Any) -> str:
    return label_pair(kind, code)[1]


def counts_zh(kind: str, counts: Mapping[str, int], separator: str = "，") -> str:
    """{'nonconforming': 1, 'conforming': 6} → '不符合 1，符合 6' (for generated documents)."""
    return separator.join(f"{label_zh(kind, code)} {count}" for code, count in counts.items()) or "无"


def _merge(extra: dict[str, dict[str, Pair]]) -> None:
    """Merges a part's table (app/label_tables/) by kind."""
    for kind, table in extra.items():
        LABELS.setdefault(kind, {}).update(table)


from app.label_tables.archival import ARCHIVAL_LABELS  # noqa: E402
from app.label_tables.ocr import OCR_LABELS  # noqa: E402
from app.label_tables.performance_monitor import MONITOR_LABELS  # noqa: E402
from app.label_tables.performance_perfcalc import LABELS as _PERFCALC_LABELS  # noqa: E402
from app.label_tables.performance_targets import LABELS_TARGETS  # noqa: E402
from app.label_tables.performance_web import PERFWEB_LABELS  # noqa: E402
from app.label_tables.preview import PREVIEW_LABELS  # noqa: E402
from app.label_tables.retention import RETENTION_LABELS  # noqa: E402

# The performance parts' tables; the indicator's own words (perfcalc) are merged last, so they win.
for _table in (LABELS_TARGETS, MONITOR_LABELS, PERFWEB_LABELS, _PERFCALC_LABELS):
    _merge(_table)

from app.label_tables.jobsq import JOBSQ_LABELS  # noqa: E402

_merge(JOBSQ_LABELS)  # the background jobs and their admin page
_merge(PREVIEW_LABELS)  # the revision previews (app/previews/)
_merge(OCR_LABELS)  # text recognition of scanned documents
_merge(RETENTION_LABELS)  # retention classes, disposition and legal holds (app/retention)
_merge(ARCHIVAL_LABELS)  # the archival check's words (四性检测)
