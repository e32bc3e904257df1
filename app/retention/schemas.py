"""The JSON shapes of retention, for the API and the pages alike."""

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlmodel import Session, col

from app.clauses.models import DocType
from app.labels import label_pair
from app.retention import lifecycle, queries
from app.retention.models import DestructionTombstone, DispositionBatch, DispositionItem, LegalHold, Opinion
from app.retention.queries import DueRow
from app.users.models import User


class ClassIn(BaseModel):
    retention: str | None = Field(default=None, max_length=16)  # None: back to the clause map's class
    reason: str = Field(default="", max_length=4000)


class TypeRetention(BaseModel):
    code: str
    title_zh: str
    title_en: str
    kind: str
    default: str
    retention: str
    retention_zh: str
    overridden: bool
    reason: str


class HoldIn(BaseModel):
    document_id: int | None = Field(default=None, ge=1, le=2_147_483_647)
    doc_type: str | None = Field(default=None, min_length=1, max_length=48)
    reason: str = Field(default="", max_length=4000)


class ReleaseIn(BaseModel):
    reason: str = Field(default="", max_length=4000)


class HoldPublic(BaseModel):
    id: int
    scope: str
    document_id: int | None
    doc_type: str | None
    reason: str
    placed_by_name: str
    placed_at: datetime
    released_by_name: str
    released_at: datetime | None
    release_reason: str


class DuePublic(BaseModel):
    revision_id: int
    document_id: int
    control_no: str
    title: str
    doc_type: str
    number: int
    state: str
    file_name: str
    retention: str
    retention_zh: str
    retention_end: date
    batch_id: int | None


class ProposeIn(BaseModel):
    revision_ids: list[int] = Field(min_length=1, max_length=500)
    comment: str = Field(default="", max_length=4000)


class OpinionIn(BaseModel):
    item_id: int = Field(ge=1, le=2_147_483_647)
    opinion: Opinion
    keep_until: date | None = None
    comment: str = Field(default="", max_length=4000)


class AppraiseIn(BaseModel):
    opinions: list[OpinionIn] = Field(max_length=500)
    comment: str = Field(default="", max_length=4000)


class SignIn(BaseModel):
    password: str = Field(default="", max_length=256)
    comment: str = Field(default="", max_length=4000)


class RejectIn(BaseModel):
    reason: str = Field(default="", max_length=4000)


class ItemPublic(BaseModel):
    id: int
    revision_id: int
    document_id: int
    retention_end: date
    opinion: str | None
    keep_until: date | None
    opinion_comment: str


class BatchPublic(BaseModel):
    id: int
    state: str
    state_zh: str
    version: int
    comment: str
    proposed_by_name: str
    proposed_at: datetime
    appraised_by_name: str
    appraised_at: datetime | None
    appraisal_comment: str
    approved_by_name: str
    approved_at: datetime | None
    approval_comment: str
    destroyed_by_name: str
    destroyed_at: datetime | None
    rejected_at: datetime | None
    reject_reason: str
    items: list[ItemPublic] = []
    allowed_actions: list[str] = []


class TombstonePublic(BaseModel):
    id: int
    revision_id: int
    document_id: int
    batch_id: int
    sha256: str
    size_bytes: int
    media_type: str
    file_name: str
    control_no: str
    title: str
    doc_type: str
    revision_number: int
    revision_state: str
    retention: str
    retention_end: date
    appraised_by_name: str
    approved_by_name: str
    approved_at: datetime | None
    destroyed_by_name: str
    destroyed_at: datetime


def _fields(row: object, shape: type[BaseModel], skip: set[str]) -> dict[str, Any]:
    """The row's attributes the shape names (read as stored: states come back from the database as text)."""
    return {name: getattr(row, name) for name in shape.model_fields if name not in skip}


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def hold_public(hold: LegalHold) -> HoldPublic:
    assert hold.id is not None  # a stored row
    return HoldPublic(**_fields(hold, HoldPublic, {"scope"}), scope=str(hold.scope))


def due_public(row: DueRow) -> DuePublic:
    revision, document = row.revision, row.document
    assert revision.id is not None and document.id is not None  # stored rows
    return DuePublic(
        revision_id=revision.id,
        document_id=document.id,
        control_no=document.control_no,
        title=document.title,
        doc_type=document.doc_type,
        number=revision.number,
        state=str(revision.state),
        file_name=revision.file_name,
        retention=str(row.retention),
        retention_zh=label_pair("retention", str(row.retention))[0],
        retention_end=row.end,
        batch_id=row.batch_id,
    )


def batch_public(batch: DispositionBatch, items: list[DispositionItem], user: User | None = None) -> BatchPublic:
    fields = _fields(batch, BatchPublic, {"state", "state_zh", "items", "allowed_actions"})
    return BatchPublic(
        **fields,
        state=str(batch.state),
        state_zh=label_pair("disposition_state", str(batch.state))[0],
        items=[ItemPublic(**_fields(item, ItemPublic, {"opinion"}), opinion=_text(item.opinion)) for item in items],
        allowed_actions=[str(action) for action in lifecycle.allowed_actions(batch, user)] if user else [],
    )


def tombstone_public(row: DestructionTombstone) -> TombstonePublic:
    return TombstonePublic(**_fields(row, TombstonePublic, set()))


def type_retentions(session: Session, park_id: int) -> list[TypeRetention]:
    """Every document type with its class in the clause map and in this park (with the park's reason)."""
    own = queries.overrides(session, park_id)
    result = []
    for doc_type in session.execute(select(DocType).order_by(col(DocType.sort_key))).scalars():
        setting = own.get(doc_type.code)
        retention = setting.retention if setting else doc_type.retention
        result.append(
            TypeRetention(
                code=doc_type.code,
                title_zh=doc_type.title_zh,
                title_en=doc_type.title_en,
                kind=str(doc_type.kind),
                default=doc_type.retention,
                retention=retention,
                retention_zh=label_pair("retention", retention)[0],
                overridden=setting is not None,
                reason=setting.reason if setting else "",
            )
        )
    return result
