"""Review tasks: effective documents whose review cycle (12 months here) ends within REVIEW_DUE_DAYS or has ended."""

from datetime import UTC, date, datetime

from app.db import session_scope
from app.documents import task_queries
from app.documents.models import Revision
from app.users.models import User
from tests.factories import publish_new_document

TODAY = date(2026, 6, 15)


def _published_at(revision_id: int, when: datetime) -> None:
    """Move a revision's publication (and so its last review) back in time: setup, not a user action."""
    with session_scope() as session:
        revision = session.get_one(Revision, revision_id)
        revision.effective_from = revision.last_reviewed_at = when
        session.add(revision)


def test_review_tasks_are_listed_by_due_date_with_their_kind(park) -> None:
    _, due_soon = publish_new_document(park, "ENVIRONMENT_OVERVIEW")
    _, overdue = publish_new_document(park, "INFORMATION_CHANNEL_LIST")
    _, not_due = publish_new_document(park, "STAKEHOLDER_REGISTER")
    # Registered in this order; the overdue one must still come first (sorted by due date, not by row order).
    _published_at(due_soon["id"], datetime(2025, 6, 20, 9, tzinfo=UTC))  # due 2026-06-20: within the horizon
    _published_at(overdue["id"], datetime(2025, 5, 1, 9, tzinfo=UTC))  # due 2026-05-01: overdue
    _published_at(not_due["id"], datetime(2026, 1, 10, 9, tzinfo=UTC))  # due 2027-01-10: not yet a task

    with session_scope(write=False) as session:
        coordinator = session.get_one(User, park.user_ids["coordinator"])
        tasks = task_queries.revision_tasks(session, user=coordinator, today=TODAY)

    reviews = [(task.revision_id, task.kind, task.due) for task in tasks if task.kind.startswith("review_")]
    assert reviews == [
        (overdue["id"], "review_overdue", date(2026, 5, 1)),
        (due_soon["id"], "review_due", date(2026, 6, 20)),
    ]
