"""Performance indicators (7.4) and their entered values: the rules. Services flush, never commit.

Access: the coordinator edits; every other role of the park reads, except a contributor, who sees only the
indicators of its own enterprise (enterprise, process and equipment levels of that enterprise) and for whom any
other indicator is "not found", as is another park's.
"""

from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from app.errors import Conflict, Forbidden, Invalid, NotFound
from app.events import service as events
from app.events.refusals import Rule, refusal
from app.inventory.models import EmissionSource, Enterprise
from app.inventory.service import check_year, decimal_or_invalid
from app.labels import label_pair
from app.performance.calculation import IndicatorValue, indicator_value, indicator_values
from app.performance.models import (
    Baseline,
    Direction,
    Frequency,
    Indicator,
    IndicatorFormula,
    IndicatorLevel,
    ManualValue,
    Target,
)
from app.users.models import Role, User

EDITORS = frozenset({Role.coordinator})
MAX_YEARS = 30  # one values request spans at most this many years
F = IndicatorFormula

# Which formulas a level can be computed for: sources have no economic data, the park no single product.
FORMULAS_OF_LEVEL: dict[IndicatorLevel, frozenset[IndicatorFormula]] = {
    IndicatorLevel.park: frozenset(
        {
            F.total_emission,
            F.intensity_output_value,
            F.renewable_share,
            F.scope_emission,
            F.energy_consumption,
            F.manual,
        }
    ),
    IndicatorLevel.enterprise: frozenset(F),
    IndicatorLevel.process: frozenset({F.total_emission, F.energy_consumption, F.manual}),
    IndicatorLevel.equipment: frozenset({F.total_emission, F.energy_consumption, F.manual}),
}
# The unit a computed value is in; intensity per product and manual indicators name their own.
UNIT_OF_FORMULA: dict[IndicatorFormula, str] = {
    F.total_emission: "tCO₂",
    F.scope_emission: "tCO₂",
    F.intensity_output_value: "tCO₂/万元",
    F.renewable_share: "%",
    F.energy_consumption: "tce",
}
CLEARABLE = frozenset({"enterprise_id", "source_id", "scope", "deviation_percent", "direction"})
# Fields whose change would alter what earlier values and baselines mean.
MEANING_FIELDS = ("level", "enterprise_id", "source_id", "formula", "scope")
FIELDS = (
    "code",
    "name",
    "unit",
    "level",
    "enterprise_id",
    "source_id",
    "frequency",
    "formula",
    "scope",
    "direction",
    "deviation_percent",
    "deviation_reference",
    "method",
)


def require_editor(actor: User, entity_type: str, entity_id: object) -> None:
    if actor.role not in EDITORS:
        raise Forbidden(
            "只有体系管理员可以维护碳排放管理绩效参数和基准",
            "Only a coordinator may maintain performance indicators and baselines",
            audit=refusal(actor, Rule.role, entity_type, entity_id),
        )


def visible(indicator: Indicator, user: User) -> bool:
    if indicator.park_id != user.park_id:
        return False
    return user.role != Role.contributor or (
        user.enterprise_id is not None and indicator.enterprise_id == user.enterprise_id
    )


def get_indicator(session: Session, *, indicator_id: int, user: User) -> Indicator:
    indicator = session.get(Indicator, indicator_id)
    if indicator is None or not visible(indicator, user):
        rule = None
        if indicator is not None:
            rule = Rule.other_park if indicator.park_id != user.park_id else Rule.assignment
        audit = refusal(user, rule, "indicator", indicator_id) if rule is not None else None
        raise NotFound("绩效参数不存在", "Indicator not found", audit=audit)
    return indicator


def list_indicators(session: Session, *, user: User, include_inactive: bool = False) -> list[Indicator]:
    query = select(Indicator).where(col(Indicator.park_id) == user.park_id).order_by(col(Indicator.code))
    if not include_inactive:
        query = query.where(col(Indicator.active).is_(True))
    if user.role == Role.contributor:
        query = query.where(col(Indicator.enterprise_id) == user.enterprise_id)
    return list(session.execute(query).scalars())


def snapshot(indicator: Indicator) -> dict[str, Any]:
    out = {name: getattr(indicator, name) for name in (*FIELDS, "active")}
    return {key: str(value) if isinstance(value, Decimal) else value for key, value in out.items()}


