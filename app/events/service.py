"""The audit trail: append-only, hash-chained events committed in the same transaction as the change.

Each event's hash is an HMAC keyed outside the database (`keys.py`, scheme per row in `hashing.py`); the chain head
is signed into an append-only anchor file (`anchors.py`) by `carbonms anchor` and after every `anchor_every` events;
`verification.py` walks the chain against the key and every anchor."""

import json
from typing import Any, cast

from sqlalchemy import CursorResult, Table, insert, select, text, update
from sqlalchemy.event import listens_for
from sqlalchemy.orm import ORMExecuteState, Session
from sqlalchemy.sql.elements import ClauseElement
from sqlalchemy.sql.util import find_tables
from sqlmodel import Session as SQLModelSession
from sqlmodel import col

from app.common import as_utc, utcnow
from app.config import get_settings
from app.db import after_commit, register_before_commit
from app.events import anchors, keys
from app.events.hashing import CURRENT_SCHEME, GENESIS_HASH, compute_hash
from app.events.models import Event, EventChainHead, EventPublic
from app.events.verification import ChainReport, verify_chain, verify_trail
from app.like import starts_with

__all__ = ["GENESIS_HASH", "ChainReport", "compute_hash", "verify_chain", "verify_trail"]
_PENDING = "carbonms_pending_events"
# The Core table: the append is one multi-row INSERT, outside the unit of work.
_EVENT_TABLE = cast(Table, Event.__table__)  # type: ignore[attr-defined]  # SQLModel does not declare __table__


def _canonical(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


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
    locked = cast(
        "CursorResult[Any]",
        session.execute(
            update(EventChainHead).where(col(EventChainHead.id) == 1).values(last_seq=col(EventChainHead.last_seq))
        ),
    )
    if locked.rowcount == 0:
        session.add(EventChainHead(id=1, last_seq=0, last_hash=GENESIS_HASH))
        session.flush()
    seq, prev_hash = session.execute(
        select(col(EventChainHead.last_seq), col(EventChainHead.last_hash)).where(col(EventChainHead.id) == 1)
    ).one()
    settings = get_settings()
    key = keys.trail_key(settings)
    occurred_at = utcnow()  # the moment the chain is extended: seq and time order always agree
    start_seq = seq
    rows = []
    for fields in pending:
        seq += 1
        event = Event(
            seq=seq, occurred_at=occurred_at, prev_hash=prev_hash, hash="", hash_scheme=CURRENT_SCHEME, **fields
        )
        event.hash = prev_hash = compute_hash(event, key)
        rows.append(
            {
                **fields,
                "seq": seq,
                "occurred_at": occurred_at,
                "prev_hash": event.prev_hash,
                "hash": event.hash,
                "hash_scheme": CURRENT_SCHEME,
            }
        )
    # One multi-row INSERT, not the unit of work: this runs while every other writer waits for the chain head.
    session.execute(insert(_EVENT_TABLE), rows)
    session.execute(update(EventChainHead).where(col(EventChainHead.id) == 1).values(last_seq=seq, last_hash=prev_hash))
    every = settings.anchor_every
    if every and seq // every > start_seq // every:
        # After the commit, outside the transaction: the anchor vouches only for a durable head, and a failed
        # anchor write cannot fail the request.
        head_seq, head_hash = seq, prev_hash
        after_commit(cast(SQLModelSession, session), lambda: anchors.anchor_after_commit(head_seq, head_hash))


def anchor_head(session: Session, *, only_if_none: bool = False) -> tuple[anchors.Anchor | None, int]:
    """Sign the committed chain head into the anchor file (`carbonms anchor`, cron). Returns the anchor written
    (None: an anchor already covers the head) and the head's seq. `only_if_none`: write only into an empty file —
    the anchor `init` starts the keyed trail with, covering every event written before it."""
    head = session.execute(
        select(col(EventChainHead.last_seq), col(EventChainHead.last_hash)).where(col(EventChainHead.id) == 1)
    ).first()
    seq, chain_hash = (head[0], head[1]) if head is not None else (0, GENESIS_HASH)
    return anchors.append_anchor(seq, chain_hash, force_first=only_if_none), seq


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
        and _EVENT_TABLE in find_tables(cast(ClauseElement, state.statement), check_columns=True, include_selects=True)
    ):
        append_pending(state.session)


