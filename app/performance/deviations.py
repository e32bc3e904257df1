"""Significant deviations of performance (10.1.1 产业园区应对碳排放管理绩效的严重偏离进行调查和响应).

`detect` compares each active indicator that carries a deviation rule with its reference for the year: the target's
straight path from the baseline (`status.expected_on_path`) or the baseline in force. A value worse than the
reference by more than the rule's percentage opens one Deviation per (indicator, year, period); detecting again
finds it and opens nothing more. Investigation and response go through `lifecycle.transition`; raising a
nonconformity (origin monitoring) goes through the nonconformities service and links it.

Annual values (period 0) are compared: targets and baselines are annual figures.
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import and_, or_, select
from sqlmodel import Session, col

from app.errors import Forbidden, Invalid, NotFound
from app.events import service as events
from app.events.refusals import Rule, refusal
from app.nonconformities.models import NcOrigin, Nonconformity, Severity
from app.nonconformities.service import raise_nonconformity as raise_nc
from app.performance import lifecycle
from app.performance.calculation import indicator_values
from app.performance.lifecycle import DeviationAction
from app.performance.models import Baseline, Deviation, DeviationState, Direction, Indicator, IndicatorLevel, Target
from app.performance.queries import active_indicators, baselines_in_force
from app.performance.status import expected_on_path
from app.users.models import Park, Role, User

READERS = frozenset({Role.coordinator, Role.top_management, Role.approver, Role.auditor})
EDITORS = lifecycle.EDITORS
HUNDRED = Decimal(100)
PERCENT_PLACES = Decimal("0.01")
CLAUSE = "10.1.1"
LIVE_STATES = (DeviationState.open, DeviationState.investigating)


def plain(value: Decimal) -> str:
    """A quantity as people write it (660, not 6.6E+2); never rounded."""
    return format(value, "f")


def percent(value: Decimal) -> str:
    """A deviation's percentage, always with two decimals (the stored figure is rounded half up to 0.01)."""
    return format(value.quantize(PERCENT_PLACES, rounding=ROUND_HALF_UP), "f")


# ---------------------------------------------------------------- who may read and write


def may_read_all(user: User) -> bool:
    return user.role in READERS


def _contributor_sees(user: User, indicator: Indicator) -> bool:
    """A contributor reads its own enterprise's indicators only (enterprise, process and equipment levels)."""
    return (
        user.role == Role.contributor
        and user.enterprise_id is not None
        and indicator.level != IndicatorLevel.park
        and indicator.enterprise_id == user.enterprise_id
    )


def require_reader(user: User, entity_id: object = "list") -> None:
    if user.role not in READERS and user.role != Role.contributor:
        raise Forbidden(
            "您的角色无权查看绩效偏离",
            "Your role may not read performance deviations",
            audit=refusal(user, Rule.role, "deviation", entity_id),
        )


def require_editor(user: User, entity_id: object) -> None:
    if user.role not in EDITORS:
        raise Forbidden(
            "只有体系管理员可以执行此操作",
            "Only a coordinator may do this",
            audit=refusal(user, Rule.role, "deviation", entity_id),
        )


def get_deviation(session: Session, *, deviation_id: int, user: User, for_update: bool = False) -> Deviation:
    """One deviation of the user's park; another park's is not found (and the probe is on record)."""
    require_reader(user, deviation_id)
    query = select(Deviation).where(col(Deviation.id) == deviation_id)
    if for_update:
        query = query.with_for_update().execution_options(populate_existing=True)
    deviation = session.execute(query).scalars().first()
    if deviation is None or deviation.park_id != user.park_id:
        audit = refusal(user, Rule.other_park, "deviation", deviation_id) if deviation is not None else None
        raise NotFound("偏离不存在", "Deviation not found", audit=audit)
    if not may_read_all(user) and user.id != deviation.assignee_id:
        indicator = session.get_one(Indicator, deviation.indicator_id)
        if not _contributor_sees(user, indicator):
            raise Forbidden(
                "您只能查看本企业的绩效偏离",
                "You may read your own enterprise's deviations only",
                audit=refusal(user, Rule.assignment, "deviation", deviation_id),
            )
    return deviation


def list_deviations(
    session: Session, *, user: User, year: int | None = None, state: DeviationState | None = None
) -> list[Deviation]:
    require_reader(user)
    query = select(Deviation).where(col(Deviation.park_id) == user.park_id)
    if year is not None:
        query = query.where(col(Deviation.year) == year)
    if state is not None:
        query = query.where(col(Deviation.state) == state)
    rows = list(session.execute(query.order_by(col(Deviation.year).desc(), col(Deviation.id))).scalars())
    if may_read_all(user):
        return rows
    indicators = indicators_by_id(session, {row.indicator_id for row in rows})
    return [r for r in rows if r.assignee_id == user.id or _contributor_sees(user, indicators[r.indicator_id])]


