"""The management review's audit and corrective-action inputs (10.3 a, d, g), assembled from the audits and the
nonconformities: the actions decided at earlier reviews, the audits and nonconformity trends since the last review,
the nonconformities raised by compliance evaluation or monitoring, the open corrective actions and the improvement
opportunities the audits found. Kept apart from the section table so `inputs.py` only puts the sections together.
"""

from collections import Counter
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from app.audits.common import end_of_day
from app.audits.models import Audit, AuditFinding, AuditLine, AuditState, FindingKind
from app.common import as_utc
from app.nonconformities.models import ActionState, CorrectiveAction, Nonconformity
from app.nonconformities.queries import nc_code
from app.reviews.models import ManagementReview, ReviewDecision
from app.users.models import User


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
    return dict(session.execute(select(col(User.id), col(User.full_name)).where(col(User.park_id) == park_id)).all())


def _nonconformity_counts(items: list[Nonconformity]) -> dict[str, dict[str, int]]:
    return {
        "by_state": dict(Counter(str(n.state) for n in items)),
        "by_severity": dict(Counter(str(n.severity) for n in items)),
        "by_origin": dict(Counter(str(n.origin) for n in items)),
    }


def audit_inputs(
    session: Session, *, park_id: int, since: date | None, today: date, earlier: list[ManagementReview]
) -> dict[str, dict[str, Any]]:
    """The data of the sections these inputs fill, by section key; `earlier` are the closed reviews before this one.

    The compliance section gets only its nonconformities here: its evaluation rounds come from the registers.
    """
    owners = _owner_names(session, park_id)
    data: dict[str, dict[str, Any]] = {}

    decision_ids = (
        [
            d
            for (d,) in session.execute(
                select(col(ReviewDecision.id)).where(col(ReviewDecision.review_id).in_([r.id for r in earlier]))
            )
        ]
        if earlier
        else []
    )
    previous_actions = (
        list(
            session.execute(
                select(CorrectiveAction)
                .where(col(CorrectiveAction.decision_id).in_(decision_ids))
                .order_by(col(CorrectiveAction.due_date))
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

    ncs = list(session.execute(select(Nonconformity).where(col(Nonconformity.park_id) == park_id)).scalars())
    cutoff_since = end_of_day(since) if since else None
    recent = [nc for nc in ncs if cutoff_since is None or as_utc(nc.raised_at) >= cutoff_since]

    audits_query = select(Audit).where(col(Audit.park_id) == park_id, col(Audit.state) == AuditState.completed)
    audits = [
        a
        for a in session.execute(audits_query.order_by(col(Audit.audit_date))).scalars()
        if since is None or (a.audit_date and a.audit_date > since)
    ]
    audit_results = []
    for audit in audits:
        results = Counter(
            str(r) for (r,) in session.execute(select(col(AuditLine.result)).where(col(AuditLine.audit_id) == audit.id))
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
        "nonconformities_all": _nonconformity_counts(ncs),
        "nonconformities_since_last_review": _nonconformity_counts(recent),
        "total": len(ncs),
        "raised_since_last_review": len(recent),
    }
    data["compliance"] = {
        "nonconformities_from_compliance_evaluation": [
            {"id": n.id, "code": nc_code(n), "state": str(n.state), "description": n.description}
            for n in ncs
            if str(n.origin) == "compliance_evaluation"
        ],
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
            .where(col(CorrectiveAction.park_id) == park_id, col(CorrectiveAction.state) == ActionState.open)
            .order_by(col(CorrectiveAction.due_date))
        ).scalars()
    )
    data["open_corrective_actions"] = {
        "actions": [_action_entry(a, today, owners) for a in open_all],
        "overdue": sum(1 for a in open_all if a.due_date < today),
    }
    data["action_plans"] = {"open_actions": len(open_all)}

    improvements = list(
        session.execute(
            select(AuditFinding).where(
                col(AuditFinding.park_id) == park_id, col(AuditFinding.kind) == FindingKind.improvement
            )
        ).scalars()
    )
    data["improvement"] = {
        "opportunities_from_audits": [
            {"id": f.id, "audit_id": f.audit_id, "clause_id": f.clause_id, "description": f.description}
            for f in improvements
            if since is None or as_utc(f.created_at) >= cutoff_since
        ]
    }
    return data
