"""The background jobs page in a real browser (Debian's Chromium, as tests/web/test_browser.py): zero WCAG 2 A/AA
violations in Chinese and English, and a failed job queued again with its button."""

import re
from pathlib import Path

import pytest

from app.jobs.models import JobState
from tests.jobs.test_admin_jobs import _failed_job, _state
from tests.web.test_browser import Person, chromium, live_server

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("browser")]
__all__ = ["chromium", "live_server"]  # the browser tests' fixtures, used here too


def test_the_jobs_page_is_accessible_and_requeues(live_server, chromium, park, tmp_path) -> None:
    job_id, payload = _failed_job(park.id, tmp_path)
    for lang in ("zh", "en"):
        coordinator = Person(chromium, live_server, park.usernames["coordinator"], lang=lang)
        coordinator.go("/admin/jobs")  # every visit runs the WCAG check
        coordinator.go("/admin/jobs?state=failed")
        coordinator.page.locator(f"#job-{job_id} summary").click()  # the full error, unfolded
        coordinator.check()
        coordinator.context.close()
    Path(payload["fixed"]).write_text("fixed", encoding="utf-8")
    admin = Person(chromium, live_server, park.usernames["admin"])
    admin.go("/admin/jobs?state=failed")
    admin.page.locator(f"#job-{job_id} button[type=submit]").click()
    admin.page.wait_for_url(re.compile(rf"/admin/jobs\?requeued={job_id}$"))
    admin.check()
    assert "任务已重新排队。" in admin.page.locator("main").inner_text()
    admin.context.close()
    assert _state(job_id) == JobState.done
