"""Compliance evaluation (10.1.2): rounds per period, a result per confirmed requirement, a nonconformity for each
non-compliance, and the 《合规性评价报告》 generated from a closed round and filed as its record."""

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from app import docx_reports
from app.common import utcnow
from app.documents import records_service
from app.documents import service as documents
from app.errors import Conflict, Invalid
from app.events import service as events
from app.labels import label_zh
from app.nonconformities.models import NcOrigin, Severity
from app.nonconformities.service import record_nonconformity
from app.registers import lifecycle
from app.registers.models import (
    ComplianceResult,
    ComplianceResultValue,
    ComplianceRound,
    LegalRequirement,
    ReviewState,
    RoundState,
)
from app.registers.reading import in_park, require_reader
from app.registers.specs import SPECS, RegisterKind
from app.users.models import Park, User

REPORT_TYPE = "COMPLIANCE_EVALUATION_REPORT"
CLAUSE = "10.1.2"


def get_round(session: Session, *, user: User, round_id: int, for_update: bool = False) -> ComplianceRound:
    require_reader(user, SPECS[RegisterKind.legal])
    missing = ("合规性评价不存在", "Compliance evaluation not found")
    return in_park(
        session,
        ComplianceRound,
        row_id=round_id,
        user=user,
        entity_type="compliance_round",
        missing=missing,
        for_update=for_update,
    )


def list_rounds(session: Session, *, user: User) -> list[ComplianceRound]:
    require_reader(user, SPECS[RegisterKind.legal])
    return list(
        session.execute(
            select(ComplianceRound)
            .where(col(ComplianceRound.park_id) == user.park_id)
            .order_by(col(ComplianceRound.period_end).desc(), col(ComplianceRound.id).desc())
        ).scalars()
    )


def create_round(session: Session, *, actor: User, title: str, period_start: date, period_end: date) -> ComplianceRound:
    lifecycle.require_editor(actor, "compliance_round", "new")
    title = title.strip()
    if not title:
        raise Invalid("标题不能为空", "The title is required")
    if period_end < period_start:
        raise Invalid("评价期间的结束日期早于开始日期", "The period ends before it starts")
    if period_start > utcnow().date():
        raise Invalid("评价期间不能从将来开始", "The period cannot start in the future")
    clash = session.execute(
        select(col(ComplianceRound.id)).where(
            col(ComplianceRound.park_id) == actor.park_id,
            col(ComplianceRound.period_start) == period_start,
            col(ComplianceRound.period_end) == period_end,
        )
    ).first()
    if clash:
        raise Conflict("该期间已有合规性评价", "There is a compliance evaluation of this period already")
    assert actor.id is not None  # a stored user
    round_ = ComplianceRound(
        park_id=actor.park_id,
        title=title,
        period_start=period_start,
        period_end=period_end,
        state=RoundState.open,
        created_by_id=actor.id,
    )
    session.add(round_)
    session.flush()
    events.record(
        session,
        action="compliance_round.create",
        entity_type="compliance_round",
        entity_id=round_.id,
        park_id=actor.park_id,
        actor=actor,
        after={"title": title, "period_start": period_start.isoformat(), "period_end": period_end.isoformat()},
    )
    return round_


def results_of(session: Session, round_id: int) -> list[ComplianceResult]:
    return list(
        session.execute(
            select(ComplianceResult)
            .where(col(ComplianceResult.round_id) == round_id)
            .order_by(col(ComplianceResult.requirement_id))
        ).scalars()
    )


def record_result(
    session: Session,
    *,
    actor: User,
    round_id: int,
    requirement_id: int,
    result: ComplianceResultValue,
    evidence: str,
    evaluated_on: date | None = None,
    severity: Severity = Severity.minor,
) -> ComplianceResult:
    """One requirement's result in an open round; a non-compliance raises a nonconformity (once per result)."""
    lifecycle.require_editor(actor, "compliance_round", round_id)
    round_ = get_round(session, user=actor, round_id=round_id, for_update=True)
    if round_.state != RoundState.open:
        raise Conflict("该评价已完成，结果不能再修改", "The evaluation is closed; its results cannot change")
    requirement = in_park(
        session,
        LegalRequirement,
        row_id=requirement_id,
        user=actor,
        entity_type="legal_requirement",
        missing=("法律法规及其他要求不存在", "Requirement not found"),
    )
    if requirement.state != ReviewState.confirmed:
        raise Conflict("只能评价已确认适用的要求", "Only confirmed requirements are evaluated")
    evidence = evidence.strip()
    if result != ComplianceResultValue.not_applicable and not evidence:
        raise Invalid("请填写评价证据", "The evidence is required")
    on = evaluated_on or utcnow().date()
    if on > utcnow().date():
        raise Invalid("评价日期不能晚于今天", "The evaluation date cannot be in the future")
    assert actor.id is not None and round_.id is not None  # stored rows
    entry = (
        session.execute(
            select(ComplianceResult).where(
                col(ComplianceResult.round_id) == round_id, col(ComplianceResult.requirement_id) == requirement_id
            )
        )
        .scalars()
        .first()
    )
    before = None if entry is None else {"result": str(entry.result), "evidence": entry.evidence}
    if entry is None:
        entry = ComplianceResult(
            park_id=actor.park_id,
            round_id=round_.id,
            requirement_id=requirement_id,
            result=result,
            evidence=evidence,
            evaluator_id=actor.id,
            evaluated_on=on,
        )
    else:
        entry.result, entry.evidence, entry.evaluator_id, entry.evaluated_on = result, evidence, actor.id, on
        entry.updated_at = utcnow()
    session.add(entry)
    session.flush()
    if result == ComplianceResultValue.non_compliant and entry.nonconformity_id is None:
        articles = f"（{requirement.articles}）" if requirement.articles else ""
        nc = record_nonconformity(
            session,
            actor=actor,
            origin=NcOrigin.compliance_evaluation,
            origin_ref=f"{round_.title}：{requirement.number} {requirement.title}".strip(),
            clause_id=CLAUSE,
            severity=severity,
            description=f"不符合“{requirement.title}”{articles}",
            evidence_examined=evidence,
        )
        entry.nonconformity_id = nc.id
        session.add(entry)
        session.flush()
    events.record(
        session,
        action="compliance_result.record",
        entity_type="compliance_result",
        entity_id=entry.id,
        park_id=actor.park_id,
        actor=actor,
        before=before,
        after={
            "round_id": round_id,
            "requirement_id": requirement_id,
            "result": str(result),
            "evidence": evidence,
            "evaluated_on": on.isoformat(),
            "nonconformity_id": entry.nonconformity_id,
        },
    )
    return entry


