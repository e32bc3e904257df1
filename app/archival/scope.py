"""What an archival check covers: the whole park, document types, a clause (its sub-clauses included), or a set of
documents, optionally only the revisions filed or made effective within a period. A bad scope is an `Invalid` (422)
that says what is wrong, never a 500."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from app import timezones
from app.archival.models import ScopeKind
from app.clauses.models import Clause, DocType, DocTypeClause
from app.documents.models import Document, Revision
from app.errors import Invalid
from app.labels import label_pair

MAX_ITEMS = 1000


@dataclass(frozen=True)
class Scope:
    """A validated, normalised scope (lists sorted and without repeats)."""

    kind: ScopeKind
    doc_types: tuple[str, ...] = ()
    clause: str | None = None
    document_ids: tuple[int, ...] = ()
    period_from: date | None = None
    period_to: date | None = None
    # Set by the evidence package export: the export's own scope (all, a chapter or a clause).
    export_scope: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": str(self.kind),
            "doc_types": list(self.doc_types),
            "clause": self.clause,
            "document_ids": list(self.document_ids),
            "period_from": self.period_from.isoformat() if self.period_from else None,
            "period_to": self.period_to.isoformat() if self.period_to else None,
            "export_scope": self.export_scope,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Scope:
        return cls(
            kind=ScopeKind(data["kind"]),
            doc_types=tuple(data.get("doc_types") or ()),
            clause=data.get("clause"),
            document_ids=tuple(data.get("document_ids") or ()),
            period_from=date.fromisoformat(data["period_from"]) if data.get("period_from") else None,
            period_to=date.fromisoformat(data["period_to"]) if data.get("period_to") else None,
            export_scope=data.get("export_scope"),
        )


def scope_label(scope: Scope) -> tuple[str, str]:
    """The scope in words (Chinese, English), for pages and the report."""
    zh, en = label_pair("archival_scope", str(scope.kind))
    if scope.kind == ScopeKind.doc_types:
        zh, en = f"{zh}：{'、'.join(scope.doc_types)}", f"{en}: {', '.join(scope.doc_types)}"
    elif scope.kind == ScopeKind.clause:
        zh, en = f"{zh}：{scope.clause}（含下级条款）", f"{en}: {scope.clause} (with its sub-clauses)"
    elif scope.kind == ScopeKind.documents:
        zh, en = f"{zh}：{len(scope.document_ids)} 份", f"{en}: {len(scope.document_ids)}"
    if scope.period_from or scope.period_to:
        start = scope.period_from.isoformat() if scope.period_from else "…"
        end = scope.period_to.isoformat() if scope.period_to else "…"
        zh += f"；归档/生效于 {start} 至 {end}"
        en += f"; filed or effective {start} to {end}"
    if scope.export_scope:
        zh += f"（证据包导出范围 {scope.export_scope}）"
        en += f" (evidence package scope {scope.export_scope})"
    return zh, en


def validate(
    session: Session,
    *,
    park_id: int,
    kind: ScopeKind,
    doc_types: list[str] | None = None,
    clause: str | None = None,
    document_ids: list[int] | None = None,
    period_from: date | None = None,
    period_to: date | None = None,
) -> Scope:
    """Check the parts a scope kind needs (and only those) against the clause map and the park's documents."""
    doc_types, document_ids = doc_types or [], document_ids or []
    clause = (clause or "").strip() or None
    wrong = {
        ScopeKind.park: bool(doc_types or clause or document_ids),
        ScopeKind.doc_types: bool(clause or document_ids),
        ScopeKind.clause: bool(doc_types or document_ids),
        ScopeKind.documents: bool(doc_types or clause),
    }[kind]
    if wrong:
        raise Invalid(
            "范围只能填写与其类别相符的内容（文件类型、条款或文件之一）",
            "A scope gives only what its kind needs (document types, a clause or documents)",
        )
    if period_from and period_to and period_from > period_to:
        raise Invalid("期间的开始日期晚于结束日期", "The period starts after it ends")
    if kind == ScopeKind.doc_types:
        codes = sorted({code.strip() for code in doc_types if code.strip()})
        if not codes:
            raise Invalid("请至少选择一种文件类型", "Choose at least one document type")
        known = set(session.execute(select(col(DocType.code)).where(col(DocType.code).in_(codes))).scalars())
        unknown = [code for code in codes if code not in known]
        if unknown:
            raise Invalid(f"未知的文件类型：{'、'.join(unknown)}", f"Unknown document types: {', '.join(unknown)}")
        return Scope(kind, doc_types=tuple(codes), period_from=period_from, period_to=period_to)
    if kind == ScopeKind.clause:
        if clause is None or not re.fullmatch(r"\d+(\.\d+)*", clause) or session.get(Clause, clause) is None:
            raise Invalid(f"未知的条款：{clause or '（空）'}", f"Unknown clause: {clause or '(empty)'}")
        return Scope(kind, clause=clause, period_from=period_from, period_to=period_to)
    if kind == ScopeKind.documents:
        ids = sorted(set(document_ids))
        if not ids:
            raise Invalid("请至少选择一份文件", "Choose at least one document")
        if len(ids) > MAX_ITEMS:
            raise Invalid(f"一次最多检测 {MAX_ITEMS} 份文件", f"At most {MAX_ITEMS} documents per check")
        found = set(
            session.execute(
                select(col(Document.id)).where(col(Document.id).in_(ids), col(Document.park_id) == park_id)
            ).scalars()
        )
        missing = [str(i) for i in ids if i not in found]
        if missing:
            raise Invalid(
                f"文件不存在或不属于本园区：{', '.join(missing[:20])}",
                f"Documents not found in this park: {', '.join(missing[:20])}",
            )
        return Scope(kind, document_ids=tuple(ids), period_from=period_from, period_to=period_to)
    return Scope(kind, period_from=period_from, period_to=period_to)


