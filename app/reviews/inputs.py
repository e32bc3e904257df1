"""The inputs of a management review (10.3.1 a–h): assembled from what carbonms holds, per section."""

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from app.common import utcnow
from app.documents.models import Document, Revision
from app.registers.queries import compliance_results, risk_changes_since
from app.reviews.inputs_audits import audit_inputs
from app.reviews.inputs_performance import performance_inputs
from app.reviews.models import ManagementReview, ReviewState

TO_COMPLETE_ZH, TO_COMPLETE_EN = "待填写", "to be completed"


OUTPUT_ITEMS: dict[str, tuple[str, str]] = {
    "a": ("改进碳排放管理绩效的机会", "Opportunities to improve carbon management performance"),
    "b": ("碳排放管理方针", "The carbon management policy"),
    "c": ("碳排放管理绩效参数或碳排放管理基准", "Performance indicators or the baseline"),
    "d": (
        "碳排放管理目标、指标、措施计划或体系的其他要素，及其未实现时将采取的措施",
        "Objectives, targets, action plans or other elements, and what to do when they are not achieved",
    ),
    "e": ("改进融入业务过程的机会", "Opportunities to integrate improvement into business processes"),
    "f": ("资源分配", "Allocation of resources"),
    "g": ("能力、意识和沟通的改进", "Improvement of competence, awareness and communication"),
    "h": ("保留文件化信息作为管理评审结果的证据", "Documented information retained as evidence of the results"),
}

