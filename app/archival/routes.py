"""REST API: /api/archival/checks, the archival check (四性检测). Thin: parse, call one service function, shape."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import Response

from app.archival import report, service
from app.archival.access import CHECKERS
from app.archival.schemas import CheckDetail, CheckPublic, ScopeIn, check_detail, check_public
from app.db import SessionDep
from app.deps import EntityId, require_role
from app.documents import storage
from app.users.models import Park, User

router = APIRouter(prefix="/api", tags=["archival"])

Checker = Annotated[User, Depends(require_role(*CHECKERS))]
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@router.post("/archival/checks", response_model=CheckDetail, status_code=201)
def create_check(body: ScopeIn, session: SessionDep, user: Checker) -> CheckDetail:
    """对范围进行四性检测并保存检测记录 / run an archival check of a scope and store it."""
    run = service.check_request(
        session,
        actor=user,
        kind=body.kind,
        doc_types=body.doc_types,
        clause=body.clause,
        document_ids=body.document_ids,
        period_from=body.period_from,
        period_to=body.period_to,
    )
    return check_detail(run, service.problems_of(session, run.id or 0))


@router.get("/archival/checks", response_model=list[CheckPublic])
def list_checks(session: SessionDep, user: Checker) -> list[CheckPublic]:
    """检测记录（最新在前）/ the park's archival checks, newest first."""
    return [check_public(run) for run in service.list_checks(session, user=user)]


@router.get("/archival/checks/{check_id}", response_model=CheckDetail)
def get_check(check_id: EntityId, session: SessionDep, user: Checker) -> CheckDetail:
    run = service.get_check(session, user=user, check_id=check_id)
    return check_detail(run, service.problems_of(session, check_id))


@router.get("/archival/checks/{check_id}/report.docx")
def check_report(check_id: EntityId, session: SessionDep, user: Checker) -> Response:
    """四性检测报告（.docx）/ the check's report, made again from the stored run."""
    run = service.get_check(session, user=user, check_id=check_id)
    park = session.get_one(Park, run.park_id)
    return Response(
        report.build_report(session, run),
        media_type=DOCX,
        headers={"Content-Disposition": storage.content_disposition(report.report_filename(park, run))},
    )
