"""The preview state of a revision: the only code that assigns `RevisionPreviewStatus.state`.

(none) --start--> pending --ready--> ready
                  pending --fail--> failed            (the file could not be rendered: reason kept)
                  pending --unavailable--> unavailable (no converter for the type, or it is not installed)
failed / unavailable / (none) --generate--> pending    (a coordinator, e.g. after installing LibreOffice)
"""

from __future__ import annotations

from sqlmodel import Session

from app.common import utcnow
from app.documents.models import Revision
from app.errors import Conflict, Forbidden
from app.events import service as events
from app.events.refusals import Rule, refusal
from app.previews.models import PreviewState, RevisionPreviewStatus
from app.users.models import Role, User

# action -> (states it may start from, state it leads to); None stands for a revision without a preview row yet.
TRANSITIONS: dict[str, tuple[frozenset[PreviewState | None], PreviewState]] = {
    "start": (frozenset({None}), PreviewState.pending),
    "ready": (frozenset({PreviewState.pending}), PreviewState.ready),
    "fail": (frozenset({PreviewState.pending}), PreviewState.failed),
    "unavailable": (frozenset({PreviewState.pending}), PreviewState.unavailable),
    "generate": (frozenset({None, PreviewState.failed, PreviewState.unavailable}), PreviewState.pending),
}

# What people may do (the runner's own actions are not offered).
PERSON_ACTIONS = ("generate",)
GENERATORS = frozenset({Role.coordinator, Role.admin})


def allowed_actions(status: RevisionPreviewStatus | None, user: User) -> list[str]:
    state = status.state if status is not None else None
    if user.role not in GENERATORS:
        return []
    return [action for action in PERSON_ACTIONS if state in TRANSITIONS[action][0]]


def transition(
    session: Session,
    revision: Revision,
    status: RevisionPreviewStatus | None,
    action: str,
    *,
    actor: User | None = None,
    reason: str = "",
    detail: str = "",
    after: dict[str, object] | None = None,
) -> RevisionPreviewStatus:
    """Apply `action` (raising Conflict when the state does not allow it), record its audit event, flush."""
    sources, target = TRANSITIONS[action]
    before = status.state if status is not None else None
    if before not in sources:
        raise Conflict(
            f"预览状态为“{before or '无'}”，不能执行“{action}”",
            f"The preview is {before or 'not made'}; {action} is not possible",
        )
    if action in PERSON_ACTIONS and actor is not None and actor.role not in GENERATORS:
        raise Forbidden(
            "只有体系管理员可以重新生成预览",
            "Only a coordinator may make a preview again",
            audit=refusal(actor, Rule.role, "revision", revision.id),
        )
    if status is None:
        assert revision.id is not None  # a stored revision
        status = RevisionPreviewStatus(revision_id=revision.id, park_id=revision.park_id, state=target)
    status.state = target
    status.reason = reason
    status.detail = detail[:4000]
    status.updated_at = utcnow()
    session.add(status)
    session.flush()
    events.record(
        session,
        action=f"revision.preview_{action}",
        entity_type="revision",
        entity_id=revision.id,
        park_id=revision.park_id,
        actor=actor,
        before={"preview_state": str(before) if before else None},
        after={"preview_state": str(target), **({"reason": reason} if reason else {}), **(after or {})},
    )
    return status
