"""Reads other parts use: the baseline in force per indicator, a park's active indicators."""

from collections.abc import Iterable

from sqlalchemy import select
from sqlmodel import Session, col

from app.documents.models import Revision, RevisionState
from app.performance.models import Baseline, Indicator


def baselines_in_force(session: Session, indicator_ids: Iterable[int]) -> dict[int, Baseline]:
    """Per indicator, the newest baseline version whose CARBON_BASELINE revision is effective (approved through the
    document lifecycle); a version still in review does not replace the one in force."""
    ids = list(indicator_ids)
    if not ids:
        return {}
    rows = session.execute(
        select(Baseline)
        .join(Revision, col(Revision.id) == col(Baseline.revision_id))
        .where(col(Baseline.indicator_id).in_(ids), col(Revision.state) == RevisionState.effective)
        .order_by(col(Baseline.version))
    ).scalars()
    return {row.indicator_id: row for row in rows}


def active_indicators(session: Session, park_id: int) -> list[Indicator]:
    return list(
        session.execute(
            select(Indicator)
            .where(col(Indicator.park_id) == park_id, col(Indicator.active).is_(True))
            .order_by(col(Indicator.code))
        ).scalars()
    )
