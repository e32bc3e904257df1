"""Baselines (7.5): version 1 from an indicator's base-year value or an entered base line, adjustments as new
versions with a reason of 7.5 a)–c), each carried by a revision of the indicator's CARBON_BASELINE document so it is
approved through the document lifecycle (in force once that revision is effective). Services flush, never commit.

One CARBON_BASELINE document per indicator: a revision supersedes only the same indicator's earlier version, so
approving one indicator's baseline never takes another's out of force.
"""

import json
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session, col

from app.common import as_utc
from app.documents import service as documents
from app.documents.models import Revision, RevisionState
from app.errors import Conflict, Invalid, NotFound
from app.events import service as events
from app.events.refusals import Rule, refusal
from app.inventory.models import ActivityData, Boundary, EmissionFactor
from app.inventory.service import check_year, decimal_or_invalid
from app.labels import label_zh
from app.parks.queries import park_time_zone
from app.performance import baseline_document
from app.performance.calculation import indicator_values
from app.performance.indicators import get_indicator, require_editor, value_for_baseline
from app.performance.models import AdjustmentReason, Baseline, Indicator
from app.performance.queries import baselines_in_force
from app.users.models import Park, User

DOC_TYPE = "CARBON_BASELINE"
MAX_VARIABLES = 50


def _checked_variables(variables: list[dict[str, Any]] | None) -> list[dict[str, str]]:
    out = []
    for item in variables or []:
        name = str(item.get("name") or "").strip()
        if not name:
            raise Invalid("相关变量须有名称", "Every relevant variable needs a name")
        value = decimal_or_invalid(
            item.get("value"), f"变量“{name}”的活动水平", f"The activity level of '{name}'", minimum=None
        )
        out.append(
            {
                "name": name[:100],
                "unit": str(item.get("unit") or "").strip()[:40],
                "value": format(value.normalize(), "f") if value else "0",
                "source": str(item.get("source") or "").strip()[:300],
            }
        )
    if len(out) > MAX_VARIABLES:
        raise Invalid(f"相关变量最多 {MAX_VARIABLES} 项", f"At most {MAX_VARIABLES} relevant variables")
    return out


def _base_value(
    session: Session, indicator: Indicator, base_year: int | None, base_line: str, value: Any
) -> tuple[int | None, str, Decimal, list[dict[str, str]]]:
    """(base year, base line, value, variables found) from a base year's value or an entered base line."""
    base_line = base_line.strip()
    if base_line:
        if value is None or str(value).strip() == "":
            raise Invalid("按基准线建立时须填写基准值", "A base line needs its value entered")
        if base_year is not None:
            check_year(base_year)
        return base_year, base_line, decimal_or_invalid(value, "基准值", "The baseline value", minimum=None), []
    if base_year is None:
        raise Invalid("请选择基准年或填写基准线", "Choose a base year or describe a base line")
    if value is not None and str(value).strip() != "":
        raise Invalid(
            "按基准年建立时基准值取该年度的参数值，不能另行填写",
            "With a base year the value is the indicator's value of that year; it is not typed",
        )
    check_year(base_year)
    found = value_for_baseline(session, indicator, base_year)
    assert found.value is not None
    variables = []
    if found.numerator is not None and found.denominator is not None:
        numerator, denominator = ("碳排放量", "tCO₂"), ("工业总产值", "万元")
        if indicator.formula == "renewable_share":
            numerator, denominator = ("可再生能源消费量", "tce"), ("能源消费总量", "tce")
        elif indicator.formula == "intensity_product":
            denominator = ("产品产量", indicator.unit.split("/", 1)[-1])
        source = f"{base_year} 年已确认的碳排放清单和经济数据"
        for (name, unit), number in ((numerator, found.numerator), (denominator, found.denominator)):
            variables.append({"name": name, "unit": unit, "value": format(number.normalize(), "f"), "source": source})
    return base_year, "", found.value, variables


def versions_of(session: Session, indicator_id: int) -> list[Baseline]:
    return list(
        session.execute(
            select(Baseline).where(col(Baseline.indicator_id) == indicator_id).order_by(col(Baseline.version))
        ).scalars()
    )


def snapshot(baseline: Baseline) -> dict[str, Any]:
    return {
        "indicator_id": baseline.indicator_id,
        "version": baseline.version,
        "base_year": baseline.base_year,
        "base_line": baseline.base_line,
        "value": str(baseline.value),
        "variables": json.loads(baseline.variables_json),
        "adjustment_reason": baseline.adjustment_reason,
        "adjustment_note": baseline.adjustment_note,
        "document_id": baseline.document_id,
        "revision_id": baseline.revision_id,
    }


def _obsolete(session: Session, document_id: int) -> bool:
    return (
        session.execute(
            select(col(Revision.id)).where(
                col(Revision.document_id) == document_id, col(Revision.state) == RevisionState.obsolete
            )
        ).first()
        is not None
    )


