"""Row by row changes to the registers, each an audit-trail event with its before and after. Flush, never commit."""

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from pydantic import BaseModel, ValidationError
from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, SQLModel, col

from app.common import utcnow
from app.documents.models import Document
from app.errors import Forbidden, Invalid, NotFound
from app.events import service as events
from app.events.refusals import Rule, refusal
from app.inventory.models import EmissionSource, Enterprise
from app.like import contains
from app.readiness.items import add_months
from app.registers import lifecycle
from app.registers.models import (
    Calibration,
    Equipment,
    InterestedParty,
    LegalRequirement,
    RegisterSettings,
    Risk,
    RiskAssessment,
    Significance,
)
from app.registers.seed import seed_legal_candidates
from app.registers.specs import (
    CREATE_MODELS,
    PATCH_MODELS,
    SPECS,
    Col,
    RegisterKind,
    RegisterSpec,
    row_dict,
    to_storage,
)
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


# ---------------------------------------------------------------- writing


def parse_body(kind: RegisterKind, body: Any, *, partial: bool) -> dict[str, Any]:
    """Validate a row body against the register's columns; a user-readable 422 naming the column otherwise."""
    model: type[BaseModel] = (PATCH_MODELS if partial else CREATE_MODELS)[kind]
    try:
        parsed = model.model_validate(body)
    except ValidationError as exc:
        first = exc.errors()[0]
        name = str(first["loc"][0]) if first["loc"] else ""
        column = SPECS[kind].col(name)
        label_zh = column.zh if column else name
        label_en = column.en if column else name
        raise Invalid(f"“{label_zh}”无效：{first['msg']}", f"Invalid “{label_en}”: {first['msg']}") from exc
    return parsed.model_dump(exclude_unset=partial)


def _check_refs(session: Session, spec: RegisterSpec, values: dict[str, Any], park_id: int, row: Any) -> None:
    """References stay inside the park; an emission source belongs to the row's enterprise."""
    tables: dict[str, Any] = {
        "enterprise": Enterprise,
        "source": EmissionSource,
        "document": Document,
        "party": InterestedParty,
    }
    for column in spec.editable:
        value = values.get(column.name)
        if column.type == "ids":
            ids = set(value or [])
            found = set(
                session.execute(
                    select(col(Enterprise.id)).where(col(Enterprise.park_id) == park_id, col(Enterprise.id).in_(ids))
                ).scalars()
            )
            if ids - found:
                raise Invalid("适用企业不存在", "An enterprise named does not exist in this park")
        elif column.type in tables and value is not None:
            target = session.get(tables[column.type], value)
            if target is None or target.park_id != park_id:
                raise Invalid(f"“{column.zh}”不存在", f"“{column.en}” does not exist in this park")
    if spec.kind == RegisterKind.equipment:
        source_id = values.get("emission_source_id", getattr(row, "emission_source_id", None))
        if source_id is not None:
            source = session.get_one(EmissionSource, source_id)
            enterprise_id = values.get("enterprise_id", getattr(row, "enterprise_id", None))
            if enterprise_id is None:
                values["enterprise_id"] = source.enterprise_id
            elif enterprise_id != source.enterprise_id:
                raise Invalid("排放源不属于所选企业", "The emission source belongs to another enterprise")


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


def significance(settings: RegisterSettings, likelihood: int, consequence: int) -> Significance:
    score = likelihood * consequence
    if score >= settings.risk_high_from:
        return Significance.high
    return Significance.medium if score >= settings.risk_medium_from else Significance.low


def _snapshot(spec: RegisterSpec, row: Any) -> dict[str, Any]:
    return json.loads(json.dumps(row_dict(spec, row), default=str))


def create_row(session: Session, *, actor: User, kind: RegisterKind, body: Any) -> Any:
    spec = SPECS[kind]
    lifecycle.require_editor(actor, spec.entity, "new")
    values = parse_body(kind, body, partial=False)
    return insert_row(session, actor=actor, kind=kind, values=values)