# (key, references, title zh, title en, doc types shown, people must complete it, what they must add zh / en)
SECTIONS: tuple[tuple[str, tuple[str, ...], str, str, tuple[str, ...], bool, str, str], ...] = (
    (
        "previous_actions",
        ("10.3 a)",),
        "以往管理评审所采取措施的状况",
        "Status of actions from previous reviews",
        (),
        False,
        "",
        "",
    ),
    (
        "context_risks",
        ("10.3 b)", "10.3.1 a)"),
        "内外部因素及相关风险和机遇的变化",
        "Changes in external and internal issues, risks and opportunities",
        (
            "ENVIRONMENT_OVERVIEW",
            "INFORMATION_CHANNEL_LIST",
            "STAKEHOLDER_REGISTER",
            "STAKEHOLDER_RESPONSE_PLAN",
            "CMS_SCOPE_BOUNDARY",
            "RISK_OPPORTUNITY_REGISTER",
            "RISK_RESPONSE_PLAN",
            "RISK_MEETING_RECORDS",
        ),
        True,
        "说明这些变化对体系的影响",
        "Explain what these changes mean for the system",
    ),
    (
        "policy",
        ("10.3.1 b)",),
        "碳排放管理方针的评审",
        "Review of the carbon management policy",
        ("CARBON_POLICY",),
        True,
        "方针是否仍然适宜的评审结论",
        "Conclusion: is the policy still suitable",
    ),
    (
        "objectives",
        ("10.3 c)", "10.3.1 c)"),
        "碳排放管理方针和目标、指标的实现程度",
        "Extent to which the policy, objectives and targets have been achieved",
        ("OBJECTIVES_RESPONSIBILITY_LETTER", "ANNUAL_WORK_PLAN", "TARGET_COMPLETION_CHECKLIST"),
        True,
        "各项目标和指标的完成情况",
        "How far each objective and target was achieved",
    ),
    (
        "compliance",
        ("10.3 d)", "10.3.1 d)"),
        "合规义务的评价结果",
        "Results of the evaluation of compliance",
        ("COMPLIANCE_EVALUATION_REPORT",),
        False,
        "",
        "",
    ),
    (
        "monitoring_performance",
        ("10.3 d)", "10.3.1 e)", "10.3.1 f)"),
        "基于监视和测量结果的碳排放管理绩效及其改进情况",
        "Performance and its improvement from monitoring and measurement",
        (
            "MONITORING_MEASUREMENT_RECORDS",
            "PERFORMANCE_INDICATOR_VALUES",
            "DEVIATION_INVESTIGATION_RECORD",
            "CARBON_REVIEW_REPORT",
            "EMISSION_REVIEW_RECORD",
            "TRADING_REVIEW_RECORD",
            "ASSET_REVIEW_RECORD",
            "NEUTRALITY_REVIEW_RECORD",
        ),
        True,
        "绩效数据的趋势与评审结论",
        "Trends of the performance figures and their review",
    ),
    (
        "audits_nonconformities",
        ("10.3 d)",),
        "审核结果与不符合和纠正措施的趋势",
        "Audit results and trends of nonconformities and corrective actions",
        (),
        False,
        "",
        "",
    ),
    (
        "action_plans",
        ("10.3.1 g)",),
        "碳排放管理措施计划的实施状况和效果",
        "Status and effect of the carbon management action plans",
        ("IMPLEMENTATION_PLAN", "ANNUAL_WORK_PLAN", "IMPROVEMENT_PLAN"),
        True,
        "措施计划实施的效果",
        "The effect of the action plans",
    ),
    (
        "readiness",
        ("10.3 d)",),
        "体系文件化信息就绪度及其自上次评审以来的变化",
        "Readiness of the documented information and its change since the last review",
        (),
        False,
        "",
        "",
    ),
    (
        "open_corrective_actions",
        ("10.3 d)", "10.3.1 g)"),
        "未完成的纠正措施",
        "Open corrective actions",
        (),
        False,
        "",
        "",
    ),
    (
        "resources",
        ("10.3 e)",),
        "资源的充分性",
        "Adequacy of resources",
        ("RESOURCE_ALLOCATION_PLAN",),
        True,
        "资源是否充分的评价",
        "Are the resources adequate",
    ),
    (
        "communication",
        ("10.3 f)",),
        "来自相关方的有关信息交流",
        "Relevant communication from interested parties",
        ("COMMUNICATION_RECORD", "STAKEHOLDER_REGISTER"),
        True,
        "相关方的意见、投诉和建议",
        "Views, complaints and suggestions of interested parties",
    ),
    (
        "improvement",
        ("10.3 g)",),
        "持续改进的机会",
        "Opportunities for continual improvement",
        ("IMPROVEMENT_PLAN",),
        True,
        "提出的改进机会",
        "The opportunities proposed",
    ),
)
SECTION_KEYS = tuple(section[0] for section in SECTIONS)


# ---------------------------------------------------------------- queries used by the assembly


def _documents(session: Session, park_id: int, doc_types: tuple[str, ...], since: date | None) -> list[dict]:
    """The park's documents of these types: their newest revision, and the revisions created since `since`."""
    if not doc_types:
        return []
    rows = session.execute(
        select(
            col(Document.id),
            col(Document.control_no),
            col(Document.title),
            col(Document.doc_type),
            col(Document.kind),
            col(Revision.number),
            col(Revision.state),
            col(Revision.created_at),
            col(Revision.effective_from),
            col(Revision.period_start),
            col(Revision.period_end),
            col(Revision.change_reason),
        )
        .join(Revision, col(Revision.document_id) == col(Document.id))
        .where(col(Document.park_id) == park_id, col(Document.doc_type).in_(doc_types))
        .order_by(col(Document.doc_type), col(Document.control_no), col(Revision.number))
    ).all()
    out: dict[int, dict] = {}
    for doc_id, control_no, title, doc_type, kind, number, state, created, effective, start, end, reason in rows:
        entry = out.setdefault(
            doc_id,
            {
                "document_id": doc_id,
                "control_no": control_no,
                "title": title,
                "doc_type": doc_type,
                "kind": str(kind),
                "changes_since_last_review": [],
            },
        )
        entry.update(
            {
                "revision": number,
                "state": str(state),
                "effective_from": effective.date().isoformat() if effective else None,
                "period_start": start.isoformat() if start else None,
                "period_end": end.isoformat() if end else None,
            }
        )
        created_day = created.date() if created else None
        if since is None or (created_day and created_day > since):
            entry["changes_since_last_review"].append(
                {
                    "revision": number,
                    "state": str(state),
                    "created": created_day.isoformat() if created_day else None,
                    "change_reason": reason,
                }
            )
    return list(out.values())


