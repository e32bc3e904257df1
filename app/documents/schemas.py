"""The JSON shapes clients rely on."""

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, Field

from app.documents.models import AccessLevel


class DocumentCreate(BaseModel):
    doc_type: str = Field(min_length=1, max_length=48)
    title: str = Field(min_length=1, max_length=300)
    owner_unit: str = Field(default="", max_length=200)
    access_level: AccessLevel = AccessLevel.internal
    control_no: str | None = Field(default=None, min_length=1, max_length=64)


class SignaturePublic(BaseModel):
    id: int
    signer: str
    signer_name: str
    meaning: str
    meaning_zh: str
    signed_at: datetime
    file_sha256: str
    comment: str
    cycle: int


class RefusedAction(BaseModel):
    """A step the revision's state offers that the reader may not take, and why (lifecycle.refused_actions)."""

    action: str
    message_zh: str
    message_en: str


class NextActor(BaseModel):
    username: str
    full_name: str
    role: str


class NextStep(BaseModel):
    """Who moves the revision on (lifecycle.next_step): the step, the roles, the park's people who may take it."""

    action: str
    roles: list[str]
    people: list[NextActor]


class RevisionPublic(BaseModel):
    id: int
    document_id: int
    number: int
    state: str
    state_zh: str
    version: int
    sha256: str
    file_name: str
    media_type: str
    size_bytes: int
    change_reason: str
    preparer: str
    preparer_name: str
    created_at: datetime
    submitted_at: datetime | None
    approved_at: datetime | None
    effective_from: datetime | None
    ended_at: datetime | None
    end_reason: str
    period_start: date | None
    period_end: date | None
    signatures: list[SignaturePublic] = []
    allowed_actions: list[str] = []
    refused_actions: list[RefusedAction] = []
    next_step: NextStep | None = None
    # Text recognition of a scan (识别中 / 已识别 / 识别失败): app/recognition's RecognitionPublic, filled through
    # documents/hooks.py (documents does not import the domain above it).
    recognition: dict[str, Any] | None = None
    # Retention (app/retention): the class, the last day it must be kept (None: permanent or not yet running),
    # whether a legal hold covers it, and when its file was destroyed.
    retention: str | None = None
    retention_end: date | None = None
    legal_hold: bool = False
    destroyed_at: datetime | None = None


class DocumentPublic(BaseModel):
    id: int
    control_no: str
    doc_type: str
    doc_type_title_zh: str
    kind: str
    title: str
    access_level: AccessLevel
    owner_unit: str
    version: int
    state: str | None
    state_zh: str | None
    current_revision: int | None
    effective_revision: int | None
    created_at: datetime
    clauses: list[str] = []


class EventBrief(BaseModel):
    seq: int
    occurred_at: datetime
    actor_id: int | None = None
    actor_name: str
    action: str
    entity_type: str
    entity_id: str
    before: object | None
    after: object | None


class DocumentDetail(DocumentPublic):
    revisions: list[RevisionPublic]
    history: list[EventBrief]


class DocumentPage(BaseModel):
    total: int
    limit: int
    offset: int
    items: list[DocumentPublic]


class SignatureIn(BaseModel):
    password: str = Field(default="", max_length=256)
    comment: str = Field(default="", max_length=4000)


class CommentIn(BaseModel):
    comment: str = Field(default="", max_length=4000)


class ReasonIn(BaseModel):
    reason: str = Field(default="", max_length=4000)


class RecordPublic(BaseModel):
    id: int
    control_no: str
    doc_type: str
    title: str
    access_level: AccessLevel
    owner_unit: str
    revision_id: int
    state: str
    state_zh: str
    version: int
    sha256: str
    period_start: date | None
    period_end: date | None
    signatures: list[SignaturePublic] = []


# ---------------------------------------------------------------- distribution and read confirmation (8.4 d))


class DistributionEntryIn(BaseModel):
    """A user (its id), a role (its code) or an enterprise of the park (its id)."""

    kind: str = Field(pattern="^(user|role|enterprise)$")
    target: str = Field(min_length=1, max_length=64)


class DistributionIn(BaseModel):
    """The whole distribution list: it replaces the one before."""

    entries: list[DistributionEntryIn] = Field(max_length=500)


class DistributionEntryPublic(BaseModel):
    id: int
    kind: str
    target: str
    label_zh: str
    label_en: str
    reaches: int  # active users it reaches now who may read the document


class ReadStatus(BaseModel):
    user_id: int
    username: str
    full_name: str
    unit: str
    role: str
    distributed_at: datetime
    confirmed_at: datetime | None


class RevisionDistribution(BaseModel):
    revision_id: int
    number: int
    state: str
    state_zh: str
    confirmed: int
    pending: int
    recipients: list[ReadStatus]


class DistributionPublic(BaseModel):
    document_id: int
    entries: list[DistributionEntryPublic]
    revisions: list[RevisionDistribution]  # newest first
    # the effective revision the reader was given and has not confirmed yet (the "阅读并确认" button)
    my_pending_revision_id: int | None


class ReadConfirmIn(BaseModel):
    revision_id: int = Field(ge=1, le=2_147_483_647)


class ReadConfirmationPublic(BaseModel):
    document_id: int
    revision_id: int
    number: int
    user_id: int
    distributed_at: datetime
    confirmed_at: datetime


# ---------------------------------------------------------------- comparing two revisions


class DiffSegment(BaseModel):
    op: str  # equal, insert, delete
    text: str


class ComparedRevision(BaseModel):
    id: int
    number: int
    state: str
    change_reason: str
    preparer_name: str
    created_at: datetime


class RevisionComparison(BaseModel):
    document_id: int
    control_no: str
    title: str
    from_revision: ComparedRevision
    to_revision: ComparedRevision
    segments: list[DiffSegment]
    inserted_chars: int
    deleted_chars: int
