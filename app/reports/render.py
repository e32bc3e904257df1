"""doc_templates/<CODE>.docx → a filled .docx (docxtpl), and a draft revision made from it.

Rendering always uses a Jinja2 environment with autoescape (otherwise `<` and `&` silently vanish from Word XML)
and StrictUndefined (a missing variable is an error, never a blank). The requirement text of the clauses is
quoted from the database copy of the clause map at render time, so templates never drift from the map.
"""

from __future__ import annotations

import io
import tempfile
from datetime import date
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from docxtpl import DocxTemplate
from jinja2 import Environment, StrictUndefined, TemplateError
from sqlalchemy import func, select
from sqlmodel import Session, col

from app import timezones
from app.clauses.models import Clause, DocKind, DocType, DocTypeClause
from app.clauses.schema import ParagraphBlock, lead_in_text
from app.clauses.text import blocks_of, item_groups, mark, text_lines
from app.config import get_settings
from app.documents import records_service, storage
from app.documents import service as documents
from app.documents.models import AccessLevel, Document, Revision
from app.errors import Forbidden, Invalid, NotFound
from app.events.refusals import Rule, refusal
from app.labels import label_zh
from app.parks.queries import park_time_zone
from app.reports import access
from app.users.models import Park, User

TEMPLATE_DIR = Path(__file__).resolve().parents[2] / "doc_templates"
DEFAULT_TEMPLATE_REASON = "由模板生成 / generated from template"


def template_path(code: str) -> Path:
    path = TEMPLATE_DIR / f"{code}.docx"
    if not code.replace("_", "").isalnum() or not path.is_file():
        raise NotFound(f"文件类型 {code} 没有模板", f"There is no template for document type {code}")
    return path


def jinja_env() -> Environment:
    return Environment(autoescape=True, undefined=StrictUndefined)


# ---------------------------------------------------------------------- context


def _clause_sort_key(clause_id: str) -> list[int]:
    return [int(part) for part in clause_id.split(".") if part.isdigit()]


def clause_context(clause: Clause) -> SimpleNamespace:
    """A clause as templates see it: `lines`, the requirement in the standard's order (paragraphs, notes, items
    with their marks, editorial notes); `groups`, its lists for tables (`clause_index['7.1'].groups[0].items`);
    and the flat `paragraphs` and `items` kept for older templates.

    Namespaces, not dicts: in Jinja2 `clause.items` on a dict would be the dict's method.
    """
    blocks = blocks_of(clause)
    groups = [
        SimpleNamespace(
            title=title,
            items=[
                SimpleNamespace(
                    label=getattr(item, "label", None) or "-",
                    text=item.text,
                    group=title,
                    mark=mark(item),
                    editorial_note_zh=item.editorial_note_zh or "",
                )
                for item in items
            ],
        )
        for title, items in item_groups(blocks)
    ]
    return SimpleNamespace(
        id=clause.id,
        title_zh=clause.title_zh,
        title_en=clause.title_en,
        requirement_zh=lead_in_text(blocks),
        lines=[SimpleNamespace(kind=kind, text=text) for kind, text in text_lines(blocks)],
        paragraphs=[block.text for block in blocks if isinstance(block, ParagraphBlock)],
        items=[item for group in groups for item in group.items],
        groups=groups,
    )


def doc_type_context(doc_type: DocType) -> dict[str, Any]:
    kind_zh = "记录" if doc_type.kind == DocKind.record else "文件"
    return {
        "code": doc_type.code,
        "title_zh": doc_type.title_zh,
        "title_en": doc_type.title_en,
        "kind": str(doc_type.kind),
        "kind_zh": kind_zh,
        "description_zh": doc_type.description_zh,
        "review_cycle": f"{doc_type.review_cycle_months} 个月" if doc_type.review_cycle_months else "不定期",
        "retention": f"{doc_type.retention_years} 年" if doc_type.retention_years else "永久",  # 国家档案局令第10号
        "approver_zh": label_zh("role", doc_type.approver_role),
        "sign_zh": "确认" if doc_type.kind == DocKind.record else "审核",
    }


def clauses_for(session: Session, code: str) -> tuple[list[SimpleNamespace], dict[str, SimpleNamespace]]:
    """The clauses a type serves (in the standard's order) and an index of every clause by id (for tables)."""
    rows = session.execute(select(Clause)).scalars().all()
    index = {row.id: clause_context(row) for row in rows}
    linked = (
        session.execute(select(col(DocTypeClause.clause_id)).where(col(DocTypeClause.doc_type) == code)).scalars().all()
    )
    serving = [index[cid] for cid in sorted(linked, key=_clause_sort_key) if cid in index]
    return serving, index


def build_context(
    session: Session,
    *,
    park: Park,
    doc_type: DocType,
    control_no: str,
    title: str,
    owner_unit: str = "",
    access_level: str = AccessLevel.internal,
    revision_number: int = 1,
    change_reason: str = DEFAULT_TEMPLATE_REASON,
    period: str = "",
    today: date | None = None,
) -> dict[str, Any]:
    clauses, index = clauses_for(session, doc_type.code)
    return {
        "park": {"name": park.name, "code": park.code},
        "document": {
            "control_no": control_no,
            "title": title,
            "owner_unit": owner_unit or "【编制单位】",
            "access_level_zh": label_zh("access", AccessLevel(access_level)),
        },
        "revision": {"number": revision_number, "change_reason": change_reason},
        "record": {"period": period or ("【记录期间】" if doc_type.kind == DocKind.record else "不适用")},
        "doc_type": doc_type_context(doc_type),
        "today": (today or timezones.today(park_time_zone(session, park.id or 0))).isoformat(),
        "clauses": clauses,
        "clause_index": index,
    }


