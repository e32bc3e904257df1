"""Readiness arithmetic needs documents in exact states at exact times: `seed_document` writes the rows directly."""

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

BLOB_SHA = "c" * 64


@dataclass
class Seeded:
    document_id: int
    control_no: str
    revision_ids: list[int]


def rev(
    state: str,
    *,
    effective_from: datetime | None = None,
    ended_at: datetime | None = None,
    last_reviewed_at: datetime | None = None,
    created_at: datetime | None = None,
    period: tuple[date, date] | None = None,
    approver: str | None = None,
    covers: str | None = None,
) -> dict[str, Any]:
    """One revision: its state and times; `approver` adds an approve (or confirm) signature by that name."""
    return {
        "state": state,
        "effective_from": effective_from,
        "ended_at": ended_at,
        "last_reviewed_at": last_reviewed_at,
        "created_at": created_at,
        "period": period,
        "approver": approver,
        "covers": covers,
    }


def seed_document(
    park: Any,
    doc_type: str,
    *revisions: dict[str, Any],
    access_level: str = "internal",
    created_by: str = "coordinator",
) -> Seeded:
    """Insert a document of `park` with the given revisions (numbered 1, 2, … in order)."""
    from sqlalchemy import select

    from app.clauses.models import DocType
    from app.common import utcnow
    from app.db import session_scope
    from app.documents.models import Blob, Document, Revision, Signature

    now = utcnow()
    with session_scope() as session:
        if session.execute(select(Blob.sha256).where(Blob.sha256 == BLOB_SHA)).first() is None:
            session.add(Blob(sha256=BLOB_SHA, size_bytes=10, media_type="application/pdf"))
            session.flush()
        kind = str(session.get(DocType, doc_type).kind)
        author = park.user_ids[created_by]
        document = Document(
            park_id=park.id,
            control_no=f"{park.code}-{doc_type[:12]}-{uuid.uuid4().hex[:6]}",
            doc_type=doc_type,
            kind=kind,
            title=f"{doc_type} 测试",
            access_level=access_level,
            created_by_id=author,
            created_at=now - timedelta(days=3650),
        )
        session.add(document)
        session.flush()
        revision_ids = []
        for number, spec in enumerate(revisions, start=1):
            effective_from = spec["effective_from"]
            created_at = spec["created_at"] or ((effective_from - timedelta(days=5)) if effective_from else now)
            period = spec["period"]
            revision = Revision(
                park_id=park.id,
                document_id=document.id,
                number=number,
                state=spec["state"],
                blob_sha256=BLOB_SHA,
                file_name="f.pdf",
                media_type="application/pdf",
                size_bytes=10,
                preparer_id=author,
                created_at=created_at,
                effective_from=effective_from,
                ended_at=spec["ended_at"],
                last_reviewed_at=spec["last_reviewed_at"] if spec["last_reviewed_at"] else effective_from,
                approved_at=effective_from,
                period_start=period[0] if period else None,
                period_end=period[1] if period else None,
                doc_type=doc_type,
                covers_clause=spec["covers"],
                cycle=1,
            )
            session.add(revision)
            session.flush()
            if spec["approver"]:
                meaning = "confirm" if kind == "record" else "approve"
                session.add(
                    Signature(
                        park_id=park.id,
                        revision_id=revision.id,
                        signer_id=park.user_ids["approver"],
                        signer_name=spec["approver"],
                        meaning=meaning,
                        cycle=1,
                        signed_at=effective_from or now,
                        file_sha256=BLOB_SHA,
                    )
                )
            revision_ids.append(revision.id)
        return Seeded(document.id, document.control_no, revision_ids)


def readiness(park: Any, role: str = "coordinator", as_of: date | None = None) -> dict:
    params = {"as_of": as_of.isoformat()} if as_of else {}
    response = park.client.get("/api/readiness", params=params, headers=park.headers(role))
    assert response.status_code == 200, response.text
    return response.json()


def clause_of(result: dict, clause_id: str) -> dict:
    return next(clause for clause in result["clauses"] if clause["id"] == clause_id)


def item_of(result: dict, clause_id: str, doc_type: str) -> dict:
    return next(item for item in clause_of(result, clause_id)["items"] if item["doc_type"] == doc_type)


def load_rule(code: str, park_id: int = 0) -> Any:
    """The clause map's cycle rule of a record type (park 0: no park settings)."""
    from app.clauses.cycles import load_rules
    from app.db import session_scope

    with session_scope() as session:
        return load_rules(session, park_id, [code])[code]
