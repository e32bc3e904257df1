"""Management review reads that other domains use: below every service, so a nonconformity raised in a review
can look the review up without importing the review service (which imports the nonconformity service)."""

from sqlmodel import Session

from app.audits.common import get_in_park
from app.reviews.models import ManagementReview
from app.users.models import User


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