# ---------------------------------------------------------------------- rendering


def render_docx(code: str, context: dict[str, Any]) -> bytes:
    """Render doc_templates/<code>.docx with the context; the .docx bytes."""
    template = DocxTemplate(str(template_path(code)))
    try:
        template.render(context, jinja_env=jinja_env(), autoescape=True)
    except TemplateError as exc:
        raise Invalid(f"模板 {code} 渲染失败：{exc}", f"Template {code} could not be rendered: {exc}") from exc
    buffer = io.BytesIO()
    template.save(buffer)
    return buffer.getvalue()


def create_revision_from_template(session: Session, actor: User, document_id: int, change_reason: str = "") -> Revision:
    """A new draft revision of a document, rendered from its type's template (so nobody starts from a blank page).

    The rendered file goes through the same staging, storage and audit trail as an upload.
    """
    document: Document = documents.get_document(session, document_id=document_id, user=actor)
    doc_type = documents.get_doc_type(session, document.doc_type)
    park = session.get_one(Park, document.park_id)
    last = session.execute(
        select(func.max(col(Revision.number))).where(col(Revision.document_id) == document.id)
    ).scalar()
    reason = (change_reason or "").strip() or DEFAULT_TEMPLATE_REASON
    context = build_context(
        session,
        park=park,
        doc_type=doc_type,
        control_no=document.control_no,
        title=document.title,
        owner_unit=document.owner_unit,
        access_level=document.access_level,
        revision_number=(last or 0) + 1,
        change_reason=reason,
    )
    content = render_docx(doc_type.code, context)
    settings = get_settings()
    settings.tmp_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=settings.tmp_dir, prefix="template-") as folder:
        path = Path(folder) / "draft.docx"
        path.write_bytes(content)
        staged = storage.stage_file(
            path,
            f"{document.control_no} {document.title}.docx",
            max_bytes=settings.max_upload_bytes,
            tmp_dir=settings.tmp_dir,
        )
    assert document.id is not None  # a stored row
    return documents.add_revision(session, actor=actor, document_id=document.id, staged=staged, change_reason=reason)


# ---------------------------------------------------------------------- the pages' "按模板起草"


def has_template(code: str) -> bool:
    try:
        template_path(code)
    except NotFound:
        return False
    return True


def _require_drafter(actor: User, code: str) -> None:
    if not access.may_draft_from_template(actor):
        raise Forbidden(
            "只有体系管理员可以按模板起草",
            "Only a coordinator may draft from a template",
            audit=refusal(actor, Rule.role, "doc_type", code),
        )
    template_path(code)  # 404 with a clear message when the type has no template


def draft_from_template(session: Session, *, actor: User, document_id: int, change_reason: str = "") -> Revision:
    """The document page's "按模板起草": a draft revision of the document from its type's template."""
    document = documents.get_document(session, document_id=document_id, user=actor)
    _require_drafter(actor, document.doc_type)
    if document.kind != DocKind.document:
        raise Invalid("记录不能按模板生成新版本", "A record takes no revision drafted from a template")
    return create_revision_from_template(session, actor, document_id, change_reason)


def register_from_template(
    session: Session,
    *,
    actor: User,
    doc_type_code: str,
    title: str,
    owner_unit: str = "",
    access_level: AccessLevel = AccessLevel.internal,
    control_no: str | None = None,
) -> Revision:
    """The register page's "登记并按模板起草": register a document and make its first draft from the template.

    One request, one transaction: when the draft cannot be made, the registration is rolled back with it.
    """
    _require_drafter(actor, doc_type_code)
    document = documents.register_document(
        session,
        actor=actor,
        doc_type_code=doc_type_code,
        title=title,
        owner_unit=owner_unit,
        access_level=access_level,
        control_no=control_no,
        kind=DocKind.document,
    )
    assert document.id is not None  # flushed
    return create_revision_from_template(session, actor, document.id)


def blank_record_from_template(session: Session, *, actor: User, doc_type_code: str, period: str = "") -> bytes:
    """The register page's "按模板起草" for a record: its type's template filled with the park and the period.

    Nothing is stored: the person fills it in and registers it with the record form (a record's file is its content).
    """
    if not documents.may_register_type(actor, doc_type_code, DocKind.record):
        raise Forbidden(
            "您无权登记此类记录",
            "You may not register records of this type",
            audit=refusal(actor, Rule.role, "doc_type", doc_type_code),
        )
    doc_type = documents.get_doc_type(session, doc_type_code)
    if doc_type.kind != DocKind.record:
        raise Invalid(f"“{doc_type.title_zh}”不是记录类型", f"“{doc_type.code}” is not a record type")
    period = (period or "").strip()
    if period:
        records_service.parse_period(period)  # a bad period is refused in the same words as on registration
    park = session.get_one(Park, actor.park_id)
    context = build_context(
        session,
        park=park,
        doc_type=doc_type,
        control_no="【登记后编号】",
        title=doc_type.title_zh,
        owner_unit=actor.unit or "",
        period=period,
    )
    return render_docx(doc_type.code, context)
