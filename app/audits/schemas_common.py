"""What the audit domain's API modules share: field types, user names, the .docx response, a filed record."""

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Response
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlmodel import Session, col

from app.users.models import User

DOCX_MEDIA = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
Text = Annotated[str, Field(max_length=20000)]
ShortText = Annotated[str, Field(max_length=300)]
Id = Annotated[int, Field(ge=1, le=2_147_483_647)]


class AuditReasonIn(BaseModel):
    """Why an audit is cancelled, or a nonconformity reopened or cancelled."""

    reason: Text = ""


def user_names(session: Session, ids: set[int]) -> dict[int, str]:
    ids = {i for i in ids if i}
    if not ids:
        return {}
    return dict(session.execute(select(col(User.id), col(User.full_name)).where(col(User.id).in_(ids))).all())


def filed_out(audit_or_review: Any, document: Any, revision: Any) -> dict[str, Any]:
    return {
        "id": audit_or_review.id,
        "report_document_id": document.id,
        "record": {
            "id": document.id,
            "control_no": document.control_no,
            "doc_type": document.doc_type,
            "title": document.title,
            "revision_id": revision.id,
            "state": str(revision.state),
            "period_start": revision.period_start,
            "period_end": revision.period_end,
        },
    }


def docx_response(content: bytes, name: str) -> Response:
    return Response(
        content,
        media_type=DOCX_MEDIA,
        headers={"Content-Disposition": f"attachment; filename=\"report.docx\"; filename*=UTF-8''{quote(name)}"},
    )
