"""Who sees and manages background jobs (/admin/jobs, /api/jobs): the one rule the API and the page both apply.

The park's administrator (系统管理员) and coordinator see their own park's jobs, never another park's; jobs that
belong to no park (park_id NULL: system work such as rebuilding an index) only the administrator, who runs the
installation. Other roles are refused (403, recorded in the trail).
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, or_
from sqlmodel import col

from app.errors import Forbidden
from app.events.refusals import Rule, refusal
from app.jobs.models import Job
from app.users.models import Role, User

MANAGERS = frozenset({Role.admin, Role.coordinator})


def may_manage(user: User) -> bool:
    return user.role in MANAGERS


def check_may_manage(user: User, target: object = "list") -> None:
    if not may_manage(user):
        raise Forbidden(
            "只有系统管理员和体系管理员可以查看和处理后台任务",
            "Only administrators and coordinators may see and handle background jobs",
            audit=refusal(user, Rule.role, "job", target),
        )


def visible_to(user: User) -> ColumnElement[bool]:
    """The jobs `user` may see, as a WHERE clause."""
    own = col(Job.park_id) == user.park_id
    if user.role == Role.admin:
        return or_(own, col(Job.park_id).is_(None))
    return own


def may_see(user: User, job: Job) -> bool:
    """The same rule as `visible_to`, for a job in hand."""
    if job.park_id is None:
        return user.role == Role.admin
    return job.park_id == user.park_id


def refusal_rule(user: User, job: Job) -> Rule:
    """Why `user` may not see `job`: another park's, or a job of no park (the administrator's only)."""
    return Rule.role if job.park_id is None else Rule.other_park
