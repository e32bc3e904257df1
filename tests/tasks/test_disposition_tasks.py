"""A disposition batch (鉴定销毁) waits in the task list of whoever may take its next step now, as its state machine
says: appraisal, the signed approval (never by the appraiser), the destruction; and in nobody's once it is done."""

from tests.factories import TestPark
from tests.retention.helpers import LONG_AGO, appraise, approve, destroy, filed_record, propose

ROLES = ("coordinator", "approver", "top_management", "auditor", "contributor")


def _batch_tasks(park: TestPark, batch_id: int) -> dict[str, list[str]]:
    """role → the kinds of that user's tasks about this batch, from GET /api/tasks."""
    out = {}
    for role in ROLES:
        response = park.client.get("/api/tasks", headers=park.headers(role))
        assert response.status_code == 200, response.text
        out[role] = [
            task["kind"]
            for task in response.json()["tasks"]
            if task["entity_type"] == "disposition_batch" and task["entity_id"] == batch_id
        ]
    return out


def test_each_step_of_a_batch_is_the_task_of_those_who_may_take_it(park, other_park) -> None:
    record = filed_record(park, "TRAINING_RECORD", filed=LONG_AGO)
    batch = propose(park, [record["id"]])
    tasks = _batch_tasks(park, batch["id"])
    assert tasks == {
        "coordinator": ["disposition_appraise"],
        "approver": ["disposition_appraise"],
        "top_management": ["disposition_appraise"],
        "auditor": [],
        "contributor": [],
    }
    assert _batch_tasks(other_park, batch["id"]) == {role: [] for role in ROLES}  # another park's batch

    response = park.client.get("/api/tasks", headers=park.headers("coordinator"))
    listed = [t for t in response.json()["tasks"] if t["entity_type"] == "disposition_batch"]
    assert listed[0]["link"] == f"/retention/batches/{batch['id']}"
    assert listed[0]["title_zh"] == f"鉴定销毁批次 #{batch['id']}（1 个版本）"

    appraise(park, batch)  # by the coordinator: either signer may approve
    assert _batch_tasks(park, batch["id"]) == {
        "coordinator": [],
        "approver": ["disposition_approve"],
        "top_management": ["disposition_approve"],
        "auditor": [],
        "contributor": [],
    }
    assert approve(park, batch["id"], role="approver").status_code == 200
    assert _batch_tasks(park, batch["id"]) == {
        "coordinator": ["disposition_destroy"],
        **{role: [] for role in ROLES if role != "coordinator"},
    }
    assert destroy(park, batch["id"]).status_code == 200
    assert _batch_tasks(park, batch["id"]) == {role: [] for role in ROLES}


def test_the_appraiser_does_not_get_the_approval(park) -> None:
    record = filed_record(park, "TRAINING_RECORD", filed=LONG_AGO)
    batch = propose(park, [record["id"]])
    body = {
        "opinions": [{"item_id": item["id"], "opinion": "destroy", "comment": "到期"} for item in batch["items"]],
        "comment": "鉴定",
    }
    response = park.client.post(
        f"/api/retention/batches/{batch['id']}/appraise", json=body, headers=park.headers("approver")
    )
    assert response.status_code == 200, response.text
    tasks = _batch_tasks(park, batch["id"])
    assert tasks["approver"] == []  # appraiser and approver must differ
    assert tasks["top_management"] == ["disposition_approve"]


def test_the_tasks_page_groups_them_under_their_step(app, park) -> None:
    from tests.web.conftest import Browser

    record = filed_record(park, "TRAINING_RECORD", filed=LONG_AGO)
    batch = propose(park, [record["id"]])
    chinese, english = Browser(app, park, "top_management"), Browser(app, park, "top_management", lang="en")
    try:
        page = chinese.get("/tasks")
        assert page.status_code == 200
        assert "待鉴定的销毁批次" in page.text
        assert f'href="/retention/batches/{batch["id"]}"' in page.text
        assert "Disposition batches to appraise" in english.get("/tasks").text
    finally:
        chinese.close()
        english.close()
