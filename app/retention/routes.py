"""Retention API: classes per type, legal holds, the disposition list, batches (appraise, approve with an
electronic signature, reject, destroy) and the destruction register (JSON and .xlsx). Thin: parse, call, shape."""

from fastapi import APIRouter
from fastapi.responses import Response

from app.db import SessionDep
from app.deps import ClientAddress, CurrentUser, EntityId
from app.documents import storage
from app.retention import access, destruction, holds, queries, register, service
from app.retention.schemas import (
    AppraiseIn,
    BatchPublic,
    ClassIn,
    DuePublic,
    HoldIn,
    HoldPublic,
    ProposeIn,
    RejectIn,
    ReleaseIn,
    SignIn,
    TombstonePublic,
    TypeRetention,
    batch_public,
    due_public,
    hold_public,
    tombstone_public,
    type_retentions,
)
from app.users.models import User

router = APIRouter(prefix="/api/retention", tags=["retention"])

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _batch_out(session: SessionDep, batch_id: int, user: User) -> BatchPublic:
    batch = service.get_batch(session, batch_id=batch_id, user=user)
    assert batch.id is not None  # a stored row
    return batch_public(batch, service.batch_items(session, batch.id), user)


@router.get("/types", response_model=list[TypeRetention])
def list_types(session: SessionDep, user: CurrentUser) -> list[TypeRetention]:
    """每类文件的保管期限（条款映射的默认值和本园区的调整）/ each type's retention class, default and park's own."""
    access.require_reader(user)
    return type_retentions(session, user.park_id)


@router.put("/types/{code}", response_model=list[TypeRetention])
def set_type_class(code: str, body: ClassIn, session: SessionDep, user: CurrentUser) -> list[TypeRetention]:
    service.set_class(session, actor=user, doc_type_code=code, retention=body.retention, reason=body.reason)
    return type_retentions(session, user.park_id)


@router.get("/due", response_model=list[DuePublic])
def due(session: SessionDep, user: CurrentUser) -> list[DuePublic]:
    """销毁清单：已过保管期限、非永久、未冻结、未销毁的版本 / revisions past their retention."""
    access.require_reader(user)
    rows = queries.due(session, user.park_id, service.park_today(session, user.park_id))
    return [due_public(row) for row in rows]


@router.get("/holds", response_model=list[HoldPublic])
def list_holds(session: SessionDep, user: CurrentUser) -> list[HoldPublic]:
    access.require_reader(user)
    return [hold_public(hold) for hold in queries.active_holds(session, user.park_id)]


@router.post("/holds", response_model=HoldPublic, status_code=201)
def place_hold(body: HoldIn, session: SessionDep, user: CurrentUser) -> HoldPublic:
    hold = holds.place_hold(
        session, actor=user, reason=body.reason, document_id=body.document_id, doc_type=body.doc_type
    )
    return hold_public(hold)


@router.post("/holds/{hold_id}/release", response_model=HoldPublic)
def release_hold(hold_id: EntityId, body: ReleaseIn, session: SessionDep, user: CurrentUser) -> HoldPublic:
    return hold_public(holds.release_hold(session, actor=user, hold_id=hold_id, reason=body.reason))


@router.get("/batches", response_model=list[BatchPublic])
def list_batches(session: SessionDep, user: CurrentUser) -> list[BatchPublic]:
    access.require_reader(user)
    return [batch_public(batch, [], user) for batch in service.list_batches(session, user.park_id)]


@router.post("/batches", response_model=BatchPublic, status_code=201)
def propose(body: ProposeIn, session: SessionDep, user: CurrentUser) -> BatchPublic:
    batch = service.propose(session, actor=user, revision_ids=body.revision_ids, comment=body.comment)
    assert batch.id is not None  # flushed
    return _batch_out(session, batch.id, user)


@router.get("/batches/{batch_id}", response_model=BatchPublic)
def get_batch(batch_id: EntityId, session: SessionDep, user: CurrentUser) -> BatchPublic:
    access.require_reader(user)
    return _batch_out(session, batch_id, user)


@router.post("/batches/{batch_id}/appraise", response_model=BatchPublic)
def appraise(batch_id: EntityId, body: AppraiseIn, session: SessionDep, user: CurrentUser) -> BatchPublic:
    opinions = [
        service.OpinionInput(item.item_id, item.opinion, item.keep_until, item.comment) for item in body.opinions
    ]
    service.appraise(session, actor=user, batch_id=batch_id, opinions=opinions, comment=body.comment)
    return _batch_out(session, batch_id, user)


@router.post("/batches/{batch_id}/approve", response_model=BatchPublic)
def approve(
    batch_id: EntityId, body: SignIn, session: SessionDep, user: CurrentUser, address: ClientAddress
) -> BatchPublic:
    """批准销毁（电子签名：再次输入密码）/ approve the destruction with an electronic signature."""
    service.approve(
        session, actor=user, batch_id=batch_id, password=body.password, comment=body.comment, client_address=address
    )
    return _batch_out(session, batch_id, user)


@router.post("/batches/{batch_id}/reject", response_model=BatchPublic)
def reject(batch_id: EntityId, body: RejectIn, session: SessionDep, user: CurrentUser) -> BatchPublic:
    service.reject(session, actor=user, batch_id=batch_id, reason=body.reason)
    return _batch_out(session, batch_id, user)


@router.post("/batches/{batch_id}/destroy", response_model=BatchPublic)
def destroy(batch_id: EntityId, session: SessionDep, user: CurrentUser) -> BatchPublic:
    """销毁已批准批次中鉴定为销毁的文件（提交后删除文件内容，留下销毁记录）/ destroy the approved items' files."""
    destruction.destroy(session, actor=user, batch_id=batch_id)
    return _batch_out(session, batch_id, user)


@router.get("/register", response_model=list[TombstonePublic])
def destruction_register(session: SessionDep, user: CurrentUser) -> list[TombstonePublic]:
    """销毁清册 / the destruction register."""
    access.require_reader(user)
    return [tombstone_public(row) for row in queries.register(session, user.park_id)]


@router.get("/register.xlsx")
def destruction_register_xlsx(session: SessionDep, user: CurrentUser) -> Response:
    content, name = register.export_xlsx(session, user=user)
    return Response(content, media_type=XLSX, headers={"Content-Disposition": storage.content_disposition(name)})
