"""Disposition batches (鉴定销毁) as tasks: a batch waits on whoever may take its next step now, as the batch's
state machine (app/retention/lifecycle.py) says; rejecting is never the task itself."""

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlmodel import Session, col

from app.retention import lifecycle
from app.retention.models import DispositionBatch, DispositionItem, DispositionState
from app.tasks.schemas import Task
from app.users.models import User

OPEN = (DispositionState.proposed, DispositionState.appraised, DispositionState.approved)
_WHAT = {
    lifecycle.Action.appraise: ("鉴定销毁批次", "Appraise the disposition batch"),
    lifecycle.Action.approve: ("签署批准销毁批次", "Sign the approval of the disposition batch"),
    lifecycle.Action.destroy: ("执行销毁批次", "Carry out the destruction of the batch"),
}


def disposition_tasks(session: Session, park_id: int, users: Sequence[User]) -> list[tuple[list[int], Task]]:
    """(user ids, task) for each open batch of the park and step that moves it on: the users for whom
    `lifecycle.allowed_actions` offers that step now."""
    batches = list(
        session.execute(
            select(DispositionBatch)
            .where(col(DispositionBatch.park_id) == park_id, col(DispositionBatch.state).in_([str(s) for s in OPEN]))
            .order_by(col(DispositionBatch.id))
        ).scalars()
    )
    if not batches:
        return []
    sizes = dict(
        session.execute(
            select(col(DispositionItem.batch_id), func.count())
            .where(col(DispositionItem.batch_id).in_([batch.id for batch in batches]))
            .group_by(col(DispositionItem.batch_id))
        ).all()
    )
    out = []
    for batch in batches:
        assert batch.id is not None  # a stored row
        by_action: dict[lifecycle.Action, list[int]] = {}
        for user in users:
            for action in lifecycle.allowed_actions(batch, user):
                if action in _WHAT and user.id is not None:
                    by_action.setdefault(action, []).append(user.id)
        for action, user_ids in by_action.items():
            zh, en = _WHAT[action]
            size = sizes.get(batch.id, 0)
            task = Task(
                f"disposition_{action}",
                f"{zh} #{batch.id}（{size} 个版本）",
                f"{en} #{batch.id} ({size} revisions)",
                None,
                False,
                f"/retention/batches/{batch.id}",
                "disposition_batch",
                batch.id,
                {"batch_id": batch.id, "state": str(batch.state)},
            )
            out.append((user_ids, task))
    return out
