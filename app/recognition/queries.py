"""Reading recognitions: a revision's recognition as the API and the document page show it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from app.labels import label_pair
from app.recognition import lifecycle
from app.recognition.models import NO_RECOGNITION, RecognitionPublic, RevisionRecognition
from app.users.models import User


def public(recognition: RevisionRecognition | None, user: User | None = None) -> RecognitionPublic:
    """The recognition as the API and the page show it; `none` for a revision that needs none."""
    if recognition is None:
        zh, en = label_pair("recognition_state", NO_RECOGNITION)
        return RecognitionPublic(state=NO_RECOGNITION, state_zh=zh, state_en=en)
    zh, en = label_pair("recognition_state", recognition.state)
    return RecognitionPublic(
        state=str(recognition.state),
        state_zh=zh,
        state_en=en,
        engine=recognition.engine,
        languages=recognition.languages,
        pages=recognition.pages,
        characters=recognition.characters,
        error=recognition.error,
        error_en=recognition.error_en,
        queued_at=recognition.queued_at,
        started_at=recognition.started_at,
        finished_at=recognition.finished_at,
        allowed_actions=lifecycle.allowed_actions(recognition, user),
    )


def recognitions_of(
    session: Session, revision_ids: list[int], user: User | None = None
) -> dict[int, RecognitionPublic]:
    """Every listed revision's recognition in one query (`none` for those without)."""
    rows: dict[int, RevisionRecognition] = {}
    if revision_ids:
        rows = {
            row.revision_id: row
            for row in session.execute(
                select(RevisionRecognition).where(col(RevisionRecognition.revision_id).in_(revision_ids))
            ).scalars()
        }
    return {revision_id: public(rows.get(revision_id), user) for revision_id in revision_ids}


def recognition_parts(session: Session, revision_ids: list[int], user: User | None) -> dict[int, dict[str, Any]]:
    """documents' `on_revision_read` reader: the `recognition` part of each revision's public shape, as JSON."""
    return {
        revision_id: shape.model_dump(mode="json")
        for revision_id, shape in recognitions_of(session, revision_ids, user).items()
    }