def indicators_by_id(session: Session, ids: set[int]) -> dict[int, Indicator]:
    if not ids:
        return {}
    return {i.id or 0: i for i in session.execute(select(Indicator).where(col(Indicator.id).in_(ids))).scalars()}


# ---------------------------------------------------------------- detection


@dataclass(frozen=True)
class Reference:
    kind: str  # target | baseline
    value: Decimal
    target_id: int | None
    baseline_id: int | None


def worse_by_percent(value: Decimal, reference: Decimal, direction: Direction) -> Decimal | None:
    """How much worse than the reference, in % of it (negative: better); None when the reference is zero."""
    if reference == 0:
        return None
    worse = value - reference if direction == Direction.lower_is_better else reference - value
    return worse / abs(reference) * HUNDRED


def _target_for(targets: list[Target], year: int) -> Target | None:
    """The live target that measures the year: the first deadline not before it, else the latest one."""
    started = [t for t in targets if t.start_year <= year]
    if not started:
        return None
    ahead = sorted((t for t in started if t.deadline.year >= year), key=lambda t: (t.deadline, t.id or 0))
    if ahead:
        return ahead[0]
    return max(started, key=lambda t: (t.deadline, t.id or 0))


def reference_for(
    indicator: Indicator, year: int, targets: list[Target], baseline: Baseline | None
) -> Reference | None:
    """The value an indicator's year is held to: the target's path, or the baseline in force (as the rule says)."""
    if indicator.deviation_reference == "baseline":
        if baseline is None:
            return None
        return Reference("baseline", baseline.value, None, baseline.id)
    target = _target_for(targets, year)
    if target is None:
        return None
    expected = expected_on_path(
        year,
        target_value=target.target_value,
        deadline_year=target.deadline.year,
        baseline_year=baseline.base_year if baseline else None,
        baseline_value=baseline.value if baseline else None,
    )
    return Reference("target", expected, target.id, baseline.id if baseline else None)


def _live_targets(session: Session, park_id: int, indicator_ids: list[int]) -> dict[int, list[Target]]:
    out: dict[int, list[Target]] = {}
    if not indicator_ids:
        return out
    rows = session.execute(
        select(Target).where(
            col(Target.park_id) == park_id,
            col(Target.indicator_id).in_(indicator_ids),
            col(Target.withdrawn_at).is_(None),
        )
    ).scalars()
    for target in rows:
        out.setdefault(target.indicator_id, []).append(target)
    return out


def detect(session: Session, park_id: int, year: int, *, actor: User | None = None) -> list[Deviation]:
    """Open a deviation for each indicator whose value for `year` is significantly worse than its reference;
    returns those opened now (none on a second run). `actor` None: the daily job (`carbonms remind`)."""
    ruled = [i for i in active_indicators(session, park_id) if i.deviation_percent is not None]
    if not ruled:
        return []
    ids = [i.id or 0 for i in ruled]
    existing = set(
        session.execute(
            select(col(Deviation.indicator_id), col(Deviation.period)).where(
                col(Deviation.indicator_id).in_(ids), col(Deviation.year) == year
            )
        ).all()
    )
    values = indicator_values(session, park_id, ruled, [year])
    targets = _live_targets(session, park_id, ids)
    baselines = baselines_in_force(session, ids)
    opened = []
    for indicator in ruled:
        key = (indicator.id or 0, year, 0)
        found = values.get(key)
        threshold = indicator.deviation_percent
        if found is None or found.value is None or threshold is None or (indicator.id, 0) in existing:
            continue
        reference = reference_for(indicator, year, targets.get(indicator.id or 0, []), baselines.get(indicator.id or 0))
        if reference is None:
            continue
        worse = worse_by_percent(found.value, reference.value, Direction(indicator.direction))
        if worse is None or worse <= threshold:
            continue
        deviation = Deviation(
            park_id=park_id,
            indicator_id=indicator.id or 0,
            target_id=reference.target_id,
            baseline_id=reference.baseline_id,
            year=year,
            period=0,
            value=found.value,
            reference_value=reference.value,
            reference_kind=reference.kind,
            deviation_percent=worse.quantize(PERCENT_PLACES, rounding=ROUND_HALF_UP),
            threshold_percent=threshold,
        )
        session.add(deviation)
        session.flush()
        events.record(
            session,
            action="deviation.detect",
            entity_type="deviation",
            entity_id=deviation.id,
            park_id=park_id,
            actor=actor,
            after={
                "indicator_id": indicator.id,
                "year": year,
                "value": plain(found.value),
                "reference_kind": reference.kind,
                "reference_value": plain(reference.value),
                "deviation_percent": str(deviation.deviation_percent),
                "threshold_percent": str(threshold),
                "state": str(DeviationState.open),
            },
        )
        opened.append(deviation)
    return opened