def _attach_revision(
    session: Session, actor: User, indicator: Indicator, versions: list[Baseline], change_reason: str
) -> None:
    """Render the newest version into a draft revision of the indicator's CARBON_BASELINE document."""
    baseline = versions[-1]
    park = session.get_one(Park, actor.park_id)
    document_id = next((v.document_id for v in reversed(versions) if v.document_id is not None), None)
    if document_id is not None and _obsolete(session, document_id):
        document_id = None  # the indicator's document was withdrawn: its baseline starts a new one
    if document_id is None:
        document = documents.register_document(
            session,
            actor=actor,
            doc_type_code=DOC_TYPE,
            title=f"碳排放管理基准：{indicator.name}",
            owner_unit=actor.unit or "",
        )
        document_id = document.id
    assert document_id is not None
    content = baseline_document.render(
        indicator, versions, park_name=park.name, zone=park_time_zone(session, actor.park_id)
    )
    staged = documents.stage_generated(content, f"碳排放管理基准-{indicator.code}-第{baseline.version}版.docx")
    revision = documents.add_revision(
        session, actor=actor, document_id=document_id, staged=staged, change_reason=change_reason
    )
    baseline.document_id, baseline.revision_id = document_id, revision.id
    session.add(baseline)
    session.flush()


def create_baseline(
    session: Session,
    *,
    actor: User,
    indicator_id: int,
    base_year: int | None = None,
    base_line: str = "",
    value: Any = None,
    variables: list[dict[str, Any]] | None = None,
) -> Baseline:
    indicator = get_indicator(session, indicator_id=indicator_id, user=actor)
    require_editor(actor, "baseline", f"indicator:{indicator_id}")
    if not indicator.active:
        raise Conflict("该参数已停用", "The indicator is inactive")
    if versions_of(session, indicator_id):
        raise Conflict("该参数已有基准；如需变更，请调整基准", "The indicator has a baseline; adjust it instead")
    year, line, number, found = _base_value(session, indicator, base_year, base_line, value)
    assert actor.id is not None and indicator.id is not None
    baseline = Baseline(
        park_id=actor.park_id,
        indicator_id=indicator.id,
        version=1,
        base_year=year,
        base_line=line,
        value=number,
        variables_json=json.dumps(_checked_variables(variables) or found, ensure_ascii=False),
        created_by_id=actor.id,
    )
    session.add(baseline)
    session.flush()
    _attach_revision(session, actor, indicator, [baseline], "")
    events.record(
        session,
        action="baseline.create",
        entity_type="baseline",
        entity_id=baseline.id,
        park_id=actor.park_id,
        actor=actor,
        after=snapshot(baseline),
    )
    return baseline


def get_baseline(session: Session, *, baseline_id: int, user: User) -> Baseline:
    baseline = session.get(Baseline, baseline_id)
    if baseline is None or baseline.park_id != user.park_id:
        audit = refusal(user, Rule.other_park, "baseline", baseline_id) if baseline is not None else None
        raise NotFound("基准不存在", "Baseline not found", audit=audit)
    get_indicator(session, indicator_id=baseline.indicator_id, user=user)  # a contributor's other enterprise: 404
    return baseline


def adjust_baseline(
    session: Session,
    *,
    actor: User,
    baseline_id: int,
    reason: AdjustmentReason,
    note: str,
    base_year: int | None = None,
    base_line: str = "",
    value: Any = None,
    variables: list[dict[str, Any]] | None = None,
) -> Baseline:
    """A new version replacing the newest one, for one of the reasons of 7.5 a)–c); the old one stays in force
    until the new version's revision is effective."""
    old = get_baseline(session, baseline_id=baseline_id, user=actor)
    require_editor(actor, "baseline", baseline_id)
    indicator = get_indicator(session, indicator_id=old.indicator_id, user=actor)
    versions = versions_of(session, old.indicator_id)
    if versions[-1].id != old.id:
        raise Conflict("只能调整最新版本的基准", "Only the newest version of a baseline can be adjusted")
    note = note.strip()
    if not note:
        raise Invalid("调整基准须说明调整的依据", "An adjustment needs a note on what changed")
    if base_year is None and not base_line.strip():
        # Neither given: the same base year (its value recomputed) or the same base line (a new value entered).
        base_year, base_line = old.base_year, old.base_line
    year, line, number, found = _base_value(session, indicator, base_year, base_line, value)
    assert actor.id is not None
    given = _checked_variables(variables)
    baseline = Baseline(
        park_id=old.park_id,
        indicator_id=old.indicator_id,
        version=old.version + 1,
        base_year=year,
        base_line=line,
        value=number,
        variables_json=json.dumps(given or found or json.loads(old.variables_json), ensure_ascii=False),
        supersedes_id=old.id,
        adjustment_reason=str(reason),
        adjustment_note=note,
        created_by_id=actor.id,
    )
    session.add(baseline)
    session.flush()
    change = f"{label_zh('adjustment_reason', reason)}：基准值 {old.value} → {number}；{note}"
    _attach_revision(session, actor, indicator, [*versions, baseline], change)
    events.record(
        session,
        action="baseline.adjust",
        entity_type="baseline",
        entity_id=baseline.id,
        park_id=actor.park_id,
        actor=actor,
        before=snapshot(old),
        after=snapshot(baseline),
    )
    return baseline


