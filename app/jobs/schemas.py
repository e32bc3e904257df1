"""The shape of a job for the API and the admin page (one shape, so they cannot disagree)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from app.common import as_utc
from app.jobs import lifecycle
from app.jobs.models import Job
from app.labels import label_en, label_zh

# The API lists at most this many jobs per request.
MAX_PAGE = 500


class JobPublic(BaseModel):
    id: int
    park_id: int | None
    kind: str
    kind_label: str
    kind_label_en: str
    key: str
    state: str
    state_label: str
    state_label_en: str
    attempts: int
    max_attempts: int
    last_error: str
    worker: str
    created_at: datetime
    run_after: datetime
    started_at: datetime | None
    finished_at: datetime | None
    locked_until: datetime | None
    allowed_actions: list[str]


def job_public(job: Job, *, is_admin: bool) -> JobPublic:
    assert job.id is not None
    return JobPublic(
        id=job.id,
        park_id=job.park_id,
        kind=job.kind,
        kind_label=label_zh("job_kind", job.kind),
        kind_label_en=label_en("job_kind", job.kind),
        key=job.key,
        state=str(job.state),
        state_label=label_zh("job_state", job.state),
        state_label_en=label_en("job_state", job.state),
        attempts=job.attempts,
        max_attempts=job.max_attempts,
        last_error=job.last_error,
        worker=job.worker,
        created_at=as_utc(job.created_at),
        run_after=as_utc(job.run_after),
        started_at=as_utc(job.started_at),
        finished_at=as_utc(job.finished_at),
        locked_until=as_utc(job.locked_until),
        allowed_actions=lifecycle.allowed_actions(job, is_admin=is_admin),
    )
