"""The clause map as an audit sees it: a scope resolved to clauses, and the checklist lines generated from them."""

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from app.audits.common import loads
from app.clauses.models import Clause, DocTypeClause
from app.documents.models import Document, Revision
from app.errors import Invalid
from app.readiness.service import compute_readiness

CHAPTERS = ("4", "5", "6", "7", "8", "9", "10", "11")


def _all_clauses(session: Session) -> list[Clause]:
    rows = session.execute(select(Clause).where(col(Clause.chapter).in_(CHAPTERS))).scalars().all()
    return sorted(rows, key=lambda c: (int(c.chapter), c.sort_key, c.id))


def _normalise_scope_entry(entry: str) -> str:
    value = entry.strip().lower().removeprefix("chapter").removeprefix("第").strip()
    return value.removesuffix("章").strip()


def resolve_scope(session: Session, scope: list[str]) -> list[str]:
    """Clause ids (in the standard's order) for a scope of clause ids and chapters: "7", "第7章", "7.3", "10.2".

    A chapter means all its clauses; a clause means itself and its sub-clauses.
    """
    clauses = _all_clauses(session)
    ids = {c.id for c in clauses}
    chosen: set[str] = set()
    for raw in scope:
        entry = _normalise_scope_entry(str(raw))
        if entry in ids:
            chosen |= {c.id for c in clauses if c.id == entry or c.id.startswith(entry + ".")}
        elif entry in CHAPTERS:
            chosen |= {c.id for c in clauses if c.chapter == entry}
        else:
            raise Invalid(
                f"审核范围中的“{raw}”不是本标准的条款或章", f"“{raw}” in the scope is not a clause or chapter"
            )
    if not chosen:
        raise Invalid("审核范围不能为空", "The audit scope is required")
    return [c.id for c in clauses if c.id in chosen]


def requirement_lines(clause: Clause) -> list[dict[str, str]]:
    """One line per lettered item; "-" sub-items join the item before them. No lettered item: the requirement."""
    items = loads(clause.items_json, []) or []
    lines: list[dict[str, str]] = []
    for item in items:
        label, text, group = str(item.get("label", "")), str(item.get("text", "")), str(item.get("group") or "")
        if label and label != "-":
            lines.append({"label": label, "group": group, "text": text})
        elif lines:
            lines[-1]["text"] += f"\n- {text}"
        else:  # bullets before any lettered item belong to the requirement paragraph
            lines.append({"label": "", "group": group, "text": f"{clause.requirement_zh}\n- {text}".strip()})
    if not lines:
        lines.append({"label": "", "group": "", "text": clause.requirement_zh or clause.title_zh})
    return lines


def _held_documents(session: Session, park_id: int, doc_types: set[str]) -> dict[str, list[dict]]:
    """doc type -> the park's documents of that type with their newest revision's state."""
    if not doc_types:
        return {}
    rows = session.execute(
        select(
            col(Document.id),
            col(Document.control_no),
            col(Document.title),
            col(Document.doc_type),
            col(Document.kind),
            col(Revision.number),
            col(Revision.state),
        )
        .outerjoin(Revision, col(Revision.document_id) == col(Document.id))
        .where(col(Document.park_id) == park_id, col(Document.doc_type).in_(sorted(doc_types)))
        .order_by(col(Document.control_no), col(Revision.number))
    ).all()
    newest: dict[int, dict] = {}
    for doc_id, control_no, title, doc_type, kind, number, state in rows:
        newest[doc_id] = {
            "document_id": doc_id,
            "control_no": control_no,
            "title": title,
            "doc_type": doc_type,
            "kind": str(kind),
            "revision": number,
            "state": str(state) if state else None,
        }
    held: dict[str, list[dict]] = {}
    for entry in newest.values():
        held.setdefault(entry["doc_type"], []).append(entry)
    return held


def build_checklist(session: Session, *, park_id: int, clause_ids: list[str], as_of: date) -> list[dict[str, Any]]:
    """The checklist lines of a scope: requirement items, the evidence held, readiness as of the audit date."""
    clauses = {c.id: c for c in session.execute(select(Clause).where(col(Clause.id).in_(clause_ids))).scalars()}
    links: dict[str, list[str]] = {}
    for code, cid in session.execute(
        select(col(DocTypeClause.doc_type), col(DocTypeClause.clause_id)).where(
            col(DocTypeClause.clause_id).in_(clause_ids)
        )
    ):
        links.setdefault(cid, []).append(code)
    held = _held_documents(session, park_id, {code for codes in links.values() for code in codes})
    readiness = {entry["id"]: entry for entry in compute_readiness(session, park_id=park_id, as_of=as_of)["clauses"]}
    lines = []
    for cid in clause_ids:
        clause = clauses[cid]
        entry = readiness.get(cid)
        if entry is None:
            status, zh, en = "", "本条款无对应的文件化信息要求", "No documented information is mapped to this clause"
        else:
            status = entry["status"]
            zh = "；".join(f"{item['title_zh']}：{item['reason_zh']}" for item in entry["items"])
            en = "; ".join(f"{item['title_en']}: {item['reason_en']}" for item in entry["items"])
            for nc in entry.get("nonconformities", []):
                zh += f"；{nc['reason_zh']}"
                en += f"; {nc['reason_en']}"
        evidence = [doc for code in sorted(links.get(cid, [])) for doc in held.get(code, [])]
        for item in requirement_lines(clause):
            lines.append(
                {
                    "clause_id": cid,
                    "label": item["label"],
                    "group": item["group"],
                    "text": item["text"],
                    "evidence": evidence,
                    "doc_types": sorted(links.get(cid, [])),
                    "readiness_status": status,
                    "reason_zh": zh,
                    "reason_en": en,
                }
            )
    return lines
