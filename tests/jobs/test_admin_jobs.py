"""Failures visible to an admin: /api/jobs and /admin/jobs show a park's jobs (kind, key, attempts, last error, times
in the park's zone) to its administrator and coordinator only, and a failed job is queued again from either."""

import uuid
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import update
from sqlmodel import col, select

from app.common import as_utc, utcnow
from app.db import session_scope
from app.events.models import Event
from app.jobs import execution, service
from app.jobs.models import Job, JobState
from tests.jobs import handlers  # noqa: F401  (registers the test handlers)
from tests.web.conftest import csrf_of
from tests.web.test_english_pages import _leaks


def _make_due(job_id: int) -> None:
    with session_scope() as session:
        session.execute(update(Job).where(col(Job.id) == job_id).values(run_after=utcnow() - timedelta(seconds=1)))


def _state(job_id: int) -> JobState:
    with session_scope(write=False) as session:
        job = session.get(Job, job_id)
        assert job is not None
        return job.state


def _finished_in_shanghai(job_id: int) -> str:
    """The job's end as the page shows it: stored in UTC, shown in the park's zone (Asia/Shanghai, UTC+8)."""
    with session_scope(write=False) as session:
        job = session.get(Job, job_id)
        assert job is not None and job.finished_at is not None
        return as_utc(job.finished_at).astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%d %H:%M")


def _failed_job(park_id: int | None, folder: Path) -> tuple[int, dict]:
    """A job that failed twice (its limit) in `park_id`; the cause is fixed by creating payload["fixed"]."""
    payload = {"fixed": str(folder / f"fixed-{uuid.uuid4().hex}"), "done": str(folder / f"done-{uuid.uuid4().hex}")}
    with session_scope() as session:
        job = service.enqueue(
            session, "test_fail_until_fixed", uuid.uuid4().hex, payload, park_id=park_id, max_attempts=2
        )
        job_id = job.id
    assert _state(job_id) == JobState.queued  # the first attempt failed: retried later
    _make_due(job_id)
    assert execution.run_job(job_id) == JobState.failed
    return job_id, payload


def test_a_failed_job_is_shown_and_requeued_by_an_admin(client, park_factory, tmp_path) -> None:
    park, other = park_factory(), park_factory()
    job_id, payload = _failed_job(park.id, tmp_path)
    listed = client.get("/api/jobs", params={"state": "failed"}, headers=park.headers("coordinator"))
    assert listed.status_code == 200, listed.text
    [row] = [item for item in listed.json() if item["id"] == job_id]
    assert row["kind"] == "test_fail_until_fixed"
    assert row["state"] == "failed" and row["state_label"] == "已失败"
    assert row["attempts"] == 2 and row["max_attempts"] == 2
    assert row["last_error"] == "RuntimeError: the cause is not fixed yet"
    assert row["allowed_actions"] == ["requeue"]
    assert row["finished_at"] is not None and row["locked_until"] is None
    queued = client.get("/api/jobs", params={"state": "queued"}, headers=park.headers("coordinator")).json()
    assert job_id not in [item["id"] for item in queued]
    # Another park's coordinator neither sees it nor requeues it.
    others = client.get("/api/jobs", headers=other.headers("coordinator")).json()
    assert job_id not in [item["id"] for item in others]
    assert client.post(f"/api/jobs/{job_id}/requeue", headers=other.headers("admin")).status_code == 404
    with session_scope(write=False) as session:
        probe = session.exec(
            select(Event).where(
                col(Event.action) == "access.refused",
                col(Event.entity_type) == "job",
                col(Event.entity_id) == str(job_id),
            )
        ).one()
    assert probe.park_id == other.id and probe.actor_id == other.user_ids["admin"]  # in the prober's park
    assert '"rule":"other_park"' in probe.after_json

    Path(payload["fixed"]).write_text("fixed", encoding="utf-8")
    requeued = client.post(f"/api/jobs/{job_id}/requeue", headers=park.headers("admin"))
    assert requeued.status_code == 200, requeued.text
    assert requeued.json()["state"] == "queued" and requeued.json()["attempts"] == 0
    assert _state(job_id) == JobState.done  # dispatched after the request's commit (inline in tests)
    assert Path(payload["done"]).read_text(encoding="utf-8") == "done"
    again = client.post(f"/api/jobs/{job_id}/requeue", headers=park.headers("admin"))
    assert again.status_code == 409
    with session_scope(write=False) as session:
        trail = session.exec(
            select(Event)
            .where(col(Event.entity_type) == "job", col(Event.entity_id) == str(job_id))
            .where(col(Event.action).startswith("job."))
            .order_by(col(Event.seq))
        ).all()
    assert [event.action for event in trail] == [
        "job.start",
        "job.retry_later",
        "job.start",
        "job.give_up",
        "job.requeue",
        "job.start",
        "job.succeed",
    ]
    requeue = next(event for event in trail if event.action == "job.requeue")
    assert requeue.actor_id == park.user_ids["admin"] and requeue.park_id == park.id


