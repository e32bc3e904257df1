"""Controlled distribution and read confirmation (8.4 d), the 宣贯 of Annex A): the list (a user, a role, an
enterprise), the "阅读并确认" tasks, one-click confirmation, re-distribution of a new effective revision, the export."""

import io
import json

from openpyxl import load_workbook
from sqlalchemy import select

from app.db import session_scope
from app.documents import distribution_service
from app.events.models import Event
from tests.documents.helpers import add_user, publish_next
from tests.factories import TestPark, publish_new_document, register
from tests.inventory import helpers as inventory

API = "/api/documents"


def put_list(park: TestPark, document_id: int, entries: list[dict], role: str = "coordinator"):
    return park.client.put(f"{API}/{document_id}/distribution", json={"entries": entries}, headers=park.headers(role))


def status(park: TestPark, document_id: int, role: str = "coordinator") -> dict:
    response = park.client.get(f"{API}/{document_id}/distribution", headers=park.headers(role))
    assert response.status_code == 200, response.text
    return response.json()


def confirm(park: TestPark, document_id: int, revision_id: int, role: str):
    return park.client.post(
        f"{API}/{document_id}/distribution/confirm", json={"revision_id": revision_id}, headers=park.headers(role)
    )


def read_tasks(park: TestPark, role: str) -> list[tuple[int, int]]:
    response = park.client.get("/api/tasks", headers=park.headers(role))
    assert response.status_code == 200, response.text
    return [
        (task["ids"]["document_id"], task["ids"]["revision_id"])
        for task in response.json()["tasks"]
        if task["kind"] == "document_read_confirm"
    ]


def recipients(state: dict, number: int) -> dict[str, str | None]:
    """username → confirmed_at of the revision `number`."""
    revision = next(item for item in state["revisions"] if item["number"] == number)
    return {item["username"]: item["confirmed_at"] for item in revision["recipients"]}


def events_of(action: str, revision_id: int) -> list[Event]:
    with session_scope(write=False) as session:
        query = select(Event).where(Event.action == action, Event.entity_id == str(revision_id))
        return list(session.execute(query).scalars())


def test_a_user_a_role_and_an_enterprise_receive_the_effective_revision(park) -> None:
    second_approver = add_user(park, "approver2", "approver")
    company = inventory.enterprise(park, f"分发企业{park.code}", 11)
    inventory.assign(park, "contributor", company["id"])
    document, revision = publish_new_document(park, access_level="public")
    entries = [
        {"kind": "user", "target": str(park.user_ids["auditor"])},
        {"kind": "role", "target": "approver"},
        {"kind": "enterprise", "target": str(company["id"])},
    ]
    response = put_list(park, document["id"], entries)
    assert response.status_code == 200, response.text
    state = response.json()
    assert [(entry["kind"], entry["reaches"]) for entry in state["entries"]] == [
        ("user", 1),
        ("role", 2),
        ("enterprise", 1),
    ]
    assert state["entries"][2]["label_zh"] == f"企业：分发企业{park.code}"
    wanted = {park.usernames[name]: None for name in ("auditor", "approver", "approver2", "contributor")}
    assert recipients(state, revision["number"]) == wanted
    for name in ("auditor", "approver", "approver2", "contributor"):
        assert read_tasks(park, name) == [(document["id"], revision["id"])]
    assert read_tasks(park, "coordinator") == []
    assert second_approver == park.user_ids["approver2"]

    confirmed = confirm(park, document["id"], revision["id"], "approver2")
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["user_id"] == second_approver and confirmed.json()["number"] == revision["number"]
    assert read_tasks(park, "approver2") == []
    assert read_tasks(park, "approver") == [(document["id"], revision["id"])]
    after = recipients(status(park, document["id"]), revision["number"])
    assert after[park.usernames["approver2"]] == confirmed.json()["confirmed_at"]
    assert [name for name, when in after.items() if when is None] == sorted(
        park.usernames[name] for name in ("auditor", "approver", "contributor")
    )
    events = events_of("revision.read_confirm", revision["id"])
    assert [(event.actor_id, json.loads(event.after_json)["number"]) for event in events] == [
        (second_approver, revision["number"])
    ]


