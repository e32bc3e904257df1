"""Retention pages: the disposition list with the types' classes and the legal holds, one batch (appraisal, signed
approval, rejection, destruction) and the destruction register. The same services and shapes as the API."""

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from app.db import SessionDep
from app.deps import ClientAddress, EntityId
from app.errors import Invalid
from app.retention import access, destruction, holds, queries, service
from app.retention.models import Opinion
from app.retention.schemas import batch_public, due_public, hold_public, tombstone_public, type_retentions
from app.web.common import WebUser, render, see_other

router = APIRouter()

Text = Annotated[str, Form(max_length=4000)]
Ids = Annotated[list[int], Form(max_length=500)]


@router.get("/retention")
def retention_page(request: Request, session: SessionDep, user: WebUser) -> Response:
    access.require_reader(user)
    today = service.park_today(session, user.park_id)
    return render(
        request,
        "retention.html",
        section="retention",
        due=[due_public(row) for row in queries.due(session, user.park_id, today)],
        batches=[batch_public(batch, [], user) for batch in service.list_batches(session, user.park_id)],
        holds=[hold_public(hold) for hold in queries.active_holds(session, user.park_id)],
        types=type_retentions(session, user.park_id),
        may_manage=user.role in access.MANAGERS,
        may_hold=user.role in access.HOLDERS,
    )


@router.post("/retention/batches")
def propose(session: SessionDep, user: WebUser, revision_ids: Ids = [], comment: Text = "") -> Response:  # noqa: B006
    batch = service.propose(session, actor=user, revision_ids=revision_ids, comment=comment)
    return see_other(f"/retention/batches/{batch.id}?done=retention_proposed")


@router.get("/retention/batches/{batch_id:int}")
def batch_page(batch_id: EntityId, request: Request, session: SessionDep, user: WebUser) -> Response:
    access.require_reader(user)
    batch = service.get_batch(session, batch_id=batch_id, user=user)
    items = service.batch_items(session, batch_id)
    revisions = service.revisions_of(session, items)
    return render(
        request,
        "retention_batch.html",
        section="retention",
        b=batch_public(batch, items, user),
        revisions=revisions,
        documents=service.documents_of(session, items),
        opinions=[opinion.value for opinion in Opinion],
    )


@router.post("/retention/batches/{batch_id:int}/appraise")
async def appraise(batch_id: EntityId, request: Request, session: SessionDep, user: WebUser) -> Response:
    form = await request.form()
    opinions = []
    for item in service.batch_items(session, batch_id):
        value = str(form.get(f"opinion_{item.id}", ""))
        if value not in {opinion.value for opinion in Opinion}:
            raise Invalid(
                "鉴定必须对批次中的每一项给出意见", "The appraisal needs an opinion on every item of the batch"
            )
        until = str(form.get(f"keep_until_{item.id}", "")).strip()
        try:
            keep_until = date.fromisoformat(until) if until else None
        except ValueError:
            raise Invalid("日期格式不正确", "Bad date") from None
        assert item.id is not None  # a stored row
        opinions.append(
            service.OpinionInput(item.id, Opinion(value), keep_until, str(form.get(f"comment_{item.id}", "")))
        )
    service.appraise(session, actor=user, batch_id=batch_id, opinions=opinions, comment=str(form.get("comment", "")))
    return see_other(f"/retention/batches/{batch_id}?done=retention_done")


@router.post("/retention/batches/{batch_id:int}/approve")
def approve(
    batch_id: EntityId,
    session: SessionDep,
    user: WebUser,
    address: ClientAddress,
    password: Annotated[str, Form(max_length=256)] = "",
    comment: Text = "",
) -> Response:
    service.approve(session, actor=user, batch_id=batch_id, password=password, comment=comment, client_address=address)
    return see_other(f"/retention/batches/{batch_id}?done=retention_done")


@router.post("/retention/batches/{batch_id:int}/reject")
def reject(batch_id: EntityId, session: SessionDep, user: WebUser, reason: Text = "") -> Response:
    service.reject(session, actor=user, batch_id=batch_id, reason=reason)
    return see_other(f"/retention/batches/{batch_id}?done=retention_done")


@router.post("/retention/batches/{batch_id:int}/destroy")
def destroy(batch_id: EntityId, session: SessionDep, user: WebUser) -> Response:
    destruction.destroy(session, actor=user, batch_id=batch_id)
    return see_other(f"/retention/batches/{batch_id}?done=retention_done")


@router.post("/retention/holds")
def place_hold(
    session: SessionDep,
    user: WebUser,
    reason: Text = "",
    document_id: Annotated[str, Form(max_length=12)] = "",
    doc_type: Annotated[str, Form(max_length=48)] = "",
) -> Response:
    if document_id.strip() and not document_id.strip().isdigit():
        raise Invalid("文件编号应为数字", "The document id is a number")
    holds.place_hold(
        session,
        actor=user,
        reason=reason,
        document_id=int(document_id) if document_id.strip() else None,
        doc_type=doc_type.strip() or None,
    )
    return see_other("/retention?done=retention_hold#holds-h")


@router.post("/retention/holds/{hold_id:int}/release")
def release_hold(hold_id: EntityId, session: SessionDep, user: WebUser, reason: Text = "") -> Response:
    holds.release_hold(session, actor=user, hold_id=hold_id, reason=reason)
    return see_other("/retention?done=retention_hold#holds-h")


@router.post("/retention/types/{code}")
def set_class(
    code: str,
    session: SessionDep,
    user: WebUser,
    retention: Annotated[str, Form(max_length=16)] = "",
    reason: Text = "",
) -> Response:
    service.set_class(session, actor=user, doc_type_code=code, retention=retention or None, reason=reason)
    return see_other("/retention?done=retention_class#types-h")


@router.get("/retention/register")
def register_page(request: Request, session: SessionDep, user: WebUser) -> Response:
    access.require_reader(user)
    rows = [tombstone_public(row) for row in queries.register(session, user.park_id)]
    return render(request, "retention_register.html", section="retention", rows=rows)
