"""Anchors and keys of the audit trail: an old (unkeyed) trail still verifies and the first anchor covers it,
`carbonms anchor`, the anchor file's format and signatures, the keys' permissions, and a failed automatic anchor
that leaves the user's request alone."""

import json
import logging
import stat
from pathlib import Path
from types import SimpleNamespace

from alembic import command
from alembic.config import Config
from sqlalchemy import insert, select, text
from typer.testing import CliRunner

from app.cli import ROOT, initialise
from app.cli import app as cli
from app.common import utcnow
from app.config import get_settings
from app.db import get_engine, session_scope
from app.events import anchors as anchor_file
from app.events import service as events
from app.events.hashing import GENESIS_HASH, SCHEME_SHA256, compute_hash
from app.events.models import Event
from tests.factories import make_park
from tests.ops.conftest import scratch_env

runner = CliRunner()
EVENT = Event.__table__


def _append(count: int) -> None:
    for number in range(count):
        with session_scope() as session:
            events.record(session, action="test.step", entity_type="test", entity_id=number, park_id=None)


def _verify():
    with session_scope(write=False) as session:
        return events.verify_trail(session)


def _migrate_to_the_old_heads() -> None:
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    config.attributes["configure_logger"] = False
    for revision in ("0002_search", "0003_audits"):  # the schema before keyed hashes
        command.upgrade(config, revision)


def test_a_trail_written_before_keyed_hashes_still_verifies_and_the_first_anchor_covers_it(dialect):
    with scratch_env(dialect, initialise=False):
        _migrate_to_the_old_heads()
        prev_hash = GENESIS_HASH
        with get_engine().begin() as connection:
            for seq in (1, 2, 3):
                old = SimpleNamespace(
                    seq=seq,
                    park_id=None,
                    actor_id=None,
                    actor_name="system",
                    occurred_at=utcnow(),
                    action="legacy.step",
                    entity_type="test",
                    entity_id=str(seq),
                    before_json="null",
                    after_json="null",
                    prev_hash=prev_hash,
                    hash_scheme=SCHEME_SHA256,
                )
                old.hash = prev_hash = compute_hash(old)
                values = {k: v for k, v in vars(old).items() if k != "hash_scheme"}  # no such column yet
                connection.execute(insert(EVENT).values(values))
            connection.execute(text("UPDATE eventchainhead SET last_seq = 3, last_hash = :h"), {"h": prev_hash})
        initialise()  # migrates (old rows get scheme 1), makes the keys, writes the first anchor
        _append(2)
        with session_scope(write=False) as session:
            schemes = session.execute(select(EVENT.c.seq, EVENT.c.hash_scheme).order_by(EVENT.c.seq)).all()
        assert [tuple(row) for row in schemes] == [(1, 1), (2, 1), (3, 1), (4, 2), (5, 2)]
        first, *_rest = anchor_file.read_anchors(get_settings().resolved_anchor_file)[0]
        assert (first.seq, first.hash) == (3, prev_hash)
        report = _verify()
        assert (report.ok, report.checked, report.anchors_checked, report.last_anchor_seq) == (True, 5, 1, 3)
        # Running init again changes nothing: no second "first" anchor.
        initialise()
        assert len(anchor_file.read_anchors(get_settings().resolved_anchor_file)[0]) == 1


def test_anchor_command_file_format_signature_and_key_permissions(dialect, figure):
    with scratch_env(dialect) as env:
        settings = get_settings()
        for path in (settings.resolved_trail_key_file, settings.resolved_anchor_key_file):
            assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
        assert (env.data_dir / "anchor_key.pub").read_text().startswith("-----BEGIN PUBLIC KEY-----")
        _append(3)
        result = runner.invoke(cli, ["anchor"])
        assert result.exit_code == 0 and "anchor appended" in result.output, result.output
        again = runner.invoke(cli, ["anchor"])
        assert again.exit_code == 0 and "already anchored" in again.output
        lines = settings.resolved_anchor_file.read_text().splitlines()
        assert len(lines) == 2  # seq 0 from `init`, seq 3 from the command
        line = json.loads(lines[-1])
        assert set(line) == {"v", "seq", "hash", "time", "key_id", "sig"} and line["seq"] == 3
        with get_engine().connect() as connection:
            head_hash = connection.execute(text("SELECT last_hash FROM eventchainhead")).scalar_one()
        assert line["hash"] == head_hash
        figure(f"\n[{dialect}] anchor line ({len(lines[-1])} bytes): {lines[-1]}")
        verified = runner.invoke(cli, ["verify-audit-log"])
        assert verified.exit_code == 0 and "2 anchors checked" in verified.output, verified.output

        # An anchor edited by hand (here: made to vouch for another hash) no longer carries a valid signature.
        line["hash"] = "e" * 64
        settings.resolved_anchor_file.write_text("\n".join([*lines[:-1], json.dumps(line)]) + "\n")
        report = _verify()
        assert (report.ok, report.first_broken_seq, report.kind) == (False, 3, "anchor_signature")
        # Deleting the anchor file leaves the trail without its outside proof: named too.
        settings.resolved_anchor_file.unlink()
        report = _verify()
        assert (report.ok, report.kind) == (False, "anchor_missing")


def test_a_failed_automatic_anchor_never_fails_the_request_and_verify_reports_it_stale(
    client, dialect, monkeypatch, caplog
):
    monkeypatch.setenv("CARBONMS_ANCHOR_EVERY", "3")
    with scratch_env(dialect):

        def disk_full(*_args: object, **_kwargs: object) -> None:
            raise OSError(28, "No space left on device")

        monkeypatch.setattr(anchor_file, "append_anchor", disk_full)
        with caplog.at_level(logging.ERROR, logger="carbonms"):
            park = make_park(client)  # a park, its users and their sign-ins: well over 3 events, all answered
            assert park.client.get("/api/events", headers=park.headers("auditor")).status_code == 200
        assert any("writing the audit-trail anchor" in record.getMessage() for record in caplog.records)
        report = _verify()
        assert report.ok and report.last_anchor_seq == 0 and report.checked >= 3
        assert len(report.warnings) == 1 and "events behind the head" in report.warnings[0]
        monkeypatch.undo()
        assert runner.invoke(cli, ["anchor"]).exit_code == 0
        assert _verify().warnings == []


def test_an_anchor_write_cut_short_is_a_warning_and_the_next_anchor_starts_on_its_own_line(dialect):
    with scratch_env(dialect):
        _append(2)
        assert runner.invoke(cli, ["anchor"]).exit_code == 0
        path = get_settings().resolved_anchor_file
        whole = path.read_text().splitlines()[-1]
        with Path(path).open("a") as fh:
            fh.write(whole[: len(whole) // 2])  # a crash in the middle of the next line
        report = _verify()
        assert report.ok and len(report.warnings) == 1 and "line 3 is incomplete" in report.warnings[0]
        _append(1)
        assert runner.invoke(cli, ["anchor"]).exit_code == 0
        anchors, unreadable = anchor_file.read_anchors(path)
        assert [a.seq for a in anchors] == [0, 2, 3] and [u.line for u in unreadable] == [3]
        report = _verify()
        assert report.ok and report.last_anchor_seq == 3 and "line 3 is incomplete" in report.warnings[0]
        # A line that is whole JSON but not an anchor is no crash: it is named as an error.
        with Path(path).open("a") as fh:
            fh.write('{"v": 1, "seq": "many"}\n')
        report = _verify()
        assert (report.ok, report.kind) == (False, "anchor_unreadable") and "line 5" in report.reason
