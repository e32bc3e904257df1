"""Internal audits (10.2): programmes, audits, checklist verdicts, findings. Services flush, never commit.

Also the readiness hook: an open major nonconformity caps its clause (app.readiness imports it from here).
"""

from datetime import date
from typing import Any

from sqlalchemy import func, or_, select
from sqlmodel import Session

from app.audits import lifecycle
from app.audits.checklist import build_checklist, resolve_scope
from app.audits.common import (
    dumps,
    end_of_day,
    get_audit,
    loads,
    park_documents,
    park_user,
    require_reader,
    require_role,
    stripped,
)
from app.audits.models import (
    Audit,
    AuditFinding,
    AuditLine,
    AuditProgramme,
    AuditState,
    FindingKind,
    LineResult,
    NcOrigin,
    NcState,
    Nonconformity,
    Severity,
)
from app.audits.nonconformities import nc_code, record_nonconformity
from app.clauses.models import Clause
from app.common import utcnow
from app.deps import refusal
from app.documents.models import Document
from app.errors import Conflict, Forbidden, Invalid, InvalidTransition, NotFound
from app.events import service as events
from app.labels import LABELS
from app.users.models import Role, User

AUDIT_PLANNERS = frozenset({Role.auditor, Role.coordinator})

AUDIT_STATE_LABELS = LABELS["audit_state"]
RESULT_LABELS = LABELS["result"]


# ---------------------------------------------------------------- programmes and audits


def get_programme(session: Session, *, programme_id: int, user: User) -> AuditProgramme:
    require_reader(user, "audit_programme", programme_id)
    programme = session.get(AuditProgramme, programme_id)
    if programme is None or programme.park_id != user.park_id:
        raise NotFound("审核方案不存在", "Audit programme not found")
    return programme


def create_programme(session: Session, *, actor: User, year: int, title: str = "", notes: str = "") -> AuditProgramme:
    require_role(
        actor,
        AUDIT_PLANNERS,
        "audit_programme",
        year,
        "只有内审员或体系管理员可以制定审核方案",
        "Only an auditor or a coordinator may set up an audit programme",
    )
    if not 2000 <= year <= 2100:
        raise Invalid("年度不正确", "Bad year")
    if session.execute(
        select(AuditProgramme.id).where(AuditProgramme.park_id == actor.park_id, AuditProgramme.year == year)
    ).first():
        raise Conflict(f"{year} 年度的审核方案已存在", f"The {year} audit programme already exists")
    programme = AuditProgramme(
        park_id=actor.park_id,
        year=year,
        title=stripped(title) or f"{year} 年度内部审核方案",
        notes=stripped(notes),
        created_by_id=actor.id,
    )
    session.add(programme)
    session.flush()
    events.record(
        session,
        action="audit_programme.create",
        entity_type="audit_programme",
        entity_id=programme.id,
        park_id=actor.park_id,
        actor=actor,
        after={"year": year, "title": programme.title},
    )
    return programme


def list_programmes(session: Session, *, user: User) -> list[AuditProgramme]:
    require_reader(user, "audit_programme", "list")
    return list(
        session.execute(
            select(AuditProgramme).where(AuditProgramme.park_id == user.park_id).order_by(AuditProgramme.year.desc())
        ).scalars()
    )


def team_ids(audit: Audit) -> list[int]:
    return [audit.lead_auditor_id] + [i for i in loads(audit.auditor_ids_json, []) if i != audit.lead_auditor_id]


def check_independence(team: list[User], units: list[str]) -> None:
    """10.2 c): an auditor may not audit a unit they belong to."""
    for member in team:
        unit = stripped(member.unit)
        if unit and unit in units:
            raise Conflict(
                f"审核员 {member.full_name} 属于被审核单位“{unit}”，不能审核本单位（10.2 c 客观公正）",
                f"Auditor {member.full_name} belongs to the audited unit “{unit}” and may not audit it "
                "(independence, 10.2 c)",
            )


