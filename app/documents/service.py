"""Documents and revisions: the rules; records register through records_service.py. Services flush, never commit."""

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from app.clauses.models import DocKind, DocType
from app.config import get_settings
from app.documents import docx_links, hooks, lifecycle, storage
from app.documents.access import can_read
from app.documents.control_numbers import checked_control_no
from app.documents.lifecycle import Action
from app.documents.models import (
    OPEN_STATES,
    AccessLevel,
    Document,
    Revision,
    RevisionState,
    RevisionText,
)
from app.errors import AppError, Conflict, Forbidden, Invalid, NotFound, StaleVersion
from app.events import service as events
from app.events.refusals import Rule, refusal
from app.users.models import Park, Role, User
from app.users.service import require_signature

REGISTRARS = frozenset({Role.coordinator})


def stage_generated(content: bytes, file_name: str) -> storage.StagedFile:
    """A generated file staged like an upload, in the data folder's part files and under the upload limit."""
    settings = get_settings()
    return storage.stage_bytes(content, file_name, max_bytes=settings.max_upload_bytes, tmp_dir=settings.tmp_dir)


def get_doc_type(session: Session, code: str) -> DocType:
    doc_type = session.get(DocType, code)
    if doc_type is None:
        raise Invalid(f"未知的文件类型：{code}", f"Unknown document type: {code}")
    return doc_type


def _why_unreadable(user: User, document: Document) -> Rule | None:
    """Why `user` may not read `document` (a row that exists), or None."""
    if document.park_id != user.park_id:
        return Rule.other_park
    return None if can_read(user, document) else Rule.access_level


_MISSING = {"document": ("文件不存在", "Document not found"), "record": ("记录不存在", "Record not found")}


def get_document(
    session: Session, *, document_id: int, user: User, for_update: bool = False, entity_type: str = "document"
) -> Document:
    """A document (or record) the user may read; missing, another park's or unreadable → the same 404."""
    query = select(Document).where(col(Document.id) == document_id)
    if for_update:
        query = query.with_for_update().execution_options(populate_existing=True)
    document = session.execute(query).scalars().first()
    rule = _why_unreadable(user, document) if document is not None else None
    if document is None or rule is not None:
        # It exists but is not theirs to read: the same answer as a missing one, and the attempt on record.
        audit = refusal(user, rule, entity_type, document_id) if rule is not None else None
        raise NotFound(*_MISSING[entity_type], audit=audit)
    return document


def get_revision(session: Session, *, revision_id: int, user: User, for_update: bool = False) -> Revision:
    query = select(Revision).where(col(Revision.id) == revision_id)
    if for_update:
        query = query.with_for_update().execution_options(populate_existing=True)
    revision = session.execute(query).scalars().first()
    document = session.get(Document, revision.document_id) if revision is not None else None
    rule = _why_unreadable(user, document) if document is not None else None
    if revision is None or document is None or rule is not None:
        # One answer whether the revision is missing, another park's or a document the user may not read.
        audit = refusal(user, rule, "revision", revision_id) if rule is not None else None
        raise NotFound("版本不存在", "Revision not found", audit=audit)
    return revision


def check_version(expected: int | None, actual: int, what: str = "revision") -> None:
    if expected is not None and expected != actual:
        raise StaleVersion(
            f"数据已被他人修改（您看到的是第 {expected} 版，当前为第 {actual} 版），请刷新后重试",
            f"This {what} was changed by someone else (you saw version {expected}, it is now {actual}); reload",
        )


def may_upload(user: User, doc_type_code: str) -> bool:
    """The one rule of who may upload a type: registrars any, a contributor the types assigned to them."""
    return user.role in REGISTRARS or (user.role == Role.contributor and doc_type_code in user.assigned_types)


def may_upload_any(user: User) -> bool:
    """Whether the user may upload something at all (the web's "add documents" entry)."""
    return user.role in REGISTRARS or (user.role == Role.contributor and bool(user.assigned_types))


def may_register_type(user: User, doc_type_code: str, kind: str) -> bool:
    """Whether the user may register a new document or record of a type (what register_document/create_record allow)."""
    if kind == DocKind.document:
        return user.role in REGISTRARS
    return may_upload(user, doc_type_code)


def _require_uploader(user: User, doc_type: DocType) -> None:
    if may_upload(user, doc_type.code):
        return
    raise Forbidden(
        "您无权上传此类型的文件",
        "You may not upload documents of this type",
        audit=refusal(user, Rule.role if user.role != Role.contributor else Rule.assignment, "doc_type", doc_type.code),
    )


