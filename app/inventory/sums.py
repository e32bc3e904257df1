"""The per (submission, source) sums of activity rows (`InventorySum`) that a year's totals read.

A submission's sums are written in the transaction that submits it (the rows freeze there and the record is made
from them), so every record that can ever be filed has its sums, whichever path files or voids it later. The sums
are exact integer SUMs of the rows' stored results (10⁻⁹ t CO₂, 10⁻⁹ tce) done by the database.
"""

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import Select, delete, func, insert, select
from sqlmodel import Session, col

from app.documents.models import Revision, RevisionState
from app.inventory.models import ActivityData, EmissionSource, InventorySum, Submission, from_nano

SUM_COLUMNS = ("submission_id", "source_id", "park_id", "year", "emission_mg", "energy_mgce", "row_count")


def _rows_summed() -> Select:
    """The rows summed per submission and source, in the order of SUM_COLUMNS."""
    return select(
        col(ActivityData.submission_id),
        col(ActivityData.source_id),
        col(ActivityData.park_id),
        col(ActivityData.year),
        func.sum(col(ActivityData.emission_mg)),
        func.sum(col(ActivityData.energy_mgce)),
        func.count(),
    ).group_by(
        col(ActivityData.submission_id), col(ActivityData.source_id), col(ActivityData.park_id), col(ActivityData.year)
    )


def write(session: Session, submission_id: int) -> None:
    """(Re)write one submission's sums from its rows, in the caller's transaction."""
    session.flush()  # the rows must be in the database before it sums them
    session.execute(delete(InventorySum).where(col(InventorySum.submission_id) == submission_id))
    summed = _rows_summed().where(col(ActivityData.submission_id) == submission_id)
    session.execute(insert(InventorySum).from_select(list(SUM_COLUMNS), summed))


def rebuild(session: Session, park_id: int) -> None:
    """Rewrite every sum of a park's submitted submissions (rows inserted in bulk, a repair after `verify`)."""
    session.flush()
    session.execute(delete(InventorySum).where(col(InventorySum.park_id) == park_id))
    submitted = select(col(Submission.id)).where(
        col(Submission.park_id) == park_id, col(Submission.document_id).is_not(None)
    )
    summed = _rows_summed().where(col(ActivityData.park_id) == park_id, col(ActivityData.submission_id).in_(submitted))
    session.execute(insert(InventorySum).from_select(list(SUM_COLUMNS), summed))


@dataclass(frozen=True)
class Mismatch:
    submission_id: int
    source_id: int
    stored: tuple[int, int, int] | None  # (emission_mg, energy_mgce, row_count) in inventory_sum
    rows: tuple[int, int, int] | None  # the same summed from activity_data


def mismatches(session: Session, park_id: int | None = None) -> list[Mismatch]:
    """Every (submission, source) of a submitted submission whose stored sums differ from its rows, or that has
    sums without rows or rows without sums; of one park, or of every park."""
    submitted = select(col(Submission.id)).where(col(Submission.document_id).is_not(None))
    stored_query = select(
        col(InventorySum.submission_id),
        col(InventorySum.source_id),
        col(InventorySum.emission_mg),
        col(InventorySum.energy_mgce),
        col(InventorySum.row_count),
    )
    if park_id is not None:
        submitted = submitted.where(col(Submission.park_id) == park_id)
        stored_query = stored_query.where(col(InventorySum.park_id) == park_id)
    expected = {
        (submission_id, source_id): (int(emission or 0), int(energy or 0), int(count))
        for submission_id, source_id, _, _, emission, energy, count in session.execute(
            _rows_summed().where(col(ActivityData.submission_id).in_(submitted))
        ).all()
    }
    stored = {
        (submission_id, source_id): (emission, energy, count)
        for submission_id, source_id, emission, energy, count in session.execute(stored_query).all()
    }
    return [
        Mismatch(key[0], key[1], stored.get(key), expected.get(key))
        for key in sorted(expected.keys() | stored.keys())
        if stored.get(key) != expected.get(key)
    ]


# ---------------------------------------------------------------- reads


def filed_sums(park_id: int) -> Select:
    """The park's stored sums (`InventorySum`) whose submission's record is filed: what the inventory counts."""
    return (
        select()
        .select_from(InventorySum)
        .join(Submission, col(Submission.id) == col(InventorySum.submission_id))
        .join(Revision, col(Revision.document_id) == col(Submission.document_id))
        .where(col(InventorySum.park_id) == park_id, col(Revision.state) == RevisionState.filed)
    )


def park_totals(session: Session, park_id: int, years: list[int]) -> dict[int, Decimal]:
    """The confirmed park total of each of these years that has confirmed data (one grouped query over the sums):
    the trend and the change from the previous year need no more than this."""
    if not years:
        return {}
    statement = (
        filed_sums(park_id)
        .add_columns(col(InventorySum.year), func.sum(col(InventorySum.emission_mg)))
        .where(col(InventorySum.year).in_(years))
        .group_by(col(InventorySum.year))
    )
    return {year: from_nano(total) for year, total in session.execute(statement)}


CHART_LEVELS = {"category": EmissionSource.category, "scope": EmissionSource.scope}


def level_emissions(session: Session, park_id: int, year: int, level: str) -> list[tuple[str, Decimal]]:
    """The year's confirmed emission per key of one level ("category", "scope" or "enterprise"), summed by the
    database: what a chart needs, without the year's figures. Keys as `queries.level_keys` makes them; enterprises
    in the order `year_totals` lists them (a submission is one enterprise's: the first it appears in)."""
    key = col(CHART_LEVELS.get(level, EmissionSource.enterprise_id))
    statement = (
        filed_sums(park_id)
        .join(EmissionSource, col(EmissionSource.id) == col(InventorySum.source_id))
        .add_columns(key, func.sum(col(InventorySum.emission_mg)))
        .where(col(InventorySum.year) == year)
        .group_by(key)
        .order_by(func.min(col(InventorySum.submission_id)))
    )
    return [(str(value), from_nano(total)) for value, total in session.execute(statement)]