def _check_scope_of_level(session: Session, park_id: int, values: dict[str, Any]) -> None:
    level = IndicatorLevel(values["level"])
    if level == IndicatorLevel.park:
        if values.get("enterprise_id") or values.get("source_id"):
            raise Invalid("园区级参数不关联企业或排放源", "A park-level indicator names no enterprise or source")
        values["enterprise_id"] = values["source_id"] = None
        return
    if level == IndicatorLevel.enterprise:
        enterprise = session.get(Enterprise, values.get("enterprise_id") or 0)
        if enterprise is None or enterprise.park_id != park_id:
            raise Invalid("请选择本园区的企业", "Choose an enterprise of this park")
        if values.get("source_id"):
            raise Invalid("企业级参数不关联排放源", "An enterprise-level indicator names no source")
        values["source_id"] = None
        return
    source = session.get(EmissionSource, values.get("source_id") or 0)
    if source is None or source.park_id != park_id:
        raise Invalid(
            "重点工序或设备设施级参数需要选择本园区的排放源",
            "A process or equipment indicator needs an emission source of this park",
        )
    if values.get("enterprise_id") not in (None, source.enterprise_id):
        raise Invalid("排放源不属于所选企业", "The source does not belong to the enterprise chosen")
    values["enterprise_id"] = source.enterprise_id


def _checked(session: Session, park_id: int, values: dict[str, Any], own: Indicator | None = None) -> None:
    """Validate and normalise the indicator's fields in place (`values` holds every field)."""
    for name in ("code", "name", "unit", "method"):
        values[name] = (values.get(name) or "").strip()
    if not values["code"] or not values["name"]:
        raise Invalid("编号和名称不能为空", "The code and the name are required")
    clash = session.execute(
        select(col(Indicator.id)).where(col(Indicator.park_id) == park_id, col(Indicator.code) == values["code"])
    ).scalar()
    if clash is not None and (own is None or clash != own.id):
        raise Conflict(f"绩效参数编号 {values['code']} 已存在", f"Indicator code {values['code']} already exists")
    level, formula = IndicatorLevel(values["level"]), IndicatorFormula(values["formula"])
    _check_scope_of_level(session, park_id, values)
    if formula not in FORMULAS_OF_LEVEL[level]:
        raise Invalid("该层级不能按此公式计算", "This formula cannot be computed for this level")
    if formula == F.scope_emission:
        if values.get("scope") not in (1, 2):
            raise Invalid("范围排放量需要指定范围 1 或范围 2", "Scope emissions need scope 1 or 2")
    else:
        values["scope"] = None
    if formula != F.manual and Frequency(values["frequency"]) != Frequency.annual:
        raise Invalid("由碳排放清单计算的参数按年度计算", "Indicators computed from the inventory are annual")
    fixed = UNIT_OF_FORMULA.get(formula)
    if fixed is not None:
        if values["unit"] and values["unit"] != fixed:
            raise Invalid(f"该公式的计量单位为 {fixed}", f"This formula's unit is {fixed}")
        values["unit"] = fixed
    elif not values["unit"]:
        raise Invalid("请填写计量单位", "The unit is required")
    if values.get("direction") is None:
        values["direction"] = Direction.higher_is_better if formula == F.renewable_share else Direction.lower_is_better
    percent = values.get("deviation_percent")
    if percent is not None:
        number = decimal_or_invalid(percent, "严重偏离阈值", "The deviation threshold")
        if number <= 0 or number > 1000:
            raise Invalid(
                "严重偏离阈值应大于 0%（不超过 1000%）", "The deviation threshold must be above 0 % (≤ 1000 %)"
            )
        values["deviation_percent"] = number
    if values.get("deviation_reference") not in ("target", "baseline"):
        raise Invalid("偏离的比较对象应为指标或基准", "A deviation is measured against the target or the baseline")


def _record(session: Session, actor: User, action: str, indicator: Indicator, **extra: Any) -> None:
    events.record(
        session,
        action=action,
        entity_type="indicator",
        entity_id=indicator.id,
        park_id=indicator.park_id,
        actor=actor,
        **extra,
    )


def create_indicator(session: Session, *, actor: User, **values: Any) -> Indicator:
    require_editor(actor, "indicator", "create")
    values = {name: values.get(name) for name in FIELDS} | {
        "frequency": values.get("frequency") or Frequency.annual,
        "deviation_reference": values.get("deviation_reference") or "target",
    }
    _checked(session, actor.park_id, values)
    assert actor.id is not None
    indicator = Indicator(park_id=actor.park_id, created_by_id=actor.id, **values)
    session.add(indicator)
    session.flush()
    _record(session, actor, "indicator.create", indicator, after=snapshot(indicator))
    return indicator


