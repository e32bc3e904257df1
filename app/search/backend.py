"""The search backend: Whoosh files beside the database (default), or PostgreSQL full-text search inside it.

    CARBONMS_SEARCH_BACKEND=whoosh     one process writes the index files (app/search/whoosh_backend.py)
    CARBONMS_SEARCH_BACKEND=postgres   the entries live in PostgreSQL (app/search/postgres.py): any number of processes

Both index the same entries (entries.py) with the same analysis (index.py: CJK bigrams and words), read queries the
same way (query.py) and let the database decide what a user sees (results.py); service.py is their one caller.
"""

from collections.abc import Callable
from typing import Protocol

from sqlmodel import Session

from app.config import get_settings
from app.db import get_engine
from app.search.postgres import PostgresBackend
from app.search.query import ParsedQuery, SearchFilters
from app.search.schemas import CheckReport, IndexUnavailable, SearchPage
from app.search.whoosh_backend import WhooshBackend
from app.users.models import User

BACKENDS = ("whoosh", "postgres")


class SearchBackend(Protocol):
    name: str

    def ready(self) -> bool:
        """Whether the index exists and is of the current schema (otherwise it is rebuilt at start-up)."""
        ...

    def index(self, revision_ids: list[int], load: Callable[[], list[dict]], *, lock_timeout: float) -> None:
        """Write the entries `load()` returns (read once this writer holds its turn) and delete those of the
        revisions in `revision_ids` it did not return (they are gone). Raises on failure; nothing half-written."""
        ...

    def delete(self, revision_ids: list[int]) -> None:
        """Remove these revisions' entries."""
        ...

    def search(
        self, session: Session, user: User, parsed: ParsedQuery, filters: SearchFilters, limit: int, offset: int
    ) -> SearchPage:
        """One page of readable matches, best first: filters inside the index, the database re-checks the page."""
        ...

    def rebuild(self, *, progress: Callable[[int], None] | None = None, chunk: int = 500) -> int:
        """Index every revision anew; returns how many. Searches keep answering from the old entries meanwhile."""
        ...

    def check(self) -> CheckReport:
        """Every revision compared with its entry: missing, stale, extra."""
        ...


_instances: dict[str, SearchBackend] = {}


def get_backend() -> SearchBackend:
    """The backend chosen by `search_backend`; PostgreSQL's is refused on another database."""
    name = get_settings().search_backend
    if name not in BACKENDS:
        raise IndexUnavailable(
            f"未知的搜索后端 {name!r}（可选 whoosh、postgres）", f"Unknown search backend {name!r} (whoosh or postgres)"
        )
    if name == "postgres" and get_engine().dialect.name != "postgresql":
        raise IndexUnavailable(
            "搜索后端 postgres 需要 PostgreSQL 数据库；当前数据库不是 PostgreSQL，"
            "请设置 CARBONMS_SEARCH_BACKEND=whoosh",
            "The postgres search backend needs a PostgreSQL database; this one is not: set "
            "CARBONMS_SEARCH_BACKEND=whoosh",
        )
    backend = _instances.get(name)
    if backend is None:
        backend = _instances[name] = PostgresBackend() if name == "postgres" else WhooshBackend()
    return backend
