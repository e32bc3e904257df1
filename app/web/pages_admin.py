"""What waits on me (待办), the audit trail, and user administration."""

import json
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import Response

from app.clauses import queries as clauses
from app.db import SessionDep
from app.deps import AdminUser, EntityId, TrailReader
from app.documents import task_queries
from app.events import service as events
from app.users import service as users
from app.users.models import Park, Role
from app.web.common import WebUser, render, require, see_other
from app.web.i18n import ENTITY_LABELS, EVENT_LABELS, TASK_LABELS
from app.web.trail import event_actions, trail_links

router = APIRouter()

EVENTS_PAGE = 50
EVENT_CODES = frozenset(EVENT_LABELS)  # a chosen label filters on its action exactly; anything else is a prefix
SEARCH_PAGE = 20
TASKS_PER_GROUP = 100


# The tasks whose link is a page get it as a link (others, such as API paths, are shown as text).
PAGE_LINKS = (
    "/documents/",
    "/clauses/",
    "/audits/",
    "/nonconformities/",
    "/reviews/",
    "/actions/",
    "/registers/",
    "/performance/deviations/",
    "/retention/batches/",
)


def _task_rows(session: SessionDep, user: WebUser) -> list[dict]:
    """The per-user due list of app.tasks.service (revisions, reviews, records, audits, actions …): one source."""
    try:
        from app.tasks.service import tasks_for
    except ImportError:  # the audits package is optional here: fall back to the revision-based tasks
        return [
            {
                "kind": f"revision_{item.kind}",
                "title_zh": f"{item.control_no} {item.title}",
                "title_en": f"{item.control_no} {item.title}",
                "due_date": item.due,
                "overdue": False,
                "link": f"/documents/{item.document_id}",
            }
            for item in task_queries.revision_tasks(session, user=user)
        ]
    return [
        {
            "kind": task.kind,
            "title_zh": task.title_zh,
            "title_en": task.title_en,
            "due_date": task.due_date,
            "overdue": task.overdue,
            "link": task.link,
        }
        for task in tasks_for(session, user)
    ]


@router.get("/tasks")
def tasks_page(request: Request, session: SessionDep, user: WebUser) -> Response:
    items = _task_rows(session, user)
    groups: dict[str, list] = {}
    for item in items:
        item["page"] = item["link"] if item["link"].startswith(PAGE_LINKS) else None
        kind = item["kind"] if item["kind"] in TASK_LABELS else "other"
        groups.setdefault(kind, []).append(item)
    order = [kind for kind in TASK_LABELS if kind in groups]
    # A long group shows its first rows (overdue first, as the due list is sorted) and says how many more wait.
    shown = [(kind, groups[kind][:TASKS_PER_GROUP], len(groups[kind])) for kind in order]
    return render(request, "tasks.html", section="tasks", groups=shown, total=len(items))


@router.get("/search")
def search_page(
    request: Request,
    session: SessionDep,
    user: WebUser,
    q: Annotated[str, Query(max_length=500)] = "",
    page: Annotated[int, Query(ge=1, le=250)] = 1,
) -> Response:
    """Full-text search over what the user may read (app.search.service.search)."""
    from app.search import service as search

    result = search.search(session, user, q, limit=SEARCH_PAGE, offset=(page - 1) * SEARCH_PAGE) if q.strip() else None
    pages = max(1, -(-result.total // SEARCH_PAGE)) if result else 1
    return render(
        request, "search.html", section="search", q=q, result=result, page=page, pages=min(pages, 250), params={"q": q}
    )


@router.get("/events")
def events_page(
    request: Request,
    session: SessionDep,
    user: WebUser,
    action: Annotated[str | None, Query(max_length=64)] = None,
    entity_type: Annotated[str | None, Query(max_length=32)] = None,
    entity_id: Annotated[str | None, Query(max_length=64)] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    verify: Annotated[str | None, Query(max_length=4)] = None,
) -> Response:
    require(TrailReader, user, request)
    rows = events.list_events(
        session,
        park_id=user.park_id,
        entity_type=(entity_type or "").strip() or None,
        entity_id=(entity_id or "").strip() or None,
        action=(action or "").strip() or None,
        limit=EVENTS_PAGE + 1,
        offset=(page - 1) * EVENTS_PAGE,
        exact_action=(action or "").strip() in EVENT_CODES,
    )
    items = [
        {
            "seq": row.seq,
            "occurred_at": row.occurred_at,
            "actor_id": row.actor_id,
            "actor_name": row.actor_name,
            "action": row.action,
            "entity_type": row.entity_type,
            "entity_id": row.entity_id,
            "before": json.loads(row.before_json),
            "after": json.loads(row.after_json),
        }
        for row in rows[:EVENTS_PAGE]
    ]
    chain = events.verify_trail(session).as_dict() if verify else None
    params = {
        key: value
        for key, value in (("action", action), ("entity_type", entity_type), ("entity_id", entity_id))
        if value
    }
    return render(
        request,
        "events.html",
        section="events",
        items=items,
        page=page,
        has_next=len(rows) > EVENTS_PAGE,
        params=params,
        chain=chain,
        entity_types=list(ENTITY_LABELS),
        event_actions=event_actions(),
        links=trail_links(session, park_id=user.park_id, events=rows[:EVENTS_PAGE]),
    )


@router.get("/users")
def users_page(request: Request, session: SessionDep, user: WebUser) -> Response:
    require(AdminUser, user, request)
    types = clauses.list_doc_types(session)
    return render(
        request,
        "users.html",
        section="users",
        users=users.list_users(session, park_id=user.park_id),
        roles=[role.value for role in Role],
        types=types,
    )


@router.post("/users/new")
def create_user(
    request: Request,
    session: SessionDep,
    user: WebUser,
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=256)],
    role: Annotated[Role, Form()],
    full_name: Annotated[str, Form(max_length=100)] = "",
    unit: Annotated[str, Form(max_length=200)] = "",
    assigned: Annotated[list[str] | None, Form(max_length=200)] = None,
) -> Response:
    require(AdminUser, user, request)
    users.create_user(
        session,
        park=session.get_one(Park, user.park_id),
        username=username,
        password=password,
        role=role,
        full_name=full_name or None,
        unit=unit or None,
        assigned_doc_types=assigned or [],
        actor=user,
    )
    return see_other("/users?done=user_created")


@router.post("/users/{user_id:int}")
def update_user(
    request: Request,
    session: SessionDep,
    user: WebUser,
    user_id: EntityId,
    role: Annotated[Role, Form()],
    active: Annotated[str, Form(max_length=8)] = "",
    assigned: Annotated[list[str] | None, Form(max_length=200)] = None,
) -> Response:
    require(AdminUser, user, request)
    target = users.get_user(session, user_id=user_id, park_id=user.park_id, actor=user)
    # Only what changed: a changed role or a disabled account ends the user's sessions.
    users.update_user(
        session,
        actor=user,
        user_id=user_id,
        role=role if role != target.role else None,
        is_active=bool(active) if bool(active) != target.is_active else None,
        assigned_doc_types=assigned or [],
    )
    return see_other("/users?done=user_updated")
