"""Internal audits (10.2), nonconformities and corrective actions (11.2): the rules. Services flush, never commit."""

import json
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, or_, select
from sqlmodel import Session

from app.audits import lifecycle
from app.audits.lifecycle import NcAction
from app.audits.models import (
    ActionState,
    Audit,
    AuditFinding,
    AuditLine,
    AuditProgramme,
    AuditState,
    CorrectiveAction,
    FindingKind,
    LineResult,
    ManagementReview,
    NcOrigin,
    NcState,
    Nonconformity,
    ReviewDecision,
    Severity,
)
from app.clauses.models import Clause, DocTypeClause
from app.common import utcnow
from app.deps import refusal
from app.documents.models import Document, Revision
from app.errors import Conflict, Forbidden, Invalid, InvalidTransition, NotFound
from app.events import service as events
from app.users.models import Role, User
from app.users.service import get_user

READERS = frozenset({Role.admin, Role.coordinator, Role.approver, Role.top_management, Role.auditor})
AUDIT_PLANNERS = frozenset({Role.auditor, Role.coordinator})
NC_RAISERS = frozenset({Role.coordinator, Role.auditor, Role.top_management})
CHAPTERS = ("4", "5", "6", "7", "8", "9", "10", "11")

AUDIT_STATE_LABELS = {"planned": ("已计划", "Planned"), "in_progress": ("实施中", "In progress"),
                      "completed": ("已完成", "Completed"), "cancelled": ("已取消", "Cancelled")}
RESULT_LABELS = {"pending": ("未审核", "pending"), "conforming": ("符合", "conforming"),
                 "nonconforming": ("不符合", "nonconforming"), "observation": ("观察项", "observation"),
                 "not_audited": ("未审核（不适用）", "not audited")}
ORIGIN_LABELS = {"internal_audit": ("内部审核", "Internal audit"),
                 "management_review": ("管理评审", "Management review"),
                 "monitoring": ("监视测量中发现的偏差", "Deviation found in monitoring"),
                 "compliance_evaluation": ("合规性评价", "Compliance evaluation"),
                 "other": ("其他", "Other")}
SEVERITY_LABELS = {"major": ("严重", "major"), "minor": ("一般", "minor")}


# ---------------------------------------------------------------- small helpers


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


def loads(text: str | None, default: Any = None) -> Any:
    try:
        return json.loads(text) if text else default
    except ValueError:
        return default


def nc_code(nc_id: int) -> str:
    return f"NC-{nc_id:04d}"


def require_reader(user: User, entity_type: str, entity_id: object) -> None:
    if user.role not in READERS:
        raise Forbidden("您的角色无权查看内审、不符合项和管理评审", "Your role may not read audits, nonconformities "
                        "and reviews", audit=refusal(user, "access.refused", entity_type, entity_id))


def _require_role(user: User, roles: Iterable[Role], entity_type: str, entity_id: object, zh: str, en: str) -> None:
    if user.role not in frozenset(roles):
        raise Forbidden(zh, en, audit=refusal(user, "access.refused", entity_type, entity_id))


def _text(value: str | None) -> str:
    return (value or "").strip()


def park_user(session: Session, user_id: int, park_id: int) -> User:
    return get_user(session, user_id=user_id, park_id=park_id)  # another park's user: 404


def park_documents(session: Session, ids: Iterable[int], park_id: int) -> list[int]:
    """Document ids of the park, in the given order; an unknown or other park's id is a 404."""
    wanted = list(dict.fromkeys(int(i) for i in ids))
    if not wanted:
        return []
    found = set(session.execute(select(Document.id).where(Document.id.in_(wanted),
                                                          Document.park_id == park_id)).scalars())
    missing = [i for i in wanted if i not in found]
    if missing:
        raise NotFound(f"文件 {missing[0]} 不存在", f"Document {missing[0]} not found")
    return wanted


def _cutoff(as_of: date) -> datetime:
    return datetime.combine(as_of + timedelta(days=1), time.min, tzinfo=UTC)


# ---------------------------------------------------------------- the clause map: scope and checklist


def _all_clauses(session: Session) -> list[Clause]:
    rows = session.execute(select(Clause).where(Clause.chapter.in_(CHAPTERS))).scalars().all()
    return sorted(rows, key=lambda c: (int(c.chapter), c.sort_key, c.id))


def _normalise_scope_entry(entry: str) -> str:
    value = entry.strip().lower().removeprefix("chapter").removeprefix("第").strip()
    return value.removesuffix("章").strip()