def insert_row(session: Session, *, actor: User, kind: RegisterKind, values: dict[str, Any], **extra: Any) -> Any:
    """Write one validated row (the API, the import and the seeds all come here)."""
    spec = SPECS[kind]
    _check_refs(session, spec, values, actor.park_id, None)
    stored = {c.attr: to_storage(c, values[c.name]) for c in spec.editable if c.name in values}
    stored.update(extra)
    if kind == RegisterKind.legal:
        stored.setdefault("origin", "park" if not stored.get("party_id") else "interested_party")
        stored.setdefault("state", "candidate")
    if kind == RegisterKind.risks:
        stored["significance"] = significance(
            settings_for(session, actor.park_id), stored["likelihood"], stored["consequence"]
        )
    if kind == RegisterKind.equipment:
        _due(stored, None)
    row: Any = spec.model(park_id=actor.park_id, **stored)
    session.add(row)
    session.flush()
    if kind == RegisterKind.risks:
        _assessment(session, row, actor, note="初次评估 / first assessment")
    if kind == RegisterKind.equipment and row.last_calibrated_on:
        _calibration(session, row, row.last_calibrated_on, row.next_due_on, row.certificate_document_id)
    events.record(
        session,
        action="register.row_create",
        entity_type=spec.entity,
        entity_id=row.id,
        park_id=actor.park_id,
        actor=actor,
        after={"register": str(kind), **_snapshot(spec, row)},
    )
    return row


def _due(stored: dict[str, Any], row: Equipment | None) -> None:
    """The next calibration date follows from the last one and the interval unless the park gives it."""
    last = stored.get("last_calibrated_on", row.last_calibrated_on if row else None)
    interval = stored.get("interval_months", row.interval_months if row else None)
    if last and interval and not stored.get("next_due_on"):
        stored["next_due_on"] = add_months(last, interval)


def update_row(session: Session, *, actor: User, kind: RegisterKind, row_id: int, body: Any) -> Any:
    spec = SPECS[kind]
    lifecycle.require_editor(actor, spec.entity, row_id)
    values = parse_body(kind, body, partial=True)
    row = get_row(session, user=actor, kind=kind, row_id=row_id, for_update=True)
    for column in spec.editable:
        if column.required and column.name in values and values[column.name] in (None, ""):
            raise Invalid(f"“{column.zh}”不能为空", f"“{column.en}” is required")
    _check_refs(session, spec, values, actor.park_id, row)
    before = _snapshot(spec, row)
    stored = {c.attr: to_storage(c, values[c.name]) for c in spec.editable if c.name in values}
    if kind == RegisterKind.equipment and ("last_calibrated_on" in stored or "interval_months" in stored):
        _due(stored, row)
        if stored.get("last_calibrated_on") and stored["last_calibrated_on"] != row.last_calibrated_on:
            _calibration(
                session,
                row,
                stored["last_calibrated_on"],
                stored.get("next_due_on") or row.next_due_on,
                stored.get("certificate_document_id", row.certificate_document_id),
            )
    for name, value in stored.items():
        setattr(row, name, value)
    row.updated_at = utcnow()
    session.add(row)
    session.flush()
    after = _snapshot(spec, row)
    changed = {k: v for k, v in after.items() if before.get(k) != v}
    if changed:
        events.record(
            session,
            action="register.row_update",
            entity_type=spec.entity,
            entity_id=row.id,
            park_id=actor.park_id,
            actor=actor,
            before={"register": str(kind), **{k: before.get(k) for k in changed}},
            after={"register": str(kind), **changed},
        )
    return row


