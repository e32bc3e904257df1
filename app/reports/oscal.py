"""OSCAL 1.1 JSON: the clause map as a catalog, and a park's readiness as assessment results.

- Catalog: one group per chapter (`ch7`), one control per clause (`c7.3`, sub-clauses nested as `c7.3.2`; OSCAL
  ids must start with a letter), a `statement` part with the requirement's paragraphs, notes and items (sub-items
  nested) in the standard's order, and an `assessment-objective` part per clause (`c7.3.2_obj`) with one
  sub-part per required document type
  (`c7.3.2_obj.emission_review_record`).
- Assessment results: one result for the park's readiness; one finding per clause (target: the clause objective)
  and per required document type (target: its sub-objective), state satisfied / not-satisfied, with readiness
  status, coverage and progress in `props`.
UUIDs are uuid5, so the same input always gives the same ids.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, time
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from app.clauses.models import Clause, DocType, DocTypeClause
from app.clauses.schema import ListItem, NoteBlock, ParagraphBlock, SubItem
from app.clauses.text import blocks_of
from app.common import utcnow
from app.readiness import service as readiness
from app.users.models import Park, User

OSCAL_VERSION = "1.1.2"
NS = "https://carbonms.example/ns/oscal"
NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://carbonms.example/oscal/T-CPQS-ZC001-2025")
STANDARD_TITLE = "T/CPQS ZC001—2025 产业园区碳排放管理体系建设规范"
CATALOG_VERSION = "2025"


def _uuid(*parts: object) -> str:
    return str(uuid.uuid5(NAMESPACE, "/".join(str(part) for part in parts)))


def control_id(clause_id: str) -> str:
    return f"c{clause_id}"


def objective_id(clause_id: str, doc_type: str | None = None) -> str:
    base = f"c{clause_id}_obj"
    return f"{base}.{doc_type.lower()}" if doc_type else base


def _sort_key(clause_id: str) -> list[int]:
    return [int(part) for part in clause_id.split(".")]


def _verb(kind: object) -> str:
    """The standard's verb for documented information: records are retained (保留), documents maintained (保持)."""
    return "保留" if str(kind) == "record" else "保持"


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _editorial(part: ParagraphBlock | ListItem | SubItem) -> list[dict[str, Any]]:
    if not part.editorial_note_zh:
        return []
    value = f"{part.editorial_note_zh} / {part.editorial_note_en}"
    return [{"name": "editorial-note", "ns": NS, "value": value}]


def _statement(clause: Clause) -> dict[str, Any]:
    """The requirement as a statement whose parts follow the standard's order: paragraphs and notes as parts of
    class paragraph / note, each lettered item as an item part with its sub-items nested in it."""
    base = f"{control_id(clause.id)}_smt"
    parts: list[dict[str, Any]] = []

    def next_id() -> str:
        return f"{base}.{len(parts) + 1}"

    for block in blocks_of(clause):
        if isinstance(block, ParagraphBlock | NoteBlock):
            notes = _editorial(block) if isinstance(block, ParagraphBlock) else []
            para: dict[str, Any] = {"id": next_id(), "name": "item", "class": block.kind, "prose": block.text}
            parts.append(para | ({"props": notes} if notes else {}))
            continue
        for item in block.items:
            props: list[dict[str, Any]] = [{"name": "label", "value": item.label or "—"}]
            props += [{"name": "group", "ns": NS, "value": block.group}] if block.group else []
            part_id = next_id()
            part: dict[str, Any] = {
                "id": part_id,
                "name": "item",
                "props": props + _editorial(item),
                "prose": item.text,
            }
            if item.sub_items:
                part["parts"] = [
                    {
                        "id": f"{part_id}.{index}",
                        "name": "item",
                        "props": [{"name": "label", "value": "—"}, *_editorial(sub)],
                        "prose": sub.text,
                    }
                    for index, sub in enumerate(item.sub_items, start=1)
                ]
            parts.append(part)
    statement: dict[str, Any] = {"id": base, "name": "statement"}
    return statement | ({"parts": parts} if parts else {"prose": clause.title_zh})


