"""Enterprises, their sources, the year's boundary and economic data: the rules. Services flush, never commit.

Access: every role of the park reads the park's enterprises; a contributor (企业填报人员) only their own, and any
other enterprise is "not found", as is another park's. Coordinators manage; the admin or a coordinator assigns a
contributor to an enterprise.
"""

from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import delete, select
from sqlmodel import Session, col

from app.errors import Conflict, Forbidden, Invalid, NotFound
from app.events import service as events
from app.events.refusals import Rule, refusal
from app.inventory import credit_code, units
from app.inventory.calculation import SCOPE_OF
from app.inventory.models import (
    BoundarySource,
    EconomicData,
    EmissionSource,
    Enterprise,
    SourceCategory,
)
from app.users.models import Role, User

MANAGERS = frozenset({Role.coordinator})
ASSIGNERS = frozenset({Role.coordinator, Role.admin})
SUBMISSION_TYPE = "ACTIVITY_DATA_SUBMISSION"
MIN_YEAR, MAX_YEAR = 1990, 2100


def require_manager(actor: User, what: str = "inventory") -> None:
    if actor.role not in MANAGERS:
        raise Forbidden(
            "只有体系管理员可以管理企业、排放源、边界和排放因子",
            "Only a coordinator may manage enterprises, sources, the boundary and factors",
            audit=refusal(actor, Rule.role, what, "manage"),
        )


def check_year(year: int) -> int:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise Invalid(f"年度应在 {MIN_YEAR}–{MAX_YEAR} 之间", f"The year must lie between {MIN_YEAR} and {MAX_YEAR}")
    return year


def decimal_or_invalid(value: Any, what_zh: str, what_en: str, *, minimum: Decimal | None = Decimal(0)) -> Decimal:
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError) as exc:
        raise Invalid(f"{what_zh}不是数字", f"{what_en} is not a number") from exc
    if not number.is_finite():
        raise Invalid(f"{what_zh}不是数字", f"{what_en} is not a number")
    if minimum is not None and number < minimum:
        raise Invalid(f"{what_zh}不能为负数", f"{what_en} may not be negative")
    if number != 0 and not (len(number.normalize().as_tuple().digits) <= 20 and -12 <= number.adjusted() < 15):
        raise Invalid(f"{what_zh}超出可接受的范围", f"{what_en} is out of the accepted range")
    return number


# ---------------------------------------------------------------- enterprises


def visible_enterprise_ids(session: Session, user: User) -> list[int] | None:
    """None: the whole park; otherwise the contributor's own enterprise (or none)."""
    if user.role == Role.contributor:
        return [user.enterprise_id] if user.enterprise_id is not None else []
    return None


def get_enterprise(session: Session, *, enterprise_id: int, user: User) -> Enterprise:
    enterprise = session.get(Enterprise, enterprise_id)
    rule = None
    if enterprise is not None and enterprise.park_id != user.park_id:
        rule = Rule.other_park
    elif enterprise is not None and user.role == Role.contributor and user.enterprise_id != enterprise.id:
        rule = Rule.assignment
    if enterprise is None or rule is not None:
        audit = refusal(user, rule, "enterprise", enterprise_id) if rule is not None else None
        raise NotFound("企业不存在", "Enterprise not found", audit=audit)
    return enterprise


def list_enterprises(session: Session, *, user: User) -> list[Enterprise]:
    query = select(Enterprise).where(col(Enterprise.park_id) == user.park_id).order_by(col(Enterprise.id))
    visible = visible_enterprise_ids(session, user)
    if visible is not None:
        query = query.where(col(Enterprise.id).in_(visible))
    return list(session.execute(query).scalars())


_ENTERPRISE_FIELDS = (
    "name",
    "credit_code",
    "industry_code",
    "industry_name",
    "key_emitter",
    "contact_name",
    "contact_phone",
)


def _snapshot(row: Any, fields: tuple[str, ...]) -> dict[str, Any]:
    return {name: (str(v) if isinstance(v := getattr(row, name), Decimal) else v) for name in fields}


def _check_enterprise(session: Session, park_id: int, values: dict[str, Any], own_id: int | None = None) -> None:
    if "name" in values:
        values["name"] = (values["name"] or "").strip()
        if not values["name"]:
            raise Invalid("企业名称不能为空", "The enterprise name is required")
    if "credit_code" in values:
        code = (values["credit_code"] or "").strip().upper()
        problem = credit_code.problem(code)
        if problem:
            raise Invalid(*problem)
        values["credit_code"] = code
        clash = session.execute(
            select(col(Enterprise.id)).where(col(Enterprise.park_id) == park_id, col(Enterprise.credit_code) == code)
        ).scalar()
        if clash is not None and clash != own_id:
            raise Conflict(f"统一社会信用代码 {code} 已登记", f"Credit code {code} is already registered")
    for name in ("industry_code", "industry_name", "contact_name", "contact_phone"):
        if name in values:
            values[name] = (values[name] or "").strip()


