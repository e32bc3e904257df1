"""What one revision looks like in the index: its entry (a Whoosh document; the PostgreSQL backend stores the same
fields), and the stamp that tells a stale entry."""

import re
import zlib
from collections.abc import Iterator
from datetime import date, datetime

from sqlalchemy import func, select
from sqlmodel import Session, col

from app.clauses.models import DocType, DocTypeClause
from app.common import as_utc
from app.db import session_scope
from app.documents.models import Document, Revision, RevisionText, Signature
from app.search.models import SearchQueue
from app.search.schemas import CheckReport
from app.users.models import User

_HAN = "\u3400-\u9fff\uf900-\ufaff"
_HAN_LINE_BREAK = re.compile(rf"(?<=[{_HAN}])[ \t\u3000]*\r?\n[ \t\u3000]*(?=[{_HAN}])")


def join_han_lines(text: str) -> str:
    """A line break between two Han characters splits a phrase (PDF lines): remove it (extraction does too)."""
    return _HAN_LINE_BREAK.sub("", text)


def day_term(value: datetime | date | None) -> str:
    """The `day` field's term, yyyymmdd (UTC for a datetime); "00000000" when there is no date."""
    value = as_utc(value) if isinstance(value, datetime) else value
    return f"{value.year:04d}{value.month:02d}{value.day:02d}" if value else "00000000"


def entry_stamp(
    rev_version: int, state: str, title: str, control_no: str, access: str, owner_unit: str, doc_type: str
) -> str:
    """The stored `stamp`: version, state and a checksum of the indexed metadata, compared by `check()`."""
    meta = zlib.crc32("\x1f".join((title, control_no, access, owner_unit, doc_type)).encode())
    return f"{rev_version}:{state}:{meta:08x}"


_REV_COLUMNS = (
    col(Revision.id),
    col(Revision.document_id),
    col(Revision.park_id),
    col(Revision.state),
    col(Revision.version),
    col(Revision.created_at),
    col(Revision.effective_from),
    col(Revision.preparer_id),
    col(Revision.change_reason),
    col(Revision.file_name),
    col(Document.control_no),
    col(Document.title),
    col(Document.doc_type),
    col(Document.kind),
    col(Document.owner_unit),
    col(Document.access_level),
    col(Document.created_by_id),
)


class Lookups:
    """Document-type titles and clauses: small, loaded once per indexing run."""

    def __init__(self, session: Session) -> None:
        self.type_titles = dict(session.execute(select(col(DocType.code), col(DocType.title_zh))).all())
        self.clauses: dict[str, list[str]] = {}
        for code, clause in session.execute(select(col(DocTypeClause.doc_type), col(DocTypeClause.clause_id))).all():
            self.clauses.setdefault(code, []).append(clause)


def load_documents(session: Session, revision_ids: list[int], lookups: Lookups | None = None) -> list[dict]:
    """The Whoosh documents of these revisions (those that still exist)."""
    if not revision_ids:
        return []
    lookups = lookups or Lookups(session)
    rows = session.execute(
        select(*_REV_COLUMNS)
        .join(Document, col(Document.id) == col(Revision.document_id))
        .where(col(Revision.id).in_(revision_ids))
    ).all()
    texts = dict(
        session.execute(
            select(col(RevisionText.revision_id), col(RevisionText.text)).where(
                col(RevisionText.revision_id).in_(revision_ids)
            )
        ).all()
    )
    signers: dict[int, list[str]] = {}
    for revision_id, name in session.execute(
        select(col(Signature.revision_id), col(Signature.signer_name)).where(
            col(Signature.revision_id).in_(revision_ids)
        )
    ).all():
        signers.setdefault(revision_id, []).append(name)
    people = dict(
        session.execute(
            select(col(User.id), col(User.full_name)).where(col(User.id).in_({row.preparer_id for row in rows}))
        ).all()
    )
    documents = []
    for row in rows:
        state = str(row.state)
        access = str(row.access_level)
        clauses = lookups.clauses.get(row.doc_type, [])
        head = [
            row.title,
            row.control_no,
            lookups.type_titles.get(row.doc_type, ""),
            row.doc_type,
            " ".join(clauses),
            row.owner_unit,
            people.get(row.preparer_id, ""),
            " ".join(signers.get(row.id, [])),
            row.file_name,
            row.change_reason,
        ]
        documents.append(
            {
                "rid": str(row.id),
                "doc": str(row.document_id),
                "park": str(row.park_id),
                "access": access,
                "creator": str(row.created_by_id),
                "doc_type": row.doc_type,
                "kind": str(row.kind),
                "clauses": ",".join(clauses),
                "state": state,
                "owner_unit": row.owner_unit or "",
                "day": day_term(row.effective_from or row.created_at),
                "stamp": entry_stamp(
                    row.version, state, row.title, row.control_no, access, row.owner_unit or "", row.doc_type
                ),
                "content": "\n".join(part for part in head if part) + "\n" + join_han_lines(texts.get(row.id, "")),
            }
        )
    return documents


def revision_chunks(size: int) -> Iterator[list[int]]:
    """Every revision id in ascending order, `size` at a time."""
    last = 0
    while True:
        with session_scope(write=False) as session:
            ids = list(
                session.execute(
                    select(col(Revision.id)).where(col(Revision.id) > last).order_by(col(Revision.id)).limit(size)
                ).scalars()
            )
        if not ids:
            return
        yield ids
        last = ids[-1]


def iter_documents(chunk: int) -> Iterator[tuple[list[int], list[dict]]]:
    """Every revision's entry, `chunk` revisions at a time in id order: (revision ids, their entries)."""
    with session_scope(write=False) as session:
        lookups = Lookups(session)
    for ids in revision_chunks(chunk):
        with session_scope(write=False) as session:
            yield ids, load_documents(session, ids, lookups)


def compare_stamps(entries: dict[int, str | None]) -> CheckReport:
    """Every revision's state against its entry's stamp (revision id → stamp): missing, stale, extra."""
    report = CheckReport(indexed=len(entries))
    seen: set[int] = set()
    with session_scope(write=False) as session:
        rows = session.execute(
            select(
                col(Revision.id),
                col(Revision.version),
                col(Revision.state),
                col(Document.title),
                col(Document.control_no),
                col(Document.access_level),
                col(Document.owner_unit),
                col(Document.doc_type),
            )
            .join(Document, col(Document.id) == col(Revision.document_id))
            .order_by(col(Revision.id))
            .execution_options(yield_per=2000)
        )
        for row in rows:
            report.rows += 1
            seen.add(row.id)
            stamp = entries.get(row.id)
            if stamp is None:
                report.missing.append(row.id)
            elif stamp != entry_stamp(
                row.version,
                str(row.state),
                row.title,
                row.control_no,
                str(row.access_level),
                row.owner_unit or "",
                row.doc_type,
            ):
                report.stale.append(row.id)
        report.queued = session.execute(select(func.count(func.distinct(SearchQueue.revision_id)))).scalar_one()
    report.extra = sorted(set(entries) - seen)
    return report
