"""Reads of the park's profile that other parts use (the pages' time zone, the review report's organisation)."""

from sqlalchemy import select
from sqlmodel import Session, col

from app.parks.models import DEFAULT_TIME_ZONE, OrganisationMember, ParkProfile


def park_time_zone(session: Session, park_id: int) -> str:
    profile = session.get(ParkProfile, park_id)
    return profile.time_zone if profile else DEFAULT_TIME_ZONE


def organisation(session: Session, park_id: int) -> list[OrganisationMember]:
    """The leadership group in the order the coordinator set."""
    query = (
        select(OrganisationMember)
        .where(col(OrganisationMember.park_id) == park_id)
        .order_by(col(OrganisationMember.position), col(OrganisationMember.id))
    )
    return list(session.execute(query).scalars().all())
