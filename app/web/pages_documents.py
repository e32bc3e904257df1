"""The register (文件清单), one document, registering documents and records, uploads and lifecycle steps."""

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Path, Query, Request, UploadFile
from fastapi.responses import Response
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from app.clauses import queries as clauses
from app.clauses.models import DocKind
from app.config import get_settings
from app.db import SessionDep, session_scope
from app.deps import ClientAddress, EntityId
from app.documents import detail_queries, queries, records_service, service, storage
from app.documents.lifecycle import ACTION_LABELS, STATE_LABELS, Action
from app.documents.models import AccessLevel
from app.errors import Invalid
from app.previews.access import for_revisions as revision_previews
from app.previews.access import register_thumbnails
from app.readiness import service as readiness
from app.reports import access
from app.uploads.form import StagedFormRoute
from app.users.models import Role, User
from app.web.common import WebUser, render, see_other
from app.web.pages_distribution import distribution_context
from app.web.trail import trail_links

router = APIRouter(route_class=StagedFormRoute)

PAGE_SIZE = 50
REGISTER_EXPORT = "/api/exports/register.xlsx"  # app.reports: the same filters as the register, cookie auth
SORT_PATTERN = "^-?(control_no|title|created_at|doc_type|owner_unit)$"
FORM_ACTIONS = ("submit", "review", "approve", "reject", "publish", "void")
Text = Annotated[str, Form(max_length=4000)]
Confirm = Annotated[str, Form(max_length=8)]


def _filters(
    doc_type: str | None,
    clause: str | None,
    state: str | None,
    owner_unit: str | None,
    access_level: AccessLevel | None,
    kind: str | None,
    q: str | None,
    sort: str,
) -> queries.DocumentFilters:
    return queries.DocumentFilters(
        doc_type=doc_type or None,
        clause=clause or None,
        state=state or None,
        owner_unit=(owner_unit or "").strip() or None,
        access_level=access_level,
        kind=kind or None,
        q=(q or "").strip() or None,
        sort=sort.lstrip("-"),
        descending=sort.startswith("-"),
    )


FilterType = Annotated[str | None, Query(alias="type", max_length=48)]
FilterClause = Annotated[str | None, Query(max_length=16)]
FilterState = Annotated[str | None, Query(max_length=16)]
FilterUnit = Annotated[str | None, Query(max_length=200)]
FilterKind = Annotated[str | None, Query(pattern="^(document|record|)$")]
FilterQ = Annotated[str | None, Query(max_length=200)]
Sort = Annotated[str, Query(pattern=SORT_PATTERN)]


def _access(value: str | None) -> AccessLevel | None:
    return AccessLevel(value) if value in {level.value for level in AccessLevel} else None


