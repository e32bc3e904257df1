"""Row by row changes to the registers, each an audit-trail event with its before and after. Flush, never commit."""

import json
from typing import Any

from pydantic import BaseModel, ValidationError
from sqlalchemy import func, select
from sqlmodel import Session, col

from app.common import utcnow
from app.documents.models import Document
from app.errors import Invalid
from app.events import service as events
from app.inventory.models import EmissionSource, Enterprise
from app.registers import histories, lifecycle
from app.registers.models import (
    Calibration,
    InterestedParty,
    LegalRequirement,
    RegisterSettings,
    RiskAssessment,
)
from app.registers.reading import get_row, settings_for
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
from app.users.models import User

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
        stored["significance"] = histories.significance(
            settings_for(session, actor.park_id), stored["likelihood"], stored["consequence"]
        )
    if kind == RegisterKind.equipment:
        histories.fill_next_due(stored, None)
    row: Any = spec.model(park_id=actor.park_id, **stored)
    session.add(row)
    session.flush()
    if kind == RegisterKind.risks:
        histories.add_assessment(session, row, actor, note="初次评估 / first assessment")
    if kind == RegisterKind.equipment and row.last_calibrated_on:
        histories.add_calibration(session, row, row.last_calibrated_on, row.next_due_on, row.certificate_document_id)
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
        histories.fill_next_due(stored, row)
        if stored.get("last_calibrated_on") and stored["last_calibrated_on"] != row.last_calibrated_on:
            histories.add_calibration(
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
