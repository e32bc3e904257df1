"""REST API: /api/reviews, management reviews (10.3). Thin: parse, call, shape."""

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Response
from pydantic import BaseModel, Field
from sqlmodel import Session

from app.audits import reports
from app.audits.common import loads
from app.audits.routes_common import ShortText, Text, docx_response, filed_out, user_names
from app.db import SessionDep
from app.deps import CurrentUser, EntityId
from app.nonconformities.routes import ActionIn, action_out
from app.reviews import service as reviews
from app.reviews.models import ManagementReview
from app.tasks import service as tasks

router = APIRouter()  # app.audits.routes includes it under its /api prefix and tag


# ---------------------------------------------------------------- bodies


class ReviewIn(BaseModel):
    title: ShortText = ""
    review_date: date


class ReviewInputIn(BaseModel):
    key: Annotated[str, Field(max_length=64)]
    text: Text


class DecisionIn(BaseModel):
    output_item: Annotated[str, Field(max_length=4)]
    decision: Text
    action: ActionIn | None = None


class SignIn(BaseModel):
    password: str = Field(default="", max_length=256)
    comment: Text = ""


# ---------------------------------------------------------------- shapes


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
    rows = reviews.decisions(session, review.id)
    actions = reviews.decision_actions(session, [d.id for d in rows])
    names = user_names(session, {a.owner_id for group in actions.values() for a in group})
    today = tasks.today_utc()
    return review_summary(review) | {
        "inputs_assembled_at": review.inputs_assembled_at,
        "closing_comment": review.closing_comment,
        "inputs": sections,
        "decisions": [
            {
                "id": d.id,
                "output_item": d.output_item,
                "output_title_zh": reviews.OUTPUT_ITEMS[d.output_item][0],
                "decision": d.decision,
                "actions": [action_out(a, names, today) for a in actions.get(d.id, [])],
            }
            for d in rows
        ],
        "next_review_due": reviews.next_review_due(review),
    }


# ---------------------------------------------------------------- management reviews


@router.post("/reviews", status_code=201)
def create_review(body: ReviewIn, session: SessionDep, user: CurrentUser) -> dict[str, Any]:
    review = reviews.create_review(session, actor=user, title=body.title, review_date=body.review_date)
    return review_detail(session, review)


@router.get("/reviews")
def list_reviews(session: SessionDep, user: CurrentUser) -> list[dict[str, Any]]:
    return [review_summary(r) for r in reviews.list_reviews(session, user=user)]


@router.get("/reviews/{review_id}")
def get_review(review_id: EntityId, session: SessionDep, user: CurrentUser) -> dict[str, Any]:
    return review_detail(session, reviews.get_review(session, review_id=review_id, user=user))


@router.post("/reviews/{review_id}/refresh-inputs")
def refresh_inputs(review_id: EntityId, session: SessionDep, user: CurrentUser) -> dict[str, Any]:
    return review_detail(session, reviews.refresh_inputs(session, actor=user, review_id=review_id))


@router.post("/reviews/{review_id}/inputs")
def set_input(review_id: EntityId, body: ReviewInputIn, session: SessionDep, user: CurrentUser) -> dict[str, Any]:
    return review_detail(
        session, reviews.set_input(session, actor=user, review_id=review_id, key=body.key, text=body.text)
    )


@router.post("/reviews/{review_id}/decisions", status_code=201)
def add_decision(review_id: EntityId, body: DecisionIn, session: SessionDep, user: CurrentUser) -> dict[str, Any]:
    reviews.add_decision(
        session,
        actor=user,
        review_id=review_id,
        output_item=body.output_item,
        decision=body.decision,
        action=body.action.model_dump() if body.action else None,
    )
    return review_detail(session, reviews.get_review(session, review_id=review_id, user=user))


@router.post("/reviews/{review_id}/close")
def close_review(review_id: EntityId, body: SignIn, session: SessionDep, user: CurrentUser) -> dict[str, Any]:
    return review_detail(
        session,
        reviews.close_review(session, actor=user, review_id=review_id, password=body.password, comment=body.comment),
    )


@router.get("/reviews/{review_id}/report.docx")
def review_report(review_id: EntityId, session: SessionDep, user: CurrentUser) -> Response:
    review = reviews.get_review(session, review_id=review_id, user=user)
    return docx_response(reports.review_report_docx(session, review), reports.report_filename("review", review.id))


@router.post("/reviews/{review_id}/file-report", status_code=201)
def file_review_report(review_id: EntityId, session: SessionDep, user: CurrentUser) -> dict[str, Any]:
    return filed_out(*reports.file_review_report(session, actor=user, review_id=review_id))
