"""Nonconformities and corrective actions (11.2): every transition, its content, and every refusal."""

import pytest

from app.nonconformities import lifecycle
from app.nonconformities.lifecycle import NcAction
from app.nonconformities.models import NcState
from tests.audits.helpers import docx_text, events_for, post, raise_nc, run_nc_to_actions_done
from tests.factories import publish_new_document


def test_transition_table_is_the_documented_path():
    path = [NcAction.analyse, NcAction.plan, NcAction.complete, NcAction.verify, NcAction.close]
    state = NcState.open
    for action in path:
        step = lifecycle.TRANSITIONS[action]
        assert state in step.sources
        state = step.target
    assert state == NcState.closed
    assert lifecycle.TRANSITIONS[NcAction.reopen].target == NcState.cause_analysed
    assert NcState.closed not in lifecycle.TRANSITIONS[NcAction.cancel].sources
    assert NcState.cancelled not in lifecycle.TRANSITIONS[NcAction.cancel].sources


def test_full_lifecycle_with_its_content_and_events(park):
    raised = raise_nc(park)
    assert raised.status_code == 201, raised.text
    nc = raised.json()
    assert nc["state"] == "open" and nc["code"].startswith("NC-") and nc["allowed_actions"] == ["analyse", "cancel"]
    assert nc["origin"]["origin"] == "monitoring" and "能耗在线监测点" in nc["origin"]["text_zh"]
    url = f"/api/nonconformities/{nc['id']}"

    # analyse: cause and whether similar nonconformities exist elsewhere
    assert post(park, f"{url}/analyse", "coordinator", {"cause_analysis": "方针评审未纳入计划"}).status_code == 422
    assert (
        post(park, f"{url}/analyse", "coordinator", {"cause_analysis": "x", "similar_elsewhere": True}).status_code
        == 422
    )  # where?
    assert (
        post(park, f"{url}/analyse", "auditor", {"cause_analysis": "x", "similar_elsewhere": False}).status_code == 403
    )
    analysed = post(
        park,
        f"{url}/analyse",
        "coordinator",
        {
            "cause_analysis": "方针评审未纳入年度计划",
            "similar_elsewhere": True,
            "similar_details": "目标责任书也未按期评审",
        },
    )
    assert analysed.status_code == 200 and analysed.json()["state"] == "cause_analysed"
    assert analysed.json()["similar_elsewhere"] is True

    # plan: actions with owner and due date
    assert post(park, f"{url}/plan", "coordinator", {"actions": []}).status_code == 422
    assert (
        post(
            park,
            f"{url}/plan",
            "coordinator",
            {"actions": [{"description": "x", "owner_id": 999999, "due_date": "2030-04-01"}]},
        ).status_code
        == 404
    )
    planned = post(
        park,
        f"{url}/plan",
        "coordinator",
        {
            "actions": [
                {"description": "修订年度计划", "owner_id": park.user_ids["approver"], "due_date": "2030-04-01"},
                {"description": "培训", "owner_id": park.user_ids["contributor"], "due_date": "2030-05-01"},
            ]
        },
    )
    assert planned.status_code == 200 and planned.json()["state"] == "action_planned"
    first, second = planned.json()["actions"]
    assert (first["owner_name"], first["state"]) == ("approver 测试", "open")

    # it cannot complete (nor close) while an action is open
    refused = post(park, f"{url}/complete", "coordinator", {"completion_evidence": "已完成"})
    assert refused.status_code == 409 and "2" in refused.json()["message_zh"]
    assert post(park, f"{url}/close", "coordinator").status_code == 409

    # only the owner marks an action done, with its evidence
    assert post(park, f"/api/actions/{first['id']}/done", "coordinator", {"evidence": "x"}).status_code == 403
    assert post(park, f"/api/actions/{first['id']}/done", "approver", {"evidence": ""}).status_code == 422
    assert post(park, f"/api/actions/{first['id']}/done", "approver", {"evidence": "年度计划已修订"}).status_code == 200
    assert post(park, f"/api/actions/{first['id']}/done", "approver", {"evidence": "again"}).status_code == 409
    contributor_view = park.client.get(f"/api/actions/{second['id']}", headers=park.headers("contributor"))
    assert contributor_view.status_code == 200
    assert park.client.get(f"/api/actions/{first['id']}", headers=park.headers("contributor")).status_code == 403
    assert post(park, f"/api/actions/{second['id']}/done", "contributor", {"evidence": "培训签到表"}).status_code == 200

    assert post(park, f"{url}/complete", "coordinator", {"completion_evidence": ""}).status_code == 422
    completed = post(park, f"{url}/complete", "coordinator", {"completion_evidence": "年度计划第 2 版"})
    assert completed.status_code == 200 and completed.json()["state"] == "actions_done"

    # verification by someone other than the action owners, of a verifying role
    refused = post(park, f"{url}/verify", "approver", {"verification": "有效"})
    assert refused.status_code == 403 and "负责人" in refused.json()["message_zh"]
    assert post(park, f"{url}/verify", "coordinator", {"verification": "有效"}).status_code == 403
    assert post(park, f"{url}/verify", "auditor", {"verification": ""}).status_code == 422
    verified = post(park, f"{url}/verify", "auditor", {"verification": "抽查 3 月记录，已按期评审"})
    assert verified.status_code == 200 and verified.json()["state"] == "verified"
    assert verified.json()["verified_by"] == "auditor 测试"

    assert post(park, f"{url}/close", "auditor").status_code == 403
    closed = post(park, f"{url}/close", "coordinator", {"comment": "关闭"})
    assert closed.status_code == 200 and closed.json()["state"] == "closed" and closed.json()["ended_at"]
    assert post(park, f"{url}/cancel", "coordinator", {"reason": "x"}).status_code == 409

    # the record of 11.2, generated and filed in one step
    report = park.client.get(f"{url}/report.docx", headers=park.headers("auditor"))
    assert report.status_code == 200
    text = docx_text(report.content)
    for expected in (
        "不符合和纠正措施记录",
        nc["code"],
        "方针评审未纳入年度计划",
        "目标责任书也未按期评审",
        "修订年度计划",
        "培训签到表",
        "抽查 3 月记录，已按期评审",
        "能耗在线监测点",
    ):
        assert expected in text, expected
    assert post(park, f"{url}/file-report", "auditor").status_code == 403
    filed = post(park, f"{url}/file-report", "coordinator")
    assert filed.status_code == 201, filed.text
    assert filed.json()["record"]["doc_type"] == "NONCONFORMITY_CORRECTIVE_ACTION_RECORD"
    assert filed.json()["record"]["state"] == "in_approval"
    assert post(park, f"{url}/file-report", "coordinator").status_code == 409

    trail = events_for("nonconformity", nc["id"])
    assert [a for a in trail if a.startswith("nonconformity.")] == [
        "nonconformity.raise",
        "nonconformity.analyse",
        "nonconformity.plan",
        "nonconformity.complete",
        "nonconformity.verify",
        "nonconformity.close",
        "nonconformity.file_record",
    ]
    assert trail.count("access.refused") >= 3
    assert events_for("corrective_action", first["id"]) == [
        "action.create",
        "access.refused",
        "action.done",
        "access.refused",
    ]  # coordinator's try, contributor's read


