"""A broken event hash is found by the audit chain check alone. It runs in a scratch data folder and database of its
own (a broken link would break the run's shared chain for every later test), on SQLite and on PostgreSQL."""

from sqlalchemy import text

from app.db import get_engine
from app.events import service as events
from tests.archival.helpers import failed_checks, published, run_check
from tests.factories import make_park
from tests.ops.conftest import scratch_env


def _drop_triggers(connection) -> None:
    if connection.dialect.name == "sqlite":
        connection.execute(text("DROP TRIGGER event_no_update"))
        connection.execute(text("DROP TRIGGER event_no_delete"))
    else:
        connection.execute(text("DROP TRIGGER event_no_update ON event"))
        connection.execute(text("DROP TRIGGER event_no_truncate ON event"))


def test_a_broken_event_hash_fails_the_audit_chain_only(client, dialect):
    with scratch_env(dialect):
        park = make_park(client)
        _document, revision = published(park)
        assert run_check(park).json()["verdict"] == "passed"
        with get_engine().begin() as connection:
            seq = connection.execute(
                text(
                    "SELECT seq FROM event WHERE entity_type = 'revision' AND entity_id = :id "
                    "AND action = 'revision.approve'"
                ),
                {"id": str(revision["id"])},
            ).scalar_one()
            _drop_triggers(connection)
            connection.execute(text("UPDATE event SET after_json = '\"forged\"' WHERE seq = :s"), {"s": seq})
            events.install_triggers(connection)
        body = run_check(park).json()
        assert body["verdict"] == "failed" and failed_checks(body) == {"audit_chain"}
        (problem,) = body["problems"]
        assert problem["revision_id"] is None and problem["control_no"] == ""  # the whole scope
        assert f"第 {seq} 条断开（bad_hmac）" in problem["message_zh"]
        assert f"breaks at event {seq} (bad_hmac)" in problem["message_en"]
        assert body["chain"]["first_broken_seq"] == seq and body["chain"]["kind"] == "bad_hmac"
