"""The audit trail: written with the change, chained by hash, append-only in the database."""

import pytest
from sqlalchemy import text

import app.models  # noqa: F401
from app.db import get_engine, metadata
from app.events import service as events
from tests.factories import register, upload


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
    document = register(park, "DATA_MANAGEMENT_RULES")
    before = park.client.get(f"/api/events?entity=document:{document['id']}", headers=park.headers("auditor")).json()
    response = park.client.post(f"/api/documents/{document['id']}/obsolete", json={"reason": "x"},
                                headers=park.headers("approver"))
    assert response.status_code in (403, 409)
    after = park.client.get(f"/api/events?entity=document:{document['id']}", headers=park.headers("auditor")).json()
    assert len(after) == len(before)


@pytest.mark.parametrize("statement", ["UPDATE event SET action = 'forged'", "DELETE FROM event"])
def test_database_refuses_to_change_events(park, statement):
    register(park, "DATA_MANAGEMENT_RULES")
    with pytest.raises(Exception, match="append-only"):
        with get_engine().begin() as connection:
            connection.execute(text(statement))


def test_verification_names_the_first_broken_link(tmp_path):
    """On a scratch database without the triggers, forge an event and a deletion: the walk names them."""
    from sqlmodel import Session, create_engine

    engine = create_engine(f"sqlite:///{tmp_path / 'chain.db'}")
    metadata.create_all(engine)
    with Session(engine) as session:
        for number in range(5):
            events.record(session, action="test.step", entity_type="test", entity_id=number, park_id=None)
        session.commit()
        assert events.verify_chain(session).ok and events.verify_chain(session).checked == 5
        session.execute(text("UPDATE event SET after_json = '\"forged\"' WHERE seq = 3"))
        session.commit()
        report = events.verify_chain(session)
        assert not report.ok and report.first_broken_seq == 3 and "hash" in report.reason
        session.execute(text("UPDATE event SET after_json = 'null' WHERE seq = 3"))
        session.execute(text("DELETE FROM event WHERE seq = 2"))
        session.commit()
        report = events.verify_chain(session)
        assert not report.ok and report.first_broken_seq == 2
    engine.dispose()
