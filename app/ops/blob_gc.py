"""`carbonms blobs gc`: remove orphan blobs (in the store, referred to by nothing) older than a grace period.

An orphan is what a process killed between placing a blob and committing its transaction leaves behind (a
transaction that fails in the ordinary way removes its own blob after the rollback: `storage.store_blob`). The grace
period keeps a blob whose transaction may still be about to commit; each removal is re-checked against the database
just before it is made. "Referred to" is what `carbonms verify` counts: blob rows, revisions, cached controlled
copies and preview images.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlmodel import Session, col

from app.blobs import store_for
from app.documents.models import Blob, Revision
from app.ops.verify import Problem, VerifyReport
from app.ops.verify_files import check_disk
from app.previews import service as previews
from app.reports.models import ControlledCopy

DEFAULT_GRACE_MINUTES = 60


def referenced_shas(session: Session) -> set[str]:
    shas = set(session.execute(select(col(Blob.sha256))).scalars())
    shas |= set(session.execute(select(col(Revision.blob_sha256))).scalars())
    shas |= set(session.execute(select(col(ControlledCopy.sha256))).scalars())
    return shas | previews.referenced_shas(session)


def collect_orphans(session: Session, blob_dir: Path, *, grace_seconds: float) -> list[Problem]:
    """Remove orphans (and stray entries) older than `grace_seconds`; returns one line per orphan found, saying
    whether it was removed or kept."""
    report = VerifyReport()
    store = store_for(blob_dir)
    check_disk(session, store, referenced_shas(session), report, clean_orphans=True, orphan_min_age=grace_seconds)
    return report.problems
