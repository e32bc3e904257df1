"""The audit trail: written with the change, chained by hash, append-only in the database."""

import pytest
from sqlalchemy import text

import app.models  # noqa: F401
from app.db import get_engine, metadata
from app.events import keys
from app.events import service as events
from tests.factories import publish_new_document, register, upload


@pytest.fixture()
def trail_dir(tmp_path, monkeypatch):
    """Keys and anchors of a scratch chain in a data folder of its own (not the run's)."""
    from app.config import get_settings

    monkeypatch.setenv("CARBONMS_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    yield tmp_path
    monkeypatch.undo()
    get_settings.cache_clear()


def _verify(session):
    return events.verify_chain(session, key=keys.trail_key(create=False))


def test_every_change_has_its_event_and_the_chain_verifies(park):
    document = register(park, "DATA_MANAGEMENT_RULES")
    upload(park, document["id"])
    history = park.client.get(f"/api/events?entity=document:{document['id']}", headers=park.headers("auditor"))
    assert history.status_code == 200
    event = history.json()[0]
    assert event["action"] == "document.register" and event["actor_name"] == park.usernames["coordinator"]
    assert event["after"]["control_no"] == document["control_no"]
    verify = park.client.get("/api/events/verify", headers=park.headers("auditor")).json()
    assert verify["ok"] is True and verify["checked"] > 0
    assert park.client.get("/api/events", headers=park.headers("contributor")).status_code == 403


def test_refused_change_leaves_no_trace_but_the_refusal(park):
    # An effective document, so the one thing wrong is the role: only a coordinator may make it obsolete (403).
    document, _ = publish_new_document(park, "DATA_MANAGEMENT_RULES")
    before = park.client.get(f"/api/events?entity=document:{document['id']}", headers=park.headers("auditor")).json()
    response = park.client.post(
        f"/api/documents/{document['id']}/obsolete", json={"reason": "x"}, headers=park.headers("approver")
    )
    assert response.status_code == 403, response.text
    after = park.client.get(f"/api/events?entity=document:{document['id']}", headers=park.headers("auditor")).json()
    assert len(after) == len(before)


def test_making_a_document_without_an_effective_revision_obsolete_is_a_conflict(park):
    document = register(park, "DATA_MANAGEMENT_RULES")
    response = park.client.post(
        f"/api/documents/{document['id']}/obsolete", json={"reason": "x"}, headers=park.headers("coordinator")
    )
    assert response.status_code == 409 and response.json()["message_zh"] == "只有现行有效的文件可以作废"


@pytest.mark.parametrize("statement", ["UPDATE event SET action = 'forged'", "DELETE FROM event"])
def test_database_refuses_to_change_events(park, statement):
    register(park, "DATA_MANAGEMENT_RULES")
    with pytest.raises(Exception, match="append-only"), get_engine().begin() as connection:
        connection.execute(text(statement))


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE eventchainhead SET last_seq = last_seq - 1",
        "UPDATE eventchainhead SET last_hash = '" + "f" * 64 + "'",
        "UPDATE eventchainhead SET last_seq = last_seq + 1",  # advancing over no new event
        "DELETE FROM eventchainhead",
    ],
    ids=["seq_back", "hash_rewritten", "advance_without_events", "delete"],
)
def test_chain_head_refuses_changes_off_the_append_path(park, statement):
    register(park, "DATA_MANAGEMENT_RULES")
    with (
        pytest.raises(Exception, match="the audit chain head only advances with appended events"),
        get_engine().begin() as connection,
    ):
        connection.execute(text(statement))
    verify = park.client.get("/api/events/verify", headers=park.headers("auditor")).json()
    assert verify["ok"] is True and verify["kind"] is None


def test_verification_names_the_first_broken_link(trail_dir, tmp_path):
    """On a scratch database without the triggers, forge an event and a deletion: the walk names them."""
    from sqlmodel import Session, create_engine

    engine = create_engine(f"sqlite:///{tmp_path / 'chain.db'}")
    metadata.create_all(engine)
    with Session(engine) as session:
        for number in range(5):
            events.record(session, action="test.step", entity_type="test", entity_id=number, park_id=None)
        session.commit()
        assert _verify(session).ok and _verify(session).checked == 5
        session.execute(text("UPDATE event SET after_json = '\"forged\"' WHERE seq = 3"))
        session.commit()
        report = _verify(session)
        assert (report.ok, report.first_broken_seq, report.kind) == (False, 3, "bad_hmac")
        session.execute(text("UPDATE event SET after_json = 'null' WHERE seq = 3"))
        session.execute(text("DELETE FROM event WHERE seq = 2"))
        session.commit()
        report = _verify(session)
        assert (report.ok, report.first_broken_seq, report.kind) == (False, 2, "seq_gap")
    engine.dispose()


def _scratch_session(tmp_path):
    from sqlmodel import Session, create_engine

    engine = create_engine(f"sqlite:///{tmp_path / 'chain.db'}")
    metadata.create_all(engine)
    return engine, Session(engine)


def test_events_join_the_chain_at_commit_in_order_and_vanish_with_a_rollback(trail_dir, tmp_path):
    from sqlalchemy import select

    from app.events.models import Event

    engine, session = _scratch_session(tmp_path)
    with session:
        events.record(session, action="test.kept", entity_type="test", entity_id=1, park_id=None)
        session.commit()
        events.record(session, action="test.dropped", entity_type="test", entity_id=2, park_id=None)
        session.rollback()  # the change failed: its event never joins the chain, and takes no number
        for number in (3, 4):
            events.record(session, action="test.kept", entity_type="test", entity_id=number, park_id=None)
        session.commit()
        rows = session.execute(select(Event).order_by(Event.seq)).scalars().all()
        assert [(row.seq, row.entity_id) for row in rows] == [(1, "1"), (2, "3"), (3, "4")]
        assert [row.occurred_at for row in rows] == sorted(row.occurred_at for row in rows)
        assert _verify(session).ok
    engine.dispose()


def test_a_query_of_the_trail_inside_the_transaction_sees_its_own_events(trail_dir, tmp_path):
    from sqlalchemy import func, select

    from app.events.models import Event

    engine, session = _scratch_session(tmp_path)
    with session:
        events.record(session, action="test.step", entity_type="test", entity_id=1, park_id=None)
        assert session.execute(select(func.count()).select_from(Event)).scalar_one() == 1  # appended on demand
        events.record(session, action="test.step", entity_type="test", entity_id=2, park_id=None)
        assert [row.seq for row in session.execute(select(Event).order_by(Event.seq)).scalars()] == [1, 2]
        session.commit()
        assert _verify(session).ok and _verify(session).checked == 2
    engine.dispose()


def test_a_response_built_in_the_same_request_shows_the_change_it_made(park):
    from tests.factories import publish_new_document

    document, _revision = publish_new_document(park)
    response = park.client.post(
        f"/api/documents/{document['id']}/obsolete",
        json={"reason": "被新制度取代"},
        headers=park.headers("coordinator"),
    )
    assert response.status_code == 200, response.text
    assert "revision.obsolete" in [item["action"] for item in response.json()["history"]]


def test_a_session_closed_without_commit_leaves_no_event(trail_dir, tmp_path):
    from sqlalchemy import func, select

    from app.events.models import Event

    engine, session = _scratch_session(tmp_path)
    events.record(session, action="test.abandoned", entity_type="test", entity_id=1, park_id=None)
    session.close()
    with session:
        events.record(session, action="test.kept", entity_type="test", entity_id=2, park_id=None)
        session.commit()
        assert session.execute(select(func.count()).select_from(Event)).scalar_one() == 1
    engine.dispose()
