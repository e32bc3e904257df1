"""REST API: a document's distribution list and read confirmations (8.4 d)), and comparing two revisions.
Thin: parse, call one service function, shape."""

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response

from app.db import SessionDep
from app.deps import CurrentUser, EntityId
from app.documents import compare, distribution_service, storage
from app.documents.schemas import (
    DistributionIn,
    DistributionPublic,
    ReadConfirmationPublic,
    ReadConfirmIn,
    RevisionComparison,
)

router = APIRouter(prefix="/api", tags=["documents"])

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@router.get("/documents/{document_id}/distribution", response_model=DistributionPublic)
def get_distribution(document_id: EntityId, session: SessionDep, user: CurrentUser) -> DistributionPublic:
    return distribution_service.status(session, user=user, document_id=document_id)


@router.put("/documents/{document_id}/distribution", response_model=DistributionPublic)
def set_distribution(
    document_id: EntityId, body: DistributionIn, session: SessionDep, user: CurrentUser
) -> DistributionPublic:
    distribution_service.set_list(session, actor=user, document_id=document_id, entries=body.entries)
    return distribution_service.status(session, user=user, document_id=document_id)


@router.post("/documents/{document_id}/distribution/confirm", response_model=ReadConfirmationPublic)
def confirm_reading(
    document_id: EntityId, body: ReadConfirmIn, session: SessionDep, user: CurrentUser
) -> ReadConfirmationPublic:
    return distribution_service.confirm(session, actor=user, document_id=document_id, revision_id=body.revision_id)


@router.get("/documents/{document_id}/distribution/export")
def export_distribution(document_id: EntityId, session: SessionDep, user: CurrentUser) -> Response:
    data, name = distribution_service.export_xlsx(session, user=user, document_id=document_id)
    return Response(data, media_type=XLSX, headers={"Content-Disposition": storage.content_disposition(name)})


@router.get("/documents/{document_id}/compare", response_model=RevisionComparison)
def compare_revisions(
    document_id: EntityId,
    session: SessionDep,
    user: CurrentUser,
    from_id: Annotated[int, Query(alias="from", ge=1, le=2_147_483_647)],
    to_id: Annotated[int, Query(alias="to", ge=1, le=2_147_483_647)],
) -> RevisionComparison:
    _document, comparison = compare.compare_revisions(
        session, user=user, document_id=document_id, from_id=from_id, to_id=to_id
    )
    return comparison


@router.get("/documents/{document_id}/compare/docx")
def compare_revisions_docx(
    document_id: EntityId,
    session: SessionDep,
    user: CurrentUser,
    from_id: Annotated[int, Query(alias="from", ge=1, le=2_147_483_647)],
    to_id: Annotated[int, Query(alias="to", ge=1, le=2_147_483_647)],
) -> Response:
    document, comparison = compare.compare_revisions(
        session, user=user, document_id=document_id, from_id=from_id, to_id=to_id
    )
    data = compare.comparison_docx(session, comparison, document.park_id)
    name = f"{document.control_no}-第{comparison.from_revision.number}版与第{comparison.to_revision.number}版比较.docx"
    return Response(data, media_type=DOCX, headers={"Content-Disposition": storage.content_disposition(name)})