def delete_row(session: Session, *, actor: User, kind: RegisterKind, row_id: int) -> None:
    spec = SPECS[kind]
    lifecycle.require_editor(actor, spec.entity, row_id)
    row = get_row(session, user=actor, kind=kind, row_id=row_id, for_update=True)
    if _referenced(session, kind, row):
        raise Invalid(
            "该条目已被评价结果、评估记录或校准记录引用，不能删除",
            "The row has results, assessments or calibrations that refer to it; it cannot be deleted",
        )
    before = _snapshot(spec, row)
    if kind == RegisterKind.risks:  # its only assessment goes with it (the event keeps the row's last values)
        for entry in session.execute(select(RiskAssessment).where(col(RiskAssessment.risk_id) == row_id)).scalars():
            session.delete(entry)
        session.flush()
    session.delete(row)
    session.flush()
    events.record(
        session,
        action="register.row_delete",
        entity_type=spec.entity,
        entity_id=row_id,
        park_id=actor.park_id,
        actor=actor,
        before={"register": str(kind), **before},
    )


def _referenced(session: Session, kind: RegisterKind, row: Any) -> bool:
    from app.registers.models import ComplianceResult

    checks = {
        RegisterKind.legal: (ComplianceResult, ComplianceResult.requirement_id),
        RegisterKind.risks: (RiskAssessment, RiskAssessment.risk_id),
        RegisterKind.equipment: (Calibration, Calibration.equipment_id),
        RegisterKind.parties: (LegalRequirement, LegalRequirement.party_id),
    }
    if kind not in checks:
        return False
    model, column = checks[kind]
    if kind == RegisterKind.risks:  # its own first assessment does not hold a risk back
        count = session.execute(select(func.count()).select_from(model).where(col(column) == row.id)).scalar_one()
        return count > 1
    return session.execute(select(col(column)).where(col(column) == row.id).limit(1)).first() is not None


# ---------------------------------------------------------------- risks: re-assessment keeps the history


def _assessment(session: Session, risk: Risk, actor: User, *, note: str, on: date | None = None) -> RiskAssessment:
    assert risk.id is not None and actor.id is not None  # stored rows
    entry = RiskAssessment(
        park_id=risk.park_id,
        risk_id=risk.id,
        assessed_on=on or utcnow().date(),
        likelihood=risk.likelihood,
        consequence=risk.consequence,
        significance=risk.significance,
        note=note,
        assessed_by_id=actor.id,
    )
    session.add(entry)
    session.flush()
    return entry


def assess_risk(
    session: Session,
    *,
    actor: User,
    risk_id: int,
    likelihood: int,
    consequence: int,
    note: str,
    assessed_on: date | None = None,
    review_date: date | None = None,
) -> Risk:
    lifecycle.require_editor(actor, "risk", risk_id)
    risk = get_row(session, user=actor, kind=RegisterKind.risks, row_id=risk_id, for_update=True)
    on = assessed_on or utcnow().date()
    if on > utcnow().date():
        raise Invalid("评估日期不能晚于今天", "The assessment date cannot be in the future")
    before = {"likelihood": risk.likelihood, "consequence": risk.consequence, "significance": str(risk.significance)}
    risk.likelihood, risk.consequence = likelihood, consequence
    risk.significance = significance(settings_for(session, actor.park_id), likelihood, consequence)
    if review_date is not None:
        risk.review_date = review_date
    risk.updated_at = utcnow()
    session.add(risk)
    entry = _assessment(session, risk, actor, note=note.strip(), on=on)
    events.record(
        session,
        action="risk.assess",
        entity_type="risk",
        entity_id=risk.id,
        park_id=risk.park_id,
        actor=actor,
        before=before,
        after={
            "likelihood": likelihood,
            "consequence": consequence,
            "significance": str(risk.significance),
            "assessed_on": on.isoformat(),
            "note": entry.note,
            "assessment_id": entry.id,
        },
    )
    return risk


