"""The park profile's shapes, for the API and the profile page alike."""

from pydantic import BaseModel, Field
from sqlmodel import Session

from app.parks import queries
from app.timezones import utc_offset
from app.users.models import Park


class MemberIn(BaseModel):
    name: str = Field(max_length=100)
    title: str = Field(default="", max_length=100)
    group_role: str = Field(max_length=100)
    unit: str = Field(default="", max_length=200)
    position: int = Field(default=0, ge=0, le=9999)


class MemberPublic(MemberIn):
    id: int


class TimeZoneIn(BaseModel):
    time_zone: str = Field(max_length=64)


class ProfilePublic(BaseModel):
    park_code: str
    park_name: str
    time_zone: str
    utc_offset: str
    organisation: list[MemberPublic]


def profile_public(session: Session, park_id: int) -> ProfilePublic:
    park = session.get_one(Park, park_id)
    zone = queries.park_time_zone(session, park_id)
    return ProfilePublic(
        park_code=park.code,
        park_name=park.name,
        time_zone=zone,
        utc_offset=utc_offset(zone),
        organisation=[
            MemberPublic.model_validate(member, from_attributes=True)
            for member in queries.organisation(session, park_id)
        ],
    )
