"""Objectives (碳排放管理目标, park level, 7.1 a–e) and targets (碳排放管理指标, decomposed per level), with the
considerations of 7.1 a)–g) recorded on each. Writes check, record an event with before and after, and flush.

Who: the coordinator writes; top management, approvers, auditors and the admin read the park; a contributor reads
only the targets its enterprise is responsible for (and the objectives those belong to), nothing of others.
"""

import json
from datetime import date
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy import select
from sqlmodel import Session, SQLModel, col

from app.errors import Conflict, Forbidden, Invalid, NotFound
from app.events import service as events
from app.events.refusals import Rule, refusal
from app.inventory.models import EmissionSource, Enterprise
from app.performance import lifecycle
from app.performance.models import Consideration, Indicator, IndicatorLevel, Objective, ObjectiveCategory, Target
from app.users.models import Role, User

EDITORS = frozenset({Role.coordinator})
MIN_YEAR, MAX_YEAR = 1990, 2100
Row = TypeVar("Row", bound=SQLModel)

OBJECTIVE_FIELDS = ("category", "title", "description", "target_year")
TARGET_FIELDS = (
    "parent_id",
    "indicator_id",
    "title",
    "target_value",
    "base_year",
    "start_year",
    "deadline",
    "responsible_unit",
    "responsible_enterprise_id",
    "responsible_person",
    "industry_benchmark",
    "benchmark_source",
)


# ---------------------------------------------------------------- who may do what


def require_editor(user: User, entity_type: str, entity_id: object) -> None:
    if user.role not in EDITORS:
        raise Forbidden(
            "只有体系管理员可以修改目标、指标和实施方案",
            "Only a coordinator may change objectives, targets and implementation plans",
            audit=refusal(user, Rule.role, entity_type, entity_id),
        )


def in_park(session: Session, model: type[Row], row_id: int, *, user: User, entity_type: str, missing: str) -> Row:
    """A row of the user's park; another park's id is not found and the probe is on record."""
    row: Any = session.get(model, row_id)
    if row is None or row.park_id != user.park_id:
        audit = refusal(user, Rule.other_park, entity_type, row_id) if row is not None else None
        raise NotFound(f"{missing}不存在", f"{entity_type.replace('_', ' ').capitalize()} not found", audit=audit)
    return row


def contributor_enterprise(user: User) -> int | None:
    """The enterprise a contributor is limited to (-1 when it has none: it then sees nothing); None for others."""
    return (user.enterprise_id or -1) if user.role == Role.contributor else None


def may_read_target(user: User, target: Target) -> bool:
    own = contributor_enterprise(user)
    return own is None or target.responsible_enterprise_id == own


# ---------------------------------------------------------------- validation


def check_year(year: int | None, what_zh: str, what_en: str) -> int | None:
    if year is not None and not MIN_YEAR <= year <= MAX_YEAR:
        raise Invalid(f"{what_zh}应在 {MIN_YEAR}–{MAX_YEAR} 之间", f"The {what_en} must lie between 1990 and 2100")
    return year


def considerations(raw: dict[str, str]) -> str:
    """{consideration code: how it was considered} as stored JSON; unknown codes and empty texts are refused."""
    allowed = {str(c) for c in Consideration}
    out: dict[str, str] = {}
    for code, text in raw.items():
        if code not in allowed:
            raise Invalid(
                f"未知的考虑因素“{code}”", f"Unknown consideration “{code}”; use {', '.join(sorted(allowed))}"
            )
        if not str(text).strip():
            raise Invalid("每项考虑因素须说明如何考虑", f"Say how “{code}” was considered")
        out[code] = str(text).strip()
    return json.dumps(out, ensure_ascii=False, sort_keys=True)


def refuse_nulls(values: dict[str, Any], nullable: frozenset[str]) -> None:
    """A patch may clear only what may be empty; anything else sent as null is a 422 naming it."""
    nulls = sorted(name for name, value in values.items() if value is None and name not in nullable)
    if nulls:
        raise Invalid(f"以下字段不能为空：{'、'.join(nulls)}", f"These fields cannot be empty: {', '.join(nulls)}")


