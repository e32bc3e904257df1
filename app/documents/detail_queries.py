"""Reading one document in full: its revisions with their signatures, next steps and the parts other domains add
(documents/hooks.py), its history, and a record's shape."""

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from app.clauses.models import DocType
from app.documents import hooks, lifecycle
from app.documents.access import sees_full_history
from app.documents.models import Document, Revision, Signature
from app.documents.queries import document_public, type_clauses, type_titles
from app.documents.schemas import (
    DocumentDetail,
    EventBrief,
    NextActor,
    NextStep,
    RecordPublic,
    RefusedAction,
    RevisionPublic,
    SignaturePublic,
)
from app.events.models import Event
from app.retention import queries as retention
from app.users.models import User


def _users(session: Session, ids: set[int]) -> dict[int, User]:
    if not ids:
        return {}
    return {user.id: user for user in session.execute(select(User).where(col(User.id).in_(ids))).scalars()}


def signatures_of(session: Session, revision_ids: list[int]) -> dict[int, list[SignaturePublic]]:
    result: dict[int, list[SignaturePublic]] = {}
    if not revision_ids:
        return result
    rows = (
        session.execute(
            select(Signature)
            .where(col(Signature.revision_id).in_(revision_ids))
            .order_by(col(Signature.signed_at), col(Signature.id))
        )
        .scalars()
        .all()
    )
    users = _users(session, {row.signer_id for row in rows})
    from app.documents.models import SIGNATURE_LABELS

    for row in rows:
        signer = users.get(row.signer_id)
        result.setdefault(row.revision_id, []).append(
            SignaturePublic(
                id=row.id,
                signer=signer.username if signer else str(row.signer_id),
                signer_name=row.signer_name,
                meaning=str(row.meaning),
                meaning_zh=SIGNATURE_LABELS[str(row.meaning)][0],
                signed_at=row.signed_at,
                file_sha256=row.file_sha256,
                comment=row.comment,
                cycle=row.cycle,
            )
        )
    return result


def revision_public(
    revision: Revision,
    preparer: User | None,
    signatures: list[SignaturePublic],
    allowed: list[str] | None = None,
    explained: "Steps | None" = None,
    parts: dict[str, Any] | None = None,
    kept: retention.Facts | None = None,
) -> RevisionPublic:
    assert revision.id is not None  # a stored row
    return RevisionPublic(
        id=revision.id,
        document_id=revision.document_id,
        number=revision.number,
        state=str(revision.state),
        state_zh=lifecycle.STATE_LABELS[str(revision.state)][0],
        version=revision.version,
        sha256=revision.blob_sha256,
        file_name=revision.file_name,
        media_type=revision.media_type,
        size_bytes=revision.size_bytes,
        change_reason=revision.change_reason,
        preparer=preparer.username if preparer else "",
        preparer_name=preparer.full_name if preparer else "",
        created_at=revision.created_at,
        submitted_at=revision.submitted_at,
        approved_at=revision.approved_at,
        effective_from=revision.effective_from,
        ended_at=revision.ended_at,
        end_reason=revision.end_reason,
        period_start=revision.period_start,
        period_end=revision.period_end,
        signatures=signatures,
        allowed_actions=explained.allowed if explained else allowed or [],
        refused_actions=explained.refused if explained else [],
        next_step=explained.next if explained else None,
        recognition=(parts or {}).get("recognition"),
        retention=str(kept.retention) if kept else None,
        retention_end=kept.end if kept else None,
        legal_hold=bool(kept and kept.hold_id),
        destroyed_at=kept.destroyed_at if kept else None,
    )


def revision_out(session: Session, revision: Revision, user: User | None = None) -> RevisionPublic:
    assert revision.id is not None  # a stored row
    preparer = session.get(User, revision.preparer_id)
    explained = steps_of(session, revision, user, active_people(session, revision.park_id)) if user else None
    signatures = signatures_of(session, [revision.id]).get(revision.id, [])
    parts = hooks.revision_parts(session, [revision.id], user)[revision.id]
    kept = retention.facts(session, revision.park_id, [revision]).get(revision.id)
    return revision_public(revision, preparer, signatures, explained=explained, parts=parts, kept=kept)


@dataclass(frozen=True)
class Steps:
    """What the page says about a revision's next steps: the reader's own, the refused with why, who acts next."""

    allowed: list[str]
    refused: list[RefusedAction]
    next: NextStep | None


def active_people(session: Session, park_id: int) -> list[User]:
    return list(
        session.execute(
            select(User).where(col(User.park_id) == park_id, col(User.is_active)).order_by(col(User.id))
        ).scalars()
    )


