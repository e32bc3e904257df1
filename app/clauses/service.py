"""Clauses and required document types: loading the clause map into the database, and queries."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session, select

from app.clauses.models import RETENTION_YEARS, Clause, DocKind, DocType, DocTypeClause, RetentionClass
from app.clauses.schema import ClauseMap, ClauseSpec, DocTypeSpec, chapter_of

# --- loading the clause map


@dataclass
class SyncReport:
    """What `sync_clause_map` did. Ids are clause ids or doc type codes, in file order."""

    clauses_created: list[str] = field(default_factory=list)
    clauses_updated: list[str] = field(default_factory=list)
    clauses_unchanged: list[str] = field(default_factory=list)
    # In the database but no longer in the map: kept (documents may refer to them), only reported.
    clauses_retired: list[str] = field(default_factory=list)
    doc_types_created: list[str] = field(default_factory=list)
    doc_types_updated: list[str] = field(default_factory=list)
    doc_types_unchanged: list[str] = field(default_factory=list)
    doc_types_retired: list[str] = field(default_factory=list)
    links_added: list[tuple[str, str]] = field(default_factory=list)  # (doc_type, clause_id)
    links_removed: list[tuple[str, str]] = field(default_factory=list)
    links_updated: list[tuple[str, str]] = field(default_factory=list)  # the basis changed

    @property
    def created(self) -> int:
        return len(self.clauses_created) + len(self.doc_types_created)

    @property
    def updated(self) -> int:
        return len(self.clauses_updated) + len(self.doc_types_updated)

    @property
    def unchanged(self) -> int:
        return len(self.clauses_unchanged) + len(self.doc_types_unchanged)

    @property
    def retired(self) -> int:
        return len(self.clauses_retired) + len(self.doc_types_retired)

    @property
    def changed(self) -> bool:
        """True when the sync wrote anything (rows created or updated, or links added or removed)."""
        return bool(self.created or self.updated or self.links_added or self.links_removed or self.links_updated)

    def summary(self) -> str:
        return (
            f"clauses: {len(self.clauses_created)} created, {len(self.clauses_updated)} updated, "
            f"{len(self.clauses_unchanged)} unchanged, {len(self.clauses_retired)} retired; "
            f"doc types: {len(self.doc_types_created)} created, {len(self.doc_types_updated)} updated, "
            f"{len(self.doc_types_unchanged)} unchanged, {len(self.doc_types_retired)} retired; "
            f"links: {len(self.links_added)} added, {len(self.links_removed)} removed, "
            f"{len(self.links_updated)} re-based"
        )


def items_json(spec: ClauseSpec) -> str:
    """The lettered items as stored in `Clause.items_json`: [{"label", "text", optional "group"}]."""
    return json.dumps([item.model_dump(exclude_none=True) for item in spec.items], ensure_ascii=False)


def blocks_json(spec: ClauseSpec) -> str:
    """The requirement blocks as stored in `Clause.blocks_json` (app.clauses.text reads them back)."""
    return json.dumps([block.model_dump(exclude_none=True) for block in spec.blocks], ensure_ascii=False)


def _clause_values(spec: ClauseSpec, clause_map: ClauseMap, sort_key: int) -> dict[str, Any]:
    return {
        "chapter": chapter_of(spec.id),
        "parent_id": clause_map.parent_of(spec.id),
        "title_zh": spec.title_zh,
        "title_en": spec.title_en,
        "requirement_zh": spec.requirement_zh,
        "items_json": items_json(spec),
        "blocks_json": blocks_json(spec),
        "supported_by_json": json.dumps(spec.supported_by),
        "support_zh": spec.support_zh or "",
        "support_en": spec.support_en or "",
        "sort_key": sort_key,
    }


def _doc_type_values(spec: DocTypeSpec, sort_key: int) -> dict[str, Any]:
    return {
        "title_zh": spec.title_zh,
        "title_en": spec.title_en,
        "kind": DocKind(spec.kind),
        "approver_role": spec.approver_role,
        "review_cycle_months": spec.review_cycle_months,
        "retention_years": RETENTION_YEARS[RetentionClass(spec.retention)],
        "retention": spec.retention,
        "annex_a": spec.annex_a,
        "description_zh": spec.description_zh,
        "sort_key": sort_key,
        "cycle": spec.cycle,
        "due_day": spec.due_day,
        "due_after_days": spec.due_after_days,
        "park_interval": spec.park_interval,
        "covers_clauses_json": json.dumps(spec.covers_clauses),
    }


def _apply(row: Any, values: dict[str, Any]) -> bool:
    """Set the values that differ on a row; True when anything changed."""
    changed = False
    for name, value in values.items():
        if getattr(row, name) != value:
            setattr(row, name, value)
            changed = True
    return changed


def sync_clause_map(session: Session, clause_map: ClauseMap) -> SyncReport:
    """Make the clause, doc type and link rows match the clause map.

    Clauses and doc types are created or updated (titles, texts, attributes, sort keys: the order in the file);
    the DocTypeClause links are replaced to match the map. A clause or doc type missing from the map is never
    deleted, since documents refer to it: it is kept as it is and reported as retired (its links are removed).
    Idempotent. Only flushes: the caller commits.
    """
    report = SyncReport()

    existing_clauses = {row.id: row for row in session.exec(select(Clause)).all()}
    for position, spec in enumerate(clause_map.clauses, start=1):
        values = _clause_values(spec, clause_map, position)
        row = existing_clauses.get(spec.id)
        if row is None:
            session.add(Clause(id=spec.id, **values))
            report.clauses_created.append(spec.id)
        elif _apply(row, values):
            session.add(row)
            report.clauses_updated.append(spec.id)
        else:
            report.clauses_unchanged.append(spec.id)
    map_clause_ids = {spec.id for spec in clause_map.clauses}
    report.clauses_retired = sorted(
        (cid for cid in existing_clauses if cid not in map_clause_ids),
        key=lambda cid: (existing_clauses[cid].sort_key, cid),
    )

    existing_types = {row.code: row for row in session.exec(select(DocType)).all()}
    for position, type_spec in enumerate(clause_map.doc_types, start=1):
        type_values = _doc_type_values(type_spec, position)
        type_row = existing_types.get(type_spec.code)
        if type_row is None:
            session.add(DocType(code=type_spec.code, **type_values))
            report.doc_types_created.append(type_spec.code)
        elif _apply(type_row, type_values):
            session.add(type_row)
            report.doc_types_updated.append(type_spec.code)
        else:
            report.doc_types_unchanged.append(type_spec.code)
    map_codes = {spec.code for spec in clause_map.doc_types}
    report.doc_types_retired = sorted(
        (code for code in existing_types if code not in map_codes),
        key=lambda code: (existing_types[code].sort_key, code),
    )

    # Clauses and doc types must exist before the links that point at them.
    session.flush()

    wanted = {
        (code, spec.id): clause_map.link_basis(spec, code) for spec in clause_map.clauses for code in spec.doc_types
    }
    existing_links = {(row.doc_type, row.clause_id): row for row in session.exec(select(DocTypeClause)).all()}
    for key, link in sorted(existing_links.items()):
        if key not in wanted:
            session.delete(link)
            report.links_removed.append(key)
    for key, basis in wanted.items():
        existing = existing_links.get(key)
        if existing is None:
            session.add(DocTypeClause(doc_type=key[0], clause_id=key[1], basis=basis))
            report.links_added.append(key)
        elif existing.basis != basis:
            existing.basis = basis
            session.add(existing)
            report.links_updated.append(key)
    session.flush()
    return report
