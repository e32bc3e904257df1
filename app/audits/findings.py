"""The auditor's verdict on a checklist line (10.2) and the findings it raises, and findings added by hand.

A nonconforming line raises its nonconformity through the nonconformities service; an observation is kept here as
an audit finding, so the verdict and what it found land in one transaction. Services flush, never commit.
"""

from sqlalchemy import select
from sqlmodel import Session, col

from app.audits import lifecycle
from app.audits.common import dumps, get_audit, loads, park_documents, stored_id, stripped
from app.audits.lifecycle import AuditAction
from app.audits.models import AuditFinding, AuditLine, FindingKind, LineResult
from app.clauses.models import Clause
from app.common import utcnow
from app.documents.models import Document
from app.errors import Conflict, Invalid, NotFound
from app.events import service as events
from app.events.refusals import Rule, refusal
from app.nonconformities.models import NcOrigin, NcState, Nonconformity, Severity
from app.nonconformities.queries import nc_code
from app.nonconformities.service import record_nonconformity
from app.users.models import User


def _line_snapshot(line: AuditLine) -> dict:
    return {
        "result": str(line.result),
        "notes": line.notes,
        "evidence_document_ids": loads(line.evidence_document_ids_json, []),
    }


def mark_line(
    session: Session,
    *,
    actor: User,
    audit_id: int,
    line_id: int,
    result: LineResult,
    notes: str = "",
    evidence_document_ids: list[int] | None = None,
    severity: Severity | None = None,
    description: str = "",
    evidence_examined: str = "",
) -> AuditLine:
    """The auditor's verdict on one line; a nonconforming line raises a nonconformity, an observation is recorded."""
    audit = get_audit(session, audit_id=audit_id, user=actor, for_update=True)
    lifecycle.check(audit, AuditAction.mark_line, actor)
    line = session.get(AuditLine, line_id)
    if line is None or line.audit_id != audit.id:
        foreign = line is not None and line.park_id != actor.park_id
        audit_event = refusal(actor, Rule.other_park, "audit_line", line_id) if foreign else None
        raise NotFound("审核检查表行不存在", "Checklist line not found", audit=audit_event)
    if result == LineResult.pending:
        raise Invalid(
            "请选择符合、不符合、观察项或未审核", "Choose conforming, nonconforming, observation or not audited"
        )
    raised = (
        session.execute(
            select(Nonconformity).where(
                col(Nonconformity.audit_line_id) == line.id, col(Nonconformity.state) != NcState.cancelled
            )
        )
        .scalars()
        .first()
    )
    if raised is not None:
        raise Conflict(
            f"此行已开具不符合项 {nc_code(raised)}，如需更改请先撤销该不符合项",
            f"This line already raised {nc_code(raised)}; cancel it first to change the verdict",
        )
    doc_ids = park_documents(session, evidence_document_ids or [], actor)
    notes, description = stripped(notes), stripped(description)
    if result == LineResult.nonconforming and (severity is None or not description):
        raise Invalid("不符合项必须填写严重程度和不符合描述", "A nonconformity needs its severity and a description")
    if result == LineResult.observation and not (description or notes):
        raise Invalid("观察项必须填写说明", "An observation needs a description")
    before = _line_snapshot(line)
    line.result, line.notes = result, notes
    line.evidence_document_ids_json = dumps(doc_ids)
    line.checked_by_id, line.checked_at = actor.id, utcnow()
    session.add(line)
    session.flush()
    observation = session.execute(select(AuditFinding).where(col(AuditFinding.line_id) == line.id)).scalars().first()
    if observation is not None and result != LineResult.observation:
        events.record(
            session,
            action="audit_finding.remove",
            entity_type="audit_finding",
            entity_id=observation.id,
            park_id=audit.park_id,
            actor=actor,
            before={"description": observation.description},
        )
        session.delete(observation)
        session.flush()
    after = _line_snapshot(line)
    if result == LineResult.observation:
        text = description or notes
        if observation is None:
            observation = AuditFinding(
                park_id=audit.park_id,
                audit_id=audit.id,
                line_id=line.id,
                kind=FindingKind.observation,
                clause_id=line.clause_id,
                description=text,
                created_by_id=stored_id(actor),
            )
        observation.description = text
        session.add(observation)
        session.flush()
        after["finding_id"] = observation.id
    events.record(
        session,
        action="audit_line.mark",
        entity_type="audit_line",
        entity_id=line.id,
        park_id=audit.park_id,
        actor=actor,
        before=before,
        after=after,
    )
    if result == LineResult.nonconforming:
        if not stripped(evidence_examined):
            controls = (
                session.execute(select(col(Document.control_no)).where(col(Document.id).in_(doc_ids))).scalars().all()
            )
            evidence_examined = "；".join([*controls, notes]) if controls or notes else ""
        assert severity is not None  # checked above: a nonconforming line needs its severity
        record_nonconformity(
            session,
            actor=actor,
            origin=NcOrigin.internal_audit,
            origin_ref=f"{audit.title} 第 {line.position} 行（{f'{line.clause_id} {line.item_label}'.strip()}）",
            clause_id=line.clause_id,
            severity=severity,
            description=description,
            evidence_examined=stripped(evidence_examined),
            audit_id=audit.id,
            audit_line_id=line.id,
        )
    return line


def add_finding(
    session: Session, *, actor: User, audit_id: int, kind: FindingKind, description: str, clause_id: str | None = None
) -> AuditFinding:
    audit = get_audit(session, audit_id=audit_id, user=actor, for_update=True)
    lifecycle.check(audit, AuditAction.add_finding, actor)
    description = stripped(description)
    if not description:
        raise Invalid("请填写说明", "A description is required")
    if clause_id and session.get(Clause, clause_id) is None:
        raise Invalid(f"条款 {clause_id} 不存在", f"Clause {clause_id} does not exist")
    finding = AuditFinding(
        park_id=audit.park_id,
        audit_id=stored_id(audit),
        kind=kind,
        clause_id=clause_id or None,
        description=description,
        created_by_id=stored_id(actor),
    )
    session.add(finding)
    session.flush()
    events.record(
        session,
        action="audit_finding.create",
        entity_type="audit_finding",
        entity_id=finding.id,
        park_id=audit.park_id,
        actor=actor,
        after={"audit_id": audit.id, "kind": str(kind), "clause_id": clause_id, "description": description},
    )
    return finding
