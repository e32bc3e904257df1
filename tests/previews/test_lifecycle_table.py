"""The preview state machine as a table: who may ask for a preview again, and which moves are refused."""

import pytest

from app.documents.models import Revision
from app.errors import Conflict
from app.previews import lifecycle
from app.previews.models import PreviewState, RevisionPreviewStatus
from app.users.models import Role, User


def _status(state: PreviewState) -> RevisionPreviewStatus:
    return RevisionPreviewStatus(revision_id=1, park_id=1, state=state)


def test_the_table() -> None:
    assert {action: (set(sources), target) for action, (sources, target) in lifecycle.TRANSITIONS.items()} == {
        "start": ({None}, PreviewState.pending),
        "ready": ({PreviewState.pending}, PreviewState.ready),
        "fail": ({PreviewState.pending}, PreviewState.failed),
        "unavailable": ({PreviewState.pending}, PreviewState.unavailable),
        "generate": ({None, PreviewState.failed, PreviewState.unavailable}, PreviewState.pending),
    }


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("state", [None, *PreviewState])
def test_allowed_actions(role: Role, state: PreviewState | None) -> None:
    user = User(id=1, park_id=1, username="u", full_name="u", role=role, password_hash="x")
    status = _status(state) if state is not None else None
    may_generate = role in (Role.coordinator, Role.admin) and state in (
        None,
        PreviewState.failed,
        PreviewState.unavailable,
    )
    assert lifecycle.allowed_actions(status, user) == (["generate"] if may_generate else [])


@pytest.mark.parametrize(
    ("state", "action"),
    [
        (PreviewState.ready, "ready"),
        (PreviewState.ready, "generate"),
        (PreviewState.pending, "generate"),
        (PreviewState.failed, "ready"),
        (PreviewState.unavailable, "fail"),
        (PreviewState.pending, "start"),
    ],
)
def test_refused_moves_are_conflicts(state: PreviewState, action: str) -> None:
    revision = Revision(id=1, park_id=1, document_id=1, number=1, state="draft", blob_sha256="0" * 64)
    with pytest.raises(Conflict) as info:
        lifecycle.transition(None, revision, _status(state), action)  # type: ignore[arg-type]
    assert info.value.status_code == 409
    assert info.value.message_zh and info.value.message_en
