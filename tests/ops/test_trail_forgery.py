"""Forging the audit trail with database access: each forgery is detected and named (kind and seq).

Every test runs in a scratch data folder and database of its own (the forgeries would break the run's shared chain),
on SQLite and on PostgreSQL.
"""

import json
from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import insert, select, text, update
from typer.testing import CliRunner

from app.cli import app as cli
from app.common import as_utc
from app.config import get_settings
from app.db import get_engine, session_scope
from app.events import keys
from app.events import service as events
from app.events.hashing import SCHEME_HMAC_V2, SCHEME_SHA256, compute_hash
from app.events.models import Event
from tests.ops.conftest import scratch_env

runner = CliRunner()

EVENT = Event.__table__  # Core statements: typed values (times) on both databases, no ORM identity map


def _append(count: int, *, one_per_commit: bool = True) -> None:
    if one_per_commit:
        for number in range(count):
            with session_scope() as session:
                events.record(session, action="test.step", entity_type="test", entity_id=number, park_id=None)
        return
    with session_scope() as session:
        for number in range(count):
            events.record(session, action="test.step", entity_type="test", entity_id=number, park_id=None)


def _anchor() -> int:
    with session_scope(write=False) as session:
        written, seq = events.anchor_head(session)
    assert written is not None and written.seq == seq
    return seq


def _verify():
    with session_scope(write=False) as session:
        return events.verify_trail(session)


def _rows(connection, from_seq: int = 1) -> list[SimpleNamespace]:
    result = connection.execute(select(EVENT).where(EVENT.c.seq >= from_seq).order_by(EVENT.c.seq))
    return [SimpleNamespace(**row._mapping) for row in result]


def _head(connection) -> tuple[int, str]:
    seq, chain_hash = connection.execute(text("SELECT last_seq, last_hash FROM eventchainhead WHERE id = 1")).one()
    return seq, chain_hash


def _drop_triggers(connection) -> None:
    if connection.dialect.name == "sqlite":
        connection.execute(text("DROP TRIGGER event_no_update"))
        connection.execute(text("DROP TRIGGER event_no_delete"))
    else:
        connection.execute(text("DROP TRIGGER event_no_update ON event"))
        connection.execute(text("DROP TRIGGER event_no_truncate ON event"))
    events.drop_head_triggers(connection)


def _restore_triggers(connection) -> None:
    events.install_triggers(connection)
    events.install_head_triggers(connection)


def _rewrite_from(connection, seq: int, *, key: bytes | None, scheme: int, after_json: str) -> None:
    """Change event `seq` and recompute every hash after it, so the chain is consistent again; move the head."""
    rows = _rows(connection, seq)
    prev_hash = connection.execute(text("SELECT hash FROM event WHERE seq = :s"), {"s": seq - 1}).scalar_one()
    rows[0].after_json = after_json
    for row in rows:
        row.prev_hash, row.hash_scheme = prev_hash, scheme
        row.occurred_at = as_utc(row.occurred_at)
        row.hash = prev_hash = compute_hash(row, key)
        connection.execute(
            update(EVENT)
            .where(EVENT.c.seq == row.seq)
            .values(after_json=row.after_json, prev_hash=row.prev_hash, hash=row.hash, hash_scheme=scheme)
        )
    connection.execute(text("UPDATE eventchainhead SET last_hash = :h WHERE id = 1"), {"h": prev_hash})


@pytest.mark.parametrize("forged_scheme", ["keyed_without_the_key", "unkeyed"])
def test_insert_only_forgery_is_named(dialect, forged_scheme):
    """A row appended with INSERT (and the head advanced over it, which its trigger permits for a consistent row):
    without the trail key the forger can only guess the HMAC, or fall back to the unkeyed scheme."""
    with scratch_env(dialect):
        _append(5)
        _anchor()
        _append(2)
        with get_engine().begin() as connection:
            seq, prev_hash = _head(connection)
            row = _rows(connection, seq)[0]
            forged = SimpleNamespace(**{**vars(row), "id": None, "seq": seq + 1, "prev_hash": prev_hash})
            forged.after_json = json.dumps({"approved": True})
            forged.occurred_at = as_utc(row.occurred_at) + timedelta(seconds=1)
            if forged_scheme == "unkeyed":
                forged.hash_scheme = SCHEME_SHA256
                forged.hash = compute_hash(forged)
            else:
                forged.hash_scheme = SCHEME_HMAC_V2
                forged.hash = compute_hash(forged, b"a guess at the key")
            connection.execute(insert(EVENT).values({k: v for k, v in vars(forged).items() if k != "id"}))
            connection.execute(
                text("UPDATE eventchainhead SET last_seq = :s, last_hash = :h WHERE id = 1"),
                {"s": forged.seq, "h": forged.hash},
            )
        report = _verify()
        expected_kind = "scheme_downgrade" if forged_scheme == "unkeyed" else "bad_hmac"
        assert (report.ok, report.first_broken_seq, report.kind) == (False, 8, expected_kind)
        cli_result = runner.invoke(cli, ["verify-audit-log"])
        assert cli_result.exit_code == 2 and f"[{expected_kind}]" in cli_result.output and "8" in cli_result.output
        full = runner.invoke(cli, ["verify"])
        assert full.exit_code == 1 and "ERROR audit_chain" in full.output and expected_kind in full.output


