"""The nonconformity cap: an open major nonconformity keeps its clause at `partial` at best, and says why.

Readiness reads the nonconformity table with its own query; it never imports a service above it (the audit
checklist calls readiness, so a readiness -> audits import would close a cycle).
"""

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import or_, select
from sqlmodel import Session, col

from app.common import utcnow
from app.nonconformities.lifecycle import STATE_LABELS
from app.nonconformities.models import Nonconformity, Severity
from app.nonconformities.queries import nc_code


def open_major_nonconformities(session: Session, park_id: int, as_of: date | None = None) -> dict[str, list[dict]]:
    """clause id -> the major nonconformities open at the end of `as_of` (today by default), with reasons."""
    day = as_of or utcnow().date()
    cutoff = datetime.combine(day + timedelta(days=1), time.min, tzinfo=UTC)  # the end of that day
    rows = (
        session.execute(
            select(Nonconformity)
            .where(
                col(Nonconformity.park_id) == park_id,
                col(Nonconformity.severity) == Severity.major,
                col(Nonconformity.raised_at) < cutoff,
                or_(col(Nonconformity.ended_at).is_(None), col(Nonconformity.ended_at) >= cutoff),
            )
            .order_by(col(Nonconformity.id))
        )
        .scalars()
        .all()
    )
    result: dict[str, list[dict]] = {}
    for nc in rows:
        state_zh, state_en = STATE_LABELS[str(nc.state)]
        short = nc.description if len(nc.description) <= 80 else nc.description[:80] + "…"
        result.setdefault(nc.clause_id, []).append(
            {
                "id": nc.id,
                "code": nc_code(nc),
                "severity": str(nc.severity),
                "state": str(nc.state),
                "origin": str(nc.origin),
                "link": f"/nonconformities/{nc.id}",
                "reason_zh": f"存在未关闭的严重不符合项 {nc_code(nc)}（{state_zh}）：{short}",
                "reason_en": f"Open major nonconformity {nc_code(nc)} ({state_en.lower()}): {short}",
            }
        )
    return result


def cap_by_nonconformities(
    session: Session, *, park_id: int, as_of: date | None, clauses: list[dict[str, Any]]
) -> None:
    """The readiness hook: a clause with an open major nonconformity is `partial` at best, and says why."""
    open_major = open_major_nonconformities(session, park_id, as_of)
    for clause in clauses:
        found = open_major.get(clause["id"], [])
        clause["nonconformities"] = found
        if found and clause.get("status") == "met":
            clause["status"] = "partial"