def previous_reviews(session: Session, park_id: int, review_date: date, exclude: int | None) -> list[ManagementReview]:
    query = select(ManagementReview).where(
        col(ManagementReview.park_id) == park_id,
        col(ManagementReview.state) == ReviewState.closed,
        col(ManagementReview.review_date) <= review_date,
    )
    if exclude is not None:
        query = query.where(col(ManagementReview.id) != exclude)
    return list(
        session.execute(
            query.order_by(col(ManagementReview.review_date).desc(), col(ManagementReview.id).desc())
        ).scalars()
    )


def _readiness_summary(result: dict[str, Any]) -> dict[str, Any]:
    return {
        "as_of": result["as_of"],
        "status": result["overall"]["status"],
        "coverage": result["overall"]["coverage"],
        "progress": result["overall"]["progress"],
        "chapters": {
            c["id"]: {"coverage": c["coverage"], "progress": c["progress"], "status": c["status"]}
            for c in result["chapters"]
        },
    }


def assemble_inputs(
    session: Session,
    *,
    park_id: int,
    review_date: date,
    previous: ManagementReview | None,
    exclude_review: int | None = None,
    today: date | None = None,
) -> list[dict[str, Any]]:
    """One section per input of 10.3 / 10.3.1, filled from what carbonms holds; the rest marked 待填写."""
    from app.readiness.service import compute_readiness

    today = today or utcnow().date()
    since = previous.review_date if previous else None
    earlier = previous_reviews(session, park_id, review_date, exclude_review)
    data = audit_inputs(session, park_id=park_id, since=since, today=today, earlier=earlier)
    until = min(review_date, today)
    data["context_risks"] = {"risk_changes": risk_changes_since(session, park_id, since, until)}  # 10.3.1 a)
    # 10.3.1 d): the evaluation rounds first, then the nonconformities they raised.
    data["compliance"] = {"evaluation_rounds": compliance_results(session, park_id, since, until)} | data["compliance"]
    # 10.3.1 c), e), f), g) from the performance data: targets, indicators against the baseline, measures.
    performance = performance_inputs(session, park_id=park_id, review_date=review_date, since=since, today=today)
    for key, extra in performance.items():
        data[key] = data.get(key, {}) | extra

    now_result = compute_readiness(session, park_id=park_id, as_of=min(review_date, today))
    readiness: dict[str, Any] = {"now": _readiness_summary(now_result), "at_last_review": None, "change": None}
    if previous is not None:
        then = _readiness_summary(compute_readiness(session, park_id=park_id, as_of=previous.review_date))
        readiness["at_last_review"] = then
        readiness["change"] = {
            "coverage": round(readiness["now"]["coverage"] - then["coverage"], 4),
            "progress": round(readiness["now"]["progress"] - then["progress"], 4),
        }
    data["readiness"] = readiness

    sections = []
    for key, refs, title_zh, title_en, doc_types, to_complete, prompt_zh, prompt_en in SECTIONS:
        section_data = dict(data.get(key, {}))
        if doc_types:
            section_data["documents"] = _documents(session, park_id, doc_types, since)
        sections.append(
            {
                "key": key,
                "refs": list(refs),
                "title_zh": title_zh,
                "title_en": title_en,
                "data": section_data,
                "to_complete": to_complete,
                "prompt_zh": f"{TO_COMPLETE_ZH}：{prompt_zh}" if to_complete else "",
                "prompt_en": f"{TO_COMPLETE_EN}: {prompt_en}" if to_complete else "",
            }
        )
    return sections
