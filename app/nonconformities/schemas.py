"""Nonconformity and action shapes: the API returns them and the web pages render them, so the two never disagree."""

from datetime import date
from typing import Any

from pydantic import BaseModel
from sqlmodel import Session

from app.audits.common import loads, stored_id
from app.audits.schemas_common import Id, Text, user_names
from app.clauses.models import Clause
from app.common import utcnow
from app.nonconformities import evidence
from app.nonconformities import lifecycle as nc_lifecycle
from app.nonconformities import queries as nc_queries
from app.nonconformities import service as nc_service
from app.nonconformities.models import CorrectiveAction, Nonconformity
from app.users.models import User


class ActionIn(BaseModel):
    description: Text
    owner_id: Id
    due_date: date


def action_out(
    action: CorrectiveAction, names: dict[int, str], today: date, session: Session | None = None
) -> dict[str, Any]:
    """With a session, the evidence links too (control numbers and revisions, for the pages and the API)."""
    links = (
        evidence.links_of(
            session,
            document_ids_json=action.evidence_document_ids_json,
            revision_ids_json=action.evidence_revision_ids_json,
        )
        if session is not None
        else []
    )
    return {
        "id": action.id,
        "nonconformity_id": action.nonconformity_id,
        "decision_id": action.decision_id,
        "description": action.description,
        "owner_id": action.owner_id,
        "owner_name": names.get(action.owner_id, ""),
        "due_date": action.due_date,
        "state": str(action.state),
        "overdue": str(action.state) == "open" and action.due_date < today,
        "completion_evidence": action.completion_evidence,
        "evidence_document_ids": loads(action.evidence_document_ids_json, []),
        "evidence_revision_ids": loads(action.evidence_revision_ids_json, []),
        "evidence_links": links,
        "done_at": action.done_at,
    }


def nc_summary(session: Session, nc: Nonconformity) -> dict[str, Any]:
    zh, en = nc_lifecycle.STATE_LABELS[str(nc.state)]
    return {
        "id": nc.id,
        "code": nc_queries.nc_code(nc),
        "origin": nc_service.origin_display(session, nc),
        "clause_id": nc.clause_id,
        "severity": str(nc.severity),
        "description": nc.description,
        "state": str(nc.state),
        "state_zh": zh,
        "state_en": en,
        "raised_at": nc.raised_at,
        "audit_id": nc.audit_id,
        "review_id": nc.review_id,
    }


def nc_detail(session: Session, nc: Nonconformity, user: User) -> dict[str, Any]:
    actions = nc_queries.nc_actions(session, stored_id(nc))
    owners, open_count = nc_queries.action_facts(actions)
    names = user_names(session, {a.owner_id for a in actions} | {nc.raised_by_id, nc.verified_by_id or 0})
    clause = session.get(Clause, nc.clause_id)
    return nc_summary(session, nc) | {
        "origin_ref": nc.origin_ref,
        "audit_line_id": nc.audit_line_id,
        "origin_document_id": nc.origin_document_id,
        "clause_title_zh": clause.title_zh if clause else "",
        "clause_title_en": clause.title_en if clause else "",
        "evidence_examined": nc.evidence_examined,
        "cause_analysis": nc.cause_analysis,
        "similar_elsewhere": nc.similar_elsewhere,
        "similar_details": nc.similar_details,
        "completion_evidence": nc.completion_evidence,
        "verification": nc.verification,
        "verified_by": names.get(nc.verified_by_id or 0),
        "verified_at": nc.verified_at,
        "end_reason": nc.end_reason,
        "ended_at": nc.ended_at,
        "raised_by": names.get(nc.raised_by_id),
        "version": nc.version,
        "report_document_id": nc.report_document_id,
        "actions": [action_out(a, names, utcnow().date(), session) for a in actions],
        "allowed_actions": nc_lifecycle.allowed_actions(nc, user, owner_ids=owners, open_actions=open_count),
    }