def steps_of(session: Session, revision: Revision, user: User, people: list[User]) -> Steps:
    document = session.get_one(Document, revision.document_id)
    doc_type = session.get_one(DocType, document.doc_type)
    signers = lifecycle.current_signers(session, revision)
    allowed = lifecycle.allowed_actions(revision, document, doc_type, user, signers)
    refused = [
        RefusedAction(action=str(item.action), message_zh=item.message_zh, message_en=item.message_en)
        for item in lifecycle.refused_actions(revision, document, doc_type, user, signers)
    ]
    following = lifecycle.next_step(revision, document, doc_type, signers, list(people))
    next_step = None
    if following is not None:
        by_id = {person.id: person for person in people}
        next_step = NextStep(
            action=str(following.action),
            roles=[str(role) for role in following.roles],
            people=[
                NextActor(username=person.username, full_name=person.full_name, role=str(person.role))
                for person in (by_id[actor.id] for actor in following.people if actor.id in by_id)
            ],
        )
    return Steps([str(action) for action in allowed], refused, next_step)


# What a revision's publication looks like from outside the audit trail: the states a reader of the document may know.
PUBLICATION_STATES = frozenset({"effective", "superseded", "obsolete", "filed", "void"})


def _publication_fact(event: EventBrief, numbers: dict[str, int]) -> EventBrief | None:
    """The event as a publication fact (which revision became what, and when), or None when it is not one."""
    state = event.after.get("state") if isinstance(event.after, dict) else None
    if event.entity_type != "revision" or not event.action.startswith("revision.") or state not in PUBLICATION_STATES:
        return None
    after = {"state": state, "revision": numbers.get(event.entity_id)}
    return event.model_copy(update={"actor_id": None, "actor_name": "", "before": None, "after": after})


def history(session: Session, *, park_id: int, document_id: int, revision_ids: list[int]) -> list[EventBrief]:
    entity_filter = (col(Event.entity_type) == "document") & (col(Event.entity_id) == str(document_id))
    if revision_ids:
        entity_filter = entity_filter | (
            (col(Event.entity_type) == "revision") & col(Event.entity_id).in_([str(i) for i in revision_ids])
        )
    rows = (
        session.execute(select(Event).where(col(Event.park_id) == park_id, entity_filter).order_by(col(Event.seq)))
        .scalars()
        .all()
    )
    return [
        EventBrief(
            seq=row.seq,
            occurred_at=row.occurred_at,
            actor_id=row.actor_id,
            actor_name=row.actor_name,
            action=row.action,
            entity_type=row.entity_type,
            entity_id=row.entity_id,
            before=json.loads(row.before_json),
            after=json.loads(row.after_json),
        )
        for row in rows
    ]


def document_detail(session: Session, *, document: Document, user: User) -> DocumentDetail:
    revisions = (
        session.execute(select(Revision).where(col(Revision.document_id) == document.id).order_by(col(Revision.number)))
        .scalars()
        .all()
    )
    ids = [revision.id for revision in revisions]
    signatures = signatures_of(session, ids)
    users = _users(session, {revision.preparer_id for revision in revisions})
    people = active_people(session, document.park_id)
    parts = hooks.revision_parts(session, [revision.id for revision in revisions if revision.id is not None], user)
    kept = retention.facts(session, document.park_id, revisions)
    revision_items = [
        revision_public(
            revision,
            users.get(revision.preparer_id),
            signatures.get(revision.id, []),
            explained=steps_of(session, revision, user, people),
            parts=parts.get(revision.id) if revision.id is not None else None,
            kept=kept.get(revision.id) if revision.id is not None else None,
        )
        for revision in revisions
    ]
    latest = revisions[-1] if revisions else None
    effective = next((r.number for r in revisions if r.state == "effective"), None)
    base = document_public(
        document,
        str(latest.state) if latest else None,
        latest.number if latest else None,
        effective,
        type_titles(session, {document.doc_type}),
        type_clauses(session, {document.doc_type}),
    )
    assert document.id is not None  # a stored row
    events = history(session, park_id=document.park_id, document_id=document.id, revision_ids=ids)
    if not sees_full_history(user):
        # The trail is closed to contributors: no names, comments or refusals, only when what was published.
        numbers = {str(revision.id): revision.number for revision in revisions}
        events = [fact for fact in (_publication_fact(event, numbers) for event in events) if fact is not None]
    return DocumentDetail(**base.model_dump(), revisions=revision_items, history=events)


def record_public(session: Session, document: Document, revision: Revision) -> RecordPublic:
    assert document.id is not None and revision.id is not None  # stored rows
    return RecordPublic(
        id=document.id,
        control_no=document.control_no,
        doc_type=document.doc_type,
        title=document.title,
        access_level=document.access_level,
        owner_unit=document.owner_unit,
        revision_id=revision.id,
        state=str(revision.state),
        state_zh=lifecycle.STATE_LABELS[str(revision.state)][0],
        version=revision.version,
        sha256=revision.blob_sha256,
        period_start=revision.period_start,
        period_end=revision.period_end,
        signatures=signatures_of(session, [revision.id]).get(revision.id, []),
    )
