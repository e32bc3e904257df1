"""Archival checks (四性检测): run one on a scope, store it as a run with its figures and problems, list and read
runs. Services flush, never commit; the request's session commits the run and its audit event together."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from app.archival import checks, usability
from app.archival.access import may_check
from app.archival.models import ArchivalCheck, ArchivalProblem, Origin, ScopeKind
from app.archival.result import CheckResult
from app.archival.scope import Scope, document_ids_for, resolve, validate
from app.config import get_settings
from app.errors import Forbidden, Invalid, NotFound
from app.events import service as events
from app.events.refusals import Rule, refusal
from app.parks.queries import park_time_zone
from app.users.models import User

LIST_LIMIT = 200


def require_checker(user: User, target: object = "new") -> None:
    """Coordinators and auditors only; a refusal names what was asked for (a run's id, the list, a new check)."""
    if not may_check(user):
        raise Forbidden(
            "只有体系管理员和内审员可以进行四性检测",
            "Only coordinators and auditors may run archival checks",
            audit=refusal(user, Rule.role, "archival_check", target),
        )


def compute(session: Session, *, park_id: int, scope: Scope, allow_empty: bool = False) -> CheckResult:
    """Check every revision of the scope (reads only: nothing is written)."""
    resolved = resolve(session, park_id=park_id, scope=scope, zone=park_time_zone(session, park_id))
    if not resolved.revisions and not allow_empty:
        raise Invalid("该范围内没有任何文件或记录版本", "The scope holds no revision to check")
    return checks.run_checks(session, resolved, get_settings())


def record(session: Session, *, actor: User, scope: Scope, result: CheckResult, origin: Origin) -> ArchivalCheck:
    """Store the run and its problems, with its audit event."""
    assert actor.id is not None  # a stored user
    run = ArchivalCheck(
        park_id=actor.park_id,
        created_by_id=actor.id,
        created_by_name=actor.full_name or actor.username,
        origin=str(origin),
        scope_kind=str(scope.kind),
        scope_json=json.dumps(scope.as_dict(), ensure_ascii=False, sort_keys=True),
        verdict=str(result.verdict),
        documents_checked=result.documents_checked,
        revisions_checked=result.revisions_checked,
        problems_count=len(result.problems),
        figures_json=json.dumps(result.figures | {"destroyed": result.destroyed}, sort_keys=True),
        chain_json=json.dumps(result.chain, ensure_ascii=False, sort_keys=True, default=str),
        allowed_formats=",".join(usability.allowed_formats()),
    )
    session.add(run)
    session.flush()
    assert run.id is not None  # flushed
    for position, finding in enumerate(result.problems, start=1):
        session.add(
            ArchivalProblem(
                check_id=run.id,
                position=position,
                property=str(finding.property),
                check_code=finding.check,
                document_id=finding.target.document_id,
                revision_id=finding.target.revision_id,
                control_no=finding.target.control_no,
                revision_number=finding.target.revision_number,
                message_zh=finding.message_zh,
                message_en=finding.message_en,
            )
        )
    session.flush()
    events.record(
        session,
        action="archival.check",
        entity_type="archival_check",
        entity_id=run.id,
        park_id=actor.park_id,
        actor=actor,
        after={
            "origin": str(origin),
            "scope": scope.as_dict(),
            "verdict": run.verdict,
            "revisions_checked": run.revisions_checked,
            "problems": run.problems_count,
            "failed_checks": sorted(result.failed_checks()),
        },
    )
    return run


def run_check(session: Session, *, actor: User, scope: Scope) -> ArchivalCheck:
    """An on-demand check of `scope` (validated by scope.validate), stored as a run."""
    require_checker(actor)
    result = compute(session, park_id=actor.park_id, scope=scope)
    return record(session, actor=actor, scope=scope, result=result, origin=Origin.on_demand)


def check_request(
    session: Session,
    *,
    actor: User,
    kind: ScopeKind,
    doc_types: list[str] | None = None,
    clause: str | None = None,
    document_ids: list[int] | None = None,
    control_nos: list[str] | None = None,
    period_from: date | None = None,
    period_to: date | None = None,
) -> ArchivalCheck:
    """The API's and the page's check: who may first, then the scope (documents by id or by control number)."""
    require_checker(actor)
    if control_nos is not None:
        if not control_nos:
            raise Invalid("请填写受控编号", "Give the control numbers")
        document_ids = document_ids_for(session, park_id=actor.park_id, control_nos=control_nos)
    scope = validate(
        session,
        park_id=actor.park_id,
        kind=kind,
        doc_types=doc_types,
        clause=clause,
        document_ids=document_ids,
        period_from=period_from,
        period_to=period_to,
    )
    return run_check(session, actor=actor, scope=scope)


def list_checks(session: Session, *, user: User) -> list[ArchivalCheck]:
    require_checker(user, "list")
    query = (
        select(ArchivalCheck)
        .where(col(ArchivalCheck.park_id) == user.park_id)
        .order_by(col(ArchivalCheck.id).desc())
        .limit(LIST_LIMIT)
    )
    return list(session.execute(query).scalars())


def get_check(session: Session, *, user: User, check_id: int) -> ArchivalCheck:
    """A run of the user's park; another park's is the same 404 as a missing one."""
    require_checker(user, check_id)
    run = session.get(ArchivalCheck, check_id)
    if run is None or run.park_id != user.park_id:
        audit = refusal(user, Rule.other_park, "archival_check", check_id) if run is not None else None
        raise NotFound("检测记录不存在", "Archival check not found", audit=audit)
    return run


def problems_of(session: Session, check_id: int) -> list[ArchivalProblem]:
    query = select(ArchivalProblem).where(col(ArchivalProblem.check_id) == check_id)
    return list(session.execute(query.order_by(col(ArchivalProblem.position))).scalars())


def figures_of(run: ArchivalCheck) -> dict[str, Any]:
    return json.loads(run.figures_json)


def scope_of(run: ArchivalCheck) -> Scope:
    return Scope.from_dict(json.loads(run.scope_json))


def latest_run(session: Session, *, park_id: int, origin: Origin) -> ArchivalCheck | None:
    query = select(ArchivalCheck).where(col(ArchivalCheck.park_id) == park_id, col(ArchivalCheck.origin) == str(origin))
    return session.execute(query.order_by(col(ArchivalCheck.id).desc()).limit(1)).scalars().first()