def catalog(session: Session) -> dict[str, Any]:
    clauses = sorted(session.execute(select(Clause)).scalars().all(), key=lambda c: _sort_key(c.id))
    types = {row.code: row for row in session.execute(select(DocType)).scalars()}
    links: dict[str, list[str]] = {}
    for code, clause_id in session.execute(select(col(DocTypeClause.doc_type), col(DocTypeClause.clause_id))):
        links.setdefault(clause_id, []).append(code)
    for codes in links.values():
        codes.sort(key=lambda code: (types[code].sort_key, code))

    controls: dict[str, dict[str, Any]] = {}
    groups: dict[str, dict[str, Any]] = {}
    for clause in clauses:
        statement = _statement(clause)
        parts = [statement]
        codes = links.get(clause.id, [])
        if codes:
            parts.append(
                {
                    "id": objective_id(clause.id),
                    "name": "assessment-objective",
                    "prose": f"条款 {clause.id} 所需的文件化信息均已具备且有效。",
                    "parts": [
                        {
                            "id": objective_id(clause.id, code),
                            "name": "assessment-objective",
                            "props": [
                                {"name": "doc-type", "ns": NS, "value": code},
                                {"name": "kind", "ns": NS, "value": str(types[code].kind)},
                            ],
                            "prose": f"{_verb(types[code].kind)}《{types[code].title_zh}》"
                            f"（{types[code].title_en}）。{types[code].description_zh}",
                        }
                        for code in codes
                    ],
                }
            )
        control = {
            "id": control_id(clause.id),
            "class": "clause",
            "title": f"{clause.title_zh} / {clause.title_en}",
            "props": [{"name": "label", "value": clause.id}],
            "parts": parts,
        }
        controls[clause.id] = control
        parent = clause.parent_id
        if parent and parent in controls:
            controls[parent].setdefault("controls", []).append(control)
        else:
            chapter = clause.chapter
            if chapter not in groups:
                title_zh, title_en = readiness.CHAPTER_TITLES.get(chapter, (chapter, chapter))
                groups[chapter] = {
                    "id": f"ch{chapter}",
                    "class": "chapter",
                    "title": f"{chapter} {title_zh} / {title_en}",
                    "controls": [],
                }
            groups[chapter]["controls"].append(control)
    return {
        "catalog": {
            "uuid": _uuid("catalog", CATALOG_VERSION),
            "metadata": {
                "title": STANDARD_TITLE,
                "last-modified": _iso(utcnow()),
                "version": CATALOG_VERSION,
                "oscal-version": OSCAL_VERSION,
                "props": [{"name": "keywords", "value": "carbon emission management, industrial park"}],
            },
            "groups": [groups[key] for key in sorted(groups, key=int)],
        }
    }


def _props(entry: dict[str, Any]) -> list[dict[str, str]]:
    return [
        {"name": "readiness-status", "ns": NS, "value": entry["status"]},
        {"name": "coverage", "ns": NS, "value": f"{entry['coverage'] * 100:.1f}"},
        {"name": "progress", "ns": NS, "value": f"{entry['progress'] * 100:.1f}"},
    ]


def assessment_results(session: Session, *, user: User) -> dict[str, Any]:
    park = session.get_one(Park, user.park_id)
    result = readiness.compute_readiness(session, park_id=user.park_id, user=user)
    as_of = result["as_of"]
    start = _iso(datetime.combine(datetime.fromisoformat(as_of).date(), time.min, tzinfo=UTC))
    findings = []
    for clause in result["clauses"]:
        state = "satisfied" if clause["status"] in ("met", "not_applicable") else "not-satisfied"
        findings.append(
            {
                "uuid": _uuid("finding", park.code, as_of, clause["id"]),
                "title": f"{clause['id']} {clause['title_zh']}",
                "description": f"就绪度 / readiness：{readiness.STATUS_LABELS[clause['status']][0]} "
                f"/ {readiness.STATUS_LABELS[clause['status']][1]}"
                + (f"；不适用理由：{clause['not_applicable_reason']}" if clause["not_applicable_reason"] else ""),
                "props": _props(clause),
                "target": {"type": "objective-id", "target-id": objective_id(clause["id"]), "status": {"state": state}},
            }
        )
        for item in clause["items"]:
            met = item["status"] in ("met", "not_applicable")
            findings.append(
                {
                    "uuid": _uuid("finding", park.code, as_of, clause["id"], item["doc_type"]),
                    "title": f"{clause['id']} {item['title_zh']}",
                    "description": f"{item['reason_zh']} / {item['reason_en']}",
                    "props": [
                        {"name": "readiness-status", "ns": NS, "value": item["status"]},
                        {"name": "doc-type", "ns": NS, "value": item["doc_type"]},
                    ]
                    + [
                        {"name": "evidence", "ns": NS, "value": f"{e['control_no']} r{e['revision']} {e['state']}"}
                        for e in item.get("evidence_detail", [])[:10]
                    ],
                    "target": {
                        "type": "objective-id",
                        "target-id": objective_id(clause["id"], item["doc_type"]),
                        "status": {"state": "satisfied" if met else "not-satisfied"},
                    },
                }
            )
    props = _props(result["overall"]) + [
        prop | {"name": f"chapter-{chapter['id']}-{prop['name']}"}
        for chapter in result["chapters"]
        for prop in _props(chapter)
    ]
    return {
        "assessment-results": {
            "uuid": _uuid("assessment-results", park.code, as_of),
            "metadata": {
                "title": f"{park.name} 碳排放管理体系就绪度评估结果 / readiness assessment results",
                "last-modified": _iso(utcnow()),
                "version": as_of,
                "oscal-version": OSCAL_VERSION,
                "parties": [{"uuid": _uuid("party", park.code), "type": "organization", "name": park.name}],
            },
            "import-ap": {
                "href": "#" + _uuid("assessment-plan", park.code),
                "remarks": "carbonms 就绪度评估未使用单独的评估计划 / no separate assessment plan",
            },
            "results": [
                {
                    "uuid": _uuid("result", park.code, as_of),
                    "title": f"就绪度 / readiness {as_of}",
                    "description": "依据 T/CPQS ZC001—2025 条款所需文件化信息的就绪度 / readiness of the documented "
                    "information each clause requires",
                    "start": start,
                    "props": props,
                    "reviewed-controls": {"control-selections": [{"include-all": {}}]},
                    "findings": findings,
                }
            ],
        }
    }
