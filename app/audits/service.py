"""Internal audits (10.2): programmes, audits and their checklists (verdicts and findings: `findings.py`).

Services flush, never commit.
"""

from datetime import date

from sqlalchemy import func, select
from sqlmodel import Session, col

from app.audits import lifecycle
from app.audits.checklist import build_checklist, resolve_scope
from app.audits.common import (
    dumps,
    get_audit,
    loads,
    park_user,
    require_reader,
    require_role,
    stored_id,
    stripped,
)
from app.audits.lifecycle import AuditAction
from app.audits.models import Audit, AuditFinding, AuditLine, AuditProgramme, AuditState, LineResult
from app.common import utcnow
from app.errors import Conflict, Invalid, NotFound
from app.events import service as events
from app.events.refusals import Rule, refusal
from app.labels import LABELS
from app.nonconformities.models import Nonconformity
from app.users.models import Role, User

AUDIT_PLANNERS = frozenset({Role.auditor, Role.coordinator})

AUDIT_STATE_LABELS = lifecycle.STATE_LABELS
RESULT_LABELS = LABELS["result"]


# ---------------------------------------------------------------- programmes and audits


def get_programme(session: Session, *, programme_id: int, user: User) -> AuditProgramme:
    require_reader(user, "audit_programme", programme_id)
    programme = session.get(AuditProgramme, programme_id)
    if programme is None or programme.park_id != user.park_id:
        audit = refusal(user, Rule.other_park, "audit_programme", programme_id) if programme is not None else None
        raise NotFound("审核方案不存在", "Audit programme not found", audit=audit)
    return programme


# The title a programme gets when none is typed; pages show it in the reader's language (programme_title).
DEFAULT_PROGRAMME_TITLE = ("{year} 年度内部审核方案", "Internal audit programme {year}")


def programme_title(programme: AuditProgramme, lang: str) -> str:
    """A typed title as typed; the default one in the reader's language."""
    if lang == "en" and programme.title == DEFAULT_PROGRAMME_TITLE[0].format(year=programme.year):
        return DEFAULT_PROGRAMME_TITLE[1].format(year=programme.year)
    return programme.title


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
        select(col(AuditProgramme.id)).where(
            col(AuditProgramme.park_id) == actor.park_id, col(AuditProgramme.year) == year
        )
    ).first():
        raise Conflict(f"{year} 年度的审核方案已存在", f"The {year} audit programme already exists")
    programme = AuditProgramme(
        park_id=actor.park_id,
        year=year,
        title=stripped(title) or DEFAULT_PROGRAMME_TITLE[0].format(year=year),
        notes=stripped(notes),
        created_by_id=stored_id(actor),
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
            select(AuditProgramme)
            .where(col(AuditProgramme.park_id) == user.park_id)
            .order_by(col(AuditProgramme.year).desc())
        ).scalars()
    )


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
        existing = (
            session.execute(
                select(AuditProgramme).where(
                    col(AuditProgramme.park_id) == actor.park_id, col(AuditProgramme.year) == planned_start.year
                )
            )
            .scalars()
            .first()
        )
        programme = existing or create_programme(session, actor=actor, year=planned_start.year)
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
    team = [park_user(session, uid, actor) for uid in dict.fromkeys([lead_auditor_id, *auditor_ids])]
    for member in team:
        if member.role != Role.auditor or not member.is_active:
            raise Invalid(f"{member.full_name} 不是在职的内审员", f"{member.full_name} is not an active auditor")
    check_independence(team, units)
    audit = Audit(
        park_id=actor.park_id,
        programme_id=stored_id(programme),
        title=title,
        scope_json=dumps(scope),
        criteria=stripped(criteria) or "T/CPQS ZC001—2025 及园区碳排放管理体系文件",
        planned_start=planned_start,
        planned_end=planned_end,
        lead_auditor_id=lead_auditor_id,
        auditor_ids_json=dumps([m.id for m in team[1:]]),
        units_json=dumps(units),
        state=AuditState.planned,
        created_by_id=stored_id(actor),
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
    query = select(Audit).where(col(Audit.park_id) == user.park_id)
    if year is not None:
        query = query.join(AuditProgramme, col(AuditProgramme.id) == col(Audit.programme_id)).where(
            col(AuditProgramme.year) == year
        )
    return list(session.execute(query.order_by(col(Audit.planned_start), col(Audit.id))).scalars())


def start_audit(session: Session, *, actor: User, audit_id: int, today: date | None = None) -> Audit:
    """Start the audit and generate its checklist from the clause map, readiness as of the audit date."""
    audit = get_audit(session, audit_id=audit_id, user=actor, for_update=True)
    lifecycle.check(audit, AuditAction.start, actor)
    audit_date = today or utcnow().date()
    clause_ids = resolve_scope(session, loads(audit.scope_json, []))
    lines = build_checklist(session, park_id=audit.park_id, clause_ids=clause_ids, as_of=audit_date)
    for position, line in enumerate(lines, start=1):
        session.add(
            AuditLine(
                park_id=audit.park_id,
                audit_id=stored_id(audit),
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
    audit.audit_date = audit_date
    audit.started_at = utcnow()
    lifecycle.transition(
        session, audit, AuditAction.start, actor=actor, recorded={"audit_date": audit_date, "lines": len(lines)}
    )
    return audit


def audit_lines(session: Session, audit_id: int) -> list[AuditLine]:
    return list(
        session.execute(
            select(AuditLine).where(col(AuditLine.audit_id) == audit_id).order_by(col(AuditLine.position))
        ).scalars()
    )


def audit_findings(session: Session, audit_id: int) -> list[AuditFinding]:
    return list(
        session.execute(
            select(AuditFinding).where(col(AuditFinding.audit_id) == audit_id).order_by(col(AuditFinding.id))
        ).scalars()
    )


def audit_nonconformities(session: Session, audit_id: int) -> list[Nonconformity]:
    return list(
        session.execute(
            select(Nonconformity).where(col(Nonconformity.audit_id) == audit_id).order_by(col(Nonconformity.id))
        ).scalars()
    )


def complete_audit(session: Session, *, actor: User, audit_id: int, conclusion: str) -> Audit:
    audit = get_audit(session, audit_id=audit_id, user=actor, for_update=True)
    lifecycle.check(audit, AuditAction.complete, actor)
    pending = session.execute(
        select(func.count())
        .select_from(AuditLine)
        .where(col(AuditLine.audit_id) == audit.id, col(AuditLine.result) == LineResult.pending)
    ).scalar_one()
    if pending:
        raise Conflict(f"检查表还有 {pending} 行未填写结论", f"{pending} checklist line(s) have no verdict yet")
    conclusion = stripped(conclusion)
    if not conclusion:
        raise Invalid("请填写审核结论", "The audit conclusion is required")
    audit.conclusion, audit.completed_at = conclusion, utcnow()
    lifecycle.transition(session, audit, AuditAction.complete, actor=actor, recorded={"conclusion": conclusion})
    return audit


def cancel_audit(session: Session, *, actor: User, audit_id: int, reason: str) -> Audit:
    audit = get_audit(session, audit_id=audit_id, user=actor, for_update=True)
    lifecycle.check(audit, AuditAction.cancel, actor)
    reason = stripped(reason)
    if not reason:
        raise Invalid("取消审核必须填写原因", "Cancelling an audit needs a reason")
    audit.cancel_reason = reason
    lifecycle.transition(session, audit, AuditAction.cancel, actor=actor, recorded={"reason": reason})
    return audit
