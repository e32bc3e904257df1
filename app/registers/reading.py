"""Who reads which register and which of its rows, the listing (search, filters, pages) and one row by id; and
the park's register settings, made when a park first opens its registers. The writes (`service.py`,
`histories.py`) and the other register modules read rows through here."""

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, SQLModel, col

from app.errors import Forbidden, Invalid, NotFound
from app.events.refusals import Rule, refusal
from app.like import contains
from app.registers.models import RegisterSettings
from app.registers.seed import seed_legal_candidates
from app.registers.specs import SPECS, RegisterKind, RegisterSpec
from app.users.models import Role, User

MAX_PER_PAGE = 200


# ---------------------------------------------------------------- who sees what


def visible_kinds(user: User) -> list[RegisterKind]:
    """Contributors see only registers with an enterprise column (and there only their enterprise's rows)."""
    if user.role == Role.contributor:
        return [kind for kind, spec in SPECS.items() if spec.enterprise_col]
    return list(SPECS)


def require_reader(user: User, spec: RegisterSpec) -> None:
    if spec.kind not in visible_kinds(user):
        raise Forbidden(
            "您无权查看此登记册",
            "You may not read this register",
            audit=refusal(user, Rule.role, "register", str(spec.kind)),
        )


def _scope(user: User, spec: RegisterSpec) -> list[Any]:
    model = spec.model
    conditions: list[Any] = [col(model.park_id) == user.park_id]
    if user.role == Role.contributor and spec.enterprise_col:
        # A contributor without an enterprise sees no row at all (-1 never matches an id).
        conditions.append(col(getattr(model, spec.enterprise_col)) == (user.enterprise_id or -1))
    return conditions


# ---------------------------------------------------------------- reading


@dataclass
class Page:
    rows: list[SQLModel]
    total: int
    page: int
    per_page: int


def open_registers(session: Session, user: User) -> RegisterSettings:
    return settings_for(session, user.park_id)


def list_rows(
    session: Session,
    *,
    user: User,
    kind: RegisterKind,
    q: str = "",
    filters: dict[str, str] | None = None,
    page: int = 1,
    per_page: int = 50,
) -> Page:
    spec = SPECS[kind]
    require_reader(user, spec)
    open_registers(session, user)
    conditions = _scope(user, spec)
    q = q.strip()
    if q:
        conditions.append(or_(*(contains(col(getattr(spec.model, name)), q, ignore_case=True) for name in spec.search)))
    for name, raw in (filters or {}).items():
        conditions.append(_filter(spec, name, raw))
    per_page = max(1, min(per_page, MAX_PER_PAGE))
    page = max(1, page)
    total = session.execute(select(func.count()).select_from(spec.model).where(*conditions)).scalar_one()
    order = col(getattr(spec.model, spec.order))
    rows = list(
        session.execute(
            select(spec.model)
            .where(*conditions)
            .order_by(order.desc() if spec.order != "id" else order, col(spec.model.id))
            .offset((page - 1) * per_page)
            .limit(per_page)
        ).scalars()
    )
    return Page(rows, total, page, per_page)


def _filter(spec: RegisterSpec, name: str, raw: str) -> Any:
    column = spec.col(name)
    if column is None or column.type not in ("enum", "bool", "enterprise", "source", "party"):
        raise Invalid(f"不能按“{name}”筛选", f"Cannot filter by “{name}”")
    attribute = col(getattr(spec.model, column.attr))
    if column.type == "bool":
        if raw not in ("true", "false"):
            raise Invalid(f"“{column.zh}”筛选值应为 true 或 false", f"Filter {name} takes true or false")
        return attribute.is_(raw == "true")
    if column.type == "enum":
        return attribute == raw
    if not raw.isdigit() or int(raw) > 2_147_483_647:
        raise Invalid(f"“{column.zh}”筛选值应为编号", f"Filter {name} takes an id")
    return attribute == int(raw)


def in_park(
    session: Session, model: Any, *, row_id: int, user: User, entity_type: str, missing: tuple[str, str], **kw: Any
) -> Any:
    """A row of the user's park (locked when asked); another park's id is not found, and the probe is on record."""
    query = select(model).where(col(model.id) == row_id)
    if kw.get("for_update"):
        query = query.with_for_update().execution_options(populate_existing=True)
    row = session.execute(query).scalars().first()
    if row is None or row.park_id != user.park_id:
        audit = refusal(user, Rule.other_park, entity_type, row_id) if row is not None else None
        raise NotFound(*missing, audit=audit)
    return row


def get_row(session: Session, *, user: User, kind: RegisterKind, row_id: int, for_update: bool = False) -> Any:
    spec = SPECS[kind]
    require_reader(user, spec)
    missing = ("登记册条目不存在", "Register row not found")
    row = in_park(
        session, spec.model, row_id=row_id, user=user, entity_type=spec.entity, missing=missing, for_update=for_update
    )
    if (
        user.role == Role.contributor
        and spec.enterprise_col
        and getattr(row, spec.enterprise_col) != user.enterprise_id
    ):
        raise NotFound(*missing, audit=refusal(user, Rule.assignment, spec.entity, row_id))
    return row


# ---------------------------------------------------------------- the park's settings


def settings_for(session: Session, park_id: int) -> RegisterSettings:
    """The park's settings row; made, with the standard's references as legal candidates, when a park first
    opens its registers (a new park thus starts with them)."""
    settings = session.get(RegisterSettings, park_id)
    if settings is None:
        try:
            with session.begin_nested():
                settings = RegisterSettings(park_id=park_id)
                session.add(settings)
                session.flush()
                seed_legal_candidates(session, park_id)
        except IntegrityError:  # a concurrent first request made them: use theirs
            settings = session.get_one(RegisterSettings, park_id, populate_existing=True)
    return settings
