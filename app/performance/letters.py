"""The 《产业园区碳排放管理目标和指标责任书》 per responsible unit (7.1): generated from the unit's live targets as an
editable .docx that becomes a new revision of the unit's OBJECTIVES_RESPONSIBILITY_LETTER document, submitted into
the document lifecycle (approved by top management, as the clause map says). The rows it rendered are frozen in
ResponsibilityLetter, so the signed letter and the data can be compared."""

import json
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from app import docx_reports
from app.documents import service as documents
from app.documents.lifecycle import Action
from app.documents.models import Revision, RevisionState
from app.errors import Conflict, Forbidden, Invalid
from app.events import service as events
from app.events.refusals import Rule, refusal
from app.inventory.calculation import display
from app.labels import label_zh
from app.performance.models import Indicator, Objective, ResponsibilityLetter, Target
from app.performance.objectives import check_year, in_park, list_targets, require_editor
from app.users.models import Park, Role, User

LETTER_TYPE = "OBJECTIVES_RESPONSIBILITY_LETTER"
OPEN_STATES = (RevisionState.draft, RevisionState.in_review, RevisionState.in_approval, RevisionState.approved)


def letter_rows(session: Session, targets: list[Target]) -> list[dict[str, Any]]:
    """The targets as the letter shows them (and as ResponsibilityLetter freezes them)."""
    indicators = {i.id: i for i in (session.get_one(Indicator, t.indicator_id) for t in targets)}
    objectives = {o.id: o for o in (session.get_one(Objective, t.objective_id) for t in targets)}
    rows = []
    for target in targets:
        indicator = indicators[target.indicator_id]
        rows.append(
            {
                "target_id": target.id,
                "objective": objectives[target.objective_id].title,
                "title": target.title,
                "indicator": indicator.name,
                "unit": indicator.unit,
                "target_value": str(target.target_value),
                "base_year": target.base_year,
                "start_year": target.start_year,
                "deadline": target.deadline.isoformat(),
                "responsible_person": target.responsible_person,
                "considerations": json.loads(target.considerations_json),
            }
        )
    return rows


def letter_docx(park: Park, unit: str, year: int, rows: list[dict[str, Any]]) -> bytes:
    document = docx_reports.new_report_document()
    document.add_heading(f"{park.name}碳排放管理目标和指标责任书", level=1)
    document.add_paragraph(f"责任单位：{unit}")
    document.add_paragraph(f"年度：{year} 年")
    document.add_paragraph(
        "依据 T/CPQS ZC001—2025 7.1，园区将碳排放管理目标分解到各层级，现明确责任单位承担的碳排放管理指标如下，"
        "责任单位按碳排放管理实施方案组织实施，按期报告完成情况，园区按目标和指标完成情况检查表考核。"
    )
    table = [
        [
            index,
            row["objective"],
            row["title"],
            f"{row['indicator']}（{row['unit']}）",
            display(Decimal(row["target_value"])),
            row["base_year"] or "—",
            row["deadline"],
            row["responsible_person"] or "—",
            "；".join(f"{label_zh('consideration', k)}：{v}" for k, v in row["considerations"].items()) or "—",
        ]
        for index, row in enumerate(rows, start=1)
    ]
    header = ["序号", "目标", "指标", "绩效参数（单位）", "指标值", "基准年", "截止日期", "责任人", "考虑因素"]
    docx_reports.add_table(document, header, table, bold_header=True)
    document.add_heading("责任与考核", level=2)
    document.add_paragraph("责任单位负责指标的落实、数据的报送和措施的实施；未完成的指标须分析原因并提出改进措施。")
    document.add_paragraph("园区最高管理者（签字）：__________    日期：__________")
    document.add_paragraph(f"责任单位负责人（{unit}，签字）：__________    日期：__________")
    return docx_reports.document_bytes(document)


