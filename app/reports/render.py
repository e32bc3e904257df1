"""doc_templates/<CODE>.docx → a filled .docx (docxtpl), and a draft revision made from it.

Rendering always uses a Jinja2 environment with autoescape (otherwise `<` and `&` silently vanish from Word XML)
and StrictUndefined (a missing variable is an error, never a blank). The requirement text of the clauses is
quoted from the database copy of the clause map at render time, so templates never drift from the map.
"""

from __future__ import annotations

import io
import json
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
from app.config import get_settings
from app.documents import service as documents
from app.documents import storage
from app.documents.models import AccessLevel, Document, Revision
from app.errors import Invalid, NotFound
from app.labels import label_zh
from app.parks.queries import park_time_zone
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
    """A clause as templates see it: requirement paragraphs, items, and items grouped as in the standard.

    Namespaces, not dicts: in Jinja2 `clause.items` on a dict would be the dict's method.
    """
    try:
        raw_items = json.loads(clause.items_json or "[]")
    except ValueError:
        raw_items = []
    items = [
        SimpleNamespace(
            label=item.get("label", ""),
            text=item.get("text", ""),
            group=item.get("group"),
            mark="—" if item.get("label") == "-" else f"{item.get('label')})",
        )
        for item in raw_items
    ]
    groups: list[SimpleNamespace] = []
    for item in items:
        if not groups or groups[-1].title != item.group:
            groups.append(SimpleNamespace(title=item.group, items=[]))
        groups[-1].items.append(item)
    paragraphs = [line.strip() for line in (clause.requirement_zh or "").splitlines() if line.strip()]
    return SimpleNamespace(
        id=clause.id,
        title_zh=clause.title_zh,
        title_en=clause.title_en,
        requirement_zh=clause.requirement_zh,
        paragraphs=paragraphs,
        items=items,
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
        "retention": f"{doc_type.retention_years} 年" if doc_type.retention_years else "按规定",
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
