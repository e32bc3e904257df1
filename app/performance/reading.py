"""Who reads the park's performance, and one indicator's detail: its values over the years with their trails, its
baseline versions (the one in force marked) and the targets it measures with their status.

The park's performance (totals, every enterprise's figures, the largest emitters) is for the park's roles: top
management, the coordinator, approvers and auditors. A contributor sees only its own enterprise's data, so the
park's page refuses it, recorded like every refusal; another park's indicator is a 404.
"""

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from app.errors import Forbidden, NotFound
from app.events.refusals import Rule, refusal
from app.performance import calculation, queries
from app.performance.calculation import IndicatorValue
from app.performance.models import Baseline, Indicator, Target
from app.performance.overview import TargetView, target_view, trend_years
from app.users.models import Role, User

READERS = frozenset({Role.top_management, Role.coordinator, Role.approver, Role.auditor})


def may_read(user: User) -> bool:
    return user.role in READERS


def require_reader(user: User, entity_id: object = "park") -> None:
    if not may_read(user):
        raise Forbidden(
            "只有最高管理者、体系管理员、审批人和审核员可以查看园区碳排放绩效",
            "Only top management, coordinators, approvers and auditors may read the park's carbon performance",
            audit=refusal(user, Rule.role, "performance", entity_id),
        )


def value_href(value: IndicatorValue | None, indicator_id: int | None = None) -> str:
    """Where a value's data is: the inventory trail, a manual value's evidence, else the indicator's page."""
    trail: dict[str, Any] = value.trail if value else {}
    if trail.get("kind") == "inventory":
        return f"/inventory/trail?year={trail['year']}&level={trail['level']}&key={trail['key']}"
    if trail.get("kind") == "manual" and trail.get("evidence_document_id"):
        return f"/documents/{trail['evidence_document_id']}"
    return f"/performance/figures/{indicator_id or (value.indicator_id if value else 0)}"


@dataclass
class IndicatorDetail:
    indicator: Indicator
    values: list[IndicatorValue]  # per trend year, oldest first
    baselines: list[Baseline]  # every version, oldest first
    in_force_id: int | None
    targets: list[TargetView]


def indicator_detail(session: Session, *, user: User, indicator_id: int, year: int) -> IndicatorDetail:
    require_reader(user, indicator_id)
    indicator = session.get(Indicator, indicator_id)
    if indicator is None or indicator.park_id != user.park_id:
        audit = refusal(user, Rule.other_park, "indicator", indicator_id) if indicator else None
        raise NotFound("未找到该绩效参数", "Indicator not found", audit=audit)
    years = trend_years(session, user.park_id, year)
    values = calculation.indicator_values(session, user.park_id, [indicator], years)
    baselines = list(
        session.execute(
            select(Baseline).where(col(Baseline.indicator_id) == indicator_id).order_by(col(Baseline.version))
        ).scalars()
    )
    in_force = queries.baselines_in_force(session, [indicator_id]).get(indicator_id)
    targets = session.execute(
        select(Target)
        .where(col(Target.indicator_id) == indicator_id, col(Target.withdrawn_at).is_(None))
        .order_by(col(Target.deadline), col(Target.id))
    ).scalars()
    return IndicatorDetail(
        indicator,
        [values[(indicator_id, y, 0)] for y in years],
        baselines,
        in_force.id if in_force else None,
        [target_view(t, indicator, values, in_force, year) for t in targets],
    )
