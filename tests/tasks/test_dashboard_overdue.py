"""The dashboard's overdue figure and /tasks come from one place (app.tasks): they never disagree."""

import re

import pytest

from tests.audits.helpers import create_audit, post, raise_nc
from tests.web.conftest import Browser

# The dashboard's "my overdue tasks" tile (the item tiles beside it count readiness items, not tasks).
OVERDUE_TILE = re.compile(
    r'class="tile st-border-overdue" data-count="tasks"[^>]*>\s*(?:<a [^>]*>)?\s*<span class="num">(\d+)</span>'
)


@pytest.fixture()
def browser(app):
    opened: list[Browser] = []

    def open_browser(park, role: str) -> Browser:
        opened.append(Browser(app, park, role))
        return opened[-1]

    yield open_browser
    for item in opened:
        item.close()


def _dashboard_overdue(browser: Browser) -> int:
    page = browser.get("/")
    assert page.status_code == 200
    match = OVERDUE_TILE.search(page.text)
    assert match, "no overdue figure on the dashboard"
    return int(match.group(1))


def _overdue_tasks(park, role: str) -> int:
    response = park.client.get("/api/tasks", headers=park.headers(role))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["overdue"] == sum(1 for task in body["tasks"] if task["overdue"])
    return body["overdue"]


def test_dashboard_overdue_count_equals_the_users_overdue_tasks(park, browser, figure):
    # Overdue for different people: an audit past its planned start (the auditor), an action past its due
    # date (its owner), the annual records never filed (the coordinator).
    create_audit(park, start="2020-03-01", end="2020-03-05")
    nc = raise_nc(park).json()
    post(
        park,
        f"/api/nonconformities/{nc['id']}/analyse",
        "coordinator",
        {"cause_analysis": "x", "similar_elsewhere": False},
    )
    action = {"description": "修订年度计划", "owner_id": park.user_ids["approver"], "due_date": "2020-01-10"}
    post(park, f"/api/nonconformities/{nc['id']}/plan", "coordinator", {"actions": [action]})

    seen = {}
    for role in ("coordinator", "auditor", "approver", "contributor"):
        seen[role] = (_dashboard_overdue(browser(park, role)), _overdue_tasks(park, role))
    figure(f"dashboard vs /api/tasks overdue per role: {seen}")
    assert all(dashboard == tasks for dashboard, tasks in seen.values()), seen
    assert seen["auditor"][1] == 1 and seen["approver"][1] == 1  # the audit, the action
