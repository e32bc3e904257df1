"""A corrective action's completion evidence names real documents and revisions by control number (11.2): an
unknown number is refused in words and nothing is stored; a known one is stored as a link and shown as a link."""

from tests import factories
from tests.audits.helpers import events_for, post, raise_nc


def _planned_action(park) -> tuple[int, int]:
    nc = raise_nc(park)
    assert nc.status_code == 201, nc.text
    nc_id = nc.json()["id"]
    analysed = post(
        park,
        f"/api/nonconformities/{nc_id}/analyse",
        "coordinator",
        {"cause_analysis": "方针评审未纳入年度计划", "similar_elsewhere": False},
    )
    assert analysed.status_code == 200, analysed.text
    planned = post(
        park,
        f"/api/nonconformities/{nc_id}/plan",
        "coordinator",
        {"actions": [{"description": "修订方针", "owner_id": park.user_ids["approver"], "due_date": "2030-04-01"}]},
    )
    assert planned.status_code == 200, planned.text
    return nc_id, planned.json()["actions"][0]["id"]


def test_evidence_by_control_number_is_stored_as_links(park):
    document, revision = factories.publish_new_document(park)
    _, action_id = _planned_action(park)
    body = {"evidence": "方针已修订", "evidence_numbers": [document["control_no"], f"{document['control_no']}@1"]}
    done = post(park, f"/api/actions/{action_id}/done", "approver", body)
    assert done.status_code == 200, done.text
    out = done.json()
    assert out["evidence_document_ids"] == [document["id"]]
    assert out["evidence_revision_ids"] == [revision["id"]]
    assert [(link["control_no"], link["revision"]) for link in out["evidence_links"]] == [
        (document["control_no"], None),
        (document["control_no"], 1),
    ]
    assert out["evidence_links"][1]["href"] == f"/documents/{document['id']}#rev-{revision['id']}"


def test_an_unknown_number_is_refused_and_nothing_is_stored(park):
    nc_id, action_id = _planned_action(park)
    before = events_for("corrective_action", action_id)
    refused = post(
        park, f"/api/actions/{action_id}/done", "approver", {"evidence": "已完成", "evidence_numbers": ["NO-SUCH-9"]}
    )
    assert refused.status_code == 422
    assert "NO-SUCH-9" in refused.json()["message_zh"] and "check the number" in refused.json()["message_en"]
    assert events_for("corrective_action", action_id) == before
    action = park.client.get(f"/api/nonconformities/{nc_id}", headers=park.headers("coordinator")).json()["actions"][0]
    assert action["state"] == "open" and action["completion_evidence"] == ""


def test_a_missing_revision_is_refused(park):
    document, _ = factories.publish_new_document(park)
    _, action_id = _planned_action(park)
    body = {"evidence": "已完成", "evidence_numbers": [f"{document['control_no']}@7"]}
    refused = post(park, f"/api/actions/{action_id}/done", "approver", body)
    assert refused.status_code == 422 and "没有第 7 版" in refused.json()["message_zh"]


def test_another_parks_document_is_refused(park, other_park):
    foreign = factories.register(other_park, control_no=f"FOREIGN-{other_park.code}")
    _, action_id = _planned_action(park)
    body = {"evidence": "已完成", "evidence_numbers": [foreign["control_no"]]}
    refused = post(park, f"/api/actions/{action_id}/done", "approver", body)
    assert refused.status_code == 422 and foreign["control_no"] in refused.json()["message_zh"]