def _unit_document(session: Session, park_id: int, unit: str) -> int | None:
    """The unit's letter document: the one its previous letter was filed in, unless it was made obsolete (then the
    next letter starts a new document)."""
    obsolete = select(col(Revision.document_id)).where(col(Revision.state) == RevisionState.obsolete)
    return session.execute(
        select(col(ResponsibilityLetter.document_id))
        .where(
            col(ResponsibilityLetter.park_id) == park_id,
            col(ResponsibilityLetter.responsible_unit) == unit,
            col(ResponsibilityLetter.document_id).not_in(obsolete),
        )
        .order_by(col(ResponsibilityLetter.id).desc())
    ).scalar()


def generate(session: Session, *, actor: User, responsible_unit: str, year: int) -> ResponsibilityLetter:
    require_editor(actor, "responsibility_letter", "new")
    unit = responsible_unit.strip()
    check_year(year, "年度", "year")
    targets = [t for t in list_targets(session, user=actor) if t.responsible_unit == unit]
    if not unit or not targets:
        raise Invalid(
            f"责任单位“{unit}”没有未撤销的指标，无法生成责任书",
            f"“{unit}” has no active targets; there is nothing to put in a letter",
        )
    rows = letter_rows(session, targets)
    park = session.get_one(Park, actor.park_id)
    document_id = _unit_document(session, actor.park_id, unit)
    if document_id is None:
        document = documents.register_document(
            session,
            actor=actor,
            doc_type_code=LETTER_TYPE,
            title=f"{park.name}碳排放管理目标和指标责任书（{unit}）"[:300],
            owner_unit=unit,
        )
        document_id = document.id or 0
    states = session.execute(select(col(Revision.state)).where(col(Revision.document_id) == document_id)).scalars()
    if any(state in OPEN_STATES for state in states):
        raise Conflict(
            "该责任单位的责任书已有一个未完成的版本，请先完成或退回它",
            "The unit's letter has an open revision; finish or reject it first",
        )
    staged = documents.stage_generated(letter_docx(park, unit, year, rows), f"目标和指标责任书-{unit}-{year}.docx")
    revision = documents.add_revision(
        session,
        actor=actor,
        document_id=document_id,
        staged=staged,
        change_reason=f"由 {year} 年目标和指标生成 / generated from the {year} targets",
    )
    assert revision.id is not None
    documents.transition_revision(session, actor=actor, revision_id=revision.id, action=Action.submit)
    letter = ResponsibilityLetter(
        park_id=actor.park_id,
        responsible_unit=unit,
        year=year,
        document_id=document_id,
        revision_id=revision.id,
        targets_json=json.dumps(rows, ensure_ascii=False, sort_keys=True),
        created_by_id=actor.id or 0,
    )
    session.add(letter)
    session.flush()
    events.record(
        session,
        action="responsibility_letter.generate",
        entity_type="responsibility_letter",
        entity_id=letter.id,
        park_id=actor.park_id,
        actor=actor,
        after={
            "responsible_unit": unit,
            "year": year,
            "document_id": document_id,
            "revision_id": revision.id,
            "target_ids": [row["target_id"] for row in rows],
        },
    )
    return letter


def require_letter_reader(user: User, entity_id: object) -> None:
    """Letters name every responsible unit's targets: not for a contributor."""
    if user.role == Role.contributor:
        raise Forbidden(
            "企业填报人员不能查看责任书",
            "A contributor may not read the responsibility letters",
            audit=refusal(user, Rule.role, "responsibility_letter", entity_id),
        )


def list_letters(session: Session, *, user: User) -> list[ResponsibilityLetter]:
    require_letter_reader(user, "list")
    query = select(ResponsibilityLetter).where(col(ResponsibilityLetter.park_id) == user.park_id)
    return list(session.execute(query.order_by(col(ResponsibilityLetter.id))).scalars())


def get_letter(session: Session, *, user: User, letter_id: int) -> ResponsibilityLetter:
    require_letter_reader(user, letter_id)
    return in_park(
        session, ResponsibilityLetter, letter_id, user=user, entity_type="responsibility_letter", missing="责任书"
    )


def letter_state(session: Session, letter: ResponsibilityLetter) -> RevisionState:
    return session.get_one(Revision, letter.revision_id).state