def create_audit(
    session: Session,
    *,
    actor: User,
    title: str,
    scope: list[str],
    criteria: str,
    planned_start: date,
    planned_end: date,
    lead_auditor_id: int,
    auditor_ids: list[int],
    units: list[str],
    programme_id: int | None = None,
) -> Audit:
    require_role(
        actor,
        AUDIT_PLANNERS,
        "audit",
        "new",
        "只有内审员或体系管理员可以策划审核",
        "Only an auditor or a coordinator may plan an audit",
    )
    if programme_id is not None:
        programme = get_programme(session, programme_id=programme_id, user=actor)
    else:
        programme = (
            session.execute(
                select(AuditProgramme).where(
                    AuditProgramme.park_id == actor.park_id, AuditProgramme.year == planned_start.year
                )
            )
            .scalars()
            .first()
        )
        programme = programme or create_programme(session, actor=actor, year=planned_start.year)
    title = stripped(title)
    if not title:
        raise Invalid("审核名称不能为空", "The audit title is required")
    if not (2000 <= planned_start.year <= 2100 and 2000 <= planned_end.year <= 2100):
        raise Invalid("计划日期超出范围（2000–2100 年）", "The planned dates are out of range (2000–2100)")
    if planned_end < planned_start:
        raise Invalid("计划结束日期不能早于开始日期", "The planned end cannot be before the planned start")
    clause_ids = resolve_scope(session, scope)
    units = list(dict.fromkeys(stripped(unit) for unit in units if stripped(unit)))
    if not units:
        raise Invalid("必须指定受审核单位", "Name the units audited")
    team = [park_user(session, uid, actor.park_id) for uid in dict.fromkeys([lead_auditor_id, *auditor_ids])]
    for member in team:
        if member.role != Role.auditor or not member.is_active:
            raise Invalid(f"{member.full_name} 不是在职的内审员", f"{member.full_name} is not an active auditor")
    check_independence(team, units)
    audit = Audit(
        park_id=actor.park_id,
        programme_id=programme.id,
        title=title,
        scope_json=dumps(scope),
        criteria=stripped(criteria) or "T/CPQS ZC001—2025 及园区碳排放管理体系文件",
        planned_start=planned_start,
        planned_end=planned_end,
        lead_auditor_id=lead_auditor_id,
        auditor_ids_json=dumps([m.id for m in team[1:]]),
        units_json=dumps(units),
        state=AuditState.planned,
        created_by_id=actor.id,
    )
    session.add(audit)
    session.flush()
    events.record(
        session,
        action="audit.create",
        entity_type="audit",
        entity_id=audit.id,
        park_id=actor.park_id,
        actor=actor,
        after={
            "title": title,
            "scope": scope,
            "clauses": clause_ids,
            "units": units,
            "lead_auditor_id": lead_auditor_id,
            "team": [m.id for m in team],
            "planned_start": planned_start,
            "planned_end": planned_end,
        },
    )
    return audit


def list_audits(session: Session, *, user: User, year: int | None = None) -> list[Audit]:
    require_reader(user, "audit", "list")
    query = select(Audit).where(Audit.park_id == user.park_id)
    if year is not None:
        query = query.join(AuditProgramme, AuditProgramme.id == Audit.programme_id).where(AuditProgramme.year == year)
    return list(session.execute(query.order_by(Audit.planned_start, Audit.id)).scalars())


def _require_team(audit: Audit, actor: User, *, lead_only: bool = False) -> None:
    allowed = [audit.lead_auditor_id] if lead_only else team_ids(audit)
    if actor.role != Role.auditor or actor.id not in allowed:
        raise Forbidden(
            "只有本次审核的审核组长可以执行此操作" if lead_only else "只有本次审核的审核员可以执行此操作",
            "Only this audit's lead auditor may do this" if lead_only else "Only this audit's auditors may do this",
            audit=refusal(actor, "access.refused", "audit", audit.id),
        )


def _require_audit_state(audit: Audit, *states: AuditState) -> None:
    if audit.state not in states:
        zh, en = AUDIT_STATE_LABELS[str(audit.state)]
        raise InvalidTransition(f"审核当前状态为“{zh}”，不能执行此操作", f"The audit is {en.lower()}; not possible now")


def _audit_event(session: Session, audit: Audit, action: str, actor: User, before: dict, after: dict) -> None:
    audit.version += 1
    session.add(audit)
    session.flush()
    events.record(
        session,
        action=f"audit.{action}",
        entity_type="audit",
        entity_id=audit.id,
        park_id=audit.park_id,
        actor=actor,
        before=before,
        after=after,
    )


