from datetime import datetime

from sqlalchemy import BigInteger, Column, DateTime, Index, SmallInteger, String, Text
from sqlmodel import Field, SQLModel

from app.common import utcnow


class Event(SQLModel, table=True):
    """One append-only entry of the audit trail, chained to the previous one by hash."""

    __table_args__ = (Index("ix_event_entity", "entity_type", "entity_id"),)

    id: int | None = Field(default=None, primary_key=True)
    seq: int = Field(sa_column=Column(BigInteger, unique=True, nullable=False))
    park_id: int | None = Field(default=None, index=True)
    actor_id: int | None = Field(default=None)
    actor_name: str = Field(default="system", max_length=100)
    occurred_at: datetime = Field(default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False))
    action: str = Field(sa_column=Column(String(64), nullable=False, index=True))
    entity_type: str = Field(sa_column=Column(String(32), nullable=False))
    entity_id: str = Field(sa_column=Column(String(64), nullable=False))
    before_json: str = Field(default="null", sa_column=Column(Text, nullable=False))
    after_json: str = Field(default="null", sa_column=Column(Text, nullable=False))
    prev_hash: str = Field(sa_column=Column(String(64), nullable=False))
    hash: str = Field(sa_column=Column(String(64), nullable=False))
    # How `hash` is computed (app/events/hashing.py): rows older than the keyed scheme keep 1 (unkeyed SHA-256).
    hash_scheme: int = Field(default=2, sa_column=Column(SmallInteger, nullable=False, server_default="1"))


class EventChainHead(SQLModel, table=True):
    """The single row every appender locks, so the chain stays linear under concurrent writers.

    A trigger refuses DELETE, and any UPDATE other than the append path's (see `service.HEAD_TRIGGERS`)."""

    id: int = Field(default=1, primary_key=True)
    last_seq: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))
    last_hash: str = Field(sa_column=Column(String(64), nullable=False))


class EventPublic(SQLModel):
    id: int
    seq: int
    actor_id: int | None
    actor_name: str
    occurred_at: datetime
    action: str
    entity_type: str
    entity_id: str
    before: object | None = None
    after: object | None = None
    hash: str