def test_confirming_twice_changes_nothing(park) -> None:
    document, revision = publish_new_document(park)
    assert put_list(park, document["id"], [{"kind": "role", "target": "auditor"}]).status_code == 200
    first = confirm(park, document["id"], revision["id"], "auditor")
    second = confirm(park, document["id"], revision["id"], "auditor")
    assert first.status_code == second.status_code == 200
    assert second.json()["confirmed_at"] == first.json()["confirmed_at"]
    assert len(events_of("revision.read_confirm", revision["id"])) == 1


def test_a_list_set_before_publication_is_distributed_when_the_revision_becomes_effective(park) -> None:
    document = register(park)
    assert put_list(park, document["id"], [{"kind": "role", "target": "auditor"}]).status_code == 200
    assert status(park, document["id"])["revisions"] == []
    revision = publish_next(park, document["id"], "CARBON_POLICY", "第一版正文", reason="")
    assert recipients(status(park, document["id"]), revision["number"]) == {park.usernames["auditor"]: None}
    assert read_tasks(park, "auditor") == [(document["id"], revision["id"])]


def test_a_new_effective_revision_goes_to_the_same_list(park) -> None:
    document, first = publish_new_document(park)
    assert put_list(park, document["id"], [{"kind": "role", "target": "approver"}]).status_code == 200
    assert confirm(park, document["id"], first["id"], "approver").status_code == 200
    add_user(park, "approver3", "approver")  # joins the role after the first distribution
    second = publish_next(park, document["id"], "CARBON_POLICY", "方针第二版", reason="修订方针")
    state = status(park, document["id"])
    old = recipients(state, first["number"])
    assert list(old) == [park.usernames["approver"]] and old[park.usernames["approver"]] is not None
    assert recipients(state, second["number"]) == {park.usernames["approver"]: None, park.usernames["approver3"]: None}
    assert [item["state"] for item in state["revisions"]] == ["effective", "superseded"]
    assert read_tasks(park, "approver") == [(document["id"], second["id"])]
    # the superseded revision can no longer be confirmed; the new one can
    late = confirm(park, document["id"], first["id"], "approver3")
    assert late.status_code == 409 and late.json()["message_en"].startswith("Only the effective revision")
    assert confirm(park, document["id"], second["id"], "approver").status_code == 200
    distributed = events_of("revision.distribute", second["id"])
    assert [json.loads(event.after_json)["added"] for event in distributed] == [
        sorted([park.usernames["approver"], park.usernames["approver3"]])
    ]


def test_only_the_addressed_user_confirms(park) -> None:
    document, revision = publish_new_document(park)
    assert (
        put_list(park, document["id"], [{"kind": "user", "target": str(park.user_ids["auditor"])}]).status_code == 200
    )
    refused = confirm(park, document["id"], revision["id"], "approver")
    assert refused.status_code == 403 and refused.json()["message_zh"] == "此版本没有分发给您，无需确认"
    with session_scope(write=False) as session:
        query = select(Event).where(Event.action == "access.refused", Event.actor_id == park.user_ids["approver"])
        assert [json.loads(event.after_json)["rule"] for event in session.execute(query).scalars()] == ["assignment"]
    assert recipients(status(park, document["id"]), revision["number"]) == {park.usernames["auditor"]: None}


