"""One task: what waits on a user, where to do it, and what it is about."""

from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any


@dataclass
class Task:
    kind: str
    title_zh: str
    title_en: str
    due_date: date | None
    overdue: bool
    link: str
    entity_type: str
    entity_id: int | str | None
    ids: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["due_date"] = self.due_date.isoformat() if self.due_date else None
        return out
