"""Implementation measures (碳排放管理实施方案, 7.2 a–f): the source addressed, technical content, expected
reduction, path and method, responsible unit, resources, schedule with milestones and the verification method;
per period the status and the achieved effect (a new progress row, never an edit), linked to the targets they serve.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from app.documents.models import Document
from app.errors import Invalid, NotFound
from app.events import service as events
from app.events.refusals import Rule, refusal
from app.inventory.models import EmissionSource, Enterprise
from app.parks.queries import park_time_zone
from app.performance.models import Measure, MeasureProgress, MeasureStatus, MeasureTarget, Milestone, Target
from app.performance.objectives import (
    check_year,
    contributor_enterprise,
    in_park,
    refuse_nulls,
    require_editor,
    snapshot,
)
from app.timezones import today
from app.users.models import User

MEASURE_FIELDS = (
    "title",
    "enterprise_id",
    "source_id",
    "kind",
    "technical_content",
    "expected_reduction",
    "path_method",
    "responsible_unit",
    "resources_people",
    "resources_equipment",
    "budget",
    "start_date",
    "end_date",
    "verification_method",
    "plan_document_id",
)
REQUIRED = ("title", "responsible_unit", "start_date", "end_date")
NULLABLE = frozenset({"enterprise_id", "source_id", "expected_reduction", "budget", "plan_document_id"})


@dataclass(frozen=True)
class MeasureView:
    """A measure with what it serves and where it stands (the newest progress row, overdue milestones)."""

    measure: Measure
    target_ids: list[int]
    milestones: list[Milestone]
    progress: list[MeasureProgress]  # oldest first
    status: MeasureStatus
    behind_schedule: bool  # reported behind, or a milestone past its date and not done
    achieved_reduction: Decimal | None  # the newest progress row's verified effect


# ---------------------------------------------------------------- reading


def list_measures(session: Session, *, user: User, target_id: int | None = None) -> list[Measure]:
    query = select(Measure).where(col(Measure.park_id) == user.park_id)
    own = contributor_enterprise(user)
    if own is not None:
        query = query.where(col(Measure.enterprise_id) == own)
    if target_id is not None:
        linked = select(col(MeasureTarget.measure_id)).where(col(MeasureTarget.target_id) == target_id)
        query = query.where(col(Measure.id).in_(linked))
    return list(session.execute(query.order_by(col(Measure.id))).scalars())


def get_measure(session: Session, *, user: User, measure_id: int) -> Measure:
    measure = in_park(session, Measure, measure_id, user=user, entity_type="measure", missing="实施措施")
    own = contributor_enterprise(user)
    if own is not None and measure.enterprise_id != own:
        raise NotFound(
            "实施措施不存在", "Measure not found", audit=refusal(user, Rule.assignment, "measure", measure_id)
        )
    return measure


def park_today(session: Session, park_id: int) -> date:
    return today(park_time_zone(session, park_id))


def views(session: Session, measures: list[Measure], today: date) -> list[MeasureView]:
    """Links, milestones and progress of many measures in three queries."""
    ids = [m.id for m in measures if m.id is not None]
    links: dict[int, list[int]] = {i: [] for i in ids}
    stones: dict[int, list[Milestone]] = {i: [] for i in ids}
    progress: dict[int, list[MeasureProgress]] = {i: [] for i in ids}
    if ids:
        for link in session.execute(select(MeasureTarget).where(col(MeasureTarget.measure_id).in_(ids))).scalars():
            links[link.measure_id].append(link.target_id)
        query = select(Milestone).where(col(Milestone.measure_id).in_(ids)).order_by(col(Milestone.due_date))
        for stone in session.execute(query).scalars():
            stones[stone.measure_id].append(stone)
        query_p = select(MeasureProgress).where(col(MeasureProgress.measure_id).in_(ids))
        for row in session.execute(query_p.order_by(col(MeasureProgress.id))).scalars():
            progress[row.measure_id].append(row)
    out = []
    for measure in measures:
        assert measure.id is not None
        rows = progress[measure.id]
        newest = rows[-1] if rows else None
        status = MeasureStatus(newest.status) if newest else MeasureStatus.planned
        late = any(s.done_on is None and s.due_date < today for s in stones[measure.id])
        finished = status in (MeasureStatus.completed, MeasureStatus.cancelled)
        out.append(
            MeasureView(
                measure=measure,
                target_ids=sorted(links[measure.id]),
                milestones=stones[measure.id],
                progress=rows,
                status=status,
                behind_schedule=status == MeasureStatus.behind or (late and not finished),
                achieved_reduction=newest.achieved_reduction if newest else None,
            )
        )
    return out


# ---------------------------------------------------------------- writing


def _check(session: Session, actor: User, measure: Measure) -> None:
    empty = [name for name in REQUIRED if not getattr(measure, name, None)]
    if empty:
        raise Invalid(f"实施措施缺少必填项：{'、'.join(empty)}", f"The measure needs: {', '.join(empty)}")
    if measure.end_date < measure.start_date:
        raise Invalid("完成日期不能早于开始日期", "The end date cannot come before the start date")
    check_year(measure.start_date.year, "开始日期", "start date")
    check_year(measure.end_date.year, "完成日期", "end date")
    for value, zh, en in (
        (measure.expected_reduction, "预期减排量", "expected reduction"),
        (measure.budget, "预算", "budget"),
    ):
        if value is not None and value < 0:
            raise Invalid(f"{zh}不能为负数", f"The {en} cannot be negative")
    if measure.enterprise_id is not None:
        in_park(session, Enterprise, measure.enterprise_id, user=actor, entity_type="enterprise", missing="企业")
    if measure.source_id is not None:
        source = in_park(
            session, EmissionSource, measure.source_id, user=actor, entity_type="emission_source", missing="排放源"
        )
        if measure.enterprise_id is None:
            measure.enterprise_id = source.enterprise_id
        elif source.enterprise_id != measure.enterprise_id:
            raise Invalid("排放源须属于所选企业", "The emission source must belong to the chosen enterprise")
    if measure.plan_document_id is not None:
        in_park(session, Document, measure.plan_document_id, user=actor, entity_type="document", missing="文件")


def _link(session: Session, actor: User, measure: Measure, target_ids: list[int]) -> list[int]:
    """Replace the targets a measure serves; each must be a live target of the park."""
    assert measure.id is not None
    wanted = sorted(set(target_ids))
    for target_id in wanted:
        target = in_park(session, Target, target_id, user=actor, entity_type="target", missing="指标")
        if target.withdrawn_at is not None:
            raise Invalid(f"指标 {target_id} 已撤销，不能关联", f"Target {target_id} is withdrawn")
    existing = list(session.execute(select(MeasureTarget).where(col(MeasureTarget.measure_id) == measure.id)).scalars())
    for link in existing:
        if link.target_id not in wanted:
            session.delete(link)
    have = {link.target_id for link in existing}
    for target_id in wanted:
        if target_id not in have:
            session.add(MeasureTarget(measure_id=measure.id, target_id=target_id))
    session.flush()
    return wanted


def _record(
    session: Session, action: str, entity_type: str, entity_id: Any, actor: User, before: Any, after: Any
) -> None:
    events.record(
        session,
        action=action,
        entity_type=entity_type,
        entity_id=entity_id,
        park_id=actor.park_id,
        actor=actor,
        before=before,
        after=after,
    )


def create_measure(session: Session, *, actor: User, values: dict[str, Any]) -> Measure:
    require_editor(actor, "measure", "new")
    fields: dict[str, Any] = {
        k: (v.strip() if isinstance(v, str) else v) for k, v in values.items() if k in MEASURE_FIELDS
    }
    measure = Measure(park_id=actor.park_id, created_by_id=actor.id or 0, **fields)
    _check(session, actor, measure)
    session.add(measure)
    session.flush()
    linked = _link(session, actor, measure, values.get("target_ids") or [])
    _record(
        session,
        "measure.create",
        "measure",
        measure.id,
        actor,
        None,
        {**snapshot(measure, MEASURE_FIELDS), "target_ids": linked},
    )
    return measure


def update_measure(session: Session, *, actor: User, measure_id: int, values: dict[str, Any]) -> Measure:
    require_editor(actor, "measure", measure_id)
    measure = get_measure(session, user=actor, measure_id=measure_id)
    refuse_nulls(values, NULLABLE)
    before = {
        **snapshot(measure, MEASURE_FIELDS),
        "target_ids": views(session, [measure], park_today(session, actor.park_id))[0].target_ids,
    }
    for name in MEASURE_FIELDS:
        if name in values:
            value = values[name]
            setattr(measure, name, value.strip() if isinstance(value, str) else value)
    _check(session, actor, measure)
    session.add(measure)
    session.flush()
    linked = _link(session, actor, measure, values["target_ids"]) if "target_ids" in values else before["target_ids"]
    after = {**snapshot(measure, MEASURE_FIELDS), "target_ids": linked}
    _record(session, "measure.update", "measure", measure.id, actor, before, after)
    return measure


def add_milestone(session: Session, *, actor: User, measure_id: int, title: str, due_date: date) -> Milestone:
    require_editor(actor, "measure", measure_id)
    measure = get_measure(session, user=actor, measure_id=measure_id)
    if not title.strip():
        raise Invalid("里程碑名称不能为空", "The milestone needs a title")
    if not measure.start_date <= due_date <= measure.end_date:
        raise Invalid("里程碑日期须在措施的开始和完成日期之间", "The milestone must fall within the measure's schedule")
    milestone = Milestone(measure_id=measure_id, title=title.strip(), due_date=due_date)
    session.add(milestone)
    session.flush()
    after = {"measure_id": measure_id, "title": milestone.title, "due_date": due_date.isoformat()}
    _record(session, "milestone.create", "milestone", milestone.id, actor, None, after)
    return milestone


def complete_milestone(
    session: Session, *, actor: User, measure_id: int, milestone_id: int, done_on: date
) -> Milestone:
    require_editor(actor, "measure", measure_id)
    get_measure(session, user=actor, measure_id=measure_id)
    milestone = session.get(Milestone, milestone_id)
    if milestone is None or milestone.measure_id != measure_id:
        raise Invalid("该措施没有这个里程碑", "The measure has no such milestone")
    if done_on > park_today(session, actor.park_id):
        raise Invalid("完成日期不能晚于今天", "The completion date cannot lie in the future")
    before = {"done_on": milestone.done_on.isoformat() if milestone.done_on else None}
    milestone.done_on = done_on
    session.add(milestone)
    session.flush()
    _record(session, "milestone.done", "milestone", milestone.id, actor, before, {"done_on": done_on.isoformat()})
    return milestone


def record_progress(session: Session, *, actor: User, measure_id: int, values: dict[str, Any]) -> MeasureProgress:
    """The status and achieved effect for one period (0 the year, 1–12 a month); the newest row counts."""
    require_editor(actor, "measure", measure_id)
    measure = get_measure(session, user=actor, measure_id=measure_id)
    year = check_year(values["year"], "年度", "year") or 0
    if not measure.start_date.year <= year <= measure.end_date.year + 5:
        raise Invalid(
            "进展年度须在措施实施期间或其后五年内", "The progress year must fall within the measure's schedule"
        )
    achieved = values.get("achieved_reduction")
    if achieved is not None and not values.get("verification", "").strip():
        raise Invalid(
            "填写实现的减排量时须说明验证方式（7.2 f）", "An achieved reduction needs how it was verified (7.2 f)"
        )
    evidence = values.get("evidence_document_id")
    if evidence is not None:
        in_park(session, Document, evidence, user=actor, entity_type="document", missing="证据文件")
    row = MeasureProgress(
        measure_id=measure_id,
        year=year,
        period=values.get("period", 0),
        status=MeasureStatus(values["status"]),
        achieved_reduction=achieved,
        verification=values.get("verification", "").strip(),
        evidence_document_id=evidence,
        note=values.get("note", "").strip(),
        recorded_by_id=actor.id or 0,
    )
    session.add(row)
    session.flush()
    names = ("year", "period", "status", "achieved_reduction", "verification", "evidence_document_id", "note")
    _record(
        session, "measure.progress", "measure", measure_id, actor, None, {"progress_id": row.id, **snapshot(row, names)}
    )
    return row
