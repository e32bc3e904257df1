"""REST API: /api/tasks, what is due for the signed-in user. Thin: parse, call, shape."""

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query

from app.db import SessionDep
from app.deps import CurrentUser
from app.errors import Invalid
from app.tasks import service as tasks

router = APIRouter(prefix="/api", tags=["audits"])


TodayQuery = Annotated[date | None, Query(description="compute as of this day (default: today, UTC)")]


@router.get("/tasks")
def my_tasks(session: SessionDep, user: CurrentUser, today: TodayQuery = None) -> dict[str, Any]:
    day = today or tasks.today_utc()
    if not 2000 <= day.year <= 2100:
        raise Invalid("日期超出范围（2000–2100 年）", "The date is out of range (2000–2100)")
    items = tasks.tasks_for(session, user, day)
    return {
        "today": day,
        "count": len(items),
        "overdue": tasks.overdue_count(items),
        "tasks": [t.as_dict() for t in items],
    }
