"""Publishing a register: its rows rendered as the Annex A document it stands for (an editable .docx, the
revision's file, and an .xlsx beside it), a new revision of the park's controlled document of that type (registered
when the park has none), submitted into the lifecycle; the rows frozen as JSON with the revision, so two snapshots
can be compared row by row."""

import json
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from app.clauses.models import DocType
from app.common import utcnow
from app.config import get_settings
from app.documents import service as documents
from app.documents import storage
from app.documents.lifecycle import Action
from app.documents.models import Document, Revision, RevisionState
from app.errors import Conflict, Invalid, NotFound
from app.events import service as events
from app.registers import lifecycle
from app.registers.models import RegisterSnapshot
from app.registers.reading import in_park, list_rows, require_reader
from app.registers.sheets import docx_bytes, xlsx_bytes
from app.registers.specs import SPECS, RegisterKind, row_dict
from app.users.models import Park, User

OPEN_STATES = (RevisionState.draft, RevisionState.in_review, RevisionState.in_approval, RevisionState.approved)


def all_rows(session: Session, *, user: User, kind: RegisterKind) -> list[dict[str, Any]]:
    spec = SPECS[kind]
    out: list[dict[str, Any]] = []
    page = 1
    while True:
        chunk = list_rows(session, user=user, kind=kind, page=page, per_page=200)
        out.extend(json.loads(json.dumps(row_dict(spec, r), default=str)) for r in chunk.rows)
        if page * chunk.per_page >= chunk.total:
            return out
        page += 1


def _park_document(session: Session, park_id: int, doc_type: str) -> Document | None:
    """The park's live controlled document of the type: the newest one not made obsolete."""
    obsolete = select(col(Revision.document_id)).where(col(Revision.state) == RevisionState.obsolete)
    return (
        session.execute(
            select(Document)
            .where(
                col(Document.park_id) == park_id,
                col(Document.doc_type) == doc_type,
                col(Document.id).not_in(obsolete),
            )
            .order_by(col(Document.id).desc())
        )
        .scalars()
        .first()
    )


def publish(session: Session, *, actor: User, kind: RegisterKind, change_reason: str = "") -> RegisterSnapshot:
    spec = SPECS[kind]
    lifecycle.require_editor(actor, spec.entity, "publish")
    if spec.doc_type is None:
        raise Invalid("此登记册的条目本身即是记录，无需发布", "This register's rows are records themselves")
    rows = all_rows(session, user=actor, kind=kind)
    if not rows:
        raise Invalid("登记册为空，不能发布", "The register is empty; there is nothing to publish")
    park = session.get_one(Park, actor.park_id)
    doc_type = session.get_one(DocType, spec.doc_type)
    title = f"{park.name}{doc_type.title_zh}"
    document = _park_document(session, actor.park_id, spec.doc_type)
    if document is None:
        document = documents.register_document(
            session, actor=actor, doc_type_code=spec.doc_type, title=title, owner_unit=actor.unit or ""
        )
    assert document.id is not None  # stored
    states = session.execute(select(col(Revision.state)).where(col(Revision.document_id) == document.id)).scalars()
    if any(state in OPEN_STATES for state in states):
        raise Conflict(
            "该文件已有一个未完成的版本，请先完成或退回它",
            "The register's document has an open revision; finish or reject it first",
        )
    subtitle = f"{utcnow().date().isoformat()} 由 carbonms 登记册生成，共 {len(rows)} 条"
    docx = documents.stage_generated(
        docx_bytes(spec, rows, title=title, subtitle=subtitle), f"{doc_type.title_zh}.docx"
    )
    xlsx_staged = documents.stage_generated(xlsx_bytes(spec, rows, title=title), f"{doc_type.title_zh}.xlsx")
    try:
        storage.store_blob(session, xlsx_staged, blob_dir=get_settings().blob_dir)
    finally:
        storage.discard(xlsx_staged)
    revision = documents.add_revision(
        session,
        actor=actor,
        document_id=document.id,
        staged=docx,
        change_reason=change_reason.strip() or "登记册更新后重新发布 / register updated and published again",
    )
    assert revision.id is not None and actor.id is not None  # stored
    documents.transition_revision(session, actor=actor, revision_id=revision.id, action=Action.submit)
    snapshot = RegisterSnapshot(
        park_id=actor.park_id,
        kind=str(kind),
        document_id=document.id,
        revision_id=revision.id,
        rows_json=json.dumps(rows, ensure_ascii=False, sort_keys=True),
        row_count=len(rows),
        xlsx_sha256=xlsx_staged.sha256,
        created_by_id=actor.id,
    )
    session.add(snapshot)
    session.flush()
    events.record(
        session,
        action="register.publish",
        entity_type="register",
        entity_id=str(kind),
        park_id=actor.park_id,
        actor=actor,
        after={
            "register": str(kind),
            "snapshot_id": snapshot.id,
            "document_id": document.id,
            "revision_id": revision.id,
            "rows": len(rows),
            "xlsx_sha256": xlsx_staged.sha256,
        },
    )
    return snapshot


def list_snapshots(session: Session, *, user: User, kind: RegisterKind) -> list[RegisterSnapshot]:
    require_reader(user, SPECS[kind])
    return list(
        session.execute(
            select(RegisterSnapshot)
            .where(col(RegisterSnapshot.park_id) == user.park_id, col(RegisterSnapshot.kind) == str(kind))
            .order_by(col(RegisterSnapshot.id).desc())
        ).scalars()
    )


def get_snapshot(session: Session, *, user: User, kind: RegisterKind, snapshot_id: int) -> RegisterSnapshot:
    require_reader(user, SPECS[kind])
    missing = ("登记册快照不存在", "Register snapshot not found")
    snapshot = in_park(
        session, RegisterSnapshot, row_id=snapshot_id, user=user, entity_type="register", missing=missing
    )
    if snapshot.kind != str(kind):
        raise NotFound(*missing)
    return snapshot


def snapshots_of_document(session: Session, *, user: User, document_id: int) -> list[RegisterSnapshot]:
    """The snapshots published into a document (for its page's include)."""
    return list(
        session.execute(
            select(RegisterSnapshot)
            .where(col(RegisterSnapshot.park_id) == user.park_id, col(RegisterSnapshot.document_id) == document_id)
            .order_by(col(RegisterSnapshot.id))
        ).scalars()
    )


def diff_rows(before: list[dict[str, Any]], after: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """Rows added, removed and changed (field by field) between two snapshots, keyed by row id."""
    old = {row["id"]: row for row in before}
    new = {row["id"]: row for row in after}
    changed = []
    for row_id in sorted(old.keys() & new.keys()):
        fields = {
            name: {"from": old[row_id].get(name), "to": value}
            for name, value in new[row_id].items()
            if old[row_id].get(name) != value
        }
        if fields:
            changed.append({"id": row_id, "fields": fields})
    return {
        "added": [new[i] for i in sorted(new.keys() - old.keys())],
        "removed": [old[i] for i in sorted(old.keys() - new.keys())],
        "changed": changed,
    }


def diff(session: Session, *, user: User, kind: RegisterKind, from_id: int, to_id: int) -> dict[str, Any]:
    first = get_snapshot(session, user=user, kind=kind, snapshot_id=from_id)
    second = get_snapshot(session, user=user, kind=kind, snapshot_id=to_id)
    return {"from": from_id, "to": to_id, **diff_rows(json.loads(first.rows_json), json.loads(second.rows_json))}