def resolve_scope(session: Session, scope: list[str]) -> list[str]:
    """Clause ids (in the standard's order) for a scope of clause ids and chapters: "7", "第7章", "7.3", "10.2".

    A chapter means all its clauses; a clause means itself and its sub-clauses.
    """
    clauses = _all_clauses(session)
    ids = {c.id for c in clauses}
    chosen: set[str] = set()
    for raw in scope:
        entry = _normalise_scope_entry(str(raw))
        if entry in ids:
            chosen |= {c.id for c in clauses if c.id == entry or c.id.startswith(entry + ".")}
        elif entry in CHAPTERS:
            chosen |= {c.id for c in clauses if c.chapter == entry}
        else:
            raise Invalid(f"审核范围中的“{raw}”不是本标准的条款或章",
                          f"“{raw}” in the scope is not a clause or chapter")
    if not chosen:
        raise Invalid("审核范围不能为空", "The audit scope is required")
    return [c.id for c in clauses if c.id in chosen]


def requirement_lines(clause: Clause) -> list[dict[str, str]]:
    """One line per lettered item; "-" sub-items join the item before them. No lettered item: the requirement."""
    items = loads(clause.items_json, []) or []
    lines: list[dict[str, str]] = []
    for item in items:
        label, text, group = str(item.get("label", "")), str(item.get("text", "")), str(item.get("group") or "")
        if label and label != "-":
            lines.append({"label": label, "group": group, "text": text})
        elif lines:
            lines[-1]["text"] += f"\n- {text}"
        else:  # bullets before any lettered item belong to the requirement paragraph
            lines.append({"label": "", "group": group, "text": f"{clause.requirement_zh}\n- {text}".strip()})
    if not lines:
        lines.append({"label": "", "group": "", "text": clause.requirement_zh or clause.title_zh})
    return lines


def _held_documents(session: Session, park_id: int, doc_types: set[str]) -> dict[str, list[dict]]:
    """doc type -> the park's documents of that type with their newest revision's state."""
    if not doc_types:
        return {}
    rows = session.execute(
        select(Document.id, Document.control_no, Document.title, Document.doc_type, Document.kind,
               Revision.number, Revision.state)
        .outerjoin(Revision, Revision.document_id == Document.id)
        .where(Document.park_id == park_id, Document.doc_type.in_(sorted(doc_types)))
        .order_by(Document.control_no, Revision.number)
    ).all()
    newest: dict[int, dict] = {}
    for doc_id, control_no, title, doc_type, kind, number, state in rows:
        newest[doc_id] = {"document_id": doc_id, "control_no": control_no, "title": title, "doc_type": doc_type,
                          "kind": str(kind), "revision": number, "state": str(state) if state else None}
    held: dict[str, list[dict]] = {}
    for entry in newest.values():
        held.setdefault(entry["doc_type"], []).append(entry)
    return held


def build_checklist(session: Session, *, park_id: int, clause_ids: list[str], as_of: date) -> list[dict[str, Any]]:
    """The checklist lines of a scope: requirement items, the evidence held, readiness as of the audit date."""
    from app.readiness.service import compute_readiness

    clauses = {c.id: c for c in session.execute(select(Clause).where(Clause.id.in_(clause_ids))).scalars()}
    links: dict[str, list[str]] = {}
    for code, cid in session.execute(select(DocTypeClause.doc_type, DocTypeClause.clause_id)
                                     .where(DocTypeClause.clause_id.in_(clause_ids))):
        links.setdefault(cid, []).append(code)
    held = _held_documents(session, park_id, {code for codes in links.values() for code in codes})
    readiness = {entry["id"]: entry for entry in compute_readiness(session, park_id=park_id, as_of=as_of)["clauses"]}
    lines = []
    for cid in clause_ids:
        clause = clauses[cid]
        entry = readiness.get(cid)
        if entry is None:
            status, zh, en = "", "本条款无对应的文件化信息要求", "No documented information is mapped to this clause"
        else:
            status = entry["status"]
            zh = "；".join(f"{item['title_zh']}：{item['reason_zh']}" for item in entry["items"])
            en = "; ".join(f"{item['title_en']}: {item['reason_en']}" for item in entry["items"])
            for nc in entry.get("nonconformities", []):
                zh += f"；{nc['reason_zh']}"
                en += f"; {nc['reason_en']}"
        evidence = [doc for code in sorted(links.get(cid, [])) for doc in held.get(code, [])]
        for item in requirement_lines(clause):
            lines.append({"clause_id": cid, "label": item["label"], "group": item["group"], "text": item["text"],
                          "evidence": evidence, "doc_types": sorted(links.get(cid, [])),
                          "readiness_status": status, "reason_zh": zh, "reason_en": en})
    return lines


# ---------------------------------------------------------------- programmes and audits


def get_programme(session: Session, *, programme_id: int, user: User) -> AuditProgramme:
    require_reader(user, "audit_programme", programme_id)
    programme = session.get(AuditProgramme, programme_id)
    if programme is None or programme.park_id != user.park_id:
        raise NotFound("审核方案不存在", "Audit programme not found")
    return programme