def _next_control_no(session: Session, park: Park, doc_type: DocType) -> str:
    prefix = f"{park.code}-{doc_type.code}-"
    count = session.execute(
        select(func.count())
        .select_from(Document)
        .where(col(Document.park_id) == park.id, col(Document.doc_type) == doc_type.code)
    ).scalar_one()
    number = count + 1
    while session.execute(
        select(col(Document.id)).where(
            col(Document.park_id) == park.id, col(Document.control_no) == f"{prefix}{number:03d}"
        )
    ).first():
        number += 1
    return f"{prefix}{number:03d}"


def register_document(
    session: Session,
    *,
    actor: User,
    doc_type_code: str,
    title: str,
    owner_unit: str = "",
    access_level: AccessLevel = AccessLevel.internal,
    control_no: str | None = None,
    kind: DocKind | None = None,
) -> Document:
    doc_type = get_doc_type(session, doc_type_code)
    if kind is not None and doc_type.kind != kind:
        raise Invalid(
            f"“{doc_type.title_zh}”是{'记录' if doc_type.kind == DocKind.record else '文件'}类型",
            f"“{doc_type.code}” is a {doc_type.kind} type",
        )
    if doc_type.kind == DocKind.document and actor.role not in REGISTRARS:
        raise Forbidden(
            "只有体系管理员可以登记受控文件",
            "Only a coordinator may register controlled documents",
            audit=refusal(actor, Rule.role, "doc_type", doc_type.code),
        )
    _require_uploader(actor, doc_type)
    title = title.strip()
    if not title:
        raise Invalid("标题不能为空", "The title is required")
    park = session.get_one(Park, actor.park_id)
    assert actor.id is not None  # a stored user
    control_no = checked_control_no(control_no) if control_no else _next_control_no(session, park, doc_type)
    if session.execute(
        select(col(Document.id)).where(col(Document.park_id) == park.id, col(Document.control_no) == control_no)
    ).first():
        raise Conflict(f"受控编号 {control_no} 已存在", f"Control number {control_no} already exists")
    document = Document(
        park_id=actor.park_id,
        control_no=control_no,
        doc_type=doc_type.code,
        kind=doc_type.kind,
        title=title,
        owner_unit=owner_unit.strip(),
        access_level=access_level,
        created_by_id=actor.id,
    )
    session.add(document)
    try:
        session.flush()
    except IntegrityError as exc:
        raise Conflict("受控编号冲突，请重试", "The control number was just taken; please retry") from exc
    events.record(
        session,
        action="document.register",
        entity_type="document",
        entity_id=document.id,
        park_id=park.id,
        actor=actor,
        after={
            "control_no": control_no,
            "doc_type": doc_type.code,
            "title": title,
            "access_level": str(access_level),
            "owner_unit": document.owner_unit,
        },
    )
    return document


def revision_refusal(actor: User, doc_type: DocType, document: Document, states: list[str]) -> AppError | None:
    """Why `actor` may not add a revision to `document` now, or None: the one check behind uploads and their forms."""
    try:
        _require_uploader(actor, doc_type)
    except Forbidden as exc:
        return exc
    if any(state in OPEN_STATES for state in states):
        return Conflict(
            "该文件已有一个未完成的版本，请先完成或退回它",
            "This document already has an open revision; finish or reject it first",
        )
    if document.kind == DocKind.record and states:
        return Conflict(
            "记录归档后不能修改；如需更正，请登记一条新记录",
            "A record never changes once registered; register a new record to correct it",
        )
    if any(state == RevisionState.obsolete for state in states):
        return Conflict("文件已作废，不能再添加版本", "The document is obsolete; no new revision can be added")
    return None


def may_add_revision(session: Session, *, document: Document, user: User) -> bool:
    """True when `user` may upload a new revision of `document` now (for showing the upload form)."""
    states = (
        session.execute(select(col(Revision.state)).where(col(Revision.document_id) == document.id)).scalars().all()
    )
    return revision_refusal(user, get_doc_type(session, document.doc_type), document, list(states)) is None


def _store(session: Session, staged: storage.StagedFile) -> None:
    storage.store_blob(session, staged, blob_dir=get_settings().blob_dir)


