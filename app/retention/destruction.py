"""Destroying the files of an approved batch: the only deletion carbonms ever makes.

In the request's transaction: the hold and the retention are checked again, each item to destroy gets its
tombstone (hash, size, type, name, document, revision, who, when, batch) and a `revision.destroy` event, the
revision's extracted text and cached controlled copies are removed (they hold its content too). After the commit,
the bytes go: a blob only when no revision without a tombstone still refers to it (and nothing else does). A
failing transaction leaves every byte in place.
"""

from collections.abc import Callable

from sqlalchemy import delete, select
from sqlmodel import Session, col

from app import db
from app.config import get_settings
from app.documents import storage
from app.documents.models import Document, Revision, RevisionText
from app.errors import Conflict
from app.events import service as events
from app.inventory.models import EmissionFactor, FactorDataSet, SubmissionEvidence
from app.parks.queries import park_time_zone
from app.previews.models import RevisionPreview, RevisionPreviewStatus
from app.registers.models import RegisterSnapshot
from app.reports.models import ControlledCopy
from app.retention import holds, lifecycle, queries, service
from app.retention.lifecycle import Action
from app.retention.models import DestructionTombstone, DispositionBatch, DispositionItem
from app.retention.rules import retention_end
from app.users.models import User


def destroy(session: Session, *, actor: User, batch_id: int) -> DispositionBatch:
    """Carry out an approved batch: tombstones and events now, the bytes after the commit."""
    batch = service.get_batch(session, batch_id=batch_id, user=actor, for_update=True)
    lifecycle.check(batch, Action.destroy, actor)
    items = service.to_destroy(service.batch_items(session, batch_id))
    holds.check_not_held(session, batch.park_id, items)
    revisions = service.revisions_of(session, items)
    _check_still_due(session, batch, items, revisions)
    shas: set[str] = set()
    copies: set[str] = set()
    for item in items:
        revision = revisions[item.revision_id]
        tombstone = _tombstone(session, batch, item, revision, actor)
        shas.add(revision.blob_sha256)
        copies |= _drop_derived(session, revision)
        events.record(
            session,
            action="revision.destroy",
            entity_type="revision",
            entity_id=revision.id,
            park_id=revision.park_id,
            actor=actor,
            # No "state": the revision's state does not change (and the history's publication facts read that key).
            before={"sha256": revision.blob_sha256, "file": "present"},
            after={
                "revision_state": str(revision.state),
                "sha256": revision.blob_sha256,
                "file": "destroyed",
                "batch_id": batch.id,
                "tombstone_id": tombstone.id,
                "retention": tombstone.retention,
                "retention_end": str(tombstone.retention_end),
            },
        )
    lifecycle.transition(
        session,
        batch,
        Action.destroy,
        actor=actor,
        recorded={"destroyed_revision_ids": sorted(item.revision_id for item in items)},
    )
    db.after_commit(session, _remove_bytes(sorted(shas), sorted(copies)))
    return batch


def _check_still_due(
    session: Session, batch: DispositionBatch, items: list[DispositionItem], revisions: dict[int, Revision]
) -> None:
    """The class may have changed since the approval, or another batch destroyed an item: 409."""
    zone = park_time_zone(session, batch.park_id)
    today = service.park_today(session, batch.park_id)
    classes = queries.classes(session, batch.park_id, {revision.doc_type for revision in revisions.values()})
    kept = queries.kept_until(session, revisions)
    gone = queries.tombstones(session, revisions)
    for item in items:
        revision = revisions[item.revision_id]
        end = retention_end(
            classes[revision.doc_type],
            revision.state,
            revision.effective_from,
            revision.ended_at,
            zone,
            kept.get(item.revision_id),
        )
        if item.revision_id in gone or end is None or end >= today:
            raise Conflict(
                f"版本 {item.revision_id} 已不再到期或已销毁，请重新鉴定",
                f"Revision {item.revision_id} is no longer due or already destroyed; appraise it again",
            )


def _tombstone(
    session: Session, batch: DispositionBatch, item: DispositionItem, revision: Revision, actor: User
) -> DestructionTombstone:
    document = session.get_one(Document, revision.document_id)
    assert revision.id is not None and document.id is not None and batch.id is not None and actor.id is not None
    tombstone = DestructionTombstone(
        park_id=revision.park_id,
        revision_id=revision.id,
        document_id=document.id,
        batch_id=batch.id,
        sha256=revision.blob_sha256,
        size_bytes=revision.size_bytes,
        media_type=revision.media_type,
        file_name=revision.file_name,
        control_no=document.control_no,
        title=document.title,
        doc_type=revision.doc_type,
        revision_number=revision.number,
        revision_state=str(revision.state),
        retention=str(queries.classes(session, batch.park_id, [revision.doc_type])[revision.doc_type]),
        retention_end=item.keep_until or item.retention_end,
        appraised_by_name=batch.appraised_by_name,
        approved_by_name=batch.approved_by_name,
        approved_at=batch.approved_at,
        destroyed_by_id=actor.id,
        destroyed_by_name=actor.full_name,
    )
    session.add(tombstone)
    session.flush()
    return tombstone


def _drop_derived(session: Session, revision: Revision) -> set[str]:
    """The revision's extracted text, page images and cached controlled copies (each holds its content); returns
    the hashes of the derived files."""
    text = session.get(RevisionText, revision.id)
    if text is not None:
        session.delete(text)  # the search index drops it too (app/search/hooks.py)
    images = set(
        session.execute(select(col(RevisionPreview.blob_sha256)).where(col(RevisionPreview.revision_id) == revision.id))
        .scalars()
        .all()
    )
    session.execute(delete(RevisionPreview).where(col(RevisionPreview.revision_id) == revision.id))
    session.execute(delete(RevisionPreviewStatus).where(col(RevisionPreviewStatus.revision_id) == revision.id))
    copies = set(
        session.execute(select(col(ControlledCopy.sha256)).where(col(ControlledCopy.revision_id) == revision.id))
        .scalars()
        .all()
    )
    session.execute(delete(ControlledCopy).where(col(ControlledCopy.revision_id) == revision.id))
    session.flush()
    return copies | images


def still_referenced(session: Session, sha256: str) -> bool:
    """Whether anything but a destroyed revision refers to these bytes (then they stay)."""
    live = (
        select(col(Revision.id))
        .where(col(Revision.blob_sha256) == sha256)
        .where(~col(Revision.id).in_(select(col(DestructionTombstone.revision_id))))
    )
    others = (
        live,
        select(col(ControlledCopy.stamp_key)).where(col(ControlledCopy.sha256) == sha256),
        select(col(RevisionPreview.id)).where(col(RevisionPreview.blob_sha256) == sha256),
        select(col(SubmissionEvidence.id)).where(col(SubmissionEvidence.blob_sha256) == sha256),
        select(col(FactorDataSet.id)).where(col(FactorDataSet.evidence_sha256) == sha256),
        select(col(EmissionFactor.id)).where(col(EmissionFactor.evidence_sha256) == sha256),
        select(col(RegisterSnapshot.id)).where(col(RegisterSnapshot.xlsx_sha256) == sha256),
    )
    return any(session.execute(query.limit(1)).first() is not None for query in others)


def _remove_bytes(shas: list[str], copies: list[str]) -> Callable[[], None]:
    def remove() -> None:
        blob_dir = get_settings().blob_dir
        with db.session_scope(write=False) as fresh:  # what is committed now, not the request's snapshot
            doomed = [sha for sha in [*shas, *copies] if not still_referenced(fresh, sha)]
        for sha in doomed:
            storage.destroy_blob(blob_dir, sha)

    return remove
