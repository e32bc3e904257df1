"""Performance findings shown with the readiness items of 7.1, 7.4 and 7.5: an objective without targets, a target
without an indicator value for the past period, a baseline never approved.

They say what the data lacks beside what the documents show; they do not change an item's status (readiness counts
documented information). A handful of queries per park, whatever its size: no inventory is calculated here — a
computed indicator has a value for a year when the year holds a confirmed submission of its level (and, for an
intensity, the economic data it divides by).
"""

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session, col

from app.documents.models import Revision, RevisionState
from app.inventory.models import EconomicData, EmissionSource, Submission
from app.labels import label_pair
from app.performance.models import (
    Baseline,
    Indicator,
    IndicatorFormula,
    IndicatorLevel,
    ManualValue,
    Objective,
    Target,
)

ItemKey = tuple[str, str]  # (clause id, doc type)
OBJECTIVE_ITEMS: tuple[ItemKey, ...] = (("7.1", "OBJECTIVES_RESPONSIBILITY_LETTER"),)
VALUE_ITEMS: tuple[ItemKey, ...] = (("7.1", "TARGET_COMPLETION_CHECKLIST"), ("7.4", "PERFORMANCE_INDICATOR_VALUES"))
BASELINE_ITEMS: tuple[ItemKey, ...] = (("7.5", "CARBON_BASELINE"),)
CLAUSES = frozenset(clause for clause, _ in (*OBJECTIVE_ITEMS, *VALUE_ITEMS, *BASELINE_ITEMS))
# A baseline revision that reached one of these states was approved (it may have been replaced since).
APPROVED_STATES = frozenset({RevisionState.approved, RevisionState.effective, RevisionState.superseded})
INTENSITIES = frozenset({IndicatorFormula.intensity_output_value, IndicatorFormula.intensity_product})


def _finding(code: str, entity_type: str, entity_id: int | None, link: str, zh: str, en: str) -> dict[str, Any]:
    label_zh, label_en = label_pair("readiness_finding", code)
    return {
        "code": code,
        "label_zh": label_zh,
        "label_en": label_en,
        "entity_type": entity_type,
        "entity_id": entity_id,
        "link": link,
        "reason_zh": f"{label_zh}：{zh}",
        "reason_en": f"{label_en}: {en}",
    }


def _objectives_without_targets(session: Session, park_id: int, cutoff: datetime) -> list[dict[str, Any]]:
    live_targets = (
        select(col(Target.objective_id), func.count().label("n"))
        .where(col(Target.park_id) == park_id, col(Target.withdrawn_at).is_(None), col(Target.created_at) < cutoff)
        .group_by(col(Target.objective_id))
        .subquery()
    )
    rows = session.execute(
        select(col(Objective.id), col(Objective.title))
        .outerjoin(live_targets, live_targets.c.objective_id == col(Objective.id))
        .where(
            col(Objective.park_id) == park_id,
            col(Objective.withdrawn_at).is_(None),
            col(Objective.created_at) < cutoff,
            live_targets.c.n.is_(None),
        )
        .order_by(col(Objective.id))
    ).all()
    return [
        _finding(
            "objective_without_targets",
            "objective",
            objective_id,
            f"/api/performance/objectives/{objective_id}",
            f"目标“{title}”尚未分解为任何层级的指标",
            f"the objective “{title}” has no target at any level",
        )
        for objective_id, title in rows
    ]


def _with_values(session: Session, park_id: int, indicators: Iterable[Indicator], year: int) -> set[int]:
    """The indicators (of those given) that have a value for the year, by the cheap rule of the module docstring."""
    wanted = list(indicators)
    manual = [i.id for i in wanted if i.formula == IndicatorFormula.manual]
    computed = [i for i in wanted if i.formula != IndicatorFormula.manual]
    held: set[int] = set()
    if manual:
        held |= set(
            session.execute(
                select(col(ManualValue.indicator_id)).where(
                    col(ManualValue.indicator_id).in_(manual), col(ManualValue.year) == year
                )
            ).scalars()
        )
    if not computed:
        return held
    confirmed = set(
        session.execute(
            select(col(Submission.enterprise_id))
            .join(Revision, col(Revision.document_id) == col(Submission.document_id))
            .where(
                col(Submission.park_id) == park_id,
                col(Submission.year) == year,
                col(Revision.state) == RevisionState.filed,
            )
            .distinct()
        ).scalars()
    )
    economic: set[int] = set()
    if any(i.formula in INTENSITIES for i in computed):
        economic = set(
            session.execute(
                select(col(EconomicData.enterprise_id)).where(
                    col(EconomicData.park_id) == park_id, col(EconomicData.year) == year
                )
            ).scalars()
        )
    sources_needed = [i.source_id for i in computed if i.enterprise_id is None and i.source_id is not None]
    source_enterprise: dict[int, int] = {}
    if sources_needed:
        source_enterprise = dict(
            session.execute(
                select(col(EmissionSource.id), col(EmissionSource.enterprise_id)).where(
                    col(EmissionSource.id).in_(sources_needed)
                )
            ).all()
        )
    for indicator in computed:
        if indicator.level == IndicatorLevel.park:
            enterprises = confirmed
        else:
            enterprise_id = indicator.enterprise_id or source_enterprise.get(indicator.source_id or 0)
            enterprises = {enterprise_id} & confirmed if enterprise_id else set()
        if not enterprises:
            continue
        if indicator.formula in INTENSITIES and not enterprises & economic:
            continue
        held.add(indicator.id or 0)
    return held


