"""REST API: /api/reviews, management reviews (10.3). Thin: parse, call, shape."""

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Response
from pydantic import BaseModel, Field

from app.audits import filing, reports
from app.audits.common import stored_id
from app.audits.schemas_common import ShortText, Text, docx_response, filed_out
from app.db import SessionDep
from app.deps import ClientAddress, CurrentUser, EntityId
from app.nonconformities.schemas import ActionIn
from app.reviews import service as reviews
from app.reviews.schemas import review_detail, review_summary

router = APIRouter(prefix="/api", tags=["audits"])


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
def close_review(
    review_id: EntityId, body: SignIn, session: SessionDep, user: CurrentUser, address: ClientAddress
) -> dict[str, Any]:
    closed = reviews.close_review(
        session, actor=user, review_id=review_id, password=body.password, comment=body.comment, client_address=address
    )
    return review_detail(session, closed)


@router.get("/reviews/{review_id}/report.docx")
def review_report(review_id: EntityId, session: SessionDep, user: CurrentUser) -> Response:
    review = reviews.get_review(session, review_id=review_id, user=user)
    return docx_response(
        reports.review_report_docx(session, review), reports.report_filename("review", stored_id(review))
    )


@router.post("/reviews/{review_id}/file-report", status_code=201)
def file_review_report(review_id: EntityId, session: SessionDep, user: CurrentUser) -> dict[str, Any]:
    return filed_out(*filing.file_review_report(session, actor=user, review_id=review_id))