def risk_history(session: Session, *, user: User, risk_id: int) -> list[RiskAssessment]:
    get_row(session, user=user, kind=RegisterKind.risks, row_id=risk_id)
    return list(
        session.execute(
            select(RiskAssessment)
            .where(col(RiskAssessment.risk_id) == risk_id)
            .order_by(col(RiskAssessment.assessed_on), col(RiskAssessment.id))
        ).scalars()
    )


# ---------------------------------------------------------------- equipment: calibrations


def _calibration(
    session: Session, equipment: Equipment, on: date, valid_until: date | None, certificate_id: int | None
) -> Calibration:
    assert equipment.id is not None  # flushed
    entry = Calibration(
        park_id=equipment.park_id,
        equipment_id=equipment.id,
        calibrated_on=on,
        valid_until=valid_until or add_months(on, equipment.interval_months),
        certificate_document_id=certificate_id,
    )
    session.add(entry)
    session.flush()
    return entry


def record_calibration(
    session: Session, *, actor: User, equipment_id: int, calibrated_on: date, certificate_document_id: int | None
) -> Equipment:
    lifecycle.require_editor(actor, "equipment", equipment_id)
    equipment = get_row(session, user=actor, kind=RegisterKind.equipment, row_id=equipment_id, for_update=True)
    if calibrated_on > utcnow().date():
        raise Invalid("校准日期不能晚于今天", "The calibration date cannot be in the future")
    if certificate_document_id is not None:
        document = session.get(Document, certificate_document_id)
        if document is None or document.park_id != actor.park_id:
            raise Invalid("证书记录不存在", "The certificate record does not exist in this park")
    before = {"last_calibrated_on": str(equipment.last_calibrated_on), "next_due_on": str(equipment.next_due_on)}
    entry = _calibration(session, equipment, calibrated_on, None, certificate_document_id)
    if equipment.last_calibrated_on is None or calibrated_on >= equipment.last_calibrated_on:
        equipment.last_calibrated_on, equipment.next_due_on = calibrated_on, entry.valid_until
        equipment.certificate_document_id = certificate_document_id or equipment.certificate_document_id
    equipment.updated_at = utcnow()
    session.add(equipment)
    events.record(
        session,
        action="equipment.calibrate",
        entity_type="equipment",
        entity_id=equipment.id,
        park_id=equipment.park_id,
        actor=actor,
        before=before,
        after={
            "calibrated_on": calibrated_on.isoformat(),
            "valid_until": entry.valid_until.isoformat(),
            "certificate_document_id": certificate_document_id,
        },
    )
    return equipment


# ---------------------------------------------------------------- legal requirements: confirm or reject


def review_requirement(
    session: Session, *, actor: User, requirement_id: int, action: lifecycle.RequirementAction, reason: str = ""
) -> LegalRequirement:
    requirement = get_row(session, user=actor, kind=RegisterKind.legal, row_id=requirement_id, for_update=True)
    lifecycle.transition(session, requirement, action, actor=actor, reason=reason)
    session.flush()
    return requirement


def update_settings(session: Session, *, actor: User, values: dict[str, Any]) -> RegisterSettings:
    lifecycle.require_editor(actor, "register_settings", actor.park_id)
    settings = settings_for(session, actor.park_id)
    before = {k: getattr(settings, k) for k in values}
    medium = values.get("risk_medium_from", settings.risk_medium_from)
    high = values.get("risk_high_from", settings.risk_high_from)
    if medium > high:
        raise Invalid("“较大”的分值下限不能高于“重大”", "The medium threshold cannot exceed the high one")
    for name, value in values.items():
        setattr(settings, name, value)
    settings.updated_at = utcnow()
    session.add(settings)
    session.flush()
    events.record(
        session,
        action="register_settings.update",
        entity_type="register_settings",
        entity_id=actor.park_id,
        park_id=actor.park_id,
        actor=actor,
        before=before,
        after=values,
    )
    return settings


def column_of(kind: RegisterKind, name: str) -> Col | None:
    return SPECS[kind].col(name)