def start_audit(session: Session, *, actor: User, audit_id: int, today: date | None = None) -> Audit:
    """Start the audit and generate its checklist from the clause map, readiness as of the audit date."""
    audit = get_audit(session, audit_id=audit_id, user=actor, for_update=True)
    _require_team(audit, actor)
    _require_audit_state(audit, AuditState.planned)
    audit_date = today or utcnow().date()
    clause_ids = resolve_scope(session, loads(audit.scope_json, []))
    lines = build_checklist(session, park_id=audit.park_id, clause_ids=clause_ids, as_of=audit_date)
    for position, line in enumerate(lines, start=1):
        session.add(
            AuditLine(
                park_id=audit.park_id,
                audit_id=audit.id,
                position=position,
                clause_id=line["clause_id"],
                item_label=line["label"],
                item_group=line["group"][:200],
                requirement=line["text"],
                evidence_json=dumps(line["evidence"]),
                readiness_status=line["readiness_status"],
                readiness_reason_zh=line["reason_zh"],
                readiness_reason_en=line["reason_en"],
                result=LineResult.pending,
            )
        )
    before = {"state": str(audit.state)}
    audit.state = AuditState.in_progress
    audit.audit_date = audit_date
    audit.started_at = utcnow()
    _audit_event(
        session,
        audit,
        "start",
        actor,
        before,
        {"state": str(audit.state), "audit_date": audit_date, "lines": len(lines)},
    )
    return audit


def audit_lines(session: Session, audit_id: int) -> list[AuditLine]:
    return list(
        session.execute(select(AuditLine).where(AuditLine.audit_id == audit_id).order_by(AuditLine.position)).scalars()
    )


def audit_findings(session: Session, audit_id: int) -> list[AuditFinding]:
    return list(
        session.execute(
            select(AuditFinding).where(AuditFinding.audit_id == audit_id).order_by(AuditFinding.id)
        ).scalars()
    )