def test_another_park_sees_and_changes_nothing(park, other_park) -> None:
    document, revision = publish_new_document(park)
    assert put_list(park, document["id"], [{"kind": "role", "target": "approver"}]).status_code == 200
    url = f"{API}/{document['id']}/distribution"
    assert other_park.client.get(url, headers=other_park.headers("coordinator")).status_code == 404
    assert put_list(other_park, document["id"], [{"kind": "role", "target": "auditor"}]).status_code == 404
    assert confirm(other_park, document["id"], revision["id"], "approver").status_code == 404
    assert other_park.client.get(f"{url}/export", headers=other_park.headers("coordinator")).status_code == 404
    # a user of another park cannot be put on the list
    outsider = put_list(park, document["id"], [{"kind": "user", "target": str(other_park.user_ids["auditor"])}])
    assert outsider.status_code == 422 and "本园区没有编号为" in outsider.json()["message_zh"]
    assert [entry["target"] for entry in status(park, document["id"])["entries"]] == ["approver"]


def test_only_a_coordinator_sets_the_list(park) -> None:
    document, _revision = publish_new_document(park)
    for role in ("approver", "top_management", "auditor", "admin"):
        response = put_list(park, document["id"], [{"kind": "role", "target": "auditor"}], role=role)
        assert response.status_code == 403, (role, response.text)
    assert status(park, document["id"])["entries"] == []


def test_contributors_without_access_neither_receive_nor_confirm(park) -> None:
    company = inventory.enterprise(park, f"内部文件企业{park.code}", 12)
    inventory.assign(park, "contributor", company["id"])
    document, revision = publish_new_document(park)  # internal: contributors may not read it
    direct = put_list(park, document["id"], [{"kind": "user", "target": str(park.user_ids["contributor"])}])
    assert direct.status_code == 422 and "无权阅读此文件" in direct.json()["message_zh"]
    state = put_list(park, document["id"], [{"kind": "enterprise", "target": str(company["id"])}]).json()
    assert state["entries"][0]["reaches"] == 0 and state["revisions"] == []
    assert read_tasks(park, "contributor") == []
    assert confirm(park, document["id"], revision["id"], "contributor").status_code == 404


def test_bad_entries_are_refused_with_a_message(park) -> None:
    document, _revision = publish_new_document(park)
    for entry, words in (
        ({"kind": "role", "target": "boss"}, "未知的角色"),
        ({"kind": "user", "target": "abc"}, "必须是正整数"),
        ({"kind": "enterprise", "target": "999999"}, "本园区没有编号为 999999 的企业"),
    ):
        response = put_list(park, document["id"], [entry])
        assert response.status_code == 422 and words in response.json()["message_zh"], response.text
    assert put_list(park, document["id"], [{"kind": "group", "target": "x"}]).status_code == 422
    record = park.client.post(
        f"{API}/{document['id']}/distribution/confirm", json={"revision_id": 0}, headers=park.headers("auditor")
    )
    assert record.status_code == 422


def test_the_export_lists_who_confirmed_which_revision(park) -> None:
    document, first = publish_new_document(park)
    assert put_list(park, document["id"], [{"kind": "role", "target": "auditor"}]).status_code == 200
    assert confirm(park, document["id"], first["id"], "auditor").status_code == 200
    second = publish_next(park, document["id"], "CARBON_POLICY", "方针第二版", reason="修订方针")
    response = park.client.get(f"{API}/{document['id']}/distribution/export", headers=park.headers("coordinator"))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheet")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0] == distribution_service.EXPORT_HEADERS
    assert rows[0][:5] == ["文件编号", "文件名称", "版本", "版本状态", "姓名"]
    assert rows[0][8:] == ["分发时间", "确认时间", "确认情况"]
    auditor = park.usernames["auditor"]
    shaped = [(row[2], row[3], row[5], row[7], row[10], bool(row[9])) for row in rows[1:]]
    assert shaped == [
        (f"第{second['number']}版", "现行有效", auditor, "内审员", "未确认", False),
        (f"第{first['number']}版", "已被替代", auditor, "内审员", "已确认", True),
    ]
    assert all(row[0] == document["control_no"] for row in rows[1:])
    refused = park.client.get(f"{API}/{document['id']}/distribution/export", headers=park.headers("contributor"))
    assert refused.status_code == 404  # an internal document: the contributor may not even read it
