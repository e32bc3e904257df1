"""Where the domains above documents plug into it, so that documents never imports them.

- `on_revision_created`: called by `service.add_revision` in the creating transaction, after the revision, its
  text and its audit event are flushed (text recognition queues the OCR of a scan, previews queue the page images).
- `on_revision_read`: fills one named, JSON-shaped part of `RevisionPublic` for a batch of revisions (text
  recognition fills `recognition`), one call per batch so a document page stays a fixed number of queries.

A domain registers on import; `app.jobs.catalog`, which every entry point imports, imports the modules that do.
"""

from collections.abc import Callable, Mapping
from typing import Any, Protocol

from sqlmodel import Session

from app.documents.models import Revision
from app.users.models import User


class RevisionCreated(Protocol):
    def __call__(self, session: Session, revision: Revision, text: str | None, *, actor: User | None) -> object: ...


RevisionReader = Callable[[Session, list[int], User | None], Mapping[int, dict[str, Any]]]

_created: list[RevisionCreated] = []
_readers: dict[str, RevisionReader] = {}


def on_revision_created(hook: RevisionCreated) -> RevisionCreated:
    """Register `hook(session, revision, extracted_text, actor=...)`; registering the same hook twice keeps one."""
    if hook not in _created:
        _created.append(hook)
    return hook


def on_revision_read(part: str, reader: RevisionReader) -> RevisionReader:
    """Register the reader of the part `part` of a revision's public shape (one reader per part)."""
    _readers[part] = reader
    return reader


def revision_created(session: Session, revision: Revision, text: str | None, *, actor: User | None) -> None:
    for hook in _created:
        hook(session, revision, text, actor=actor)


def revision_parts(session: Session, revision_ids: list[int], user: User | None) -> dict[int, dict[str, Any]]:
    """revision id → {part: its JSON shape} from every registered reader (an empty dict where none has anything)."""
    parts: dict[int, dict[str, Any]] = {revision_id: {} for revision_id in revision_ids}
    if not revision_ids:
        return parts
    for part, reader in _readers.items():
        for revision_id, shape in reader(session, revision_ids, user).items():
            parts[revision_id][part] = shape
    return parts