def create_enterprise(session: Session, *, actor: User, **values: Any) -> Enterprise:
    require_manager(actor, "enterprise")
    values = {key: value for key, value in values.items() if key in _ENTERPRISE_FIELDS}
    _check_enterprise(session, actor.park_id, values)
    enterprise = Enterprise(park_id=actor.park_id, **values)
    session.add(enterprise)
    session.flush()
    events.record(
        session,
        action="enterprise.create",
        entity_type="enterprise",
        entity_id=enterprise.id,
        park_id=actor.park_id,
        actor=actor,
        after=_snapshot(enterprise, _ENTERPRISE_FIELDS),
    )
    return enterprise


def update_enterprise(session: Session, *, actor: User, enterprise_id: int, **values: Any) -> Enterprise:
    enterprise = get_enterprise(session, enterprise_id=enterprise_id, user=actor)
    require_manager(actor, "enterprise")
    values = {key: value for key, value in values.items() if key in _ENTERPRISE_FIELDS and value is not None}
    _check_enterprise(session, actor.park_id, values, own_id=enterprise.id)
    before = _snapshot(enterprise, _ENTERPRISE_FIELDS)
    for key, value in values.items():
        setattr(enterprise, key, value)
    session.add(enterprise)
    session.flush()
    events.record(
        session,
        action="enterprise.update",
        entity_type="enterprise",
        entity_id=enterprise.id,
        park_id=actor.park_id,
        actor=actor,
        before=before,
        after=_snapshot(enterprise, _ENTERPRISE_FIELDS),
    )
    return enterprise


def delete_enterprise(session: Session, *, actor: User, enterprise_id: int) -> None:
    enterprise = get_enterprise(session, enterprise_id=enterprise_id, user=actor)
    require_manager(actor, "enterprise")
    from app.inventory.models import Submission

    in_use = (
        session.execute(
            select(col(Submission.id)).where(col(Submission.enterprise_id) == enterprise.id).limit(1)
        ).first()
        or session.execute(
            select(col(BoundarySource.id)).where(col(BoundarySource.enterprise_id) == enterprise.id).limit(1)
        ).first()
        or session.execute(select(col(User.id)).where(col(User.enterprise_id) == enterprise.id).limit(1)).first()
    )
    if in_use:
        raise Conflict(
            "该企业已有报送数据、边界或填报人员，不能删除",
            "The enterprise has submissions, a boundary or contributors and cannot be deleted",
        )
    session.execute(delete(EmissionSource).where(col(EmissionSource.enterprise_id) == enterprise.id))
    session.execute(delete(EconomicData).where(col(EconomicData.enterprise_id) == enterprise.id))
    before = _snapshot(enterprise, _ENTERPRISE_FIELDS)
    session.delete(enterprise)
    session.flush()
    events.record(
        session,
        action="enterprise.delete",
        entity_type="enterprise",
        entity_id=enterprise_id,
        park_id=actor.park_id,
        actor=actor,
        before=before,
    )


def assign_contributor(session: Session, *, actor: User, user_id: int, enterprise_id: int | None) -> User:
    """Make a contributor belong to an enterprise (or none); it may then prepare and submit that enterprise's data."""
    from app.users import service as users

    if actor.role not in ASSIGNERS:
        raise Forbidden(
            "只有系统管理员或体系管理员可以分配填报企业",
            "Only the admin or a coordinator may assign a contributor's enterprise",
            audit=refusal(actor, Rule.role, "user", user_id),
        )
    user = users.get_user(session, user_id=user_id, park_id=actor.park_id, actor=actor)
    if user.role != Role.contributor:
        raise Invalid("只有企业填报人员可以分配到企业", "Only a contributor can be assigned to an enterprise")
    if enterprise_id is not None:
        get_enterprise(session, enterprise_id=enterprise_id, user=actor)
    before = {"enterprise_id": user.enterprise_id, "assigned_doc_types": user.assigned_doc_types}
    user.enterprise_id = enterprise_id
    types = user.assigned_types
    # Submitting activity data registers a record of this type: the contributor needs it assigned.
    types = types | {SUBMISSION_TYPE} if enterprise_id is not None else types - {SUBMISSION_TYPE}
    user.assigned_doc_types = ",".join(sorted(types))
    session.add(user)
    session.flush()
    events.record(
        session,
        action="user.enterprise",
        entity_type="user",
        entity_id=user.id,
        park_id=actor.park_id,
        actor=actor,
        before=before,
        after={"enterprise_id": user.enterprise_id, "assigned_doc_types": user.assigned_doc_types},
    )
    return user


# ---------------------------------------------------------------- sources

_SOURCE_FIELDS = ("name", "category", "scope", "quantity", "unit", "renewable", "description")


