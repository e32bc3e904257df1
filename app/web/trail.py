"""The audit trail as a reader reads it: each object a link named by its control number (or code, or title), each
person by printed name with the user name. Shared by the audit trail page and a document's history.

A handful of batched look-ups per page (one per object type shown), never one per row.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from app.audits.models import Audit, AuditFinding, AuditLine
from app.documents.models import Document, Revision
from app.labels import LABELS
from app.nonconformities.models import CorrectiveAction, Nonconformity
from app.nonconformities.queries import nc_code
from app.reviews.models import ManagementReview, ReviewDecision
from app.users.models import User


@dataclass(frozen=True)
class Link:
    href: str | None
    text: str  # a control number, a code or a title: user data, shown as is
    kind: str  # the entity type, for the label before it
    suffix: tuple[str, str] | None = None  # e.g. ("第 2 版", "revision 2")


def _ids(rows: Iterable[Any], entity_type: str) -> set[int]:
    return {int(row.entity_id) for row in rows if row.entity_type == entity_type and str(row.entity_id).isdigit()}


def _by_id(session: Session, model: Any, ids: set[int], park_id: int) -> dict[int, Any]:
    if not ids:
        return {}
    query = select(model).where(col(model.id).in_(ids), col(model.park_id) == park_id)
    return {row.id: row for row in session.execute(query).scalars()}


def trail_links(session: Session, *, park_id: int, events: Iterable[Any]) -> dict[str, Any]:
    """{"objects": {(entity_type, entity_id): Link}, "people": {actor_id: (printed name, user name)}}."""
    rows = list(events)
    wanted: dict[str, set[int]] = defaultdict(set)
    for kind in ("document", "revision", "nonconformity", "audit", "review", "corrective_action"):
        wanted[kind] = _ids(rows, kind)
    lines = _by_id(session, AuditLine, _ids(rows, "audit_line"), park_id)
    findings = _by_id(session, AuditFinding, _ids(rows, "audit_finding"), park_id)
    decisions = _by_id(session, ReviewDecision, _ids(rows, "review_decision"), park_id)
    actions = _by_id(session, CorrectiveAction, wanted["corrective_action"], park_id)
    revisions = _by_id(session, Revision, wanted["revision"], park_id)
    wanted["document"] |= {revision.document_id for revision in revisions.values()}
    wanted["audit"] |= {line.audit_id for line in lines.values()} | {f.audit_id for f in findings.values()}
    wanted["review"] |= {decision.review_id for decision in decisions.values()}
    wanted["nonconformity"] |= {a.nonconformity_id for a in actions.values() if a.nonconformity_id}
    documents = _by_id(session, Document, wanted["document"], park_id)
    ncs = _by_id(session, Nonconformity, wanted["nonconformity"], park_id)
    audits = _by_id(session, Audit, wanted["audit"], park_id)
    reviews = _by_id(session, ManagementReview, wanted["review"], park_id)

    def document_link(document_id: int, kind: str = "document", suffix=None, anchor: str = "") -> Link | None:
        document = documents.get(document_id)
        if document is None:
            return None
        return Link(f"/documents/{document.id}{anchor}", document.control_no, kind, suffix)

    def nc_link(nc_id: int | None, kind: str = "nonconformity") -> Link | None:
        nc = ncs.get(nc_id) if nc_id else None
        return Link(f"/nonconformities/{nc.id}", nc_code(nc), kind) if nc else None

    def audit_link(audit_id: int, kind: str = "audit", anchor: str = "") -> Link | None:
        audit = audits.get(audit_id)
        return Link(f"/audits/{audit.id}{anchor}", audit.title, kind) if audit else None

    def review_link(review_id: int, kind: str = "review") -> Link | None:
        review = reviews.get(review_id)
        return Link(f"/reviews/{review.id}", review.title, kind) if review else None

    objects: dict[tuple[str, str], Link] = {}
    for row in rows:
        key = (row.entity_type, str(row.entity_id))
        if key in objects or not str(row.entity_id).isdigit():
            continue
        entity_id = int(row.entity_id)
        link: Link | None = None
        if row.entity_type == "document":
            link = document_link(entity_id)
        elif row.entity_type == "revision" and entity_id in revisions:
            revision = revisions[entity_id]
            suffix = (f"第 {revision.number} 版", f"revision {revision.number}")
            link = document_link(revision.document_id, "revision", suffix, f"#rev-{revision.id}")
        elif row.entity_type == "nonconformity":
            link = nc_link(entity_id)
        elif row.entity_type == "corrective_action" and entity_id in actions:
            link = nc_link(actions[entity_id].nonconformity_id, "corrective_action")
        elif row.entity_type == "audit":
            link = audit_link(entity_id)
        elif row.entity_type == "audit_line" and entity_id in lines:
            line = lines[entity_id]
            link = audit_link(line.audit_id, "audit_line", f"#line-{line.id}")
        elif row.entity_type == "audit_finding" and entity_id in findings:
            link = audit_link(findings[entity_id].audit_id, "audit_finding", "#findings")
        elif row.entity_type == "review":
            link = review_link(entity_id)
        elif row.entity_type == "review_decision" and entity_id in decisions:
            link = review_link(decisions[entity_id].review_id, "review_decision")
        if link is not None:
            objects[key] = link
    return {"objects": objects, "people": people_names(session, park_id, rows)}


def people_names(session: Session, park_id: int, rows: list[Any]) -> dict[int, tuple[str, str]]:
    """actor id → (printed name, user name): the trail keeps the user name, the page adds who that is."""
    ids = {row.actor_id for row in rows if getattr(row, "actor_id", None)}
    return {uid: (u.full_name, u.username) for uid, u in _by_id(session, User, ids, park_id).items()}


def event_actions() -> list[str]:
    """The action filter's choices: every event the label table names, in its order."""
    return list(LABELS["event"])
