"""Rows read while their source's meter was out of calibration (registers, 10.1.1): flagged on the trail."""

import calendar
from datetime import date
from typing import TYPE_CHECKING

from sqlmodel import Session

from app.registers.queries import overdue_meters

if TYPE_CHECKING:
    from app.inventory.queries import TrailRow


def reading_date(year: int, month: int | None) -> date:
    """The day a reading stands for: the last day of its month, or of the year for yearly data."""
    if month is None:
        return date(year, 12, 31)
    return date(year, month, calendar.monthrange(year, month)[1])


def flag_overdue_meters(session: Session, rows: "list[TrailRow]", year: int) -> None:
    """Mark the rows measured by a meter whose calibration was overdue on the reading date (CARBON.md: flagged)."""
    readings = {(row.source_id, reading_date(year, row.month)) for row in rows}
    flagged = overdue_meters(session, readings)
    for row in rows:
        meter = flagged.get((row.source_id, reading_date(year, row.month)))
        if meter is not None:
            row.calibration_overdue = {
                "equipment_id": meter.id,
                "name": meter.name,
                "reading_date": reading_date(year, row.month).isoformat(),
            }
