"""The document page's distribution (受控分发、宣贯): the list form, the "阅读并确认" button, who confirmed; and the
comparison of two revisions (tracked changes beside both change reasons)."""

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import Response
from sqlmodel import Session

from app.db import SessionDep
from app.deps import EntityId
from app.documents import compare, distribution_service
from app.documents.distribution_models import TargetKind
from app.documents.schemas import DistributionEntryIn
from app.users.models import User
from app.web.common import WebUser, render, see_other

router = APIRouter()

Ids = Annotated[list[str], Form(max_length=500)]
RevisionId = Annotated[int, Query(alias="from", ge=1, le=2_147_483_647)]


def distribution_context(session: Session, user: User, document_id: int) -> dict[str, Any]:
    """What the document page shows of the distribution: the status, and the choices a coordinator may set."""
    state = distribution_service.status(session, user=user, document_id=document_id)
    may_distribute = user.role in distribution_service.DISTRIBUTORS
    choices = distribution_service.choices(session, user.park_id) if may_distribute else None
    chosen = {(entry.kind, entry.target) for entry in state.entries}
    return {"distribution": state, "may_distribute": may_distribute, "dist_choices": choices, "dist_chosen": chosen}


@router.post("/documents/{document_id:int}/distribution")
def set_distribution(
    document_id: EntityId,
    session: SessionDep,
    user: WebUser,
    users: Ids = [],  # noqa: B006 - FastAPI reads the default, never mutates it
    roles: Ids = [],  # noqa: B006
    enterprises: Ids = [],  # noqa: B006
) -> Response:
    entries = [
        DistributionEntryIn(kind=kind.value, target=target)
        for kind, targets in ((TargetKind.user, users), (TargetKind.role, roles), (TargetKind.enterprise, enterprises))
        for target in targets
        if target.strip()
    ]
    distribution_service.set_list(session, actor=user, document_id=document_id, entries=entries)
    return see_other(f"/documents/{document_id}?done=distributed#distribution-h")


@router.post("/documents/{document_id:int}/distribution/confirm")
def confirm_reading(
    document_id: EntityId,
    session: SessionDep,
    user: WebUser,
    revision_id: Annotated[int, Form(ge=1, le=2_147_483_647)],
) -> Response:
    distribution_service.confirm(session, actor=user, document_id=document_id, revision_id=revision_id)
    return see_other(f"/documents/{document_id}?done=read_confirmed#distribution-h")


@router.get("/documents/{document_id:int}/compare")
def compare_page(
    document_id: EntityId,
    request: Request,
    session: SessionDep,
    user: WebUser,
    from_id: RevisionId,
    to_id: Annotated[int, Query(alias="to", ge=1, le=2_147_483_647)],
) -> Response:
    _document, comparison = compare.compare_revisions(
        session, user=user, document_id=document_id, from_id=from_id, to_id=to_id
    )
    return render(
        request,
        "document_compare.html",
        section="documents",
        c=comparison,
        docx_link=f"/api/documents/{document_id}/compare/docx?from={from_id}&to={to_id}",
    )
