"""The park profile: its time zone and its leadership group, changed by the coordinator only, each change audited."""

import pytest

MEMBER = {"name": "张明", "title": "管委会主任", "group_role": "组长", "unit": "园区管委会", "position": 1}


def _events(park, entity: str) -> list[dict]:
    response = park.client.get(f"/api/events?entity={entity}", headers=park.headers("auditor"))
    assert response.status_code == 200, response.text
    return response.json()


def test_the_default_time_zone_is_shanghai(park):
    profile = park.client.get("/api/park/profile", headers=park.headers("contributor")).json()
    assert profile["time_zone"] == "Asia/Shanghai" and profile["utc_offset"] == "UTC+08:00"
    assert profile["organisation"] == [] and profile["park_code"] == park.code


def test_the_coordinator_sets_the_time_zone_and_it_is_audited(park):
    response = park.client.put(
        "/api/park/profile/time-zone", json={"time_zone": "Asia/Tokyo"}, headers=park.headers("coordinator")
    )
    assert response.status_code == 200, response.text
    assert response.json()["time_zone"] == "Asia/Tokyo" and response.json()["utc_offset"] == "UTC+09:00"
    [event] = [e for e in _events(park, f"park:{park.id}") if e["action"] == "park.time_zone"]
    assert event["before"] == {"time_zone": None} and event["after"] == {"time_zone": "Asia/Tokyo"}


@pytest.mark.parametrize("zone", ["Mars/Olympus", "CST", "PRC", "", "Asia/Shanghai; drop table"])
def test_an_unknown_time_zone_is_refused_with_a_message(park, zone):
    response = park.client.put(
        "/api/park/profile/time-zone", json={"time_zone": zone}, headers=park.headers("coordinator")
    )
    assert response.status_code == 422
    assert "IANA" in response.json()["message_zh"] and "IANA" in response.json()["message_en"]
    assert park.client.get("/api/park/profile", headers=park.headers("auditor")).json()["time_zone"] == "Asia/Shanghai"


def test_only_the_coordinator_changes_the_profile(park):
    for role in ("approver", "top_management", "auditor", "contributor"):
        headers = park.headers(role)
        assert (
            park.client.put("/api/park/profile/time-zone", json={"time_zone": "UTC"}, headers=headers).status_code
            == 403
        )
        assert park.client.post("/api/park/organisation", json=MEMBER, headers=headers).status_code == 403
    refused = park.client.get("/api/events?action=access.refused", headers=park.headers("auditor")).json()
    assert {e["entity_type"] for e in refused} >= {"park", "organisation_member"}


def test_leadership_group_members_are_added_changed_and_removed_with_events(park, other_park):
    coordinator = park.headers("coordinator")
    added = park.client.post("/api/park/organisation", json=MEMBER, headers=coordinator)
    assert added.status_code == 201, added.text
    member = added.json()
    second = park.client.post(
        "/api/park/organisation",
        json=MEMBER | {"name": "李华", "group_role": "副组长", "position": 0},
        headers=coordinator,
    ).json()
    names = [m["name"] for m in park.client.get("/api/park/profile", headers=coordinator).json()["organisation"]]
    assert names == ["李华", "张明"]  # by the order the coordinator set

    changed = park.client.put(
        f"/api/park/organisation/{member['id']}", json=MEMBER | {"title": "党工委书记"}, headers=coordinator
    )
    assert changed.status_code == 200 and changed.json()["title"] == "党工委书记"
    assert park.client.delete(f"/api/park/organisation/{second['id']}", headers=coordinator).status_code == 204

    actions = [e["action"] for e in _events(park, f"organisation_member:{member['id']}")]
    assert sorted(actions) == ["park.member_add", "park.member_update"]
    update = next(
        e for e in _events(park, f"organisation_member:{member['id']}") if e["action"] == "park.member_update"
    )
    assert update["before"]["title"] == "管委会主任" and update["after"]["title"] == "党工委书记"
    assert [e["action"] for e in _events(park, f"organisation_member:{second['id']}")].count("park.member_remove") == 1

    # Another park neither sees nor changes them.
    other = other_park.headers("coordinator")
    assert other_park.client.get("/api/park/profile", headers=other).json()["organisation"] == []
    assert (
        other_park.client.put(f"/api/park/organisation/{member['id']}", json=MEMBER, headers=other).status_code == 404
    )
    assert other_park.client.delete(f"/api/park/organisation/{member['id']}", headers=other).status_code == 404


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (MEMBER | {"name": "   "}, "姓名"),
        (MEMBER | {"group_role": ""}, "组内职责"),
    ],
)
def test_a_member_needs_a_name_and_a_role_in_the_group(park, body, words):
    response = park.client.post("/api/park/organisation", json=body, headers=park.headers("coordinator"))
    assert response.status_code == 422 and words in response.json()["message_zh"]
    assert park.client.get("/api/park/profile", headers=park.headers("coordinator")).json()["organisation"] == []


def test_too_long_a_name_is_a_422_not_a_500(park):
    response = park.client.post(
        "/api/park/organisation", json=MEMBER | {"name": "长" * 101}, headers=park.headers("coordinator")
    )
    assert response.status_code == 422
