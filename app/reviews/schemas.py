"""Management review shapes: the API returns them and the web pages render them, so the two never disagree."""

from typing import Any

from sqlmodel import Session

from app.audits.common import loads, stored_id
from app.audits.schemas_common import user_names
from app.common import utcnow
from app.nonconformities.schemas import action_out
from app.reviews import service as reviews
from app.reviews.inputs import OUTPUT_ITEMS
from app.reviews.models import ManagementReview


def review_summary(review: ManagementReview) -> dict[str, Any]:
    return {
        "id": review.id,
        "title": review.title,
        "review_date": review.review_date,
        "state": str(review.state),
        "previous_review_id": review.previous_review_id,
        "closed_by": review.closed_by_name or None,
        "closed_at": review.closed_at,
        "report_document_id": review.report_document_id,
        "version": review.version,
    }


def review_detail(session: Session, review: ManagementReview) -> dict[str, Any]:
    notes = loads(review.notes_json, {}) or {}
    sections = []
    for section in loads(review.inputs_json, []) or []:
        text = notes.get(section["key"], "")
        sections.append(section | {"notes": text, "missing": section["to_complete"] and not text})
    rows = reviews.decisions(session, stored_id(review))
    actions = reviews.decision_actions(session, [stored_id(d) for d in rows])
    names = user_names(session, {a.owner_id for group in actions.values() for a in group})
    today = utcnow().date()
    return review_summary(review) | {
        "inputs_assembled_at": review.inputs_assembled_at,
        "closing_comment": review.closing_comment,
        "inputs": sections,
        "decisions": [
            {
                "id": d.id,
                "output_item": d.output_item,
                "output_title_zh": OUTPUT_ITEMS[d.output_item][0],
                "decision": d.decision,
                "actions": [action_out(a, names, today) for a in actions.get(stored_id(d), [])],
            }
            for d in rows
        ],
        "next_review_due": reviews.next_review_due(review),
    }
