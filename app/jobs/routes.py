"""REST API: /api/jobs, the background jobs an administrator or coordinator may see, and their requeue. Thin."""

from typing import Annotated

from fastapi import APIRouter, Query

from app.db import SessionDep
from app.deps import CurrentUser, EntityId
from app.jobs import access, service
from app.jobs.models import JobState
from app.jobs.schemas import MAX_PAGE, JobPublic, job_public

router = APIRouter(prefix="/api", tags=["jobs"])


@router.get("/jobs")
def list_jobs(
    session: SessionDep,
    user: CurrentUser,
    state: Annotated[JobState | None, Query(description="queued | running | done | failed")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> list[JobPublic]:
    jobs = service.list_jobs(session, user=user, state=state, limit=limit, offset=offset)
    return [job_public(job, is_admin=access.may_manage(user)) for job in jobs]


@router.post("/jobs/{job_id}/requeue")
def requeue_job(job_id: EntityId, session: SessionDep, user: CurrentUser) -> JobPublic:
    job = service.requeue_by(session, user=user, job_id=job_id)
    return job_public(job, is_admin=access.may_manage(user))