def get_source(session: Session, *, source_id: int, user: User) -> EmissionSource:
    source = session.get(EmissionSource, source_id)
    if source is None or source.park_id != user.park_id:
        audit = refusal(user, Rule.other_park, "emission_source", source_id) if source is not None else None
        raise NotFound("排放源不存在", "Emission source not found", audit=audit)
    try:
        get_enterprise(session, enterprise_id=source.enterprise_id, user=user)
    except NotFound as exc:
        raise NotFound("排放源不存在", "Emission source not found", audit=exc.audit) from exc
    return source


def list_sources(session: Session, *, user: User, enterprise_id: int) -> list[EmissionSource]:
    get_enterprise(session, enterprise_id=enterprise_id, user=user)
    return list(
        session.execute(
            select(EmissionSource)
            .where(col(EmissionSource.enterprise_id) == enterprise_id)
            .order_by(col(EmissionSource.id))
        ).scalars()
    )


def _check_source(values: dict[str, Any]) -> None:
    if "name" in values:
        values["name"] = (values["name"] or "").strip()
        if not values["name"]:
            raise Invalid("排放源名称不能为空", "The source name is required")
    category = SourceCategory(values["category"]) if "category" in values else None
    if category is not None:
        expected = SCOPE_OF[category]
        scope = values.get("scope") or expected
        if scope != expected:
            raise Invalid(
                f"该类别的排放属于范围{expected}", f"Emissions of this category are scope {expected}, not {scope}"
            )
        values["scope"] = expected
    if values.get("unit"):
        if not units.is_unit(values["unit"]):
            raise Invalid(f"未知的计量单位：{values['unit']}", f"Unknown unit: {values['unit']}")
        values["unit"] = values["unit"].strip()
    if "quantity" in values:
        values["quantity"] = (values["quantity"] or "").strip()
        if category not in (None, SourceCategory.co2_recovered) and not values["quantity"]:
            raise Invalid(
                "请填写排放源消耗或产生的物质（燃料、过程、电网区域或热力），用于匹配排放因子",
                "Name what the source uses (fuel, process, grid region or heat), so a factor can be matched",
            )


def create_source(session: Session, *, actor: User, enterprise_id: int, **values: Any) -> EmissionSource:
    enterprise = get_enterprise(session, enterprise_id=enterprise_id, user=actor)
    require_manager(actor, "emission_source")
    values = {key: value for key, value in values.items() if key in _SOURCE_FIELDS}
    values.setdefault("quantity", "")
    _check_source(values)
    if session.execute(
        select(col(EmissionSource.id)).where(
            col(EmissionSource.enterprise_id) == enterprise.id, col(EmissionSource.name) == values["name"]
        )
    ).first():
        raise Conflict(f"排放源“{values['name']}”已存在", f"The source '{values['name']}' already exists")
    assert enterprise.id is not None
    source = EmissionSource(park_id=actor.park_id, enterprise_id=enterprise.id, **values)
    session.add(source)
    session.flush()
    events.record(
        session,
        action="emission_source.create",
        entity_type="emission_source",
        entity_id=source.id,
        park_id=actor.park_id,
        actor=actor,
        after=_snapshot(source, _SOURCE_FIELDS),
    )
    return source


def update_source(session: Session, *, actor: User, source_id: int, **values: Any) -> EmissionSource:
    source = get_source(session, source_id=source_id, user=actor)
    require_manager(actor, "emission_source")
    values = {key: value for key, value in values.items() if key in _SOURCE_FIELDS and value is not None}
    if "category" in values or "scope" in values:
        values.setdefault("category", source.category)
    _check_source(values)
    from app.inventory.models import ActivityData

    changes_meaning = any(
        values.get(key, getattr(source, key)) != getattr(source, key) for key in ("category", "quantity")
    )
    if (
        changes_meaning
        and session.execute(
            select(col(ActivityData.id)).where(col(ActivityData.source_id) == source.id).limit(1)
        ).first()
    ):
        # Its rows were calculated as this category and quantity: changing them would rewrite reported figures.
        raise Conflict(
            "该排放源已有活动数据，不能修改类别或消耗物质；请新建排放源",
            "The source has activity data: its category and quantity cannot change; register a new source",
        )
    before = _snapshot(source, _SOURCE_FIELDS)
    for key, value in values.items():
        setattr(source, key, value)
    session.add(source)
    session.flush()
    events.record(
        session,
        action="emission_source.update",
        entity_type="emission_source",
        entity_id=source.id,
        park_id=actor.park_id,
        actor=actor,
        before=before,
        after=_snapshot(source, _SOURCE_FIELDS),
    )
    return source


def require_park_reader(user: User) -> None:
    """The park's totals are for the park's roles; a contributor sees only its own enterprise's data."""
    if user.role == Role.contributor:
        raise Forbidden(
            "企业填报人员只能查看本企业的数据",
            "A contributor sees only its own enterprise's data",
            audit=refusal(user, Rule.role, "inventory", "park"),
        )