def add_revision(
    session: Session,
    *,
    actor: User,
    document_id: int,
    staged: storage.StagedFile,
    change_reason: str = "",
    expected_version: int | None = None,
    period: tuple[date, date] | None = None,
    covers_clause: str | None = None,
) -> Revision:
    """A new draft revision of a document from an uploaded file; the staged file is always consumed."""
    try:
        document = get_document(session, document_id=document_id, user=actor, for_update=True)
        check_version(expected_version, document.version, "document")
        doc_type = get_doc_type(session, document.doc_type)
        _require_uploader(actor, doc_type)
        revisions = session.execute(
            select(col(Revision.number), col(Revision.state)).where(col(Revision.document_id) == document.id)
        ).all()
        problem = revision_refusal(actor, doc_type, document, [state for _, state in revisions])
        if problem is not None:
            raise problem
        has_effective = any(state == RevisionState.effective for _, state in revisions)
        change_reason = change_reason.strip()
        if has_effective and not change_reason:
            raise Invalid("变更现行文件必须填写变更原因", "Changing an effective document needs a change reason")
        _store(session, staged)
        assert document.id is not None and actor.id is not None  # stored rows
        revision = Revision(
            park_id=document.park_id,
            document_id=document.id,
            number=max((number for number, _ in revisions), default=0) + 1,
            state=lifecycle.initial_state(),
            change_reason=change_reason,
            blob_sha256=staged.sha256,
            file_name=staged.file_name,
            media_type=staged.media_type,
            size_bytes=staged.size_bytes,
            preparer_id=actor.id,
            period_start=period[0] if period else None,
            period_end=period[1] if period else None,
            doc_type=document.doc_type,
            covers_clause=covers_clause,
        )
        session.add(revision)
        document.version += 1
        session.add(document)
        try:
            session.flush()
        except IntegrityError as exc:
            raise Conflict(
                "该文件刚刚有了一个新版本，请刷新后重试",
                "Another revision was just created for this document; reload and retry",
            ) from exc
        if staged.text:
            assert revision.id is not None  # flushed above
            session.add(RevisionText(revision_id=revision.id, text=staged.text))
        events.record(
            session,
            action="revision.create",
            entity_type="revision",
            entity_id=revision.id,
            park_id=document.park_id,
            actor=actor,
            after={
                "document_id": document.id,
                "number": revision.number,
                "sha256": staged.sha256,
                "file_name": staged.file_name,
                "size_bytes": staged.size_bytes,
                "change_reason": change_reason,
                "state": str(revision.state),
            },
        )
        if staged.external_links:
            # The history says why a controlled copy differs from the original beyond its stamp.
            events.record(
                session,
                action="revision.external_links",
                entity_type="revision",
                entity_id=revision.id,
                park_id=document.park_id,
                actor=actor,
                after={
                    **docx_links.describe(staged.external_links),
                    "note": "受控副本已去除指向文件外部的链接（原件保持上传时的内容）/ controlled copies have the "
                    "links to outside the file removed (the original keeps its uploaded bytes)",
                },
            )
        # The domains above plug in here (app/recognition: OCR of a scan; app/previews: page images), after the commit
        hooks.revision_created(session, revision, staged.text, actor=actor)
        return revision
    finally:
        storage.discard(staged)


def transition_revision(
    session: Session,
    *,
    actor: User,
    revision_id: int,
    action: Action,
    comment: str = "",
    password: str | None = None,
    expected_version: int | None = None,
    client_address: str = "",
) -> Revision:
    signing = action in lifecycle.SIGNING_ACTIONS
    if signing:
        # Re-authenticate before touching the database: argon2 is slow and must not run under the row/write lock;
        # and before the state and authority checks, so a wrong password gets one answer whatever the state.
        require_signature(
            session, actor, password, entity_type="revision", entity_id=revision_id, client_address=client_address
        )
    revision = get_revision(session, revision_id=revision_id, user=actor, for_update=True)
    check_version(expected_version, revision.version)
    document = session.get_one(Document, revision.document_id)
    doc_type = get_doc_type(session, document.doc_type)
    try:
        lifecycle.transition(
            session,
            revision,
            action,
            actor=actor,
            document=document,
            doc_type=doc_type,
            comment=comment,
            password=password,
            signature_verified=signing,
        )
    except IntegrityError as exc:  # a racing signer won on another connection
        raise Conflict("该步骤刚刚已由他人完成", "Someone else just completed this step") from exc
    return revision


def make_obsolete(
    session: Session, *, actor: User, document_id: int, reason: str, expected_version: int | None = None
) -> Document:
    document = get_document(session, document_id=document_id, user=actor, for_update=True)
    check_version(expected_version, document.version, "document")
    states = session.execute(select(Revision).where(col(Revision.document_id) == document.id)).scalars().all()
    if document.kind == DocKind.record:
        raise Conflict("记录请使用“作废记录”", "Use void for a record")
    if any(revision.state in OPEN_STATES for revision in states):
        raise Conflict(
            "该文件有未完成的版本，请先退回或完成它再作废",
            "The document has an open revision; finish or reject it before making it obsolete",
        )
    effective = next((revision for revision in states if revision.state == RevisionState.effective), None)
    if effective is None:
        raise Conflict("只有现行有效的文件可以作废", "Only an effective document can be made obsolete")
    lifecycle.transition(
        session,
        effective,
        Action.obsolete,
        actor=actor,
        document=document,
        doc_type=get_doc_type(session, document.doc_type),
        comment=reason,
    )
    return document