def test_wrong_state_and_reopen_when_not_effective(park):
    nc = raise_nc(park, severity="minor").json()
    url = f"/api/nonconformities/{nc['id']}"
    assert (
        post(
            park,
            f"{url}/plan",
            "coordinator",
            {"actions": [{"description": "x", "owner_id": park.user_ids["approver"], "due_date": "2030-04-01"}]},
        ).status_code
        == 409
    )
    assert post(park, f"{url}/verify", "auditor", {"verification": "x"}).status_code == 409
    assert post(park, f"{url}/file-report", "coordinator").status_code == 409  # still open
    run_nc_to_actions_done(park, nc["id"])
    assert post(park, f"{url}/reopen", "auditor", {"reason": ""}).status_code == 422
    reopened = post(park, f"{url}/reopen", "top_management", {"reason": "3 月仍未评审，措施无效"})
    assert reopened.status_code == 200 and reopened.json()["state"] == "cause_analysed"
    assert "措施无效" in reopened.json()["verification"]
    # a new plan, then the old done action stays in the history
    planned = post(
        park,
        f"{url}/plan",
        "coordinator",
        {
            "actions": [
                {"description": "由最高管理者督办", "owner_id": park.user_ids["coordinator"], "due_date": "2030-06-01"}
            ]
        },
    )
    assert planned.status_code == 200 and len(planned.json()["actions"]) == 2
    added = post(
        park,
        f"{url}/actions",
        "coordinator",
        {"description": "补充培训", "owner_id": park.user_ids["approver"], "due_date": "2030-06-10"},
    )
    assert added.status_code == 201
    assert (
        post(
            park,
            f"{url}/actions",
            "auditor",
            {"description": "x", "owner_id": park.user_ids["approver"], "due_date": "2030-06-10"},
        ).status_code
        == 403
    )


