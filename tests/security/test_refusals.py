"""Refused accesses on record: the real actor, the rule, the target; a cross-park probe in the prober's park."""

import json

from sqlalchemy import select

from app.db import session_scope
from app.events.models import Event
from tests.audits.helpers import post, raise_nc, run_nc_to_actions_done, started_audit
from tests.factories import TestPark, publish_new_document, record_upload, register, sign, upload


def refusals(entity_type: str, entity_id: object) -> list[dict]:
    """Every access.refused event on one target, whichever park it is in."""
    with session_scope(write=False) as session:
        rows = session.execute(
            select(Event)
            .where(Event.action == "access.refused", Event.entity_type == entity_type)
            .where(Event.entity_id == str(entity_id))
            .order_by(Event.seq)
        ).scalars()
        return [
            {
                "park_id": row.park_id,
                "actor_id": row.actor_id,
                "actor_name": row.actor_name,
                "rule": json.loads(row.after_json).get("rule"),
            }
            for row in rows
        ]


def by(park: TestPark, role: str, rule: str) -> dict:
    return {"park_id": park.id, "actor_id": park.user_ids[role], "actor_name": park.usernames[role], "rule": rule}


def test_a_contributor_refused_a_restricted_document_of_their_park_is_named_with_the_access_level_rule(park):
    internal = register(park, "DATA_MANAGEMENT_RULES", title="内部制度", access_level="internal")
    revision = upload(park, internal["id"]).json()
    assert park.client.get(f"/api/documents/{internal['id']}", headers=park.headers("contributor")).status_code == 404
    assert park.client.get(f"/api/revisions/{revision['id']}", headers=park.headers("contributor")).status_code == 404
    assert refusals("document", internal["id"]) == [by(park, "contributor", "access_level")]
    assert refusals("revision", revision["id"]) == [by(park, "contributor", "access_level")]


def _park_a_entities(park: TestPark) -> dict[str, tuple[str, str, int]]:
    """(method, path, id) naming one of the park's entities, per entity type of the refusal they must leave."""
    document, revision = publish_new_document(park, "DATA_MANAGEMENT_RULES")
    record = record_upload(park).json()
    audit = started_audit(park)
    nc = raise_nc(park).json()
    post(
        park,
        f"/api/nonconformities/{nc['id']}/analyse",
        "coordinator",
        {"cause_analysis": "x", "similar_elsewhere": False},
    )
    planned = post(
        park,
        f"/api/nonconformities/{nc['id']}/plan",
        "coordinator",
        {"actions": [{"description": "措施", "due_date": "2030-04-01", "owner_id": park.user_ids["approver"]}]},
    ).json()
    review = post(park, "/api/reviews", "coordinator", {"review_date": "2030-01-15"}).json()
    action_id = planned["actions"][0]["id"]
    user_id = park.user_ids["contributor"]
    return {
        "document": ("GET", f"/api/documents/{document['id']}", document["id"]),
        "revision": ("GET", f"/api/revisions/{revision['id']}", revision["id"]),
        "record": ("GET", f"/api/records/{record['id']}", record["id"]),
        "audit": ("GET", f"/api/audits/{audit['id']}", audit["id"]),
        "nonconformity": ("GET", f"/api/nonconformities/{nc['id']}/report.docx", nc["id"]),
        "corrective_action": ("GET", f"/api/actions/{action_id}", action_id),
        "review": ("GET", f"/api/reviews/{review['id']}", review["id"]),
        "user": ("PATCH", f"/api/users/{user_id}", user_id),
    }