def list_events(
    session: Session,
    *,
    park_id: int,
    entity_type: str | None = None,
    entity_id: str | None = None,
    action: str | None = None,
    limit: int = 100,
    offset: int = 0,
    exact_action: bool = False,
) -> list[Event]:
    """Newest first; `action` is a prefix ("revision.") unless `exact_action` ("auth.login" without its refusals)."""
    query = select(Event).where(col(Event.park_id) == park_id)
    if entity_type:
        query = query.where(col(Event.entity_type) == entity_type)
    if entity_id:
        query = query.where(col(Event.entity_id) == entity_id)
    if action:
        query = query.where(col(Event.action) == action if exact_action else starts_with(Event.action, action))
    return list(session.execute(query.order_by(col(Event.seq).desc()).limit(limit).offset(offset)).scalars())


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


# The chain head moves only the way `append_pending` moves it: a no-op UPDATE (the lock), or an advance by exactly the
# events inserted since, onto the newest event's hash. DELETE (and TRUNCATE) are refused. A forger can still INSERT
# rows and advance the head over them: that is what the keyed hash and the anchors catch.
_HEAD_UPDATE_ALLOWED = """NEW.id = OLD.id AND (
        (NEW.last_seq = OLD.last_seq AND NEW.last_hash = OLD.last_hash)
        OR (NEW.last_seq > OLD.last_seq
            AND (SELECT count(*) FROM event WHERE seq > OLD.last_seq) = NEW.last_seq - OLD.last_seq
            AND (SELECT max(seq) FROM event) = NEW.last_seq
            AND EXISTS (SELECT 1 FROM event WHERE seq = NEW.last_seq AND hash = NEW.last_hash)))"""
HEAD_MESSAGE = "the audit chain head only advances with appended events"
SQLITE_HEAD_TRIGGERS = [
    f"""CREATE TRIGGER eventchainhead_append_only BEFORE UPDATE ON eventchainhead
       WHEN NOT ({_HEAD_UPDATE_ALLOWED})
       BEGIN SELECT RAISE(ABORT, '{HEAD_MESSAGE}'); END""",
    f"""CREATE TRIGGER eventchainhead_no_delete BEFORE DELETE ON eventchainhead
       BEGIN SELECT RAISE(ABORT, '{HEAD_MESSAGE}'); END""",
]
POSTGRES_HEAD_TRIGGERS = [
    f"""CREATE OR REPLACE FUNCTION eventchainhead_append_only() RETURNS trigger AS $$
       BEGIN
         IF TG_OP = 'UPDATE' AND ({_HEAD_UPDATE_ALLOWED}) THEN RETURN NEW; END IF;
         RAISE EXCEPTION '{HEAD_MESSAGE}';
       END; $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER eventchainhead_append_only BEFORE UPDATE OR DELETE ON eventchainhead
       FOR EACH ROW EXECUTE FUNCTION eventchainhead_append_only()""",
    """CREATE TRIGGER eventchainhead_no_truncate BEFORE TRUNCATE ON eventchainhead
       FOR EACH STATEMENT EXECUTE FUNCTION eventchainhead_append_only()""",
]
SQLITE_DROP_HEAD_TRIGGERS = [
    "DROP TRIGGER IF EXISTS eventchainhead_append_only",
    "DROP TRIGGER IF EXISTS eventchainhead_no_delete",
]
POSTGRES_DROP_HEAD_TRIGGERS = [
    "DROP TRIGGER IF EXISTS eventchainhead_append_only ON eventchainhead",
    "DROP TRIGGER IF EXISTS eventchainhead_no_truncate ON eventchainhead",
    "DROP FUNCTION IF EXISTS eventchainhead_append_only()",
]


def install_head_triggers(connection: Any) -> None:
    statements = SQLITE_HEAD_TRIGGERS if connection.dialect.name == "sqlite" else POSTGRES_HEAD_TRIGGERS
    for statement in statements:
        connection.execute(text(statement))


def drop_head_triggers(connection: Any) -> None:
    statements = SQLITE_DROP_HEAD_TRIGGERS if connection.dialect.name == "sqlite" else POSTGRES_DROP_HEAD_TRIGGERS
    for statement in statements:
        connection.execute(text(statement))


def event_public(event: Event) -> EventPublic:
    assert event.id is not None  # a stored event
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