def in_use(session: Session, indicator_id: int) -> bool:
    """Values, baselines or targets rest on it: its meaning may no longer change."""
    return any(
        session.execute(select(col(table.id)).where(col(table.indicator_id) == indicator_id).limit(1)).first()
        for table in (ManualValue, Baseline, Target)
    )


def update_indicator(session: Session, *, actor: User, indicator_id: int, **changes: Any) -> Indicator:
    indicator = get_indicator(session, indicator_id=indicator_id, user=actor)
    require_editor(actor, "indicator", indicator_id)
    # None clears what may be empty (the subject, scope, deviation rule) and leaves every other field unchanged.
    changes = {k: v for k, v in changes.items() if k in FIELDS and (v is not None or k in CLEARABLE)}
    before = snapshot(indicator)
    values = {name: getattr(indicator, name) for name in FIELDS} | changes
    if changes.get("level", indicator.level) != indicator.level:
        # A new level names its own subject: the old enterprise or source does not carry over.
        values |= {name: changes.get(name) for name in ("enterprise_id", "source_id")}
    _checked(session, actor.park_id, values, own=indicator)
    changed_meaning = [name for name in MEANING_FIELDS if values[name] != getattr(indicator, name)]
    if changed_meaning and in_use(session, indicator_id):
        raise Conflict(
            "该参数已有数值、基准或指标，不能修改层级、对象、公式或范围；请新建参数",
            "The indicator has values, baselines or targets: its level, subject, formula and scope cannot change; "
            "create a new indicator",
        )
    for name, value in values.items():
        setattr(indicator, name, value)
    session.add(indicator)
    session.flush()
    _record(session, actor, "indicator.update", indicator, before=before, after=snapshot(indicator))
    return indicator


def set_active(session: Session, *, actor: User, indicator_id: int, active: bool, reason: str = "") -> Indicator:
    indicator = get_indicator(session, indicator_id=indicator_id, user=actor)
    require_editor(actor, "indicator", indicator_id)
    reason = reason.strip()
    if not active and not reason:
        raise Invalid("停用绩效参数须填写原因", "Deactivating an indicator needs a reason")
    if indicator.active == active:
        raise Conflict(
            "该参数已处于启用状态" if active else "该参数已停用",
            "The indicator is already active" if active else "The indicator is already inactive",
        )
    indicator.active = active
    session.add(indicator)
    session.flush()
    action = "indicator.activate" if active else "indicator.deactivate"
    _record(
        session, actor, action, indicator, before={"active": not active}, after={"active": active, "reason": reason}
    )
    return indicator


# ---------------------------------------------------------------- values


def check_span(from_year: int, to_year: int) -> list[int]:
    check_year(from_year)
    check_year(to_year)
    if from_year > to_year or to_year - from_year >= MAX_YEARS:
        raise Invalid(
            f"年度范围应从小到大且不超过 {MAX_YEARS} 年", f"The years must ascend and span at most {MAX_YEARS}"
        )
    return list(range(from_year, to_year + 1))


def values_of(session: Session, *, user: User, indicator_id: int, from_year: int, to_year: int) -> list[IndicatorValue]:
    indicator = get_indicator(session, indicator_id=indicator_id, user=user)
    years = check_span(from_year, to_year)
    found = indicator_values(session, user.park_id, [indicator], years)
    return [found[key] for key in sorted(found)]


def year_values(session: Session, *, user: User, year: int) -> list[tuple[Indicator, IndicatorValue]]:
    """Every active indicator the user may see, with its annual value for the year."""
    check_year(year)
    indicators = list_indicators(session, user=user)
    found = indicator_values(session, user.park_id, indicators, [year])
    return [(indicator, found[(indicator.id or 0, year, 0)]) for indicator in indicators]


def value_for_baseline(session: Session, indicator: Indicator, year: int) -> IndicatorValue:
    """The indicator's annual value of a base year, or a clear refusal naming why there is none."""
    found = indicator_value(session, indicator, year)
    if found.value is None:
        zh, en = label_pair("value_missing", found.missing)
        raise Invalid(f"{year} 年没有该参数的数值：{zh}", f"No value of the indicator for {year}: {en}")
    return found
