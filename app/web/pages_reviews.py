"""Management reviews (10.3): the pages. Thin like the API (see pages_audits.py)."""

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from app.audits import filing
from app.clauses import queries as clause_queries
from app.db import SessionDep
from app.deps import ClientAddress, EntityId
from app.errors import Invalid
from app.nonconformities import lifecycle as nc_lifecycle
from app.nonconformities import service as nc_service
from app.nonconformities.models import NcOrigin, Severity
from app.nonconformities.schemas import nc_summary
from app.reviews import lifecycle as review_lifecycle
from app.reviews import service as reviews
from app.reviews.inputs import OUTPUT_ITEMS
from app.reviews.schemas import review_detail, review_summary
from app.users.models import Role
from app.web.common import WebUser, see_other
from app.web.pages_audits import OptDate, OptId, Short, Text, _day, _id, _page, _people

router = APIRouter()


# ---------------------------------------------------------------- management reviews


@router.get("/reviews")
def reviews_page(request: Request, session: SessionDep, user: WebUser) -> Response:
    rows = [review_summary(r) for r in reviews.list_reviews(session, user=user)]
    return _page(request, "reviews.html", section="reviews", items=rows, may_create=user.role == Role.coordinator)


@router.post("/reviews")
def create_review(session: SessionDep, user: WebUser, review_date: OptDate, title: Short = "") -> Response:
    day = _day(review_date, "评审日期", "The review date")
    if day is None:
        raise Invalid("请填写评审日期", "The review date is required")
    review = reviews.create_review(session, actor=user, title=title, review_date=day)
    return see_other(f"/reviews/{review.id}?done=review_created")


@router.get("/reviews/{review_id:int}")
def review_page(review_id: EntityId, request: Request, session: SessionDep, user: WebUser) -> Response:
    review = reviews.get_review(session, review_id=review_id, user=user)
    detail = review_detail(session, review)
    raised = [
        nc_summary(session, nc)
        for nc in nc_service.list_nonconformities(session, user=user, origin=NcOrigin.management_review)
        if nc.review_id == review.id
    ]
    may_raise = user.role in nc_service.NC_RAISERS  # nc_service.raise_nonconformity: any state of the review
    decision_actions = reviews.decision_actions(session, [d["id"] for d in detail["decisions"]])
    action_steps = {
        action.id: nc_lifecycle.allowed_action_steps(action, user, nc_state=None)
        for group in decision_actions.values()
        for action in group
    }
    return _page(
        request,
        "review.html",
        section="reviews",
        r=detail,
        people=_people(session, user),
        actions=review_lifecycle.allowed_actions(review, user),
        action_steps=action_steps,
        may_file=filing.may_file_reports(user),
        outputs=OUTPUT_ITEMS,
        raised=raised,
        may_raise=may_raise,
        severities=[s.value for s in Severity],
        clause_list=clause_queries.list_clauses(session) if may_raise else [],
    )


@router.post("/reviews/{review_id:int}/inputs")
def set_input(
    review_id: EntityId, session: SessionDep, user: WebUser, key: Annotated[str, Form(max_length=64)], text: Text = ""
) -> Response:
    reviews.set_input(session, actor=user, review_id=review_id, key=key, text=text)
    return see_other(f"/reviews/{review_id}?done=review_input#in-{key}")


@router.post("/reviews/{review_id:int}/refresh-inputs")
def refresh_inputs(review_id: EntityId, session: SessionDep, user: WebUser) -> Response:
    reviews.refresh_inputs(session, actor=user, review_id=review_id)
    return see_other(f"/reviews/{review_id}?done=review_refreshed")


@router.post("/reviews/{review_id:int}/decisions")
def add_decision(
    review_id: EntityId,
    session: SessionDep,
    user: WebUser,
    output_item: Annotated[str, Form(max_length=4)],
    decision: Text = "",
    action_description: Text = "",
    action_owner_id: OptId = "",
    action_due_date: OptDate = "",
) -> Response:
    action = None
    owner = _id(action_owner_id)
    due = _day(action_due_date, "完成期限", "The due date")
    if owner is not None or due is not None or action_description.strip():
        if owner is None:
            raise Invalid(
                "每项措施都必须有内容、负责人和完成期限", "Each action needs a description, an owner and a due date"
            )
        action = {"description": action_description, "owner_id": owner, "due_date": due}
    reviews.add_decision(
        session, actor=user, review_id=review_id, output_item=output_item, decision=decision, action=action
    )
    return see_other(f"/reviews/{review_id}?done=review_decision")


@router.post("/reviews/{review_id:int}/close")
def close_review(
    review_id: EntityId,
    session: SessionDep,
    user: WebUser,
    address: ClientAddress,
    password: Annotated[str, Form(max_length=256)] = "",
    comment: Text = "",
) -> Response:
    reviews.close_review(
        session, actor=user, review_id=review_id, password=password, comment=comment, client_address=address
    )
    return see_other(f"/reviews/{review_id}?done=review_closed")


@router.post("/reviews/{review_id:int}/file-report")
def file_review_report(review_id: EntityId, session: SessionDep, user: WebUser) -> Response:
    filing.file_review_report(session, actor=user, review_id=review_id)
    return see_other(f"/reviews/{review_id}?done=report_filed")
