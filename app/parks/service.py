"""Changes to the park's profile: its time zone and its leadership group. The coordinator's; each change audited."""

from typing import Any

from sqlmodel import Session

from app.common import utcnow
from app.errors import Forbidden, Invalid, NotFound
from app.events import service as events
from app.events.refusals import Rule, refusal
from app.parks.models import OrganisationMember, ParkProfile
from app.timezones import check_zone
from app.users.models import Role, User

# Field -> (maximum length, required, Chinese name, English name)
MEMBER_FIELDS: dict[str, tuple[int, bool, str, str]] = {
    "name": (100, True, "姓名", "name"),
    "title": (100, False, "职务", "title"),
    "group_role": (100, True, "组内职责", "role in the group"),
    "unit": (200, False, "部门/单位", "unit"),
}


def _require_coordinator(actor: User, entity_type: str, entity_id: object) -> None:
    if actor.role != Role.coordinator:
        raise Forbidden(
            "只有体系管理员可以修改园区资料",
            "Only a coordinator may change the park's profile",
            audit=refusal(actor, Rule.role, entity_type, entity_id),
        )


def _member_values(data: dict[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name, (limit, required, zh, en) in MEMBER_FIELDS.items():
        text = " ".join(str(data.get(name) or "").split())
        if required and not text:
            raise Invalid(f"请填写{zh}", f"The {en} is required")
        if len(text) > limit:
            raise Invalid(f"{zh}不能超过 {limit} 个字符", f"The {en} may have at most {limit} characters")
        values[name] = text
    position = data.get("position")
    try:
        values["position"] = int(position) if position not in (None, "") else 0
    except (TypeError, ValueError):
        raise Invalid("排序应为整数", "The order must be a whole number") from None
    if not 0 <= values["position"] <= 9999:
        raise Invalid("排序应在 0–9999 之间", "The order must be between 0 and 9999")
    return values


def _snapshot(member: OrganisationMember) -> dict[str, Any]:
    return {name: getattr(member, name) for name in (*MEMBER_FIELDS, "position")}


def set_time_zone(session: Session, *, actor: User, time_zone: str) -> ParkProfile:
    _require_coordinator(actor, "park", actor.park_id)
    name = check_zone(time_zone)
    profile = session.get(ParkProfile, actor.park_id)
    before = profile.time_zone if profile else None
    if profile is None:
        profile = ParkProfile(park_id=actor.park_id)
    profile.time_zone = name
    profile.updated_at = utcnow()
    session.add(profile)
    session.flush()
    if before != name:
        events.record(
            session,
            action="park.time_zone",
            entity_type="park",
            entity_id=actor.park_id,
            park_id=actor.park_id,
            actor=actor,
            before={"time_zone": before},
            after={"time_zone": name},
        )
    return profile


def add_member(session: Session, *, actor: User, data: dict[str, Any]) -> OrganisationMember:
    _require_coordinator(actor, "organisation_member", "new")
    member = OrganisationMember(park_id=actor.park_id, **_member_values(data))
    session.add(member)
    session.flush()
    events.record(
        session,
        action="park.member_add",
        entity_type="organisation_member",
        entity_id=member.id,
        park_id=actor.park_id,
        actor=actor,
        after=_snapshot(member),
    )
    return member


def get_member(session: Session, *, park_id: int, member_id: int, actor: User | None = None) -> OrganisationMember:
    member = session.get(OrganisationMember, member_id)
    if member is None or member.park_id != park_id:  # another park's member is simply not found
        # ... and a probe of another park's member is on the trail, as for every other entity.
        audit = (
            refusal(actor, Rule.other_park, "organisation_member", member_id)
            if actor is not None and member is not None
            else None
        )
        raise NotFound(
            f"领导小组成员 {member_id} 不存在", f"Leadership group member {member_id} does not exist", audit=audit
        )
    return member


def update_member(session: Session, *, actor: User, member_id: int, data: dict[str, Any]) -> OrganisationMember:
    _require_coordinator(actor, "organisation_member", member_id)
    member = get_member(session, park_id=actor.park_id, member_id=member_id, actor=actor)
    before = _snapshot(member)
    for name, value in _member_values(data).items():
        setattr(member, name, value)
    member.updated_at = utcnow()
    session.add(member)
    session.flush()
    events.record(
        session,
        action="park.member_update",
        entity_type="organisation_member",
        entity_id=member.id,
        park_id=actor.park_id,
        actor=actor,
        before=before,
        after=_snapshot(member),
    )
    return member


def remove_member(session: Session, *, actor: User, member_id: int) -> None:
    _require_coordinator(actor, "organisation_member", member_id)
    member = get_member(session, park_id=actor.park_id, member_id=member_id, actor=actor)
    before = _snapshot(member)
    session.delete(member)
    session.flush()
    events.record(
        session,
        action="park.member_remove",
        entity_type="organisation_member",
        entity_id=member_id,
        park_id=actor.park_id,
        actor=actor,
        before=before,
    )