def detect_on_request(session: Session, *, actor: User, year: int) -> list[Deviation]:
    require_editor(actor, f"detect:{year}")
    if not 1990 <= year <= 2100:
        raise Invalid("年份须在 1990–2100 之间", "The year must be between 1990 and 2100")
    return detect(session, actor.park_id, year, actor=actor)


# ---------------------------------------------------------------- investigation


def assign(session: Session, *, actor: User, deviation_id: int, assignee_id: int | None) -> Deviation:
    """Name the investigator (a user of the park), or none: the coordinators then hold the task."""
    require_editor(actor, deviation_id)
    deviation = get_deviation(session, deviation_id=deviation_id, user=actor, for_update=True)
    if assignee_id is not None:
        assignee = session.get(User, assignee_id)
        if assignee is None or assignee.park_id != actor.park_id:
            audit = refusal(actor, Rule.other_park, "user", assignee_id) if assignee is not None else None
            raise NotFound("用户不存在", "User not found", audit=audit)
        if not assignee.is_active:
            raise Invalid("该用户已停用，不能被指派", "That user is deactivated and cannot be assigned")
    before = {"assignee_id": deviation.assignee_id}
    deviation.assignee_id = assignee_id
    session.add(deviation)
    events.record(
        session,
        action="deviation.assign",
        entity_type="deviation",
        entity_id=deviation.id,
        park_id=deviation.park_id,
        actor=actor,
        before=before,
        after={"assignee_id": assignee_id},
    )
    return deviation


def act(
    session: Session,
    *,
    actor: User,
    deviation_id: int,
    action: DeviationAction,
    investigation: str | None = None,
    response: str | None = None,
    reason: str = "",
) -> Deviation:
    """investigate, close (investigation and response written) or reopen (with a reason)."""
    if action == DeviationAction.raise_nonconformity:
        raise Invalid("请使用提出不符合项的操作", "Use the raise-nonconformity operation")
    deviation = get_deviation(session, deviation_id=deviation_id, user=actor, for_update=True)
    lifecycle.transition(
        session, deviation, action, actor=actor, investigation=investigation, response=response, reason=reason
    )
    return deviation


def default_description(deviation: Deviation, indicator: Indicator) -> str:
    reference = "指标进度" if deviation.reference_kind == "target" else "基准"
    return (
        f"绩效参数“{indicator.name}”{deviation.year} 年数值 {plain(deviation.value)} {indicator.unit}，"
        f"劣于{reference} {plain(deviation.reference_value)} 达 {percent(deviation.deviation_percent)}%"
        f"（严重偏离阈值 {plain(deviation.threshold_percent)}%）"
    )


def raise_nonconformity(
    session: Session,
    *,
    actor: User,
    deviation_id: int,
    severity: Severity,
    description: str = "",
    investigation: str | None = None,
) -> tuple[Deviation, Nonconformity]:
    """The investigation found a nonconformity: one of origin "monitoring" (10.1.1), linked to the deviation."""
    deviation = get_deviation(session, deviation_id=deviation_id, user=actor, for_update=True)
    lifecycle.transition(
        session, deviation, DeviationAction.raise_nonconformity, actor=actor, investigation=investigation
    )
    indicator = session.get_one(Indicator, deviation.indicator_id)
    nc = raise_nc(
        session,
        actor=actor,
        origin=NcOrigin.monitoring,
        clause_id=CLAUSE,
        severity=severity,
        description=description.strip() or default_description(deviation, indicator),
        evidence_examined=deviation.investigation,
        origin_ref=f"绩效偏离 #{deviation.id}：{indicator.code} {deviation.year}",
    )
    deviation.nonconformity_id = nc.id
    session.add(deviation)
    events.record(
        session,
        action="deviation.link_nonconformity",
        entity_type="deviation",
        entity_id=deviation.id,
        park_id=deviation.park_id,
        actor=actor,
        before={"nonconformity_id": None},
        after={"nonconformity_id": nc.id},
    )
    return deviation, nc


def live_deviations(session: Session, park_id: int) -> list[Deviation]:
    """Deviations someone must act on (tasks): open, investigating, or closed without their record filed."""
    return list(
        session.execute(
            select(Deviation)
            .where(
                col(Deviation.park_id) == park_id,
                or_(
                    col(Deviation.state).in_(LIVE_STATES),
                    and_(col(Deviation.state) == DeviationState.closed, col(Deviation.record_document_id).is_(None)),
                ),
            )
            .order_by(col(Deviation.id))
        ).scalars()
    )


def detect_parks(session: Session, *, year: int, park_code: str | None = None) -> int:
    """The daily job's detection (`carbonms remind`) for every park (or one); returns how many were opened."""
    query = select(col(Park.id)).order_by(col(Park.id))
    if park_code:
        query = query.where(col(Park.code) == park_code)
    return sum(len(detect(session, park_id, year)) for park_id in session.execute(query).scalars())
