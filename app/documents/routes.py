from typing import Annotated

from fastapi import APIRouter, File, Form, Header, Query, UploadFile
from starlette.concurrency import run_in_threadpool

from app.clauses.models import DocKind
from app.config import get_settings
from app.db import SessionDep
from app.deps import ClientAddress, CurrentUser, EntityId
from app.documents import detail_queries, queries, records_service, service, storage
from app.documents.lifecycle import Action
from app.documents.models import AccessLevel, Document
from app.documents.schemas import (
    DocumentCreate,
    DocumentDetail,
    DocumentPage,
    DocumentPublic,
    ReasonIn,
    RecordPublic,
    RevisionPublic,
    SignatureIn,
)
from app.errors import Invalid
from app.uploads.form import StagedFormRoute

router = APIRouter(prefix="/api", tags=["documents"], route_class=StagedFormRoute)

IfMatch = Annotated[str | None, Header(alias="If-Match", description="the version the client expects")]


def expected_version(value: str | None) -> int | None:
    """Accept `3`, `"3"` or `W/"3"` in If-Match; anything else is a client error."""
    if value is None or value.strip() in ("", "*"):
        return None
    cleaned = value.strip().removeprefix("W/").strip('"')
    if not cleaned.isdigit():
        raise Invalid("If-Match 头必须是版本号（整数）", "The If-Match header must be a version number")
    return int(cleaned)


async def _stage(upload: UploadFile) -> storage.StagedFile:
    settings = get_settings()
    return await storage.stage_upload(upload, max_bytes=settings.max_upload_bytes, tmp_dir=settings.tmp_dir)


@router.post("/documents", response_model=DocumentPublic, status_code=201)
def register_document(body: DocumentCreate, session: SessionDep, user: CurrentUser) -> DocumentPublic:
    document = service.register_document(
        session,
        actor=user,
        doc_type_code=body.doc_type,
        title=body.title,
        owner_unit=body.owner_unit,
        access_level=body.access_level,
        control_no=body.control_no,
        kind=DocKind.document,
    )
    return queries.new_document_out(session, document)