@pytest.mark.parametrize("forger", ["without_the_key", "with_the_stolen_trail_key"])
def test_drop_triggers_rewrite_restore_forgery_is_named(dialect, forger):
    """Drop the append-only triggers, rewrite event 4 and every hash after it, move the head, put the triggers back.
    Without the key the rewrite must fall back to unkeyed hashes; with the key, only the signed anchor catches it."""
    with scratch_env(dialect):
        _append(10, one_per_commit=False)
        anchored = _anchor()
        _append(5, one_per_commit=False)
        assert _verify().ok
        with get_engine().begin() as connection:
            _drop_triggers(connection)
            if forger == "without_the_key":
                _rewrite_from(connection, 4, key=None, scheme=SCHEME_SHA256, after_json='"forged"')
            else:
                _rewrite_from(connection, 4, key=keys.trail_key(), scheme=SCHEME_HMAC_V2, after_json='"forged"')
            _restore_triggers(connection)
        with (
            pytest.raises(Exception, match="append-only"),  # the triggers are back
            get_engine().begin() as connection,
        ):
            connection.execute(text("UPDATE event SET action = 'x' WHERE seq = 1"))
        report = _verify()
        if forger == "without_the_key":
            assert (report.ok, report.first_broken_seq, report.kind) == (False, 4, "scheme_downgrade")
        else:
            assert (report.ok, report.first_broken_seq, report.kind) == (False, anchored, "anchor_mismatch")
            assert "line 2" in report.reason  # the anchor that caught it (line 1 is the one `init` wrote)


def test_truncated_tail_is_named_against_the_automatic_anchor(dialect, monkeypatch):
    """With an anchor every 4 events (written after the commits that cross 4 and 8), deleting events 7–10 and moving
    the head back leaves a chain consistent in itself: the anchor of seq 8 names the missing events."""
    monkeypatch.setenv("CARBONMS_ANCHOR_EVERY", "4")
    with scratch_env(dialect):
        _append(10)
        anchors = [json.loads(line) for line in get_settings().resolved_anchor_file.read_text().splitlines()]
        assert [line["seq"] for line in anchors] == [0, 4, 8]
        with get_engine().begin() as connection:
            _drop_triggers(connection)
            connection.execute(text("DELETE FROM event WHERE seq > 6"))
            six = connection.execute(text("SELECT hash FROM event WHERE seq = 6")).scalar_one()
            connection.execute(text("UPDATE eventchainhead SET last_seq = 6, last_hash = :h WHERE id = 1"), {"h": six})
            _restore_triggers(connection)
        report = _verify()
        assert (report.ok, report.first_broken_seq, report.kind) == (False, 7, "events_missing")
        assert "anchor of seq 8" in report.reason and "7–8" in report.reason
        cli_result = runner.invoke(cli, ["verify-audit-log"])
        assert cli_result.exit_code == 2 and "[events_missing]" in cli_result.output


def test_time_going_backwards_is_named(dialect):
    """A forger holding the trail key backdates event 12 (after the last anchor) and re-keys the rest: the hashes
    agree again, the order of times does not."""
    with scratch_env(dialect):
        _append(10)
        _anchor()
        _append(5)
        with get_engine().begin() as connection:
            _drop_triggers(connection)
            earlier = as_utc(_rows(connection, 11)[0].occurred_at) - timedelta(minutes=5)
            connection.execute(update(EVENT).where(EVENT.c.seq == 12).values(occurred_at=earlier))
            _rewrite_from(connection, 12, key=keys.trail_key(), scheme=SCHEME_HMAC_V2, after_json="null")
            _restore_triggers(connection)
        report = _verify()
        assert (report.ok, report.first_broken_seq, report.kind) == (False, 12, "time_backwards")


def test_a_copy_of_the_anchor_file_kept_elsewhere_catches_a_cut_local_file(dialect, monkeypatch, tmp_path):
    """Someone who can also edit the data folder truncates the tail and cuts the anchors past it from the local
    file: the local check passes, the copy kept elsewhere (`--anchors`) names the missing events."""
    monkeypatch.setenv("CARBONMS_ANCHOR_EVERY", "4")
    with scratch_env(dialect):
        _append(10)
        local = get_settings().resolved_anchor_file
        offsite = tmp_path / "offsite-anchors.jsonl"
        offsite.write_bytes(local.read_bytes())
        with get_engine().begin() as connection:
            _drop_triggers(connection)
            connection.execute(text("DELETE FROM event WHERE seq > 6"))
            six = connection.execute(text("SELECT hash FROM event WHERE seq = 6")).scalar_one()
            connection.execute(text("UPDATE eventchainhead SET last_seq = 6, last_hash = :h WHERE id = 1"), {"h": six})
            _restore_triggers(connection)
        local.write_text("".join(line + "\n" for line in local.read_text().splitlines()[:2]))  # anchors 0 and 4
        assert _verify().ok
        result = runner.invoke(cli, ["verify-audit-log", "--anchors", str(offsite)])
        assert result.exit_code == 2 and "[events_missing]" in result.output and "seq 8" in result.output
