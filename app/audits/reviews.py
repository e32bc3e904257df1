"""Management reviews (10.3): inputs assembled from what carbonms holds, decisions, closing signature, the record."""

from collections import Counter
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from app.audits.common import dumps, end_of_day, get_in_park, loads, require_reader, require_role, stripped
from app.audits.models import (
    ActionState,
    Audit,
    AuditFinding,
    AuditLine,
    AuditState,
    CorrectiveAction,
    FindingKind,
    ManagementReview,
    Nonconformity,
    ReviewDecision,
    ReviewState,
)
from app.audits.nonconformities import nc_code, record_action
from app.common import as_utc, utcnow
from app.documents.models import Document, Revision
from app.errors import Conflict, Forbidden, Invalid, InvalidTransition
from app.events import service as events
from app.events.refusals import Rule, refusal
from app.readiness.items import add_months
from app.users.models import Role, User
from app.users.service import require_signature

REVIEW_EDITORS = frozenset({Role.coordinator, Role.top_management})
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
            Document.id,
            Document.control_no,
            Document.title,
            Document.doc_type,
            Document.kind,
            Revision.number,
            Revision.state,
            Revision.created_at,
            Revision.effective_from,
            Revision.period_start,
            Revision.period_end,
            Revision.change_reason,
        )
        .join(Revision, Revision.document_id == Document.id)
        .where(Document.park_id == park_id, Document.doc_type.in_(doc_types))
        .order_by(Document.doc_type, Document.control_no, Revision.number)
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
                "effective_from": as_utc(effective).date().isoformat() if effective else None,
                "period_start": start.isoformat() if start else None,
                "period_end": end.isoformat() if end else None,
            }
        )
        created_day = as_utc(created).date() if created else None
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


def _action_entry(action: CorrectiveAction, today: date, owners: dict[int, str]) -> dict:
    return {
        "id": action.id,
        "description": action.description,
        "owner_id": action.owner_id,
        "owner_name": owners.get(action.owner_id, ""),
        "due_date": action.due_date.isoformat(),
        "state": str(action.state),
        "overdue": action.state == ActionState.open and action.due_date < today,
        "nonconformity_id": action.nonconformity_id,
        "decision_id": action.decision_id,
    }


def _owner_names(session: Session, park_id: int) -> dict[int, str]:
    return dict(session.execute(select(User.id, User.full_name).where(User.park_id == park_id)).all())


