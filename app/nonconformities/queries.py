"""Nonconformity reads that other parts use (tasks, readiness, reports): no writes, no checks of who asks."""

from sqlalchemy import select
from sqlmodel import Session, col

from app.nonconformities.models import ActionState, CorrectiveAction, Nonconformity


def nc_code(nc: Nonconformity) -> str:
    """Numbered per park and year of raising (NC-2026-001): the code says nothing of other parks."""
    return f"NC-{nc.year}-{nc.number:03d}"


def nc_actions(session: Session, nc_id: int) -> list[CorrectiveAction]:
    return list(
        session.execute(
            select(CorrectiveAction)
            .where(col(CorrectiveAction.nonconformity_id) == nc_id)
            .order_by(col(CorrectiveAction.id))
        ).scalars()
    )


def action_facts(actions: list[CorrectiveAction]) -> tuple[set[int], int]:
    """The owners of a nonconformity's live actions and how many are still open."""
    live = [a for a in actions if a.state != ActionState.cancelled]
    return {a.owner_id for a in live}, sum(1 for a in live if a.state == ActionState.open)
