"""The daily reminders as a scheduled job: queued once per park and local day from the reminders hour of the park's
time zone on, however many schedulers run at once; the job does `carbonms remind`'s work for its park."""

import threading
from datetime import UTC, datetime

from sqlmodel import col, select

from app.db import session_scope
from app.jobs import scheduled
from app.jobs.models import Job, JobSlot, JobState
from app.parks.models import ParkProfile

# The reminders hour is 07:00 (CARBONMS_REMINDERS_HOUR's default) in each park's zone; Asia/Shanghai is UTC+8.
BEFORE_HOUR = datetime(2026, 12, 1, 22, 30, tzinfo=UTC)  # 06:30 in Shanghai
AFTER_HOUR = datetime(2026, 12, 1, 23, 30, tzinfo=UTC)  # 07:30 on 2 December in Shanghai
NEXT_DAY = datetime(2026, 12, 2, 23, 30, tzinfo=UTC)  # 07:30 on 3 December in Shanghai


def _reminder_jobs(park_ids: list[int]) -> list[Job]:
    with session_scope(write=False) as session:
        return list(
            session.exec(
                select(Job)
                .where(col(Job.kind) == scheduled.DAILY_REMINDERS, col(Job.park_id).in_(park_ids))
                .order_by(col(Job.park_id), col(Job.key))
            ).all()
        )


def test_reminders_are_queued_once_per_park_and_day_by_two_schedulers(park_factory) -> None:
    parks = [park_factory(roles=("coordinator",)), park_factory(roles=("coordinator",))]
    ids = [park.id for park in parks]
    assert scheduled.enqueue_daily_reminders(BEFORE_HOUR, park_ids=ids) == 0  # not yet 07:00 in the parks' zone
    assert _reminder_jobs(ids) == []
    barrier = threading.Barrier(2)
    counts: list[int] = []

    def scheduler() -> None:
        barrier.wait()
        counts.append(scheduled.enqueue_daily_reminders(AFTER_HOUR, park_ids=ids))

    threads = [threading.Thread(target=scheduler) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(counts) == 2 and sum(counts) == 2  # each park queued by exactly one of the two schedulers
    jobs = _reminder_jobs(ids)
    assert [(job.park_id, job.key) for job in jobs] == [(pid, f"{pid}:2026-12-02") for pid in ids]
    assert all(job.state == JobState.done for job in jobs), [job.last_error for job in jobs]
    # Done today: the same day is never queued again; the next day is.
    assert scheduled.enqueue_daily_reminders(AFTER_HOUR, park_ids=ids) == 0
    assert scheduled.enqueue_daily_reminders(NEXT_DAY, park_ids=ids) == 2
    assert [job.key for job in _reminder_jobs(ids)] == [
        f"{ids[0]}:2026-12-02",
        f"{ids[0]}:2026-12-03",
        f"{ids[1]}:2026-12-02",
        f"{ids[1]}:2026-12-03",
    ]
    with session_scope(write=False) as session:
        slots = session.exec(select(JobSlot).where(col(JobSlot.park_id).in_(ids))).all()
        slot_jobs = {slot.key: slot.job_id for slot in slots}
    assert slot_jobs == {job.key: job.id for job in _reminder_jobs(ids)}


def test_the_hour_is_the_park_local_hour(park_factory) -> None:
    park = park_factory(roles=("coordinator",))
    with session_scope() as session:
        session.add(ParkProfile(park_id=park.id, time_zone="UTC"))
    assert scheduled.enqueue_daily_reminders(AFTER_HOUR, park_ids=[park.id]) == 1  # 23:30 UTC, past 07:00
    assert [job.key for job in _reminder_jobs([park.id])] == [f"{park.id}:2026-12-01"]


def test_the_reminders_job_lists_each_user_tasks(park_factory, caplog) -> None:
    park = park_factory(roles=("coordinator",))
    with caplog.at_level("INFO", logger="carbonms.jobs"):
        scheduled.daily_reminders({"park_id": park.id, "date": "2026-12-02"})
    reminder = [record.getMessage() for record in caplog.records if f"[{park.code}]" in record.getMessage()]
    assert len(reminder) == 1 and "待办 / tasks as of 2026-12-02" in reminder[0]
    assert f"daily reminders of park {park.code} for 2026-12-02: 1 user(s) with tasks" in caplog.text
    scheduled.daily_reminders({"park_id": 2_000_000_000, "date": "2026-12-02"})  # a removed park: nothing to do


def test_a_scheduler_that_missed_the_taken_slot_meets_its_key(park_factory, monkeypatch) -> None:
    """Two schedulers both read "free" before either commits: the second one's insert hits the slot's key."""
    park = park_factory(roles=("coordinator",))
    key = scheduled.reminder_key(park.id, AFTER_HOUR.date())
    payload = {"park_id": park.id, "date": "2026-12-01"}
    assert scheduled.enqueue_slot(scheduled.DAILY_REMINDERS, key, payload, park_id=park.id) is True
    monkeypatch.setattr(scheduled, "_slot_taken", lambda kind, key: False)
    assert scheduled.enqueue_slot(scheduled.DAILY_REMINDERS, key, payload, park_id=park.id) is False
    assert [job.key for job in _reminder_jobs([park.id])] == [key]
