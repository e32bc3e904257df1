"""园区资料 / the park profile page: the time zone every page and document shows, and the leadership group that the
review report's chapter 3 一 lists. Everyone but contributors may read it; the coordinator changes it.

A refused value (an unknown zone, a member without a name) is shown on the same page with what was typed kept.
"""

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from sqlmodel import Session

from app.db import SessionDep
from app.deps import EntityId
from app.errors import Forbidden, Invalid
from app.events.refusals import Rule, refusal
from app.parks import service
from app.parks.schemas import profile_public
from app.timezones import COMMON_ZONES, zone_names
from app.users.models import Role, User
from app.web.common import TEMPLATES, WebUser, render, see_other
from app.web.i18n import TEXT

router = APIRouter()

READERS = frozenset(str(role) for role in (Role.coordinator, Role.top_management, Role.approver, Role.auditor))
TEMPLATES.env.globals["park_readers"] = READERS

# This page's words (kept beside it; they join the one translation table).
TEXT.update(
    {
        "nav.park": ("园区资料", "Park profile"),
        "park.title": ("园区资料", "Park profile"),
        "park.zone_h": ("时区", "Time zone"),
        "park.zone_help": (
            "页面和生成的文件（评审报告、受控副本、导出）按此时区显示时间；时间以 UTC 保存。",
            "Pages and generated files (review report, controlled copies, exports) show times in this zone; "
            "times are stored in UTC.",
        ),
        "park.zone": ("园区时区（IANA 名称）", "Park time zone (IANA name)"),
        "park.zone_current": ("当前时区", "Current zone"),
        "park.save": ("保存", "Save"),
        "park.org_h": ("碳排放管理领导小组", "Carbon management leadership group"),
        "park.org_help": (
            "评审报告第三章“碳排放管理机构”列出的成员：最高管理者、相关部门负责人、碳排放管理人员。",
            "The members the review report's chapter 3 lists: top management, heads of departments, carbon staff.",
        ),
        "park.org_empty": ("尚未登记领导小组成员。", "No leadership group member yet."),
        "park.group_role": ("组内职责", "Role in the group"),
        "park.name": ("姓名", "Name"),
        "park.member_title": ("职务", "Title"),
        "park.unit": ("部门/单位", "Unit"),
        "park.position": ("排序", "Order"),
        "park.add_h": ("添加成员", "Add a member"),
        "park.add": ("添加", "Add"),
        "park.edit": ("修改 %s", "Change %s"),
        "park.remove": ("移除此成员", "Remove this member"),
        "park.remove_confirm": ("确认移除", "Confirm removal"),
        "flash.park_saved": ("园区资料已保存。", "Park profile saved."),
    }
)


def _require_reader(user: User) -> None:
    if str(user.role) not in READERS:
        raise Forbidden(
            "只有体系管理员、最高管理者、批准人和审核员可以查看园区资料",
            "Only coordinators, top management, approvers and auditors may view the park profile",
            audit=refusal(user, Rule.role, "park", user.park_id),
        )


def _page(request: Request, session: Session, user: User, *, status_code: int = 200, **context: Any) -> Response:
    _require_reader(user)
    return render(
        request,
        "park.html",
        status_code=status_code,
        section="park",
        profile=profile_public(session, user.park_id),
        editable=user.role == Role.coordinator,
        common_zones=COMMON_ZONES,
        all_zones=sorted(name for name in zone_names() if "/" in name and not name.startswith(("Etc/", "posix/"))),
        **context,
    )


def _refused(request: Request, session: Session, user: User, exc: Invalid, form: str, typed: dict) -> Response:
    """The page again with the reason beside the form and what was typed kept; nothing was written."""
    session.rollback()
    return _page(request, session, user, status_code=422, error={"form": form, "exc": exc, "typed": typed})


@router.get("/park")
def park_page(request: Request, session: SessionDep, user: WebUser) -> Response:
    return _page(request, session, user)


@router.post("/park/time-zone")
def set_time_zone(
    request: Request, session: SessionDep, user: WebUser, time_zone: Annotated[str, Form(max_length=64)] = ""
) -> Response:
    try:
        service.set_time_zone(session, actor=user, time_zone=time_zone)
    except Invalid as exc:
        return _refused(request, session, user, exc, "zone", {"time_zone": time_zone})
    return see_other("/park?done=park_saved")


def _member_form(name: str, title: str, group_role: str, unit: str, position: str) -> dict[str, str]:
    return {"name": name, "title": title, "group_role": group_role, "unit": unit, "position": position}


Text100 = Annotated[str, Form(max_length=100)]


@router.post("/park/members")
def add_member(
    request: Request,
    session: SessionDep,
    user: WebUser,
    name: Text100 = "",
    title: Text100 = "",
    group_role: Text100 = "",
    unit: Annotated[str, Form(max_length=200)] = "",
    position: Annotated[str, Form(max_length=8)] = "",
) -> Response:
    data = _member_form(name, title, group_role, unit, position)
    try:
        service.add_member(session, actor=user, data=data)
    except Invalid as exc:
        return _refused(request, session, user, exc, "add", data)
    return see_other("/park?done=park_saved")


@router.post("/park/members/{member_id}")
def update_member(
    request: Request,
    session: SessionDep,
    user: WebUser,
    member_id: EntityId,
    name: Text100 = "",
    title: Text100 = "",
    group_role: Text100 = "",
    unit: Annotated[str, Form(max_length=200)] = "",
    position: Annotated[str, Form(max_length=8)] = "",
) -> Response:
    data = _member_form(name, title, group_role, unit, position)
    try:
        service.update_member(session, actor=user, member_id=member_id, data=data)
    except Invalid as exc:
        return _refused(request, session, user, exc, f"member-{member_id}", data)
    return see_other("/park?done=park_saved")


@router.post("/park/members/{member_id}/remove")
def remove_member(request: Request, session: SessionDep, user: WebUser, member_id: EntityId) -> Response:
    service.remove_member(session, actor=user, member_id=member_id)
    return see_other("/park?done=park_saved")