def close_round(session: Session, *, actor: User, round_id: int, conclusion: str) -> ComplianceRound:
    round_ = get_round(session, user=actor, round_id=round_id, for_update=True)
    confirmed = set(
        session.execute(
            select(col(LegalRequirement.id)).where(
                col(LegalRequirement.park_id) == actor.park_id, col(LegalRequirement.state) == ReviewState.confirmed
            )
        ).scalars()
    )
    evaluated = {r.requirement_id for r in results_of(session, round_id)}
    missing = confirmed - evaluated
    if round_.state == RoundState.open and missing:
        raise Conflict(
            f"还有 {len(missing)} 项已确认的要求未评价",
            f"{len(missing)} confirmed requirements have no result yet",
        )
    lifecycle.close_round(session, round_, actor=actor, conclusion=conclusion)
    session.flush()
    return round_


# ---------------------------------------------------------------- the report


def report_docx(session: Session, round_: ComplianceRound) -> bytes:
    park = session.get_one(Park, round_.park_id)
    results = results_of(session, round_.id or 0)
    requirements = {
        r.id: r
        for r in session.execute(
            select(LegalRequirement).where(col(LegalRequirement.id).in_([x.requirement_id for x in results]))
        ).scalars()
    }
    evaluators = {
        u.id: u.full_name
        for u in session.execute(select(User).where(col(User.id).in_([x.evaluator_id for x in results]))).scalars()
    }
    document = docx_reports.new_report_document()
    document.add_heading(f"{park.name}合规性评价报告", level=1)
    document.add_paragraph(f"评价：{round_.title}")
    document.add_paragraph(f"评价期间：{round_.period_start.isoformat()} 至 {round_.period_end.isoformat()}")
    document.add_paragraph("依据：T/CPQS ZC001—2025 10.1.2 合规性评价；评价对象为园区已确认适用的法律法规及其他要求。")
    counts: dict[str, int] = {}
    for entry in results:
        counts[str(entry.result)] = counts.get(str(entry.result), 0) + 1
    summary = "，".join(f"{label_zh('compliance', k)} {v} 项" for k, v in sorted(counts.items())) or "无评价结果"
    document.add_paragraph(f"评价结果汇总：{summary}")
    rows: list[list[Any]] = []
    for index, entry in enumerate(results, start=1):
        requirement = requirements[entry.requirement_id]
        rows.append(
            [
                index,
                requirement.title,
                requirement.number,
                requirement.articles,
                label_zh("compliance", entry.result),
                entry.evidence,
                evaluators.get(entry.evaluator_id, ""),
                entry.evaluated_on.isoformat(),
            ]
        )
    docx_reports.add_table(
        document,
        ["序号", "法律法规及其他要求", "文号/编号", "适用条款", "评价结果", "证据", "评价人", "评价日期"],
        rows,
        bold_header=True,
    )
    document.add_heading("结论", level=2)
    document.add_paragraph(round_.conclusion or "（待填写 / to be completed）")
    return docx_reports.document_bytes(document)


def file_report(session: Session, *, actor: User, round_id: int) -> ComplianceRound:
    """Render the report of a closed round and register it as the record of COMPLIANCE_EVALUATION_REPORT."""
    lifecycle.require_editor(actor, "compliance_round", round_id)
    round_ = get_round(session, user=actor, round_id=round_id, for_update=True)
    if round_.state != RoundState.closed:
        raise Conflict("请先完成评价，再生成报告", "Close the evaluation before filing its report")
    if round_.report_document_id is not None:
        raise Conflict("该评价的报告已归档", "The report of this evaluation is filed already")
    content = report_docx(session, round_)
    staged = documents.stage_generated(content, f"合规性评价报告-{round_.period_end.isoformat()}.docx")
    document, _revision = records_service.create_record(
        session,
        actor=actor,
        doc_type_code=REPORT_TYPE,
        period_text=f"{round_.period_start.isoformat()}/{round_.period_end.isoformat()}",
        staged=staged,
        title=f"合规性评价报告（{round_.title}）",
        owner_unit=actor.unit or "",
    )
    round_.report_document_id = document.id
    session.add(round_)
    session.flush()
    events.record(
        session,
        action="compliance_round.file_report",
        entity_type="compliance_round",
        entity_id=round_.id,
        park_id=actor.park_id,
        actor=actor,
        after={"document_id": document.id},
    )
    return round_
