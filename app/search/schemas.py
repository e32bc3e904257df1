"""What search answers (API and pages alike), the index check's report, and the error of an index not ready."""

from dataclasses import dataclass, field

from pydantic import BaseModel

from app.errors import AppError


class IndexUnavailable(AppError):
    status_code = 503
    code = "search_unavailable"


class SearchHit(BaseModel):
    document_id: int
    revision_id: int
    control_no: str
    title: str
    state: str
    snippet: str
    score: float
    obsolete: bool


class SearchPage(BaseModel):
    total: int
    limit: int
    offset: int
    items: list[SearchHit]
    # True when `total` is a bounded estimate (many matches: counting each one exactly would cost more than the page).
    estimated: bool = False


@dataclass
class CheckReport:
    rows: int = 0
    indexed: int = 0
    missing: list[int] = field(default_factory=list)
    stale: list[int] = field(default_factory=list)
    extra: list[int] = field(default_factory=list)
    queued: int = 0

    @property
    def ok(self) -> bool:
        return not (self.missing or self.stale or self.extra)
