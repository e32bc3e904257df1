"""The shapes of register rows for the API and the pages (one place, so they cannot disagree)."""

from typing import Any

from app.labels import label_pair
from app.registers import lifecycle
from app.registers.models import ComplianceResult, ComplianceRound, RegisterSnapshot, RiskAssessment
from app.registers.specs import SPECS, RegisterKind, row_dict
from app.users.models import User


def row_out(kind: RegisterKind, row: Any, user: User | None = None) -> dict[str, Any]:
    spec = SPECS[kind]
    out = row_dict(spec, row)
    for column in spec.cols:
        if column.type == "enum" and out.get(column.name) is not None:
            zh, en = label_pair(column.label_kind, out[column.name])
            out[f"{column.name}_label"] = {"zh": zh, "en": en}
    if kind == RegisterKind.legal and user is not None:
        out["allowed_actions"] = lifecycle.allowed_actions(row, user)
    return out


def columns_out(kind: RegisterKind) -> list[dict[str, Any]]:
    return [
        {
            "name": c.name,
            "label_zh": c.zh,
            "label_en": c.en,
            "type": c.type,
            "label_kind": c.label_kind,
            "required": c.required,
            "editable": c.editable,
            "create_only": c.create_only,
            "choices": [str(v) for v in c.enum] if c.enum else [],
        }
        for c in SPECS[kind].cols
    ]


def round_out(round_: ComplianceRound, results: list[ComplianceResult] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": round_.id,
        "title": round_.title,
        "period_start": round_.period_start.isoformat(),
        "period_end": round_.period_end.isoformat(),
        "state": str(round_.state),
        "conclusion": round_.conclusion,
        "report_document_id": round_.report_document_id,
    }
    if results is not None:
        out["results"] = [result_out(r) for r in results]
    return out


def result_out(result: ComplianceResult) -> dict[str, Any]:
    zh, en = label_pair("compliance", result.result)
    return {
        "id": result.id,
        "requirement_id": result.requirement_id,
        "result": str(result.result),
        "result_label": {"zh": zh, "en": en},
        "evidence": result.evidence,
        "evaluator_id": result.evaluator_id,
        "evaluated_on": result.evaluated_on.isoformat(),
        "nonconformity_id": result.nonconformity_id,
    }


def assessment_out(entry: RiskAssessment) -> dict[str, Any]:
    return {
        "id": entry.id,
        "assessed_on": entry.assessed_on.isoformat(),
        "likelihood": entry.likelihood,
        "consequence": entry.consequence,
        "significance": str(entry.significance),
        "note": entry.note,
        "assessed_by_id": entry.assessed_by_id,
    }


def snapshot_out(snapshot: RegisterSnapshot) -> dict[str, Any]:
    return {
        "id": snapshot.id,
        "kind": snapshot.kind,
        "document_id": snapshot.document_id,
        "revision_id": snapshot.revision_id,
        "row_count": snapshot.row_count,
        "xlsx_sha256": snapshot.xlsx_sha256,
        "created_at": snapshot.created_at.isoformat(),
    }
