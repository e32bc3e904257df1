"""The audit trail: append-only, hash-chained events committed in the same transaction as the change."""

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, text, update
from sqlalchemy.event import listens_for
from sqlalchemy.orm import ORMExecuteState, Session
from sqlalchemy.sql.util import find_tables

from app.common import as_utc, utcnow
from app.db import register_before_commit
from app.events.models import Event, EventChainHead, EventPublic
from app.like import starts_with

GENESIS_HASH = "0" * 64
_PENDING = "carbonms_pending_events"


def _canonical(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


def _fmt_time(value: datetime) -> str:
    return as_utc(value).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def compute_hash(event: Event) -> str:
    payload = "|".join(
        [
            event.prev_hash,
            str(event.seq),
            str(event.park_id or ""),
            str(event.actor_id or ""),
            event.actor_name,
            _fmt_time(event.occurred_at),
            event.action,
            event.entity_type,
            event.entity_id,
            event.before_json,
            event.after_json,
        ]
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def record(
    session: Session,
    *,
    action: str,
    entity_type: str,
    entity_id: Any,
    park_id: int | None,
    actor: Any = None,
    actor_name: str | None = None,
    actor_id: int | None = None,
    before: Any = None,
    after: Any = None,
) -> None:
    """Queue one event in the transaction; it joins the chain when the transaction commits (`append_pending`).

    Appending takes the chain head's lock, which serialises every writer; taking it at commit rather than at the
    first event keeps that lock for a few statements instead of the whole request.
    """
    session.connection()  # make sure a transaction is open: its rollback must discard the queued event
    session.info.setdefault(_PENDING, []).append(
        {
            "park_id": park_id,
            "actor_id": actor_id if actor_id is not None else getattr(actor, "id", None),
            "actor_name": actor_name or getattr(actor, "username", None) or "system",
            "action": action,
            "entity_type": entity_type,
            "entity_id": str(entity_id),
            "before_json": _canonical(before),
            "after_json": _canonical(after),
        }
    )


def append_pending(session: Session) -> None:
    """Append the transaction's queued events to the chain, in the order they were recorded."""
    pending = session.info.pop(_PENDING, None)
    if not pending:
        return
    # Lock the head row first (an UPDATE locks on every database): concurrent transactions append one by one.
    locked = session.execute(
        update(EventChainHead).where(EventChainHead.id == 1).values(last_seq=EventChainHead.last_seq)
    )
    if locked.rowcount == 0:
        session.add(EventChainHead(id=1, last_seq=0, last_hash=GENESIS_HASH))
        session.flush()
    seq, prev_hash = session.execute(
        select(EventChainHead.last_seq, EventChainHead.last_hash).where(EventChainHead.id == 1)
    ).one()
    occurred_at = utcnow()  # the moment the chain is extended: seq and time order always agree
    rows = []
    for fields in pending:
        seq += 1
        event = Event(seq=seq, occurred_at=occurred_at, prev_hash=prev_hash, hash="", **fields)
        event.hash = prev_hash = compute_hash(event)
        rows.append(
            {**fields, "seq": seq, "occurred_at": occurred_at, "prev_hash": event.prev_hash, "hash": event.hash}
        )
    # One multi-row INSERT, not the unit of work: this runs while every other writer waits for the chain head.
    session.execute(insert(Event.__table__), rows)
    session.execute(update(EventChainHead).where(EventChainHead.id == 1).values(last_seq=seq, last_hash=prev_hash))


def discard_pending(session: Session) -> None:
    session.info.pop(_PENDING, None)


register_before_commit(append_pending)


@listens_for(Session, "after_transaction_end")
def _discard_unappended(session: Session, transaction: Any) -> None:
    # A transaction that ends without commit (rollback, close) takes its queued events with it.
    if transaction.parent is None:
        discard_pending(session)


@listens_for(Session, "do_orm_execute")
def _append_before_reading_events(state: ORMExecuteState) -> None:
    """Like autoflush: a query of the event table in the same transaction sees the events recorded so far."""
    if (
        state.session.info.get(_PENDING)
        and state.is_select
        and Event.__table__ in find_tables(state.statement, check_columns=True, include_selects=True)
    ):
        append_pending(state.session)


@dataclass
class ChainReport:
    ok: bool
    checked: int
    first_broken_seq: int | None = None
    reason: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "checked": self.checked,
            "first_broken_seq": self.first_broken_seq,
            "reason": self.reason,
        }


def verify_chain(session: Session, *, batch: int = 5000) -> ChainReport:
    """Walk the whole chain in seq order and name the first broken link."""
    expected_prev = GENESIS_HASH
    expected_seq = 1
    checked = 0
    last_seq = 0
    while True:
        rows = (
            session.execute(select(Event).where(Event.seq > last_seq).order_by(Event.seq).limit(batch)).scalars().all()
        )
        if not rows:
            break
        for event in rows:
            if event.seq != expected_seq:
                return ChainReport(False, checked, expected_seq, f"event {expected_seq} is missing")
            if event.prev_hash != expected_prev:
                return ChainReport(False, checked, event.seq, "prev_hash does not match the previous event")
            if compute_hash(event) != event.hash:
                return ChainReport(False, checked, event.seq, "content does not match its hash")
            expected_prev = event.hash
            expected_seq += 1
            checked += 1
            last_seq = event.seq
        session.expunge_all()
    head = session.execute(select(EventChainHead)).scalars().first()
    if head is not None and (head.last_seq != checked or head.last_hash != expected_prev):
        return ChainReport(False, checked, checked + 1, "chain head does not match the last event")
    return ChainReport(True, checked)


def list_events(
    session: Session,
    *,
    park_id: int,
    entity_type: str | None = None,
    entity_id: str | None = None,
    action: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[Event]:
    query = select(Event).where(Event.park_id == park_id)
    if entity_type:
        query = query.where(Event.entity_type == entity_type)
    if entity_id:
        query = query.where(Event.entity_id == entity_id)
    if action:
        query = query.where(starts_with(Event.action, action))
    return list(session.execute(query.order_by(Event.seq.desc()).limit(limit).offset(offset)).scalars())


# Triggers that make the event table append-only, installed by the migration on both databases.
SQLITE_TRIGGERS = [
    """CREATE TRIGGER event_no_update BEFORE UPDATE ON event
       BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END""",
    """CREATE TRIGGER event_no_delete BEFORE DELETE ON event
       BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END""",
]
POSTGRES_TRIGGERS = [
    """CREATE OR REPLACE FUNCTION event_append_only() RETURNS trigger AS $$
       BEGIN RAISE EXCEPTION 'audit events are append-only'; END; $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER event_no_update BEFORE UPDATE OR DELETE ON event
       FOR EACH ROW EXECUTE FUNCTION event_append_only()""",
    """CREATE TRIGGER event_no_truncate BEFORE TRUNCATE ON event
       FOR EACH STATEMENT EXECUTE FUNCTION event_append_only()""",
]


def install_triggers(connection: Any) -> None:
    statements = SQLITE_TRIGGERS if connection.dialect.name == "sqlite" else POSTGRES_TRIGGERS
    for statement in statements:
        connection.execute(text(statement))


def event_public(event: Event) -> EventPublic:
    return EventPublic(
        id=event.id,
        seq=event.seq,
        actor_id=event.actor_id,
        actor_name=event.actor_name,
        occurred_at=as_utc(event.occurred_at),
        action=event.action,
        entity_type=event.entity_type,
        entity_id=event.entity_id,
        before=json.loads(event.before_json),
        after=json.loads(event.after_json),
        hash=event.hash,
    )