@dataclass(frozen=True)
class Version:
    baseline: Baseline
    previous_value: Decimal | None
    revision_state: str | None
    in_force: bool


def history(session: Session, *, user: User, indicator_id: int) -> list[Version]:
    """Every version of the indicator's baseline with the value it replaced and its revision's state."""
    get_indicator(session, indicator_id=indicator_id, user=user)
    versions = versions_of(session, indicator_id)
    return _described(session, versions)


def _described(session: Session, versions: list[Baseline]) -> list[Version]:
    revision_ids = [v.revision_id for v in versions if v.revision_id is not None]
    states = (
        dict(
            session.execute(
                select(col(Revision.id), col(Revision.state)).where(col(Revision.id).in_(revision_ids))
            ).all()
        )
        if revision_ids
        else {}
    )
    in_force = {b.id for b in baselines_in_force(session, {v.indicator_id for v in versions}).values()}
    by_id = {v.id: v for v in versions}
    return [
        Version(
            v,
            by_id[v.supersedes_id].value if v.supersedes_id in by_id else None,
            str(states[v.revision_id]) if v.revision_id in states else None,
            v.id in in_force,
        )
        for v in versions
    ]


def list_baselines(session: Session, *, user: User, indicators: list[Indicator]) -> list[Version]:
    """The newest version of each indicator's baseline (with whether it is in force)."""
    ids = [i.id for i in indicators]
    if not ids:
        return []
    rows = session.execute(
        select(Baseline)
        .where(col(Baseline.indicator_id).in_(ids))
        .order_by(col(Baseline.indicator_id), col(Baseline.version))
    ).scalars()
    newest: dict[int, Baseline] = {}
    everything: list[Baseline] = []
    for row in rows:
        newest[row.indicator_id] = row
        everything.append(row)
    described = {v.baseline.id: v for v in _described(session, everything)}
    return [described[b.id] for b in newest.values()]


# ---------------------------------------------------------------- adjustment offers


@dataclass(frozen=True)
class Offer:
    baseline: Baseline
    reason: AdjustmentReason
    changed_at: datetime
    current_value: Decimal | None  # the base year's value as computed today, beside the baseline's


def adjustment_offers(session: Session, park_id: int) -> list[Offer]:
    """Baselines whose base year's boundary (7.5 b) or emission factors (7.5 c) changed after the newest version
    was made: offered for adjustment, with the base year's value as computed today beside the baseline's. Three
    queries whatever the number of baselines, plus one inventory read per base year offered."""
    newest: dict[int, Baseline] = {}
    for row in session.execute(
        select(Baseline).where(col(Baseline.park_id) == park_id).order_by(col(Baseline.version))
    ).scalars():
        newest[row.indicator_id] = row
    dated = [b for b in newest.values() if b.base_year is not None]
    years = sorted({b.base_year for b in dated if b.base_year is not None})
    if not years:
        return []
    boundary_changed = dict(
        session.execute(
            select(col(Boundary.year), col(Boundary.updated_at)).where(
                col(Boundary.park_id) == park_id, col(Boundary.year).in_(years)
            )
        ).all()
    )
    # A factor version used by the base year's rows has since been corrected (a newer version supersedes it).
    factors_changed = dict(
        session.execute(
            select(col(ActivityData.year), func.max(col(EmissionFactor.created_at)))
            .join(EmissionFactor, col(EmissionFactor.supersedes_id) == col(ActivityData.factor_id))
            .where(col(ActivityData.park_id) == park_id, col(ActivityData.year).in_(years))
            .group_by(col(ActivityData.year))
        ).all()
    )
    found: list[tuple[Baseline, AdjustmentReason, datetime]] = []
    for baseline in sorted(dated, key=lambda b: b.indicator_id):
        made = as_utc(baseline.created_at)
        for reason, changes in (
            (AdjustmentReason.static_factors_changed, boundary_changed),
            (AdjustmentReason.factors_or_method_changed, factors_changed),
        ):
            changed = changes.get(baseline.base_year)
            if changed is not None and as_utc(changed) > made:
                found.append((baseline, reason, as_utc(changed)))
    if not found:
        return []
    offered = {b.indicator_id for b, _, _ in found}
    rows = list(session.execute(select(Indicator).where(col(Indicator.id).in_(offered))).scalars())
    now = indicator_values(session, park_id, rows, {b.base_year for b, _, _ in found if b.base_year is not None})
    return [Offer(b, reason, at, now[(b.indicator_id, b.base_year or 0, 0)].value) for b, reason, at in found]
