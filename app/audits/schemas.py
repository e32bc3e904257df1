"""Audit response shapes: the API returns them and the web pages render them, so the two never disagree."""

from typing import Any

from sqlmodel import Session

from app.audits import lifecycle, service
from app.audits.checklist import resolve_scope
from app.audits.common import loads, stored_id
from app.audits.models import Audit, AuditProgramme
from app.audits.schemas_common import user_names
from app.nonconformities.queries import nc_code
from app.nonconformities.schemas import nc_summary


def programme_out(programme: AuditProgramme) -> dict[str, Any]:
    return {
        "id": programme.id,
        "year": programme.year,
        "title": programme.title,
        "notes": programme.notes,
        "created_at": programme.created_at,
    }


def audit_summary(audit: Audit) -> dict[str, Any]:
    zh, en = service.AUDIT_STATE_LABELS[str(audit.state)]
    return {
        "id": audit.id,
        "programme_id": audit.programme_id,
        "title": audit.title,
        "scope": loads(audit.scope_json, []),
        "criteria": audit.criteria,
        "planned_start": audit.planned_start,
        "planned_end": audit.planned_end,
        "lead_auditor_id": audit.lead_auditor_id,
        "auditor_ids": loads(audit.auditor_ids_json, []),
        "units": loads(audit.units_json, []),
        "state": str(audit.state),
        "state_zh": zh,
        "state_en": en,
        "audit_date": audit.audit_date,
        "conclusion": audit.conclusion,
        "cancel_reason": audit.cancel_reason,
        "report_document_id": audit.report_document_id,
        "version": audit.version,
    }


def audit_detail(session: Session, audit: Audit) -> dict[str, Any]:
    lines = service.audit_lines(session, stored_id(audit))
    ncs = service.audit_nonconformities(session, stored_id(audit))
    live = [nc for nc in ncs if str(nc.state) != "cancelled"]
    by_line = {nc.audit_line_id: nc.id for nc in live}
    codes = {nc.audit_line_id: nc_code(nc) for nc in live}
    names = user_names(session, set(lifecycle.team_ids(audit)))
    out = audit_summary(audit) | {"team": [{"id": i, "name": names.get(i, "")} for i in lifecycle.team_ids(audit)]}
    out["clauses"] = resolve_scope(session, loads(audit.scope_json, []))
    out["lines"] = [
        {
            "id": line.id,
            "position": line.position,
            "clause_id": line.clause_id,
            "item_label": line.item_label,
            "item_group": line.item_group,
            "requirement": line.requirement,
            "evidence": loads(line.evidence_json, []),
            "readiness_status": line.readiness_status,
            "readiness_reason_zh": line.readiness_reason_zh,
            "readiness_reason_en": line.readiness_reason_en,
            "result": str(line.result),
            "notes": line.notes,
            "evidence_document_ids": loads(line.evidence_document_ids_json, []),
            "nonconformity_id": by_line.get(line.id),
            "nonconformity_code": codes.get(line.id),
            "checked_at": line.checked_at,
        }
        for line in lines
    ]
    out["findings"] = [
        {"id": f.id, "kind": str(f.kind), "clause_id": f.clause_id, "line_id": f.line_id, "description": f.description}
        for f in service.audit_findings(session, stored_id(audit))
    ]
    out["nonconformities"] = [nc_summary(session, nc) for nc in ncs]
    return out
