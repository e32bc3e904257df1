"""园区资料 / the park profile: time zone and carbon management organisation (the coordinator edits, all may read)."""

from fastapi import APIRouter

from app.db import SessionDep
from app.deps import CurrentUser, EntityId
from app.parks import service
from app.parks.schemas import MemberIn, MemberPublic, ProfilePublic, TimeZoneIn, profile_public

router = APIRouter(prefix="/api/park", tags=["park profile"])


@router.get("/profile", response_model=ProfilePublic)
def get_profile(session: SessionDep, user: CurrentUser) -> ProfilePublic:
    """园区资料：时区与碳排放管理领导小组 / the park's time zone and leadership group."""
    return profile_public(session, user.park_id)


@router.put("/profile/time-zone", response_model=ProfilePublic)
def set_time_zone(body: TimeZoneIn, session: SessionDep, user: CurrentUser) -> ProfilePublic:
    """设置园区时区（IANA 名称）/ set the park's time zone (an IANA name)."""
    service.set_time_zone(session, actor=user, time_zone=body.time_zone)
    return profile_public(session, user.park_id)


@router.post("/organisation", response_model=MemberPublic, status_code=201)
def add_member(body: MemberIn, session: SessionDep, user: CurrentUser) -> MemberPublic:
    """添加领导小组成员 / add a leadership group member."""
    member = service.add_member(session, actor=user, data=body.model_dump())
    return MemberPublic.model_validate(member, from_attributes=True)


@router.put("/organisation/{member_id}", response_model=MemberPublic)
def update_member(member_id: EntityId, body: MemberIn, session: SessionDep, user: CurrentUser) -> MemberPublic:
    """修改领导小组成员 / change a leadership group member."""
    member = service.update_member(session, actor=user, member_id=member_id, data=body.model_dump())
    return MemberPublic.model_validate(member, from_attributes=True)


@router.delete("/organisation/{member_id}", status_code=204)
def remove_member(member_id: EntityId, session: SessionDep, user: CurrentUser) -> None:
    """移除领导小组成员 / remove a leadership group member."""
    service.remove_member(session, actor=user, member_id=member_id)