def create_programme(session: Session, *, actor: User, year: int, title: str = "", notes: str = "") -> AuditProgramme:
    _require_role(actor, AUDIT_PLANNERS, "audit_programme", year, "只有内审员或体系管理员可以制定审核方案",
                  "Only an auditor or a coordinator may set up an audit programme")
    if not 2000 <= year <= 2100:
        raise Invalid("年度不正确", "Bad year")
    if session.execute(select(AuditProgramme.id).where(AuditProgramme.park_id == actor.park_id,
                                                       AuditProgramme.year == year)).first():
        raise Conflict(f"{year} 年度的审核方案已存在", f"The {year} audit programme already exists")
    programme = AuditProgramme(park_id=actor.park_id, year=year, title=_text(title) or f"{year} 年度内部审核方案",
                               notes=_text(notes), created_by_id=actor.id)
    session.add(programme)
    session.flush()
    events.record(session, action="audit_programme.create", entity_type="audit_programme", entity_id=programme.id,
                  park_id=actor.park_id, actor=actor, after={"year": year, "title": programme.title})
    return programme


def list_programmes(session: Session, *, user: User) -> list[AuditProgramme]:
    require_reader(user, "audit_programme", "list")
    return list(session.execute(select(AuditProgramme).where(AuditProgramme.park_id == user.park_id)
                                .order_by(AuditProgramme.year.desc())).scalars())


def get_in_park(session: Session, model: Any, *, entity_id: int, user: User, entity_type: str,
                missing: tuple[str, str], for_update: bool = False) -> Any:
    """One audit-domain row of the user's park (optionally locked); another park's id is simply not found."""
    require_reader(user, entity_type, entity_id)
    query = select(model).where(model.id == entity_id)
    if for_update:
        query = query.with_for_update().execution_options(populate_existing=True)
    row = session.execute(query).scalars().first()
    if row is None or row.park_id != user.park_id:
        raise NotFound(*missing)
    return row


def get_audit(session: Session, *, audit_id: int, user: User, for_update: bool = False) -> Audit:
    return get_in_park(session, Audit, entity_id=audit_id, user=user, entity_type="audit",
                       missing=("审核不存在", "Audit not found"), for_update=for_update)


def team_ids(audit: Audit) -> list[int]:
    return [audit.lead_auditor_id] + [i for i in loads(audit.auditor_ids_json, []) if i != audit.lead_auditor_id]


def check_independence(team: list[User], units: list[str]) -> None:
    """10.2 c): an auditor may not audit a unit they belong to."""
    for member in team:
        unit = _text(member.unit)
        if unit and unit in units:
            raise Conflict(f"审核员 {member.full_name} 属于被审核单位“{unit}”，不能审核本单位（10.2 c 客观公正）",
                           f"Auditor {member.full_name} belongs to the audited unit “{unit}” and may not audit it "
                           "(independence, 10.2 c)")


def create_audit(
    session: Session, *, actor: User, title: str, scope: list[str], criteria: str, planned_start: date,
    planned_end: date, lead_auditor_id: int, auditor_ids: list[int], units: list[str],
    programme_id: int | None = None,
) -> Audit:
    _require_role(actor, AUDIT_PLANNERS, "audit", "new", "只有内审员或体系管理员可以策划审核",
                  "Only an auditor or a coordinator may plan an audit")
    if programme_id is not None:
        programme = get_programme(session, programme_id=programme_id, user=actor)
    else:
        programme = session.execute(select(AuditProgramme).where(
            AuditProgramme.park_id == actor.park_id, AuditProgramme.year == planned_start.year)).scalars().first()
        programme = programme or create_programme(session, actor=actor, year=planned_start.year)
    title = _text(title)
    if not title:
        raise Invalid("审核名称不能为空", "The audit title is required")
    if not (2000 <= planned_start.year <= 2100 and 2000 <= planned_end.year <= 2100):
        raise Invalid("计划日期超出范围（2000–2100 年）", "The planned dates are out of range (2000–2100)")
    if planned_end < planned_start:
        raise Invalid("计划结束日期不能早于开始日期", "The planned end cannot be before the planned start")
    clause_ids = resolve_scope(session, scope)
    units = list(dict.fromkeys(_text(unit) for unit in units if _text(unit)))
    if not units:
        raise Invalid("必须指定受审核单位", "Name the units audited")
    team = [park_user(session, uid, actor.park_id) for uid in dict.fromkeys([lead_auditor_id, *auditor_ids])]
    for member in team:
        if member.role != Role.auditor or not member.is_active:
            raise Invalid(f"{member.full_name} 不是在职的内审员", f"{member.full_name} is not an active auditor")
    check_independence(team, units)
    audit = Audit(park_id=actor.park_id, programme_id=programme.id, title=title, scope_json=dumps(scope),
                  criteria=_text(criteria) or "T/CPQS ZC001—2025 及园区碳排放管理体系文件",
                  planned_start=planned_start, planned_end=planned_end, lead_auditor_id=lead_auditor_id,
                  auditor_ids_json=dumps([m.id for m in team[1:]]), units_json=dumps(units),
                  state=AuditState.planned, created_by_id=actor.id)
    session.add(audit)
    session.flush()
    events.record(session, action="audit.create", entity_type="audit", entity_id=audit.id, park_id=actor.park_id,
                  actor=actor, after={"title": title, "scope": scope, "clauses": clause_ids, "units": units,
                                      "lead_auditor_id": lead_auditor_id, "team": [m.id for m in team],
                                      "planned_start": planned_start, "planned_end": planned_end})
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
        raise Forbidden("只有本次审核的审核组长可以执行此操作" if lead_only else "只有本次审核的审核员可以执行此操作",
                        "Only this audit's lead auditor may do this" if lead_only
                        else "Only this audit's auditors may do this",
                        audit=refusal(actor, "access.refused", "audit", audit.id))