def clause_doc_types(session: Session, clause_id: str) -> list[str]:
    """The document types the clause and its sub-clauses require (recommended links are not requirements)."""
    rows = session.execute(
        select(col(DocTypeClause.doc_type)).where(
            (col(DocTypeClause.clause_id) == clause_id) | col(DocTypeClause.clause_id).startswith(clause_id + "."),
            col(DocTypeClause.basis) != "recommended",
        )
    ).scalars()
    return sorted(set(rows))


@dataclass
class Resolved:
    """The scope's documents and revisions (all revisions of a document when no period narrows them)."""

    documents: dict[int, Document] = field(default_factory=dict)
    revisions: list[Revision] = field(default_factory=list)


def _period_bounds(scope: Scope, zone: str | None) -> tuple[datetime | None, datetime | None]:
    """The period's first and after-last moments in the park's zone, as UTC datetimes (SQLite stores UTC values
    without their offset, so a bound value must be in UTC too)."""
    tz = timezones.zone(zone)
    start = datetime.combine(scope.period_from, time.min, tz).astimezone(UTC) if scope.period_from else None
    end = (
        datetime.combine(scope.period_to + timedelta(days=1), time.min, tz).astimezone(UTC) if scope.period_to else None
    )
    return start, end


def resolve(session: Session, *, park_id: int, scope: Scope, zone: str | None) -> Resolved:
    """Load the scope's documents and revisions of the park, in control-number then revision order."""
    query = select(Revision, Document).join(Document, col(Document.id) == col(Revision.document_id))
    query = query.where(col(Document.park_id) == park_id)
    if scope.kind == ScopeKind.doc_types:
        query = query.where(col(Document.doc_type).in_(scope.doc_types))
    elif scope.kind == ScopeKind.clause:
        assert scope.clause is not None  # validated
        query = query.where(col(Document.doc_type).in_(clause_doc_types(session, scope.clause)))
    elif scope.kind == ScopeKind.documents:
        query = query.where(col(Document.id).in_(scope.document_ids))
    start, end = _period_bounds(scope, zone)
    if start is not None or end is not None:
        query = query.where(col(Revision.effective_from).is_not(None))
    if start is not None:
        query = query.where(col(Revision.effective_from) >= start)
    if end is not None:
        query = query.where(col(Revision.effective_from) < end)
    resolved = Resolved()
    for revision, document in session.execute(query.order_by(col(Document.control_no), col(Revision.number))):
        resolved.revisions.append(revision)
        assert document.id is not None  # a stored row
        resolved.documents[document.id] = document
    return resolved


def document_ids_for(session: Session, *, park_id: int, control_nos: list[str]) -> list[int]:
    """The park's documents named by control number (the page's way to pick documents); unknown ones → Invalid."""
    wanted = sorted({number.strip() for number in control_nos if number.strip()})
    if len(wanted) > MAX_ITEMS:
        raise Invalid(f"一次最多检测 {MAX_ITEMS} 份文件", f"At most {MAX_ITEMS} documents per check")
    rows = dict(
        session.execute(
            select(col(Document.control_no), col(Document.id)).where(
                col(Document.park_id) == park_id, col(Document.control_no).in_(wanted)
            )
        ).all()
    )
    unknown = [number for number in wanted if number not in rows]
    if unknown:
        raise Invalid(
            f"受控编号不存在：{'、'.join(unknown[:20])}", f"Unknown control numbers: {', '.join(unknown[:20])}"
        )
    return [rows[number] for number in wanted]