def _previous_reviews(session: Session, park_id: int, review_date: date, exclude: int | None) -> list[ManagementReview]:
    query = select(ManagementReview).where(
        ManagementReview.park_id == park_id,
        ManagementReview.state == ReviewState.closed,
        ManagementReview.review_date <= review_date,
    )
    if exclude is not None:
        query = query.where(ManagementReview.id != exclude)
    return list(
        session.execute(query.order_by(ManagementReview.review_date.desc(), ManagementReview.id.desc())).scalars()
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
    owners = _owner_names(session, park_id)
    data: dict[str, dict[str, Any]] = {}

    earlier = _previous_reviews(session, park_id, review_date, exclude_review)
    decision_ids = (
        [
            d
            for (d,) in session.execute(
                select(ReviewDecision.id).where(ReviewDecision.review_id.in_([r.id for r in earlier]))
            )
        ]
        if earlier
        else []
    )
    previous_actions = (
        list(
            session.execute(
                select(CorrectiveAction)
                .where(CorrectiveAction.decision_id.in_(decision_ids))
                .order_by(CorrectiveAction.due_date)
            ).scalars()
        )
        if decision_ids
        else []
    )
    data["previous_actions"] = {
        "previous_reviews": [{"id": r.id, "title": r.title, "review_date": r.review_date.isoformat()} for r in earlier],
        "actions": [_action_entry(a, today, owners) for a in previous_actions],
        "counts": dict(Counter(str(a.state) for a in previous_actions)),
    }

    ncs = list(session.execute(select(Nonconformity).where(Nonconformity.park_id == park_id)).scalars())
    cutoff_since = end_of_day(since) if since else None
    recent = [nc for nc in ncs if cutoff_since is None or as_utc(nc.raised_at) >= cutoff_since]

    def counts(items: list[Nonconformity]) -> dict[str, dict[str, int]]:
        return {
            "by_state": dict(Counter(str(n.state) for n in items)),
            "by_severity": dict(Counter(str(n.severity) for n in items)),
            "by_origin": dict(Counter(str(n.origin) for n in items)),
        }

    audits_query = select(Audit).where(Audit.park_id == park_id, Audit.state == AuditState.completed)
    audits = [
        a
        for a in session.execute(audits_query.order_by(Audit.audit_date)).scalars()
        if since is None or (a.audit_date and a.audit_date > since)
    ]
    audit_results = []
    for audit in audits:
        results = Counter(
            str(r) for (r,) in session.execute(select(AuditLine.result).where(AuditLine.audit_id == audit.id))
        )
        audit_results.append(
            {
                "id": audit.id,
                "title": audit.title,
                "audit_date": audit.audit_date.isoformat() if audit.audit_date else None,
                "lines": dict(results),
                "conclusion": audit.conclusion,
                "nonconformities": [nc_code(n) for n in ncs if n.audit_id == audit.id],
            }
        )
    data["audits_nonconformities"] = {
        "audits": audit_results,
        "nonconformities_all": counts(ncs),
        "nonconformities_since_last_review": counts(recent),
        "total": len(ncs),
        "raised_since_last_review": len(recent),
    }
    data["compliance"] = {
        "nonconformities_from_compliance_evaluation": [
            {"id": n.id, "code": nc_code(n), "state": str(n.state), "description": n.description}
            for n in ncs
            if str(n.origin) == "compliance_evaluation"
        ]
    }
    data["monitoring_performance"] = {
        "nonconformities_from_monitoring": [
            {"id": n.id, "code": nc_code(n), "state": str(n.state), "description": n.description}
            for n in ncs
            if str(n.origin) == "monitoring"
        ]
    }

    open_all = list(
        session.execute(
            select(CorrectiveAction)
            .where(CorrectiveAction.park_id == park_id, CorrectiveAction.state == ActionState.open)
            .order_by(CorrectiveAction.due_date)
        ).scalars()
    )
    data["open_corrective_actions"] = {
        "actions": [_action_entry(a, today, owners) for a in open_all],
        "overdue": sum(1 for a in open_all if a.due_date < today),
    }
    data["action_plans"] = {"open_actions": len(open_all)}

    improvements = list(
        session.execute(
            select(AuditFinding).where(AuditFinding.park_id == park_id, AuditFinding.kind == FindingKind.improvement)
        ).scalars()
    )
    data["improvement"] = {
        "opportunities_from_audits": [
            {"id": f.id, "audit_id": f.audit_id, "clause_id": f.clause_id, "description": f.description}
            for f in improvements
            if since is None or as_utc(f.created_at) >= cutoff_since
        ]
    }

    now_result = compute_readiness(session, park_id=park_id, as_of=min(review_date, today))
    readiness = {"now": _readiness_summary(now_result), "at_last_review": None, "change": None}
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


# ---------------------------------------------------------------- the review


def get_review(session: Session, *, review_id: int, user: User, for_update: bool = False) -> ManagementReview:
    return get_in_park(
        session,
        ManagementReview,
        entity_id=review_id,
        user=user,
        entity_type="review",
        missing=("管理评审不存在", "Management review not found"),
        for_update=for_update,
    )


def list_reviews(session: Session, *, user: User) -> list[ManagementReview]:
    require_reader(user, "review", "list")
    return list(
        session.execute(
            select(ManagementReview)
            .where(ManagementReview.park_id == user.park_id)
            .order_by(ManagementReview.review_date.desc(), ManagementReview.id.desc())
        ).scalars()
    )


def _require_draft(review: ManagementReview) -> None:
    if review.state != ReviewState.draft:
        raise InvalidTransition("管理评审已关闭，不能再修改", "The review is closed and cannot change")


def _bump(session: Session, review: ManagementReview) -> None:
    review.version += 1
    session.add(review)
    session.flush()


def create_review(
    session: Session, *, actor: User, title: str, review_date: date, today: date | None = None
) -> ManagementReview:
    require_role(
        actor,
        {Role.coordinator},
        "review",
        "new",
        "只有体系管理员可以发起管理评审",
        "Only a coordinator may prepare a management review",
    )
    if not 2000 <= review_date.year <= 2100:
        raise Invalid("评审日期超出范围（2000–2100 年）", "The review date is out of range (2000–2100)")
    title = stripped(title) or f"{review_date.year} 年度管理评审"
    earlier = _previous_reviews(session, actor.park_id, review_date, None)
    previous = earlier[0] if earlier else None
    review = ManagementReview(
        park_id=actor.park_id,
        title=title,
        review_date=review_date,
        state=ReviewState.draft,
        previous_review_id=previous.id if previous else None,
        created_by_id=actor.id,
    )
    session.add(review)
    session.flush()
    review.inputs_json = dumps(
        assemble_inputs(
            session,
            park_id=actor.park_id,
            review_date=review_date,
            previous=previous,
            exclude_review=review.id,
            today=today,
        )
    )
    review.inputs_assembled_at = utcnow()
    session.add(review)
    session.flush()
    events.record(
        session,
        action="review.create",
        entity_type="review",
        entity_id=review.id,
        park_id=review.park_id,
        actor=actor,
        after={"title": title, "review_date": review_date, "previous_review_id": review.previous_review_id},
    )
    return review


def refresh_inputs(session: Session, *, actor: User, review_id: int, today: date | None = None) -> ManagementReview:
    review = get_review(session, review_id=review_id, user=actor, for_update=True)
    require_role(
        actor,
        {Role.coordinator},
        "review",
        review.id,
        "只有体系管理员可以更新评审输入",
        "Only a coordinator may refresh the review's inputs",
    )
    _require_draft(review)
    previous = session.get(ManagementReview, review.previous_review_id) if review.previous_review_id else None
    review.inputs_json = dumps(
        assemble_inputs(
            session,
            park_id=review.park_id,
            review_date=review.review_date,
            previous=previous,
            exclude_review=review.id,
            today=today,
        )
    )
    review.inputs_assembled_at = utcnow()
    _bump(session, review)
    events.record(
        session,
        action="review.refresh_inputs",
        entity_type="review",
        entity_id=review.id,
        park_id=review.park_id,
        actor=actor,
        after={"assembled_at": review.inputs_assembled_at},
    )
    return review


def set_input(session: Session, *, actor: User, review_id: int, key: str, text: str) -> ManagementReview:
    review = get_review(session, review_id=review_id, user=actor, for_update=True)
    require_role(
        actor,
        REVIEW_EDITORS,
        "review",
        review.id,
        "只有体系管理员或最高管理者可以填写评审输入",
        "Only a coordinator or top management may fill in the review's inputs",
    )
    _require_draft(review)
    if key not in SECTION_KEYS:
        raise Invalid(f"评审输入“{key}”不存在", f"There is no review input “{key}”")
    notes = loads(review.notes_json, {}) or {}
    before = notes.get(key, "")
    notes[key] = stripped(text)
    review.notes_json = dumps(notes)
    _bump(session, review)
    events.record(
        session,
        action="review.input",
        entity_type="review",
        entity_id=review.id,
        park_id=review.park_id,
        actor=actor,
        before={key: before},
        after={key: notes[key]},
    )
    return review


def add_decision(
    session: Session,
    *,
    actor: User,
    review_id: int,
    output_item: str,
    decision: str,
    action: dict[str, Any] | None = None,
) -> ReviewDecision:
    review = get_review(session, review_id=review_id, user=actor, for_update=True)
    require_role(
        actor,
        REVIEW_EDITORS,
        "review",
        review.id,
        "只有体系管理员或最高管理者可以记录评审决定",
        "Only a coordinator or top management may record decisions",
    )
    _require_draft(review)
    output_item = stripped(output_item).lower().rstrip(")")
    if output_item not in OUTPUT_ITEMS:
        raise Invalid("评审输出必须是 10.3.2 a)–h) 之一", "The output must be one of 10.3.2 a)–h)")
    decision = stripped(decision)
    if not decision:
        raise Invalid("请填写评审决定", "The decision is required")
    row = ReviewDecision(
        park_id=review.park_id, review_id=review.id, output_item=output_item, decision=decision, created_by_id=actor.id
    )
    session.add(row)
    session.flush()
    events.record(
        session,
        action="review.decision",
        entity_type="review_decision",
        entity_id=row.id,
        park_id=review.park_id,
        actor=actor,
        after={"review_id": review.id, "output_item": output_item, "decision": decision},
    )
    if action:
        record_action(
            session,
            actor=actor,
            description=action.get("description") or decision,
            owner_id=action["owner_id"],
            due_date=action.get("due_date"),
            decision_id=row.id,
        )
    _bump(session, review)
    return row


def decisions(session: Session, review_id: int) -> list[ReviewDecision]:
    return list(
        session.execute(
            select(ReviewDecision)
            .where(ReviewDecision.review_id == review_id)
            .order_by(ReviewDecision.output_item, ReviewDecision.id)
        ).scalars()
    )


def decision_actions(session: Session, decision_ids: list[int]) -> dict[int, list[CorrectiveAction]]:
    if not decision_ids:
        return {}
    out: dict[int, list[CorrectiveAction]] = {}
    for action in session.execute(
        select(CorrectiveAction).where(CorrectiveAction.decision_id.in_(decision_ids)).order_by(CorrectiveAction.id)
    ).scalars():
        out.setdefault(action.decision_id, []).append(action)
    return out


def close_review(
    session: Session, *, actor: User, review_id: int, password: str | None, comment: str = ""
) -> ManagementReview:
    """Top management closes the review with an electronic signature (password again)."""
    review = get_review(session, review_id=review_id, user=actor, for_update=True)
    if actor.role != Role.top_management:
        raise Forbidden(
            "只有最高管理者可以签署关闭管理评审",
            "Only top management may close a management review",
            audit=refusal(actor, Rule.role, "review", review.id),
        )
    _require_draft(review)
    if not decisions(session, review.id):
        raise Conflict(
            "管理评审至少要有一项评审输出（决定）才能关闭",
            "A review needs at least one output (decision) before it can be closed",
        )
    require_signature(actor, password, entity_type="review", entity_id=review.id)
    before = {"state": str(review.state)}
    review.state = ReviewState.closed
    review.closed_by_id, review.closed_by_name, review.closed_at = actor.id, actor.full_name, utcnow()
    review.closing_comment = stripped(comment)
    _bump(session, review)
    events.record(
        session,
        action="review.close",
        entity_type="review",
        entity_id=review.id,
        park_id=review.park_id,
        actor=actor,
        before=before,
        after={
            "state": str(review.state),
            "comment": review.closing_comment,
            "signature": {
                "signer": actor.username,
                "signer_name": actor.full_name,
                "signed_at": review.closed_at,
                "meaning": "approve",
            },
        },
    )
    return review


def next_review_due(review: ManagementReview) -> date:
    return add_months(review.review_date, 12)