def _targets_without_values(session: Session, park_id: int, year: int, cutoff: datetime) -> list[dict[str, Any]]:
    rows = session.execute(
        select(Target, Indicator)
        .join(Indicator, col(Indicator.id) == col(Target.indicator_id))
        .where(
            col(Target.park_id) == park_id,
            col(Target.withdrawn_at).is_(None),
            col(Target.created_at) < cutoff,
            col(Target.start_year) <= year,
        )
        .order_by(col(Target.id))
    ).all()
    measured = [(t, i) for t, i in rows if t.deadline.year >= year]
    held = _with_values(session, park_id, {i.id: i for _, i in measured}.values(), year)
    return [
        _finding(
            "target_without_value",
            "target",
            target.id,
            f"/api/performance/targets/{target.id}",
            f"指标“{target.title}”的绩效参数“{indicator.name}”没有 {year} 年的数值",
            f"the target “{target.title}” has no value of “{indicator.name}” for {year}",
        )
        for target, indicator in measured
        if indicator.id not in held
    ]


def _baselines_never_approved(session: Session, park_id: int, cutoff: datetime) -> list[dict[str, Any]]:
    rows = session.execute(
        select(col(Baseline.indicator_id), col(Indicator.name), col(Revision.state))
        .join(Indicator, col(Indicator.id) == col(Baseline.indicator_id))
        .outerjoin(Revision, col(Revision.id) == col(Baseline.revision_id))
        .where(col(Baseline.park_id) == park_id, col(Baseline.created_at) < cutoff)
        .order_by(col(Baseline.indicator_id))
    ).all()
    names: dict[int, str] = {}
    approved: set[int] = set()
    for indicator_id, name, state in rows:
        names[indicator_id] = name
        if state in APPROVED_STATES:
            approved.add(indicator_id)
    return [
        _finding(
            "baseline_never_approved",
            "indicator",
            indicator_id,
            f"/api/performance/indicators/{indicator_id}",
            f"绩效参数“{name}”的基准尚未经文件审批流程批准",
            f"the baseline of “{name}” has never been approved through the document lifecycle",
        )
        for indicator_id, name in names.items()
        if indicator_id not in approved
    ]


def performance_findings(session: Session, park_id: int, as_of: date) -> dict[ItemKey, list[dict[str, Any]]]:
    """(clause, doc type) -> the findings shown with that readiness item; the past period is the year before
    `as_of`'s year (annual values)."""
    cutoff = datetime.combine(as_of + timedelta(days=1), time.min, tzinfo=UTC)
    out: dict[ItemKey, list[dict[str, Any]]] = {}
    for keys, found in (
        (OBJECTIVE_ITEMS, _objectives_without_targets(session, park_id, cutoff)),
        (VALUE_ITEMS, _targets_without_values(session, park_id, as_of.year - 1, cutoff)),
        (BASELINE_ITEMS, _baselines_never_approved(session, park_id, cutoff)),
    ):
        if found:
            for key in keys:
                out[key] = found
    return out


def attach_findings(
    session: Session, *, park_id: int, as_of: date, clauses: list[dict[str, Any]], hidden: bool = False
) -> None:
    """The readiness hook: each item of 7.1, 7.4 and 7.5 gets its `findings` (every item has the key; empty when
    `hidden`)."""
    wanted = [clause for clause in clauses if clause["id"] in CLAUSES and clause.get("applicable", True)]
    found = performance_findings(session, park_id, as_of) if wanted and not hidden else {}
    for clause in clauses:
        for item in clause["items"]:
            item["findings"] = found.get((clause["id"], item["doc_type"]), [])
