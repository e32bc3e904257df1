"""The whole checklist in one form (10.2): every line's verdict saved together, or none.

Each line goes through `findings.mark_line`, the one rule for a verdict. A line that is refused does not stop the
others being checked, so the auditor sees every line that needs correcting at once; then the whole set is refused
and the request's session rolls back, so nothing is half-written.
"""

from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session

from app.audits import findings, service
from app.audits.common import get_audit, loads, stripped
from app.audits.models import AuditLine, LineResult
from app.errors import AppError, Forbidden, Invalid, Unauthorized
from app.nonconformities.models import Severity
from app.users.models import User


@dataclass(frozen=True)
class LineVerdict:
    line_id: int
    result: LineResult
    notes: str = ""
    evidence_document_ids: list[int] = field(default_factory=list)
    severity: Severity | None = None
    description: str = ""


class LinesRefused(Invalid):
    """Some lines were refused; `line_errors` maps each line id to its (中文, English) reason."""

    code = "lines_refused"

    def __init__(self, line_errors: dict[int, tuple[str, str]]) -> None:
        count = len(line_errors)
        super().__init__(
            f"有 {count} 行需要修改，所有结论均未保存", f"{count} line(s) need correcting; nothing was saved"
        )
        self.line_errors = line_errors


def _unchanged(line: AuditLine, verdict: LineVerdict, stored_evidence: list[int]) -> bool:
    """A line sent back as it is stored: left alone (no new audit event for an untouched line)."""
    return (
        line.result == verdict.result
        and (line.notes or "") == stripped(verdict.notes)
        and sorted(stored_evidence) == sorted(verdict.evidence_document_ids)
        and verdict.severity is None
        and not stripped(verdict.description)
    )


def mark_lines(session: Session, *, actor: User, audit_id: int, verdicts: list[LineVerdict]) -> list[AuditLine]:
    """Save every changed line, or raise LinesRefused naming each line that cannot be saved and why."""
    audit = get_audit(session, audit_id=audit_id, user=actor, for_update=True)
    lines = {line.id: line for line in service.audit_lines(session, audit_id)} if audit.id else {}
    errors: dict[int, tuple[str, str]] = {}
    saved: list[AuditLine] = []
    for verdict in verdicts:
        line = lines.get(verdict.line_id)
        if line is not None and verdict.result == LineResult.pending:
            continue  # not judged yet: left for later
        if line is not None and _unchanged(line, verdict, loads(line.evidence_document_ids_json, [])):
            continue
        try:
            saved.append(
                findings.mark_line(
                    session,
                    actor=actor,
                    audit_id=audit_id,
                    line_id=verdict.line_id,
                    result=verdict.result,
                    notes=verdict.notes,
                    evidence_document_ids=verdict.evidence_document_ids,
                    severity=verdict.severity,
                    description=verdict.description,
                )
            )
        except (Forbidden, Unauthorized):
            raise  # who may mark at all is one answer for the whole form, not a line's
        except AppError as exc:
            errors[verdict.line_id] = (exc.message_zh, exc.message_en)
    if errors:
        raise LinesRefused(errors)
    if not saved:
        raise Invalid("没有新的审核结论需要保存", "There is no new verdict to save")
    return saved


def verdicts_from_form(form: Any, line_ids: list[int]) -> list[LineVerdict]:
    """The one checklist form: result-<id>, notes-<id>, evidence-<id> (repeated), severity-<id>, description-<id>."""
    verdicts = []
    for line_id in line_ids:
        result = str(form.get(f"result-{line_id}") or "pending")
        if result not in {r.value for r in LineResult}:
            result = "pending"
        severity = str(form.get(f"severity-{line_id}") or "")
        evidence = [int(v) for v in form.getlist(f"evidence-{line_id}") if str(v).isdigit() and len(str(v)) < 11]
        verdicts.append(
            LineVerdict(
                line_id=line_id,
                result=LineResult(result),
                notes=str(form.get(f"notes-{line_id}") or ""),
                evidence_document_ids=evidence,
                severity=Severity(severity) if severity in {s.value for s in Severity} else None,
                description=str(form.get(f"description-{line_id}") or ""),
            )
        )
    return verdicts