def _require_audit_state(audit: Audit, *states: AuditState) -> None:
    if audit.state not in states:
        zh, en = AUDIT_STATE_LABELS[str(audit.state)]
        raise InvalidTransition(f"审核当前状态为“{zh}”，不能执行此操作", f"The audit is {en.lower()}; not possible now")


def _audit_event(session: Session, audit: Audit, action: str, actor: User, before: dict, after: dict) -> None:
    audit.version += 1
    session.add(audit)
    session.flush()
    events.record(session, action=f"audit.{action}", entity_type="audit", entity_id=audit.id, park_id=audit.park_id,
                  actor=actor, before=before, after=after)


def start_audit(session: Session, *, actor: User, audit_id: int, today: date | None = None) -> Audit:
    """Start the audit and generate its checklist from the clause map, readiness as of the audit date."""
    audit = get_audit(session, audit_id=audit_id, user=actor, for_update=True)
    _require_team(audit, actor)
    _require_audit_state(audit, AuditState.planned)
    audit_date = today or utcnow().date()
    clause_ids = resolve_scope(session, loads(audit.scope_json, []))
    lines = build_checklist(session, park_id=audit.park_id, clause_ids=clause_ids, as_of=audit_date)
    for position, line in enumerate(lines, start=1):
        session.add(AuditLine(park_id=audit.park_id, audit_id=audit.id, position=position,
                              clause_id=line["clause_id"], item_label=line["label"], item_group=line["group"][:200],
                              requirement=line["text"], evidence_json=dumps(line["evidence"]),
                              readiness_status=line["readiness_status"], readiness_reason_zh=line["reason_zh"],
                              readiness_reason_en=line["reason_en"], result=LineResult.pending))
    before = {"state": str(audit.state)}
    audit.state = AuditState.in_progress
    audit.audit_date = audit_date
    audit.started_at = utcnow()
    _audit_event(session, audit, "start", actor, before,
                 {"state": str(audit.state), "audit_date": audit_date, "lines": len(lines)})
    return audit


def audit_lines(session: Session, audit_id: int) -> list[AuditLine]:
    return list(session.execute(select(AuditLine).where(AuditLine.audit_id == audit_id)
                                .order_by(AuditLine.position)).scalars())


def audit_findings(session: Session, audit_id: int) -> list[AuditFinding]:
    return list(session.execute(select(AuditFinding).where(AuditFinding.audit_id == audit_id)
                                .order_by(AuditFinding.id)).scalars())


def audit_nonconformities(session: Session, audit_id: int) -> list[Nonconformity]:
    return list(session.execute(select(Nonconformity).where(Nonconformity.audit_id == audit_id)
                                .order_by(Nonconformity.id)).scalars())


def _line_snapshot(line: AuditLine) -> dict:
    return {"result": str(line.result), "notes": line.notes,
            "evidence_document_ids": loads(line.evidence_document_ids_json, [])}