def test_probes_of_another_parks_entities_are_recorded_in_the_probers_park(park, other_park):
    targets = _park_a_entities(park)
    role_for = {"user": "admin"}
    for entity_type, (method, path, entity_id) in targets.items():
        role = role_for.get(entity_type, "coordinator")
        body = {"full_name": "x"} if method == "PATCH" else None
        response = park.client.request(method, path, json=body, headers=other_park.headers(role))
        assert response.status_code == 404, (entity_type, response.status_code, response.text)
        # One event, in park B's trail, naming park B's user: park A's trail learns nothing of who works elsewhere.
        assert refusals(entity_type, entity_id) == [by(other_park, role, "other_park")], entity_type
    # A line of park A's audit, named under park B's own audit.
    own_audit = started_audit(other_park)
    foreign_line = started_audit(park)["lines"][0]["id"]
    marked = post(
        other_park, f"/api/audits/{own_audit['id']}/lines/{foreign_line}", "auditor", {"result": "conforming"}
    )
    assert marked.status_code == 404, marked.text
    assert refusals("audit_line", foreign_line) == [by(other_park, "auditor", "other_park")]


def test_another_parks_evidence_document_and_team_member_are_refused_on_record(park, other_park):
    foreign_document = register(park, "DATA_MANAGEMENT_RULES")
    raised = raise_nc(other_park, origin_document_id=foreign_document["id"])
    assert raised.status_code == 404, raised.text
    assert refusals("document", foreign_document["id"]) == [by(other_park, "coordinator", "other_park")]


def test_separation_of_duties_and_role_refusals_name_their_rule(park):
    document = register(park, "DATA_MANAGEMENT_RULES")
    rid = upload(park, document["id"]).json()["id"]
    park.client.post(f"/api/revisions/{rid}/submit", headers=park.headers("coordinator"))
    assert sign(park, rid, "review", "auditor").status_code == 403  # a role that never signs
    assert sign(park, rid, "review", "approver").status_code == 200
    assert sign(park, rid, "approve", "approver").status_code == 403  # the reviewer may not also approve
    assert refusals("revision", rid) == [by(park, "auditor", "role"), by(park, "approver", "separation_of_duties")]
    assert park.client.get("/api/events", headers=park.headers("contributor")).status_code == 403
    assert refusals("route", "GET /api/events")[-1] == by(park, "contributor", "role")


def test_an_action_owner_verifying_their_own_action_is_a_separation_of_duties_refusal(park):
    nc = raise_nc(park).json()
    run_nc_to_actions_done(park, nc["id"], owner="approver")
    refused = post(park, f"/api/nonconformities/{nc['id']}/verify", "approver", {"verification": "有效"})
    assert refused.status_code == 403, refused.text
    assert refusals("nonconformity", nc["id"])[-1] == by(park, "approver", "separation_of_duties")
    assert (
        post(park, f"/api/nonconformities/{nc['id']}/verify", "coordinator", {"verification": "有效"}).status_code
        == 403
    )
    assert refusals("nonconformity", nc["id"])[-1] == by(park, "coordinator", "role")


def test_another_parks_revision_and_a_missing_one_get_the_same_answer(park, other_park):
    _, revision = publish_new_document(park, "DATA_MANAGEMENT_RULES")
    foreign = park.client.get(f"/api/revisions/{revision['id']}", headers=other_park.headers("coordinator"))
    missing = park.client.get("/api/revisions/2147483647", headers=other_park.headers("coordinator"))
    assert foreign.status_code == missing.status_code == 404
    assert foreign.json() == missing.json()
    assert foreign.json()["message_zh"] == "版本不存在"


def test_a_role_refusal_raised_before_the_request_session_opens_is_recorded_once(park, other_park):
    user_id = park.user_ids["contributor"]
    # AdminUser comes before the session among update_user's parameters: the rollback hook never sees this one.
    refused = park.client.patch(f"/api/users/{user_id}", json={"full_name": "x"}, headers=other_park.headers("auditor"))
    assert refused.status_code == 403, refused.text
    assert refusals("route", f"PATCH /api/users/{user_id}") == [by(other_park, "auditor", "role")]
    # One raised inside the session is recorded once too, not again when it is rendered.
    assert park.client.get("/api/events", headers=park.headers("contributor")).status_code == 403
    assert refusals("route", "GET /api/events").count(by(park, "contributor", "role")) == 1