def test_cancel_needs_a_reason_and_cancels_open_actions(park):
    nc = raise_nc(park).json()
    url = f"/api/nonconformities/{nc['id']}"
    post(park, f"{url}/analyse", "coordinator", {"cause_analysis": "x", "similar_elsewhere": False})
    action = post(
        park,
        f"{url}/plan",
        "coordinator",
        {"actions": [{"description": "x", "owner_id": park.user_ids["approver"], "due_date": "2030-04-01"}]},
    ).json()["actions"][0]
    assert post(park, f"{url}/cancel", "coordinator", {"reason": " "}).status_code == 422
    cancelled = post(park, f"{url}/cancel", "coordinator", {"reason": "误判：监测点校准错误"})
    assert cancelled.status_code == 200 and cancelled.json()["state"] == "cancelled"
    assert cancelled.json()["actions"][0]["state"] == "cancelled"
    assert post(park, f"/api/actions/{action['id']}/done", "approver", {"evidence": "x"}).status_code == 409


@pytest.mark.parametrize(
    "origin,extra,status",
    [
        ("management_review", {}, 422),  # needs its review
        ("internal_audit", {}, 422),  # needs its audit
        ("compliance_evaluation", {"origin_ref": ""}, 422),  # needs a reference
        ("compliance_evaluation", {"origin_ref": "2030 年合规性评价：排污许可证未延续"}, 201),
        ("other", {"origin_ref": "相关方投诉"}, 201),
    ],
)
def test_origins(park, origin, extra, status):
    response = raise_nc(park, origin=origin, **extra)
    assert response.status_code == status, response.text
    if status == 201:
        assert response.json()["origin"]["origin"] == origin
        assert response.json()["origin"]["text_zh"].startswith(
            {"compliance_evaluation": "合规性评价", "other": "其他"}[origin]
        )


def test_origin_document_and_review_and_listing(park, other_park):
    record, _ = publish_new_document(park, "CARBON_POLICY")
    foreign, _ = publish_new_document(other_park, "CARBON_POLICY")
    assert raise_nc(park, origin="monitoring", origin_ref="", origin_document_id=foreign["id"]).status_code == 404
    from_doc = raise_nc(park, origin="monitoring", origin_ref="", origin_document_id=record["id"])
    assert from_doc.status_code == 201
    assert from_doc.json()["origin"]["link"] == f"/documents/{record['id']}"
    assert record["control_no"] in from_doc.json()["origin"]["text_zh"]
    review = post(park, "/api/reviews", "coordinator", {"title": "2030 管理评审", "review_date": "2030-01-15"}).json()
    from_review = raise_nc(
        park, origin="management_review", review_id=review["id"], origin_ref="", role="top_management"
    )
    assert from_review.status_code == 201
    assert from_review.json()["origin"]["text_zh"] == "管理评审：2030 管理评审"
    assert raise_nc(park, role="approver").status_code == 403
    assert raise_nc(park, clause_id="99.9").status_code == 422
    listed = park.client.get(
        "/api/nonconformities", params={"origin": "management_review"}, headers=park.headers("approver")
    ).json()
    assert [n["id"] for n in listed] == [from_review.json()["id"]]
    assert all(
        n["origin"]["label_zh"] for n in park.client.get("/api/nonconformities", headers=park.headers("auditor")).json()
    )


def test_other_park_gets_404_and_contributors_403(park, other_park):
    nc = raise_nc(park).json()
    url = f"/api/nonconformities/{nc['id']}"
    assert other_park.client.get(url, headers=other_park.headers("coordinator")).status_code == 404
    assert (
        post(
            other_park, f"{url}/analyse", "coordinator", {"cause_analysis": "x", "similar_elsewhere": False}
        ).status_code
        == 404
    )
    assert park.client.get(url, headers=park.headers("contributor")).status_code == 403
    assert park.client.get("/api/nonconformities/0", headers=park.headers("coordinator")).status_code == 422
    assert park.client.get("/api/nonconformities/2147483647", headers=park.headers("coordinator")).status_code == 404
    assert post(park, f"{url}/plan", "coordinator", {"actions": "x"}).status_code == 422