def mark_line(
    session: Session, *, actor: User, audit_id: int, line_id: int, result: LineResult, notes: str = "",
    evidence_document_ids: list[int] | None = None, severity: Severity | None = None, description: str = "",
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
        raise Invalid("请选择符合、不符合、观察项或未审核",
                      "Choose conforming, nonconforming, observation or not audited")
    raised = session.execute(select(Nonconformity).where(Nonconformity.audit_line_id == line.id,
                                                         Nonconformity.state != NcState.cancelled)).scalars().first()
    if raised is not None:
        raise Conflict(f"此行已开具不符合项 {nc_code(raised.id)}，如需更改请先撤销该不符合项",
                       f"This line already raised {nc_code(raised.id)}; cancel it first to change the verdict")
    doc_ids = park_documents(session, evidence_document_ids or [], audit.park_id)
    notes, description = _text(notes), _text(description)
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
        events.record(session, action="audit_finding.remove", entity_type="audit_finding", entity_id=observation.id,
                      park_id=audit.park_id, actor=actor, before={"description": observation.description})
        session.delete(observation)
        session.flush()
    after = _line_snapshot(line)
    if result == LineResult.observation:
        text = description or notes
        if observation is None:
            observation = AuditFinding(park_id=audit.park_id, audit_id=audit.id, line_id=line.id,
                                       kind=FindingKind.observation, clause_id=line.clause_id, description=text,
                                       created_by_id=actor.id)
        observation.description = text
        session.add(observation)
        session.flush()
        after["finding_id"] = observation.id
    events.record(session, action="audit_line.mark", entity_type="audit_line", entity_id=line.id,
                  park_id=audit.park_id, actor=actor, before=before, after=after)
    if result == LineResult.nonconforming:
        if not _text(evidence_examined):
            controls = session.execute(select(Document.control_no).where(Document.id.in_(doc_ids))).scalars().all()
            evidence_examined = "；".join([*controls, notes]) if controls or notes else ""
        _create_nc(session, actor=actor, origin=NcOrigin.internal_audit,
                   origin_ref=f"{audit.title} 第 {line.position} 行（{line.clause_id} {line.item_label}）".strip(),
                   clause_id=line.clause_id, severity=severity, description=description,
                   evidence_examined=_text(evidence_examined), audit_id=audit.id, audit_line_id=line.id)
    return line


def add_finding(session: Session, *, actor: User, audit_id: int, kind: FindingKind, description: str,
                clause_id: str | None = None) -> AuditFinding:
    audit = get_audit(session, audit_id=audit_id, user=actor, for_update=True)
    _require_team(audit, actor)
    _require_audit_state(audit, AuditState.in_progress)
    description = _text(description)
    if not description:
        raise Invalid("请填写说明", "A description is required")
    if clause_id and session.get(Clause, clause_id) is None:
        raise Invalid(f"条款 {clause_id} 不存在", f"Clause {clause_id} does not exist")
    finding = AuditFinding(park_id=audit.park_id, audit_id=audit.id, kind=kind, clause_id=clause_id or None,
                           description=description, created_by_id=actor.id)
    session.add(finding)
    session.flush()
    events.record(session, action="audit_finding.create", entity_type="audit_finding", entity_id=finding.id,
                  park_id=audit.park_id, actor=actor,
                  after={"audit_id": audit.id, "kind": str(kind), "clause_id": clause_id, "description": description})
    return finding


def complete_audit(session: Session, *, actor: User, audit_id: int, conclusion: str) -> Audit:
    audit = get_audit(session, audit_id=audit_id, user=actor, for_update=True)
    _require_team(audit, actor, lead_only=True)
    _require_audit_state(audit, AuditState.in_progress)
    pending = session.execute(select(func.count()).select_from(AuditLine).where(
        AuditLine.audit_id == audit.id, AuditLine.result == LineResult.pending)).scalar_one()
    if pending:
        raise Conflict(f"检查表还有 {pending} 行未填写结论", f"{pending} checklist line(s) have no verdict yet")
    conclusion = _text(conclusion)
    if not conclusion:
        raise Invalid("请填写审核结论", "The audit conclusion is required")
    before = {"state": str(audit.state)}
    audit.state, audit.conclusion, audit.completed_at = AuditState.completed, conclusion, utcnow()
    _audit_event(session, audit, "complete", actor, before, {"state": str(audit.state), "conclusion": conclusion})
    return audit


def cancel_audit(session: Session, *, actor: User, audit_id: int, reason: str) -> Audit:
    audit = get_audit(session, audit_id=audit_id, user=actor, for_update=True)
    if actor.role != Role.coordinator and not (actor.role == Role.auditor and actor.id == audit.lead_auditor_id):
        raise Forbidden("只有体系管理员或审核组长可以取消审核", "Only a coordinator or the lead auditor may cancel",
                        audit=refusal(actor, "access.refused", "audit", audit.id))
    _require_audit_state(audit, AuditState.planned, AuditState.in_progress)
    reason = _text(reason)
    if not reason:
        raise Invalid("取消审核必须填写原因", "Cancelling an audit needs a reason")
    before = {"state": str(audit.state)}
    audit.state, audit.cancel_reason = AuditState.cancelled, reason
    _audit_event(session, audit, "cancel", actor, before, {"state": str(audit.state), "reason": reason})
    return audit


# ---------------------------------------------------------------- nonconformities


def get_nonconformity(session: Session, *, nc_id: int, user: User, for_update: bool = False) -> Nonconformity:
    return get_in_park(session, Nonconformity, entity_id=nc_id, user=user, entity_type="nonconformity",
                       missing=("不符合项不存在", "Nonconformity not found"), for_update=for_update)


def _create_nc(session: Session, *, actor: User, origin: NcOrigin, origin_ref: str, clause_id: str,
               severity: Severity, description: str, evidence_examined: str = "", audit_id: int | None = None,
               audit_line_id: int | None = None, review_id: int | None = None,
               origin_document_id: int | None = None) -> Nonconformity:
    nc = Nonconformity(park_id=actor.park_id, origin=origin, origin_ref=origin_ref[:300], audit_id=audit_id,
                       audit_line_id=audit_line_id, review_id=review_id, origin_document_id=origin_document_id,
                       clause_id=clause_id, severity=severity, description=description,
                       evidence_examined=evidence_examined, state=NcState.open, raised_by_id=actor.id)
    session.add(nc)
    session.flush()
    events.record(session, action="nonconformity.raise", entity_type="nonconformity", entity_id=nc.id,
                  park_id=nc.park_id, actor=actor,
                  after={"origin": str(origin), "origin_ref": nc.origin_ref, "audit_id": audit_id,
                         "audit_line_id": audit_line_id, "review_id": review_id,
                         "origin_document_id": origin_document_id, "clause_id": clause_id,
                         "severity": str(severity), "description": description, "state": str(nc.state)})
    return nc


def raise_nonconformity(
    session: Session, *, actor: User, origin: NcOrigin, clause_id: str, severity: Severity, description: str,
    evidence_examined: str = "", origin_ref: str = "", audit_id: int | None = None, review_id: int | None = None,
    origin_document_id: int | None = None,
) -> Nonconformity:
    """A nonconformity from outside a checklist line: a review, monitoring (10.1.1), a compliance evaluation …"""
    _require_role(actor, NC_RAISERS, "nonconformity", "new", "只有体系管理员、内审员或最高管理者可以提出不符合项",
                  "Only a coordinator, an auditor or top management may raise a nonconformity")
    description, origin_ref = _text(description), _text(origin_ref)
    if not description:
        raise Invalid("请填写不符合描述", "The description is required")
    if session.get(Clause, clause_id) is None:
        raise Invalid(f"条款 {clause_id} 不存在", f"Clause {clause_id} does not exist")
    if audit_id is not None:
        audit = get_audit(session, audit_id=audit_id, user=actor)
        origin_ref = origin_ref or audit.title
    if review_id is not None:
        from app.audits.reviews import get_review

        review = get_review(session, review_id=review_id, user=actor)
        origin_ref = origin_ref or review.title
    if origin_document_id is not None:
        park_documents(session, [origin_document_id], actor.park_id)
    needed = {NcOrigin.internal_audit: audit_id, NcOrigin.management_review: review_id}
    if origin in needed and needed[origin] is None:
        field = "audit_id" if origin == NcOrigin.internal_audit else "review_id"
        raise Invalid(f"来源为{ORIGIN_LABELS[origin][0]}时必须指明来源（{field}）",
                      f"An origin of {origin} needs its reference ({field})")
    if origin not in needed and not (origin_ref or origin_document_id):
        raise Invalid("请说明不符合项的来源（来源说明或来源文件）",
                      "Say where the nonconformity comes from (origin_ref or origin_document_id)")
    return _create_nc(session, actor=actor, origin=origin, origin_ref=origin_ref, clause_id=clause_id,
                      severity=severity, description=description, evidence_examined=_text(evidence_examined),
                      audit_id=audit_id, review_id=review_id, origin_document_id=origin_document_id)


def list_nonconformities(session: Session, *, user: User, state: str | None = None, origin: str | None = None,
                         severity: str | None = None, clause_id: str | None = None) -> list[Nonconformity]:
    require_reader(user, "nonconformity", "list")
    query = select(Nonconformity).where(Nonconformity.park_id == user.park_id)
    for column, value in ((Nonconformity.state, state), (Nonconformity.origin, origin),
                          (Nonconformity.severity, severity), (Nonconformity.clause_id, clause_id)):
        if value:
            query = query.where(column == value)
    return list(session.execute(query.order_by(Nonconformity.id)).scalars())


def nc_actions(session: Session, nc_id: int) -> list[CorrectiveAction]:
    return list(session.execute(select(CorrectiveAction).where(CorrectiveAction.nonconformity_id == nc_id)
                                .order_by(CorrectiveAction.id)).scalars())


def action_facts(actions: list[CorrectiveAction]) -> tuple[set[int], int]:
    """The owners of a nonconformity's live actions and how many are still open."""
    live = [a for a in actions if a.state != ActionState.cancelled]
    return {a.owner_id for a in live}, sum(1 for a in live if a.state == ActionState.open)


def _transition(session: Session, nc: Nonconformity, action: NcAction, actor: User, content: dict) -> None:
    owners, open_count = action_facts(nc_actions(session, nc.id))
    lifecycle.transition(session, nc, action, actor=actor, content=content, owner_ids=owners,
                         open_actions=open_count)


def _new_action(session: Session, *, actor: User, description: str, owner_id: int, due_date: date | None,
                nonconformity_id: int | None = None, decision_id: int | None = None) -> CorrectiveAction:
    description = _text(description)
    if not description or due_date is None:
        raise Invalid("每项措施都必须有内容、负责人和完成期限",
                      "Each action needs a description, an owner and a due date")
    owner = park_user(session, owner_id, actor.park_id)
    if not owner.is_active:
        raise Invalid(f"{owner.full_name} 的账号已停用", f"{owner.full_name}'s account is disabled")
    action = CorrectiveAction(park_id=actor.park_id, nonconformity_id=nonconformity_id, decision_id=decision_id,
                              description=description, owner_id=owner.id, due_date=due_date,
                              state=ActionState.open, created_by_id=actor.id)
    session.add(action)
    session.flush()
    events.record(session, action="action.create", entity_type="corrective_action", entity_id=action.id,
                  park_id=actor.park_id, actor=actor,
                  after={"nonconformity_id": nonconformity_id, "decision_id": decision_id,
                         "description": description, "owner_id": owner.id, "due_date": due_date})
    return action


def analyse(session: Session, *, actor: User, nc_id: int, cause_analysis: str, similar_elsewhere: bool | None,
            similar_details: str = "") -> Nonconformity:
    nc = get_nonconformity(session, nc_id=nc_id, user=actor, for_update=True)
    _transition(session, nc, NcAction.analyse, actor, {"cause_analysis": cause_analysis,
                                                       "similar_elsewhere": similar_elsewhere,
                                                       "similar_details": similar_details})
    return nc


def plan(session: Session, *, actor: User, nc_id: int, actions: list[dict[str, Any]]) -> Nonconformity:
    nc = get_nonconformity(session, nc_id=nc_id, user=actor, for_update=True)
    _transition(session, nc, NcAction.plan, actor, {"actions": actions})
    for entry in actions:
        _new_action(session, actor=actor, description=entry.get("description", ""), owner_id=entry["owner_id"],
                    due_date=entry.get("due_date"), nonconformity_id=nc.id)
    return nc


def add_action(session: Session, *, actor: User, nc_id: int, description: str, owner_id: int,
               due_date: date) -> CorrectiveAction:
    nc = get_nonconformity(session, nc_id=nc_id, user=actor, for_update=True)
    _require_role(actor, lifecycle.COORDINATORS, "nonconformity", nc.id, "只有体系管理员可以增加纠正措施",
                  "Only a coordinator may add actions")
    if nc.state != NcState.action_planned:
        raise InvalidTransition("只有在纠正措施实施阶段可以增加措施",
                                "Actions can be added only while actions are planned")
    return _new_action(session, actor=actor, description=description, owner_id=owner_id, due_date=due_date,
                       nonconformity_id=nc.id)


def complete(session: Session, *, actor: User, nc_id: int, completion_evidence: str) -> Nonconformity:
    nc = get_nonconformity(session, nc_id=nc_id, user=actor, for_update=True)
    _transition(session, nc, NcAction.complete, actor, {"completion_evidence": completion_evidence})
    return nc


def verify(session: Session, *, actor: User, nc_id: int, verification: str) -> Nonconformity:
    nc = get_nonconformity(session, nc_id=nc_id, user=actor, for_update=True)
    _transition(session, nc, NcAction.verify, actor, {"verification": verification})
    return nc


def reopen(session: Session, *, actor: User, nc_id: int, reason: str) -> Nonconformity:
    nc = get_nonconformity(session, nc_id=nc_id, user=actor, for_update=True)
    _transition(session, nc, NcAction.reopen, actor, {"reason": reason})
    return nc


def close(session: Session, *, actor: User, nc_id: int, comment: str = "") -> Nonconformity:
    nc = get_nonconformity(session, nc_id=nc_id, user=actor, for_update=True)
    _transition(session, nc, NcAction.close, actor, {"comment": comment})
    return nc


def cancel(session: Session, *, actor: User, nc_id: int, reason: str) -> Nonconformity:
    nc = get_nonconformity(session, nc_id=nc_id, user=actor, for_update=True)
    _transition(session, nc, NcAction.cancel, actor, {"reason": reason})
    for action in nc_actions(session, nc.id):
        if action.state == ActionState.open:
            action.state = ActionState.cancelled
            session.add(action)
            session.flush()
            events.record(session, action="action.cancel", entity_type="corrective_action", entity_id=action.id,
                          park_id=action.park_id, actor=actor, before={"state": "open"},
                          after={"state": "cancelled", "reason": _text(reason)})
    return nc


# ---------------------------------------------------------------- actions


def get_action(session: Session, *, action_id: int, user: User, for_update: bool = False) -> CorrectiveAction:
    query = select(CorrectiveAction).where(CorrectiveAction.id == action_id)
    if for_update:
        query = query.with_for_update().execution_options(populate_existing=True)
    action = session.execute(query).scalars().first()
    if action is None or action.park_id != user.park_id:
        raise NotFound("措施不存在", "Action not found")
    if user.role not in READERS and action.owner_id != user.id:
        raise Forbidden("您无权查看此措施", "You may not read this action",
                        audit=refusal(user, "access.refused", "corrective_action", action_id))
    return action


def mark_action_done(session: Session, *, actor: User, action_id: int, evidence: str,
                     evidence_document_ids: list[int] | None = None) -> CorrectiveAction:
    action = get_action(session, action_id=action_id, user=actor, for_update=True)
    if action.owner_id != actor.id:
        raise Forbidden("只有措施负责人可以确认措施完成", "Only the action's owner may mark it done",
                        audit=refusal(actor, "access.refused", "corrective_action", action.id))
    if action.state != ActionState.open:
        raise InvalidTransition("该措施不是进行中状态", "The action is not open")
    if action.nonconformity_id is not None:
        nc = session.get(Nonconformity, action.nonconformity_id)
        if nc.state != NcState.action_planned:
            raise InvalidTransition("不符合项不在纠正措施实施阶段", "The nonconformity is not in its action stage")
    evidence = _text(evidence)
    if not evidence:
        raise Invalid("请填写完成证据", "The evidence of completion is required")
    doc_ids = park_documents(session, evidence_document_ids or [], action.park_id)
    action.state, action.completion_evidence, action.done_at = ActionState.done, evidence, utcnow()
    action.evidence_document_ids_json = dumps(doc_ids)
    session.add(action)
    session.flush()
    events.record(session, action="action.done", entity_type="corrective_action", entity_id=action.id,
                  park_id=action.park_id, actor=actor, before={"state": "open"},
                  after={"state": "done", "evidence": evidence, "evidence_document_ids": doc_ids})
    return action


def open_actions(session: Session, *, park_id: int) -> list[CorrectiveAction]:
    return list(session.execute(select(CorrectiveAction).where(
        CorrectiveAction.park_id == park_id, CorrectiveAction.state == ActionState.open)
        .order_by(CorrectiveAction.due_date, CorrectiveAction.id)).scalars())


def action_link(action: CorrectiveAction, session: Session) -> str:
    if action.nonconformity_id is not None:
        return f"/nonconformities/{action.nonconformity_id}"
    decision = session.get(ReviewDecision, action.decision_id) if action.decision_id else None
    return f"/reviews/{decision.review_id}" if decision else f"/actions/{action.id}"


# ---------------------------------------------------------------- origin and readiness


def origin_display(session: Session, nc: Nonconformity) -> dict[str, Any]:
    zh, en = ORIGIN_LABELS[str(nc.origin)]
    ref = nc.origin_ref
    link = None
    if nc.audit_id is not None:
        link = f"/audits/{nc.audit_id}"
    elif nc.review_id is not None:
        review = session.get(ManagementReview, nc.review_id)
        ref = ref or (review.title if review else "")
        link = f"/reviews/{nc.review_id}"
    elif nc.origin_document_id is not None:
        control_no = session.execute(select(Document.control_no).where(
            Document.id == nc.origin_document_id)).scalar()
        ref = f"{ref}（{control_no}）" if ref else (control_no or "")
        link = f"/documents/{nc.origin_document_id}"
    return {"origin": str(nc.origin), "label_zh": zh, "label_en": en, "reference": ref, "link": link,
            "text_zh": f"{zh}：{ref}" if ref else zh, "text_en": f"{en}: {ref}" if ref else en}


def open_major_nonconformities(session: Session, park_id: int, as_of: date | None = None) -> dict[str, list[dict]]:
    """clause id -> the major nonconformities open at the end of `as_of` (today by default), with reasons."""
    cutoff = _cutoff(as_of or utcnow().date())
    rows = session.execute(
        select(Nonconformity).where(
            Nonconformity.park_id == park_id, Nonconformity.severity == Severity.major,
            Nonconformity.raised_at < cutoff,
            or_(Nonconformity.ended_at.is_(None), Nonconformity.ended_at >= cutoff))
        .order_by(Nonconformity.id)
    ).scalars().all()
    result: dict[str, list[dict]] = {}
    for nc in rows:
        state_zh, state_en = lifecycle.STATE_LABELS[str(nc.state)]
        short = nc.description if len(nc.description) <= 80 else nc.description[:80] + "…"
        result.setdefault(nc.clause_id, []).append({
            "id": nc.id, "code": nc_code(nc.id), "severity": str(nc.severity), "state": str(nc.state),
            "origin": str(nc.origin), "link": f"/nonconformities/{nc.id}",
            "reason_zh": f"存在未关闭的严重不符合项 {nc_code(nc.id)}（{state_zh}）：{short}",
            "reason_en": f"Open major nonconformity {nc_code(nc.id)} ({state_en.lower()}): {short}",
        })
    return result


def cap_by_nonconformities(session: Session, *, park_id: int, as_of: date | None,
                           clauses: list[dict[str, Any]]) -> None:
    """The readiness hook: a clause with an open major nonconformity is `partial` at best, and says why."""
    open_major = open_major_nonconformities(session, park_id, as_of)
    for clause in clauses:
        found = open_major.get(clause["id"], [])
        clause["nonconformities"] = found
        if found and clause.get("status") == "met":
            clause["status"] = "partial"