def audit_nonconformities(session: Session, audit_id: int) -> list[Nonconformity]:
    return list(
        session.execute(
            select(Nonconformity).where(Nonconformity.audit_id == audit_id).order_by(Nonconformity.id)
        ).scalars()
    )


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
    _require_team(audit, actor)
    _require_audit_state(audit, AuditState.in_progress)
    line = session.get(AuditLine, line_id)
    if line is None or line.audit_id != audit.id:
        raise NotFound("审核检查表行不存在", "Checklist line not found")
    if result == LineResult.pending:
        raise Invalid(
            "请选择符合、不符合、观察项或未审核", "Choose conforming, nonconforming, observation or not audited"
        )
    raised = (
        session.execute(
            select(Nonconformity).where(
                Nonconformity.audit_line_id == line.id, Nonconformity.state != NcState.cancelled
            )
        )
        .scalars()
        .first()
    )
    if raised is not None:
        raise Conflict(
            f"此行已开具不符合项 {nc_code(raised.id)}，如需更改请先撤销该不符合项",
            f"This line already raised {nc_code(raised.id)}; cancel it first to change the verdict",
        )
    doc_ids = park_documents(session, evidence_document_ids or [], audit.park_id)
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
    observation = session.execute(select(AuditFinding).where(AuditFinding.line_id == line.id)).scalars().first()
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
                created_by_id=actor.id,
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
            controls = session.execute(select(Document.control_no).where(Document.id.in_(doc_ids))).scalars().all()
            evidence_examined = "；".join([*controls, notes]) if controls or notes else ""
        record_nonconformity(
            session,
            actor=actor,
            origin=NcOrigin.internal_audit,
            origin_ref=f"{audit.title} 第 {line.position} 行（{line.clause_id} {line.item_label}）".strip(),
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
    _require_team(audit, actor)
    _require_audit_state(audit, AuditState.in_progress)
    description = stripped(description)
    if not description:
        raise Invalid("请填写说明", "A description is required")
    if clause_id and session.get(Clause, clause_id) is None:
        raise Invalid(f"条款 {clause_id} 不存在", f"Clause {clause_id} does not exist")
    finding = AuditFinding(
        park_id=audit.park_id,
        audit_id=audit.id,
        kind=kind,
        clause_id=clause_id or None,
        description=description,
        created_by_id=actor.id,
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


def complete_audit(session: Session, *, actor: User, audit_id: int, conclusion: str) -> Audit:
    audit = get_audit(session, audit_id=audit_id, user=actor, for_update=True)
    _require_team(audit, actor, lead_only=True)
    _require_audit_state(audit, AuditState.in_progress)
    pending = session.execute(
        select(func.count())
        .select_from(AuditLine)
        .where(AuditLine.audit_id == audit.id, AuditLine.result == LineResult.pending)
    ).scalar_one()
    if pending:
        raise Conflict(f"检查表还有 {pending} 行未填写结论", f"{pending} checklist line(s) have no verdict yet")
    conclusion = stripped(conclusion)
    if not conclusion:
        raise Invalid("请填写审核结论", "The audit conclusion is required")
    before = {"state": str(audit.state)}
    audit.state, audit.conclusion, audit.completed_at = AuditState.completed, conclusion, utcnow()
    _audit_event(session, audit, "complete", actor, before, {"state": str(audit.state), "conclusion": conclusion})
    return audit


def cancel_audit(session: Session, *, actor: User, audit_id: int, reason: str) -> Audit:
    audit = get_audit(session, audit_id=audit_id, user=actor, for_update=True)
    if actor.role != Role.coordinator and not (actor.role == Role.auditor and actor.id == audit.lead_auditor_id):
        raise Forbidden(
            "只有体系管理员或审核组长可以取消审核",
            "Only a coordinator or the lead auditor may cancel",
            audit=refusal(actor, "access.refused", "audit", audit.id),
        )
    _require_audit_state(audit, AuditState.planned, AuditState.in_progress)
    reason = stripped(reason)
    if not reason:
        raise Invalid("取消审核必须填写原因", "Cancelling an audit needs a reason")
    before = {"state": str(audit.state)}
    audit.state, audit.cancel_reason = AuditState.cancelled, reason
    _audit_event(session, audit, "cancel", actor, before, {"state": str(audit.state), "reason": reason})
    return audit


# ---------------------------------------------------------------- the readiness hook


def open_major_nonconformities(session: Session, park_id: int, as_of: date | None = None) -> dict[str, list[dict]]:
    """clause id -> the major nonconformities open at the end of `as_of` (today by default), with reasons."""
    cutoff = end_of_day(as_of or utcnow().date())
    rows = (
        session.execute(
            select(Nonconformity)
            .where(
                Nonconformity.park_id == park_id,
                Nonconformity.severity == Severity.major,
                Nonconformity.raised_at < cutoff,
                or_(Nonconformity.ended_at.is_(None), Nonconformity.ended_at >= cutoff),
            )
            .order_by(Nonconformity.id)
        )
        .scalars()
        .all()
    )
    result: dict[str, list[dict]] = {}
    for nc in rows:
        state_zh, state_en = lifecycle.STATE_LABELS[str(nc.state)]
        short = nc.description if len(nc.description) <= 80 else nc.description[:80] + "…"
        result.setdefault(nc.clause_id, []).append(
            {
                "id": nc.id,
                "code": nc_code(nc.id),
                "severity": str(nc.severity),
                "state": str(nc.state),
                "origin": str(nc.origin),
                "link": f"/nonconformities/{nc.id}",
                "reason_zh": f"存在未关闭的严重不符合项 {nc_code(nc.id)}（{state_zh}）：{short}",
                "reason_en": f"Open major nonconformity {nc_code(nc.id)} ({state_en.lower()}): {short}",
            }
        )
    return result


def cap_by_nonconformities(
    session: Session, *, park_id: int, as_of: date | None, clauses: list[dict[str, Any]]
) -> None:
    """The readiness hook: a clause with an open major nonconformity is `partial` at best, and says why."""
    open_major = open_major_nonconformities(session, park_id, as_of)
    for clause in clauses:
        found = open_major.get(clause["id"], [])
        clause["nonconformities"] = found
        if found and clause.get("status") == "met":
            clause["status"] = "partial"