@router.get("/documents")
def register_page(
    request: Request,
    session: SessionDep,
    user: WebUser,
    doc_type: FilterType = None,
    clause: FilterClause = None,
    state: FilterState = None,
    owner_unit: FilterUnit = None,
    access_level: Annotated[str | None, Query(max_length=16)] = None,
    kind: FilterKind = None,
    q: FilterQ = None,
    sort: Sort = "control_no",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    filters = _filters(doc_type, clause, state, owner_unit, _access(access_level), kind, q, sort)
    result = queries.list_documents(session, user=user, filters=filters, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    pages = max(1, -(-result.total // PAGE_SIZE))
    params = {
        key: value
        for key, value in (
            ("type", doc_type),
            ("clause", clause),
            ("state", state),
            ("owner_unit", owner_unit),
            ("access_level", access_level),
            ("kind", kind),
            ("q", q),
        )
        if value
    }
    doc_types = clauses.list_doc_types(session)
    return render(
        request,
        "documents.html",
        section="documents",
        result=result,
        page=page,
        pages=pages,
        params=params,
        sort=sort,
        doc_types=doc_types,
        type_names={item.code: (item.title_zh, item.title_en) for item in doc_types},
        clause_list=clauses.list_clauses(session),
        states=list(STATE_LABELS),
        access_levels=[level.value for level in AccessLevel],
        export_path=REGISTER_EXPORT,
        thumbnails=register_thumbnails(session, result.items),  # a small column (previews)
    )


def _type_readiness(session: SessionDep, user: WebUser) -> dict[str, dict]:
    """Per document type: its readiness status and the applicable clauses where it is still missing."""
    result = readiness.compute_readiness(session, park_id=user.park_id, user=user)
    out: dict[str, dict] = {}
    for clause in result["clauses"]:
        for item in clause["items"]:
            entry = out.setdefault(item["doc_type"], {"status": None, "missing_in": []})
            if item["status"] == "not_applicable":
                continue
            entry["status"] = item["status"]
            if item["status"] != "met":
                entry["missing_in"].append(clause["id"])
    return out


@router.get("/documents/new")
def new_page(
    request: Request,
    session: SessionDep,
    user: WebUser,
    doc_type: Annotated[str | None, Query(alias="type", max_length=48)] = None,
) -> Response:
    types = clauses.list_doc_types(session)
    types = [item for item in types if service.may_upload(user, item.code)]
    return render(
        request,
        "register.html",
        section="new",
        types=types,
        chosen=doc_type or "",
        type_status=_type_readiness(session, user),
        may_register_documents=user.role == Role.coordinator,
        may_draft=access.may_draft_from_template(user),  # "登记并按模板起草" (pages_reports)
        access_levels=[level.value for level in AccessLevel],
    )


@router.post("/documents/new")
def register_document(
    session: SessionDep,
    user: WebUser,
    doc_type: Annotated[str, Form(max_length=48)],
    title: Annotated[str, Form(max_length=300)],
    owner_unit: Annotated[str, Form(max_length=200)] = "",
    access_level: Annotated[AccessLevel, Form()] = AccessLevel.internal,
    control_no: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    document = service.register_document(
        session,
        actor=user,
        doc_type_code=doc_type,
        title=title,
        owner_unit=owner_unit,
        access_level=access_level,
        control_no=control_no or None,
        kind=DocKind.document,
    )
    return see_other(f"/documents/{document.id}?done=registered")


async def _stage(upload: UploadFile) -> storage.StagedFile:
    settings = get_settings()
    return await storage.stage_upload(upload, max_bytes=settings.max_upload_bytes, tmp_dir=settings.tmp_dir)


@router.post("/records/new")
async def register_record(
    session: SessionDep,
    user: WebUser,
    file: Annotated[UploadFile, File()],
    doc_type: Annotated[str, Form(max_length=48)],
    period: Annotated[str, Form(max_length=40)],
    title: Annotated[str, Form(max_length=300)] = "",
    owner_unit: Annotated[str, Form(max_length=200)] = "",
    access_level: Annotated[AccessLevel, Form()] = AccessLevel.internal,
    submit: Annotated[str, Form(max_length=8)] = "",
    covers_clause: Annotated[str, Form(max_length=16)] = "",
) -> Response:
    records_service.parse_period(period)  # refuse a bad period before storing anything
    staged = await _stage(file)
    document, _revision = await run_in_threadpool(
        records_service.create_record,
        session,
        actor=user,
        doc_type_code=doc_type,
        period_text=period,
        staged=staged,
        title=title,
        owner_unit=owner_unit,
        access_level=access_level,
        submit=bool(submit),
        covers_clause=covers_clause,
    )
    return see_other(f"/documents/{document.id}?done=record_registered")


def _document_context(session: Session, user: User, document_id: int) -> dict[str, Any]:
    document = service.get_document(session, document_id=document_id, user=user)
    detail = detail_queries.document_detail(session, document=document, user=user)
    doc_type = service.get_doc_type(session, document.doc_type)
    may_upload = service.may_add_revision(session, document=document, user=user)
    return {
        "section": "documents",
        "d": detail,
        "type_name": (doc_type.title_zh, doc_type.title_en),
        "may_upload": may_upload,
        # "按模板起草" (pages_reports): a document's next draft from its type's template.
        "may_draft": may_upload and document.kind == DocKind.document and access.may_draft_from_template(user),
        "has_effective": detail.effective_revision is not None,
        "history_links": trail_links(session, park_id=user.park_id, events=detail.history),
        **distribution_context(session, user, document_id),  # 受控分发、宣贯 and the comparison form
        "previews": revision_previews(session, user, [rev.id for rev in detail.revisions]),
    }


@router.get("/documents/{document_id:int}")
def document_page(document_id: EntityId, request: Request, session: SessionDep, user: WebUser) -> Response:
    return render(request, "document.html", **_document_context(session, user, document_id))


def _retry_here(
    request: Request,
    user: User,
    form: dict[str, Any],
    *,
    document_id: int | None = None,
    revision_id: int | None = None,
) -> None:
    """If the step is refused, show the document page again: the reason beside the form, what was typed kept.

    Looked up only then, in its own read session: the step itself re-authenticates before touching the database."""

    def retry(request: Request, status_code: int, message: str) -> Response:
        with session_scope(write=False) as session:
            shown = document_id
            if shown is None:
                assert revision_id is not None
                shown = service.get_revision(session, revision_id=revision_id, user=user).document_id
            context = _document_context(session, user, shown)
        placed = any(
            form["action"] in rev.allowed_actions and (rev.id == form["revision_id"] or form["action"] == "obsolete")
            for rev in context["d"].revisions
        )  # a form no longer offered (the step was taken meanwhile): the reason goes to the top of the page
        error = form | {"message": message, "placed": placed}
        return render(request, "document.html", status_code=status_code, **context, form_error=error)

    request.state.form_retry = retry


def _require_confirmation(confirm: str, action: Action) -> None:
    if not confirm:
        zh, en = ACTION_LABELS[action]
        raise Invalid(f"请勾选确认后再{zh}", f"Tick the confirmation box to {en}")


@router.post("/documents/{document_id:int}/revisions")
async def upload_revision(
    document_id: EntityId,
    session: SessionDep,
    user: WebUser,
    file: Annotated[UploadFile, File()],
    version: Annotated[int, Form(ge=0)],
    change_reason: Text = "",
) -> Response:
    staged = await _stage(file)
    await run_in_threadpool(
        service.add_revision,
        session,
        actor=user,
        document_id=document_id,
        staged=staged,
        change_reason=change_reason,
        expected_version=version,
    )
    return see_other(f"/documents/{document_id}?done=uploaded")


@router.post("/documents/{document_id:int}/obsolete")
def make_obsolete(
    document_id: EntityId,
    request: Request,
    session: SessionDep,
    user: WebUser,
    version: Annotated[int, Form(ge=0)],
    reason: Text = "",
    confirm: Confirm = "",
) -> Response:
    _retry_here(request, user, {"action": "obsolete", "revision_id": None, "comment": reason}, document_id=document_id)
    _require_confirmation(confirm, Action.obsolete)
    service.make_obsolete(session, actor=user, document_id=document_id, reason=reason, expected_version=version)
    return see_other(f"/documents/{document_id}?done=obsolete")


@router.post("/revisions/{revision_id:int}/{action}")
def revision_step(
    revision_id: EntityId,
    action: Annotated[str, Path(pattern="^(" + "|".join(FORM_ACTIONS) + ")$")],
    session: SessionDep,
    user: WebUser,
    version: Annotated[int, Form(ge=0)],
    address: ClientAddress,
    request: Request,
    comment: Text = "",
    password: Annotated[str, Form(max_length=256)] = "",
    confirm: Confirm = "",
) -> Response:
    form = {"action": action, "revision_id": revision_id, "comment": comment}
    _retry_here(request, user, form, revision_id=revision_id)
    if action == Action.void:
        _require_confirmation(confirm, Action.void)
    revision = service.transition_revision(
        session,
        actor=user,
        revision_id=revision_id,
        action=Action(action),
        comment=comment,
        password=password or None,
        expected_version=version,
        client_address=address,
    )
    return see_other(f"/documents/{revision.document_id}?done={action}")
