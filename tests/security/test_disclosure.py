"""What one may learn without the right to: document history for contributors, other parks' user names."""

from tests.factories import PASSWORD, publish_new_document, sign, upload
from tests.reports.helpers import take_through


def test_contributors_see_only_the_publication_facts_of_a_public_document(park):
    document, first = publish_new_document(park, "DATA_MANAGEMENT_RULES", access_level="public")
    second = upload(park, document["id"], reason="年度修订").json()
    park.client.post(f"/api/revisions/{second['id']}/submit", headers=park.headers("coordinator"))
    assert sign(park, second["id"], "review", "auditor").status_code == 403  # a refusal on record
    assert sign(park, second["id"], "reject", "approver", comment="数据口径需核对").status_code == 200
    take_through(park, second["id"], "DATA_MANAGEMENT_RULES")  # resubmitted, signed, published

    seen = park.client.get(f"/api/documents/{document['id']}", headers=park.headers("contributor"))
    assert seen.status_code == 200, seen.text
    history = seen.json()["history"]
    assert [(e["action"], e["actor_name"], e["before"], e["after"]) for e in history] == [
        ("revision.publish", "", None, {"state": "effective", "revision": 1}),
        ("revision.supersede", "", None, {"state": "superseded", "revision": 1}),
        ("revision.publish", "", None, {"state": "effective", "revision": 2}),
    ]
    assert [e["entity_id"] for e in history] == [str(first["id"]), str(first["id"]), str(second["id"])]
    text = str(history)
    assert not [name for name in park.usernames.values() if name in text]
    assert "数据口径需核对" not in text and "年度修订" not in text and "access.refused" not in text

    # The roles the trail is open to still see everything, refusal included.
    full = park.client.get(f"/api/documents/{document['id']}", headers=park.headers("auditor")).json()["history"]
    actions = [e["action"] for e in full]
    assert "access.refused" in actions and "revision.reject" in actions and actions[0] == "document.register"


def test_a_username_of_another_park_is_not_confirmed_as_taken(park, other_park):
    def create(username: str):
        body = {"username": username, "password": PASSWORD, "role": "auditor", "full_name": "新用户"}
        return other_park.client.post("/api/users", json=body, headers=other_park.headers("admin"))

    foreign = create(park.usernames["auditor"])
    own = create(other_park.usernames["auditor"])
    assert foreign.status_code == own.status_code == 409
    # The same words whoever holds the name, and none saying that someone does.
    assert foreign.json()["message_zh"].replace(park.usernames["auditor"], "…") == own.json()["message_zh"].replace(
        other_park.usernames["auditor"], "…"
    )
    assert foreign.json()["message_zh"] == f"用户名 {park.usernames['auditor']} 不可用，请换一个"
    assert "taken" not in foreign.text and "已被使用" not in foreign.text
