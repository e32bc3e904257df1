"""Scheduled jobs: the daily reminders (`carbonms remind`'s work) as job kind `daily_reminders`, one per park and
local day, queued from `CARBONMS_REMINDERS_HOUR` of the park's time zone on.

Any number of schedulers may run (every `carbonms worker`, every server process's in-process runner): the day's
slot row (`JobSlot`, primary key (kind, key)) is inserted in the transaction that queues the job, so only the first
scheduler's insert succeeds and the others find the slot taken. The job's key is the park's id and local date.
"""

from __future__ import annotations

import logging
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlmodel import col

from app import timezones
from app.common import utcnow
from app.config import get_settings
from app.db import session_scope
from app.jobs import service, sweeps
from app.jobs.models import JobSlot
from app.jobs.registry import handler
from app.parks.queries import park_time_zone
from app.performance.deviations import detect_parks
from app.tasks.reminders import SmtpSettings, send_reminders
from app.users.models import Park

logger = logging.getLogger("carbonms.jobs")

DAILY_REMINDERS = "daily_reminders"


def reminder_key(park_id: int, day: date) -> str:
    return f"{park_id}:{day.isoformat()}"


def _parks_due(now: datetime, hour: int, park_ids: list[int] | None) -> list[tuple[int, date]]:
    """Each park (of `park_ids`, default all) whose local clock has reached `hour` today, with its local date."""
    due = []
    query = select(col(Park.id)).order_by(col(Park.id))
    if park_ids is not None:
        query = query.where(col(Park.id).in_(park_ids))
    with session_scope(write=False) as session:
        for park_id in session.execute(query).scalars():
            local = timezones.local(now, park_time_zone(session, park_id))
            if local.hour >= hour:
                due.append((park_id, local.date()))
    return due


def _slot_taken(kind: str, key: str) -> bool:
    with session_scope(write=False) as session:
        return session.get(JobSlot, (kind, key)) is not None


def enqueue_slot(kind: str, key: str, payload: dict, *, park_id: int | None) -> bool:
    """Queue `kind` for `key` unless a scheduler already did (now or earlier); whether this call queued it."""
    if _slot_taken(kind, key):  # the common case, without a writing transaction
        return False
    try:
        with session_scope() as session:
            slot = JobSlot(kind=kind, key=key, park_id=park_id)
            session.add(slot)
            session.flush()  # a concurrent scheduler's slot: IntegrityError here (or at its commit on PostgreSQL)
            slot.job_id = service.enqueue(session, kind, key, payload, park_id=park_id).id
            session.add(slot)
    except IntegrityError:
        return False
    return True


@sweeps.register_periodic
def enqueue_daily_reminders(now: datetime | None = None, *, park_ids: list[int] | None = None) -> int:
    """Queue today's reminders of every park (or of `park_ids`) whose local time has reached the reminders hour;
    how many were queued."""
    now = now or utcnow()
    queued = 0
    for park_id, day in _parks_due(now, get_settings().reminders_hour, park_ids):
        payload = {"park_id": park_id, "date": day.isoformat()}
        queued += enqueue_slot(DAILY_REMINDERS, reminder_key(park_id, day), payload, park_id=park_id)
    return queued


@handler(DAILY_REMINDERS)
def daily_reminders(payload: dict) -> None:
    """One park's day: last year's significant deviations become tasks, then each user's tasks are sent (or logged,
    without SMTP). Detection is idempotent; a retry after a failed send may send some messages again."""
    day = date.fromisoformat(payload["date"])
    with session_scope(write=False) as session:
        park = session.get(Park, int(payload["park_id"]))
        if park is None:
            return  # the park was removed: nothing to remind
        code = park.code
    with session_scope() as session:
        detect_parks(session, year=day.year - 1, park_code=code)
    with session_scope(write=False) as session:
        count = send_reminders(session, today=day, park_code=code, smtp=SmtpSettings.from_env(), echo=logger.info)
    logger.info("daily reminders of park %s for %s: %s user(s) with tasks", code, day, count)
