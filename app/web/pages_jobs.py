"""The background jobs page (/admin/jobs): what ran, what failed and why, and a failed job's requeue.

The same service functions as /api/jobs (app/jobs/service.py): the same access rule, the same actions."""

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from app.db import SessionDep
from app.deps import EntityId
from app.jobs import access, service
from app.jobs.models import JobState
from app.jobs.schemas import job_public
from app.web.common import WebUser, render, see_other

router = APIRouter()

PAGE_SIZE = 200


@router.get("/admin/jobs")
def jobs_page(
    request: Request,
    session: SessionDep,
    user: WebUser,
    state: Annotated[JobState | None, Query()] = None,
    requeued: Annotated[int | None, Query(ge=1, le=2_147_483_647)] = None,
) -> Response:
    jobs = service.list_jobs(session, user=user, state=state, limit=PAGE_SIZE + 1)
    rows = [job_public(job, is_admin=access.may_manage(user)) for job in jobs[:PAGE_SIZE]]
    return render(
        request,
        "jobs.html",
        section="jobs",
        jobs=rows,
        more=len(jobs) > PAGE_SIZE,
        state=str(state) if state else "",
        states=[str(value) for value in JobState],
        requeued=requeued,
    )


@router.post("/admin/jobs/{job_id}/requeue")
def requeue_job(session: SessionDep, user: WebUser, job_id: EntityId) -> Response:
    service.requeue_by(session, user=user, job_id=job_id)
    return see_other(f"/admin/jobs?requeued={job_id}")