def test_the_page_shows_failures_in_the_park_zone_and_requeues(browser, park, tmp_path) -> None:
    job_id, payload = _failed_job(park.id, tmp_path)
    coordinator = browser(park, "coordinator")
    page = coordinator.get("/admin/jobs?state=failed")
    assert page.status_code == 200, page.text[:300]
    row = page.text.split(f'<tr id="job-{job_id}">')[1].split("</tr>")[0]
    assert "RuntimeError: the cause is not fixed yet" in row
    assert "2 / 2" in row
    assert f"结束 {_finished_in_shanghai(job_id)}" in row
    assert f'action="/admin/jobs/{job_id}/requeue"' in row
    assert '<a href="/admin/jobs"' in page.text  # in the navigation
    Path(payload["fixed"]).write_text("fixed", encoding="utf-8")
    done = coordinator.post(f"/admin/jobs/{job_id}/requeue", token=csrf_of(page.text))
    assert done.status_code == 303 and done.headers["location"] == f"/admin/jobs?requeued={job_id}"
    assert _state(job_id) == JobState.done
    after = coordinator.get(done.headers["location"]).text
    assert "任务已重新排队。" in after
    english = browser(park, "coordinator", lang="en").get(f"/admin/jobs?state=done&requeued={job_id}").text
    row = english.split(f'<tr id="job-{job_id}">')[1].split("</tr>")[0]
    assert '<span class="badge st-done">Done</span>' in row and f"Finished {_finished_in_shanghai(job_id)}" in row
    assert _leaks(english, [f"测试园区 {park.code}", "coordinator 测试"]) == []  # no Chinese interface words


def test_only_admins_and_coordinators_see_jobs_and_only_their_park(client, browser, park_factory, tmp_path) -> None:
    park, other = park_factory(), park_factory()
    job_id, _ = _failed_job(park.id, tmp_path)
    system_job, _ = _failed_job(None, tmp_path)  # no park: the administrator's only
    for role in ("approver", "top_management", "auditor", "contributor"):
        assert client.get("/api/jobs", headers=park.headers(role)).status_code == 403, role
        assert client.post(f"/api/jobs/{job_id}/requeue", headers=park.headers(role)).status_code == 403, role
    assert browser(park, "auditor").get("/admin/jobs").status_code == 403
    assert '<a href="/admin/jobs"' not in browser(park, "auditor").get("/").text
    coordinator_ids = [item["id"] for item in client.get("/api/jobs", headers=park.headers("coordinator")).json()]
    admin_ids = [item["id"] for item in client.get("/api/jobs", headers=park.headers("admin")).json()]
    assert job_id in coordinator_ids and system_job not in coordinator_ids
    assert job_id in admin_ids and system_job in admin_ids
    other_page = browser(other, "coordinator").get("/admin/jobs").text
    assert f'id="job-{job_id}"' not in other_page and f'id="job-{system_job}"' not in other_page
    assert client.post(f"/api/jobs/{system_job}/requeue", headers=park.headers("coordinator")).status_code == 404
    assert client.get("/api/jobs", params={"state": "lost"}, headers=park.headers("admin")).status_code == 422
    assert client.post("/api/jobs/0/requeue", headers=park.headers("admin")).status_code == 422