@router.get("/documents", response_model=DocumentPage)
def list_documents(
    session: SessionDep,
    user: CurrentUser,
    doc_type: Annotated[str | None, Query(alias="type", max_length=48)] = None,
    clause: Annotated[str | None, Query(max_length=16)] = None,
    state: Annotated[str | None, Query(max_length=16)] = None,
    owner_unit: Annotated[str | None, Query(max_length=200)] = None,
    access_level: AccessLevel | None = None,
    kind: Annotated[str | None, Query(pattern="^(document|record)$")] = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
    sort: Annotated[str, Query(pattern="^-?(control_no|title|created_at|doc_type|owner_unit)$")] = "control_no",
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> DocumentPage:
    filters = queries.DocumentFilters(
        doc_type=doc_type,
        clause=clause,
        state=state,
        owner_unit=owner_unit,
        access_level=access_level,
        kind=kind,
        q=q,
        sort=sort.lstrip("-"),
        descending=sort.startswith("-"),
    )
    return queries.list_documents(session, user=user, filters=filters, limit=limit, offset=offset)


@router.get("/documents/{document_id}", response_model=DocumentDetail)
def get_document(document_id: EntityId, session: SessionDep, user: CurrentUser) -> DocumentDetail:
    document = service.get_document(session, document_id=document_id, user=user)
    return detail_queries.document_detail(session, document=document, user=user)


@router.post("/documents/{document_id}/revisions", response_model=RevisionPublic, status_code=201)
async def upload_revision(
    document_id: EntityId,
    session: SessionDep,
    user: CurrentUser,
    file: Annotated[UploadFile, File()],
    change_reason: Annotated[str, Form(max_length=4000)] = "",
    if_match: IfMatch = None,
) -> RevisionPublic:
    version = expected_version(if_match)
    staged = await _stage(file)

    def add() -> RevisionPublic:  # database work stays off the event loop
        revision = service.add_revision(
            session,
            actor=user,
            document_id=document_id,
            staged=staged,
            change_reason=change_reason,
            expected_version=version,
        )
        return detail_queries.revision_out(session, revision, user)

    return await run_in_threadpool(add)


@router.post("/documents/{document_id}/obsolete", response_model=DocumentDetail)
def make_obsolete(
    document_id: EntityId, body: ReasonIn, session: SessionDep, user: CurrentUser, if_match: IfMatch = None
) -> DocumentDetail:
    document = service.make_obsolete(
        session, actor=user, document_id=document_id, reason=body.reason, expected_version=expected_version(if_match)
    )
    return detail_queries.document_detail(session, document=document, user=user)


@router.get("/revisions/{revision_id}", response_model=RevisionPublic)
def get_revision(revision_id: EntityId, session: SessionDep, user: CurrentUser) -> RevisionPublic:
    revision = service.get_revision(session, revision_id=revision_id, user=user)
    return detail_queries.revision_out(session, revision, user)


def _transition(
    session: SessionDep,
    user: CurrentUser,
    revision_id: EntityId,
    action: Action,
    *,
    comment: str = "",
    password: str | None = None,
    if_match: str | None = None,
    client_address: str = "",
) -> RevisionPublic:
    revision = service.transition_revision(
        session,
        actor=user,
        revision_id=revision_id,
        action=action,
        comment=comment,
        password=password,
        expected_version=expected_version(if_match),
        client_address=client_address,
    )
    return detail_queries.revision_out(session, revision, user)


@router.post("/revisions/{revision_id}/submit", response_model=RevisionPublic)
def submit(revision_id: EntityId, session: SessionDep, user: CurrentUser, if_match: IfMatch = None) -> RevisionPublic:
    return _transition(session, user, revision_id, Action.submit, if_match=if_match)


@router.post("/revisions/{revision_id}/review", response_model=RevisionPublic)
def review(
    revision_id: EntityId,
    body: SignatureIn,
    session: SessionDep,
    user: CurrentUser,
    address: ClientAddress,
    if_match: IfMatch = None,
) -> RevisionPublic:
    return _transition(
        session,
        user,
        revision_id,
        Action.review,
        comment=body.comment,
        password=body.password,
        if_match=if_match,
        client_address=address,
    )


@router.post("/revisions/{revision_id}/approve", response_model=RevisionPublic)
def approve(
    revision_id: EntityId,
    body: SignatureIn,
    session: SessionDep,
    user: CurrentUser,
    address: ClientAddress,
    if_match: IfMatch = None,
) -> RevisionPublic:
    return _transition(
        session,
        user,
        revision_id,
        Action.approve,
        comment=body.comment,
        password=body.password,
        if_match=if_match,
        client_address=address,
    )


@router.post("/revisions/{revision_id}/reject", response_model=RevisionPublic)
def reject(
    revision_id: EntityId, body: SignatureIn, session: SessionDep, user: CurrentUser, if_match: IfMatch = None
) -> RevisionPublic:
    return _transition(session, user, revision_id, Action.reject, comment=body.comment, if_match=if_match)


@router.post("/revisions/{revision_id}/publish", response_model=RevisionPublic)
def publish(revision_id: EntityId, session: SessionDep, user: CurrentUser, if_match: IfMatch = None) -> RevisionPublic:
    return _transition(session, user, revision_id, Action.publish, if_match=if_match)


@router.post("/records", response_model=RecordPublic, status_code=201)
async def create_record(
    session: SessionDep,
    user: CurrentUser,
    file: Annotated[UploadFile, File()],
    doc_type: Annotated[str, Form(alias="type", max_length=48)],
    period: Annotated[str, Form(max_length=40)],
    title: Annotated[str, Form(max_length=300)] = "",
    owner_unit: Annotated[str, Form(max_length=200)] = "",
    access_level: Annotated[AccessLevel, Form()] = AccessLevel.internal,
    submit: Annotated[bool, Form()] = True,
    covers_clause: Annotated[str, Form(max_length=16)] = "",
) -> RecordPublic:
    records_service.parse_period(period)  # refuse a bad period before storing anything
    staged = await _stage(file)

    def create() -> RecordPublic:  # database work stays off the event loop
        document, revision = records_service.create_record(
            session,
            actor=user,
            doc_type_code=doc_type,
            period_text=period,
            staged=staged,
            title=title,
            owner_unit=owner_unit,
            access_level=access_level,
            submit=submit,
            covers_clause=covers_clause,
        )
        return detail_queries.record_public(session, document, revision)

    return await run_in_threadpool(create)


@router.get("/records/{record_id}", response_model=RecordPublic)
def get_record(record_id: EntityId, session: SessionDep, user: CurrentUser) -> RecordPublic:
    revision = records_service.record_revision(session, record_id=record_id, user=user)
    return detail_queries.record_public(session, _record_document(session, record_id), revision)


def _record_transition(
    session: SessionDep,
    user: CurrentUser,
    record_id: EntityId,
    action: Action,
    *,
    comment: str = "",
    password: str | None = None,
    if_match: str | None = None,
    client_address: str = "",
) -> RecordPublic:
    revision = records_service.record_revision(session, record_id=record_id, user=user)
    assert revision.id is not None  # a stored row
    revision = service.transition_revision(
        session,
        actor=user,
        revision_id=revision.id,
        action=action,
        comment=comment,
        password=password,
        expected_version=expected_version(if_match),
        client_address=client_address,
    )
    return detail_queries.record_public(session, _record_document(session, record_id), revision)


def _record_document(session: SessionDep, record_id: int) -> Document:
    return session.get_one(Document, record_id)  # records_service.record_revision found its revision


@router.post("/records/{record_id}/submit", response_model=RecordPublic)
def submit_record(
    record_id: EntityId, session: SessionDep, user: CurrentUser, if_match: IfMatch = None
) -> RecordPublic:
    return _record_transition(session, user, record_id, Action.submit, if_match=if_match)


@router.post("/records/{record_id}/approve", response_model=RecordPublic)
def approve_record(
    record_id: EntityId,
    body: SignatureIn,
    session: SessionDep,
    user: CurrentUser,
    address: ClientAddress,
    if_match: IfMatch = None,
) -> RecordPublic:
    return _record_transition(
        session,
        user,
        record_id,
        Action.approve,
        comment=body.comment,
        password=body.password,
        if_match=if_match,
        client_address=address,
    )


@router.post("/records/{record_id}/reject", response_model=RecordPublic)
def reject_record(
    record_id: EntityId, body: SignatureIn, session: SessionDep, user: CurrentUser, if_match: IfMatch = None
) -> RecordPublic:
    return _record_transition(session, user, record_id, Action.reject, comment=body.comment, if_match=if_match)


@router.post("/records/{record_id}/void", response_model=RecordPublic)
def void_record(
    record_id: EntityId, body: ReasonIn, session: SessionDep, user: CurrentUser, if_match: IfMatch = None
) -> RecordPublic:
    return _record_transition(session, user, record_id, Action.void, comment=body.reason, if_match=if_match)