def _clean(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def snapshot(row: SQLModel, names: tuple[str, ...]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in names:
        value = getattr(row, name)
        out[name] = str(value) if isinstance(value, Decimal | date) else value
    stored = getattr(row, "considerations_json", None)
    if stored is not None:
        out["considerations"] = json.loads(stored)
    return out


def _record(session: Session, action: str, row: Objective | Target, actor: User, before: Any, after: Any) -> None:
    kind = "objective" if isinstance(row, Objective) else "target"
    events.record(
        session,
        action=f"{kind}.{action}",
        entity_type=kind,
        entity_id=row.id,
        park_id=row.park_id,
        actor=actor,
        before=before,
        after=after,
    )


# ---------------------------------------------------------------- objectives


def list_objectives(session: Session, *, user: User, include_withdrawn: bool = False) -> list[Objective]:
    query = select(Objective).where(col(Objective.park_id) == user.park_id)
    if not include_withdrawn:
        query = query.where(col(Objective.withdrawn_at).is_(None))
    own = contributor_enterprise(user)
    if own is not None:
        mine = select(col(Target.objective_id)).where(col(Target.responsible_enterprise_id) == own)
        query = query.where(col(Objective.id).in_(mine))
    return list(session.execute(query.order_by(col(Objective.id))).scalars())


def get_objective(session: Session, *, user: User, objective_id: int) -> Objective:
    objective = in_park(session, Objective, objective_id, user=user, entity_type="objective", missing="目标")
    own = contributor_enterprise(user)
    if own is not None and not any(t.responsible_enterprise_id == own for t in targets_of(session, [objective_id])):
        raise NotFound(
            "目标不存在", "Objective not found", audit=refusal(user, Rule.assignment, "objective", objective_id)
        )
    return objective


def create_objective(session: Session, *, actor: User, values: dict[str, Any]) -> Objective:
    require_editor(actor, "objective", "new")
    objective = Objective(
        park_id=actor.park_id,
        category=ObjectiveCategory(values["category"]),
        title=values["title"].strip(),
        description=values.get("description", "").strip(),
        target_year=check_year(values.get("target_year"), "目标年度", "target year"),
        considerations_json=considerations(values.get("considerations") or {}),
        created_by_id=actor.id or 0,
    )
    if not objective.title:
        raise Invalid("目标名称不能为空", "The objective needs a title")
    session.add(objective)
    session.flush()
    _record(session, "create", objective, actor, None, snapshot(objective, OBJECTIVE_FIELDS))
    return objective


def update_objective(session: Session, *, actor: User, objective_id: int, values: dict[str, Any]) -> Objective:
    require_editor(actor, "objective", objective_id)
    objective = get_objective(session, user=actor, objective_id=objective_id)
    if objective.withdrawn_at is not None:
        raise Conflict("目标已撤销，不能修改", "The objective is withdrawn; it cannot be changed")
    refuse_nulls(values, frozenset({"target_year"}))
    before = snapshot(objective, OBJECTIVE_FIELDS)
    for name in OBJECTIVE_FIELDS:
        if name in values:
            setattr(objective, name, values[name].strip() if isinstance(values[name], str) else values[name])
    if "considerations" in values:
        objective.considerations_json = considerations(values["considerations"] or {})
    check_year(objective.target_year, "目标年度", "target year")
    if not objective.title:
        raise Invalid("目标名称不能为空", "The objective needs a title")
    session.add(objective)
    session.flush()
    _record(session, "update", objective, actor, before, snapshot(objective, OBJECTIVE_FIELDS))
    return objective


def withdraw_objective(session: Session, *, actor: User, objective_id: int, reason: str) -> Objective:
    require_editor(actor, "objective", objective_id)
    objective = get_objective(session, user=actor, objective_id=objective_id)
    live = [t for t in targets_of(session, [objective_id]) if t.withdrawn_at is None]
    if live and objective.withdrawn_at is None:
        raise Conflict(
            f"该目标还有 {len(live)} 项未撤销的指标，请先撤销或改挂到其他目标",
            f"The objective still has {len(live)} active targets; withdraw them first",
        )
    lifecycle.withdraw(session, objective, actor=actor, reason=reason)
    session.flush()
    return objective


# ---------------------------------------------------------------- targets


def targets_of(session: Session, objective_ids: list[int]) -> list[Target]:
    if not objective_ids:
        return []
    query = select(Target).where(col(Target.objective_id).in_(objective_ids)).order_by(col(Target.id))
    return list(session.execute(query).scalars())


def list_targets(
    session: Session, *, user: User, objective_id: int | None = None, include_withdrawn: bool = False
) -> list[Target]:
    query = select(Target).where(col(Target.park_id) == user.park_id)
    if objective_id is not None:
        query = query.where(col(Target.objective_id) == objective_id)
    if not include_withdrawn:
        query = query.where(col(Target.withdrawn_at).is_(None))
    own = contributor_enterprise(user)
    if own is not None:
        query = query.where(col(Target.responsible_enterprise_id) == own)
    return list(session.execute(query.order_by(col(Target.id))).scalars())


def get_target(session: Session, *, user: User, target_id: int) -> Target:
    target = in_park(session, Target, target_id, user=user, entity_type="target", missing="指标")
    if not may_read_target(user, target):
        raise NotFound("指标不存在", "Target not found", audit=refusal(user, Rule.assignment, "target", target_id))
    return target


def _check_target(session: Session, actor: User, target: Target) -> None:
    """References stay in the park and the years follow each other; a benchmark names its source (7.1 f)."""
    required = ("indicator_id", "title", "target_value", "start_year", "deadline", "responsible_unit")
    empty = [name for name in required if getattr(target, name, None) is None]
    if empty:
        raise Invalid(f"指标缺少必填项：{'、'.join(empty)}", f"The target needs: {', '.join(empty)}")
    objective = in_park(session, Objective, target.objective_id, user=actor, entity_type="objective", missing="目标")
    if objective.withdrawn_at is not None:
        raise Conflict("目标已撤销，不能再分解指标", "The objective is withdrawn; it takes no new targets")
    indicator = in_park(
        session, Indicator, target.indicator_id, user=actor, entity_type="indicator", missing="绩效参数"
    )
    if not indicator.active:
        raise Invalid("该绩效参数已停用，不能用于指标", "The indicator is deactivated; choose an active one")
    if target.parent_id is not None:
        parent = in_park(session, Target, target.parent_id, user=actor, entity_type="target", missing="上级指标")
        ancestor: Target | None = parent
        while ancestor is not None:  # no loops: a target is never its own ancestor
            if target.id is not None and ancestor.id == target.id:
                raise Invalid("上级指标不能是本指标或其下级", "A target cannot be decomposed from itself")
            ancestor = session.get(Target, ancestor.parent_id) if ancestor.parent_id else None
        if parent.objective_id != target.objective_id:
            raise Invalid("上级指标须属于同一目标", "The parent target must belong to the same objective")
    _enterprise_of_level(session, indicator, target)
    if target.responsible_enterprise_id is not None:
        in_park(
            session, Enterprise, target.responsible_enterprise_id, user=actor, entity_type="enterprise", missing="企业"
        )
    check_year(target.start_year, "起始年度", "start year")
    check_year(target.base_year, "基准年", "base year")
    check_year(target.deadline.year, "截止日期", "deadline")
    if target.deadline.year < target.start_year:
        raise Invalid("截止日期不能早于起始年度", "The deadline cannot come before the start year")
    if target.base_year is not None and target.base_year > target.start_year:
        raise Invalid("基准年不能晚于起始年度", "The base year cannot come after the start year")
    if not target.title.strip() or not target.responsible_unit.strip():
        raise Invalid("指标名称和责任单位不能为空", "A target needs a title and a responsible unit")
    if target.industry_benchmark is not None and not target.benchmark_source.strip():
        raise Invalid("填写行业先进值时须注明其来源", "An industry benchmark needs its source")


def _enterprise_of_level(session: Session, indicator: Indicator, target: Target) -> None:
    """A target on an enterprise, process or equipment indicator belongs to that enterprise: it is filled in when
    not given (so the enterprise's contributor sees it) and may not name another one."""
    owner = indicator.enterprise_id
    if owner is None and indicator.source_id is not None:
        source = session.get(EmissionSource, indicator.source_id)
        owner = source.enterprise_id if source else None
    if indicator.level == IndicatorLevel.park or owner is None:
        return
    if target.responsible_enterprise_id is None:
        target.responsible_enterprise_id = owner
    elif target.responsible_enterprise_id != owner:
        raise Invalid(
            "责任企业须是该绩效参数所属的企业", "The responsible enterprise must be the indicator's own enterprise"
        )


def create_target(session: Session, *, actor: User, values: dict[str, Any]) -> Target:
    require_editor(actor, "target", "new")
    fields: dict[str, Any] = {n: _clean(values[n]) for n in TARGET_FIELDS if values.get(n) is not None}
    target = Target(
        park_id=actor.park_id,
        objective_id=values["objective_id"],
        considerations_json=considerations(values.get("considerations") or {}),
        created_by_id=actor.id or 0,
        **fields,
    )
    _check_target(session, actor, target)
    session.add(target)
    session.flush()
    _record(session, "create", target, actor, None, snapshot(target, ("objective_id", *TARGET_FIELDS)))
    return target


def update_target(session: Session, *, actor: User, target_id: int, values: dict[str, Any]) -> Target:
    require_editor(actor, "target", target_id)
    target = get_target(session, user=actor, target_id=target_id)
    if target.withdrawn_at is not None:
        raise Conflict("指标已撤销，不能修改", "The target is withdrawn; it cannot be changed")
    refuse_nulls(values, frozenset({"parent_id", "base_year", "responsible_enterprise_id", "industry_benchmark"}))
    before = snapshot(target, TARGET_FIELDS)
    for name in TARGET_FIELDS:
        if name in values:
            value = values[name]
            setattr(target, name, value.strip() if isinstance(value, str) else value)
    if "considerations" in values:
        target.considerations_json = considerations(values["considerations"] or {})
    _check_target(session, actor, target)
    session.add(target)
    session.flush()
    _record(session, "update", target, actor, before, snapshot(target, TARGET_FIELDS))
    return target


def withdraw_target(session: Session, *, actor: User, target_id: int, reason: str) -> Target:
    require_editor(actor, "target", target_id)
    target = get_target(session, user=actor, target_id=target_id)
    lifecycle.withdraw(session, target, actor=actor, reason=reason)
    session.flush()
    return target
