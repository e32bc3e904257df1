"""Management reviews (10.3): inputs assembled from a seeded park, decisions, the closing signature, the record."""

import pytest

from app.common import utcnow
from tests.audits.helpers import docx_text, events_for, post, raise_nc, started_audit
from tests.factories import PASSWORD, publish_new_document, record_upload


def _file_record(park, doc_type: str, period: str = "2025") -> dict:  # a past year: no period in the future
    created = record_upload(park, doc_type, period)
    assert created.status_code == 201, created.text
    role = "top_management" if doc_type == "MANAGEMENT_REVIEW" else "approver"
    filed = park.client.post(
        f"/api/records/{created.json()['id']}/approve",
        json={"password": PASSWORD, "comment": "确认"},
        headers=park.headers(role),
    )
    assert filed.status_code == 200, filed.text
    return created.json()


def _seed(park) -> dict:
    register, _ = publish_new_document(park, "RISK_OPPORTUNITY_REGISTER", title="风险和机遇登记册")
    policy, _ = publish_new_document(park, "CARBON_POLICY", title="碳排放管理方针")
    compliance = _file_record(park, "COMPLIANCE_EVALUATION_REPORT")
    targets = _file_record(park, "TARGET_COMPLETION_CHECKLIST")
    major = raise_nc(park, origin="compliance_evaluation", origin_ref="2029 合规性评价").json()
    minor = raise_nc(park, severity="minor", clause_id="8.2").json()
    return {
        "register": register,
        "policy": policy,
        "compliance": compliance,
        "targets": targets,
        "major": major,
        "minor": minor,
    }


def _section(review: dict, key: str) -> dict:
    return next(section for section in review["inputs"] if section["key"] == key)


def test_inputs_are_assembled_from_what_carbonms_holds(park):
    seeded = _seed(park)
    assert post(park, "/api/reviews", "approver", {"review_date": "2030-01-15"}).status_code == 403
    assert post(park, "/api/reviews", "coordinator", {"review_date": "9999-12-31"}).status_code == 422
    created = post(park, "/api/reviews", "coordinator", {"title": "2030 年度管理评审", "review_date": "2030-01-15"})
    assert created.status_code == 201, created.text
    review = created.json()
    assert review["state"] == "draft" and review["previous_review_id"] is None
    keys = [s["key"] for s in review["inputs"]]
    assert keys[:3] == ["previous_actions", "context_risks", "policy"] and "readiness" in keys
    refs = {ref for s in review["inputs"] for ref in s["refs"]}
    assert {f"10.3.1 {x})" for x in "abcdefg"} <= refs and {f"10.3 {x})" for x in "abcdefg"} <= refs

    context = _section(review, "context_risks")
    assert [d["document_id"] for d in context["data"]["documents"]] == [seeded["register"]["id"]]
    assert context["to_complete"] and context["prompt_zh"].startswith("待填写") and context["missing"]
    assert [d["document_id"] for d in _section(review, "policy")["data"]["documents"]] == [seeded["policy"]["id"]]
    compliance = _section(review, "compliance")["data"]
    assert [d["document_id"] for d in compliance["documents"]] == [seeded["compliance"]["id"]]
    assert compliance["documents"][0]["state"] == "filed"
    assert [n["id"] for n in compliance["nonconformities_from_compliance_evaluation"]] == [seeded["major"]["id"]]
    objectives = _section(review, "objectives")["data"]["documents"]
    assert [d["document_id"] for d in objectives] == [seeded["targets"]["id"]]
    trends = _section(review, "audits_nonconformities")["data"]
    assert trends["total"] == 2
    assert trends["nonconformities_all"]["by_severity"] == {"major": 1, "minor": 1}
    assert trends["nonconformities_all"]["by_origin"] == {"compliance_evaluation": 1, "monitoring": 1}
    assert trends["nonconformities_all"]["by_state"] == {"open": 2}
    readiness = _section(review, "readiness")["data"]
    assert 0 < readiness["now"]["coverage"] < 1 and readiness["at_last_review"] is None
    assert not _section(review, "readiness")["to_complete"]
    assert _section(review, "previous_actions")["data"]["actions"] == []


@pytest.mark.slow
def test_decisions_signature_report_and_record(park):
    _seed(park)
    review = post(park, "/api/reviews", "coordinator", {"review_date": "2030-01-15"}).json()
    url = f"/api/reviews/{review['id']}"
    assert review["title"] == "2030 年度管理评审"

    filled = post(park, f"{url}/inputs", "top_management", {"key": "resources", "text": "人员配置充足"})
    assert filled.status_code == 200 and _section(filled.json(), "resources")["notes"] == "人员配置充足"
    assert post(park, f"{url}/inputs", "coordinator", {"key": "nope", "text": "x"}).status_code == 422
    assert post(park, f"{url}/inputs", "auditor", {"key": "resources", "text": "x"}).status_code == 403

    # closing needs a decision first
    assert post(park, f"{url}/close", "top_management", {"password": PASSWORD}).status_code == 409
    assert post(park, f"{url}/decisions", "coordinator", {"output_item": "z", "decision": "x"}).status_code == 422
    assert post(park, f"{url}/decisions", "coordinator", {"output_item": "a", "decision": ""}).status_code == 422
    decided = post(
        park,
        f"{url}/decisions",
        "top_management",
        {
            "output_item": "a)",
            "decision": "推进光伏屋顶项目以降低外购电力排放",
            "action": {
                "description": "完成光伏可行性研究",
                "owner_id": park.user_ids["approver"],
                "due_date": "2030-06-30",
            },
        },
    )
    assert decided.status_code == 201, decided.text
    decision = decided.json()["decisions"][0]
    assert decision["output_item"] == "a" and decision["actions"][0]["owner_name"] == "approver 测试"
    post(park, f"{url}/decisions", "coordinator", {"output_item": "b", "decision": "方针继续适用"})

    # only top management closes, with the password again
    assert post(park, f"{url}/close", "coordinator", {"password": PASSWORD}).status_code == 403
    assert post(park, f"{url}/close", "top_management", {"password": "wrong"}).status_code == 401
    assert "signature.refused" in events_for("review", review["id"])
    assert post(park, f"{url}/file-report", "coordinator").status_code == 409  # still a draft
    closed = post(park, f"{url}/close", "top_management", {"password": PASSWORD, "comment": "同意"})
    assert closed.status_code == 200 and closed.json()["state"] == "closed"
    assert closed.json()["closed_by"] == "top_management 测试"
    assert post(park, f"{url}/decisions", "coordinator", {"output_item": "c", "decision": "x"}).status_code == 409
    assert post(park, f"{url}/inputs", "coordinator", {"key": "resources", "text": "x"}).status_code == 409

    report = park.client.get(f"{url}/report.docx", headers=park.headers("auditor"))
    assert report.status_code == 200
    text = docx_text(report.content)
    for expected in (
        "管理评审报告",
        "推进光伏屋顶项目以降低外购电力排放",
        "完成光伏可行性研究",
        "人员配置充足",
        "待填写",
        "风险和机遇登记册",
        "top_management 测试",
        "10.3.1 a)",
    ):
        assert expected in text, expected

    assert post(park, f"{url}/file-report", "top_management").status_code == 403
    filed = post(park, f"{url}/file-report", "coordinator")
    assert filed.status_code == 201, filed.text
    record = filed.json()["record"]
    assert record["doc_type"] == "MANAGEMENT_REVIEW" and record["state"] == "in_approval"
    assert post(park, f"{url}/file-report", "coordinator").status_code == 409
    confirmed = park.client.post(
        f"/api/records/{record['id']}/approve", json={"password": PASSWORD}, headers=park.headers("top_management")
    )
    assert confirmed.status_code == 200, confirmed.text
    actions = events_for("review", review["id"])
    assert [a for a in actions if a.startswith("review.")] == [
        "review.create",
        "review.input",
        "review.close",
        "review.file_report",
    ]


def test_second_review_shows_previous_actions_and_readiness_change(park, other_park):
    first = post(park, "/api/reviews", "coordinator", {"review_date": "2026-01-10"}).json()
    post(
        park,
        f"/api/reviews/{first['id']}/decisions",
        "coordinator",
        {
            "output_item": "f",
            "decision": "增配碳管理专员",
            "action": {
                "description": "招聘碳管理专员",
                "owner_id": park.user_ids["coordinator"],
                "due_date": "2026-03-01",
            },
        },
    )
    assert post(park, f"/api/reviews/{first['id']}/close", "top_management", {"password": PASSWORD}).status_code == 200
    publish_new_document(park, "CARBON_POLICY")
    audit = started_audit(park, scope=["10.2"])
    for line in audit["lines"]:
        post(park, f"/api/audits/{audit['id']}/lines/{line['id']}", "auditor", {"result": "conforming"})
    post(park, f"/api/audits/{audit['id']}/findings", "auditor", {"kind": "improvement", "description": "数字化台账"})
    post(park, f"/api/audits/{audit['id']}/complete", "auditor", {"conclusion": "符合"})

    today = utcnow().date().isoformat()
    second = post(park, "/api/reviews", "coordinator", {"review_date": today}).json()
    assert second["previous_review_id"] == first["id"]
    previous = _section(second, "previous_actions")["data"]
    assert [a["description"] for a in previous["actions"]] == ["招聘碳管理专员"]
    assert previous["actions"][0]["overdue"] is True and previous["counts"] == {"open": 1}
    readiness = _section(second, "readiness")["data"]
    assert readiness["at_last_review"]["as_of"] == "2026-01-10"
    assert readiness["change"]["coverage"] > 0
    audits = _section(second, "audits_nonconformities")["data"]["audits"]
    assert [a["id"] for a in audits] == [audit["id"]] and audits[0]["lines"] == {"conforming": 9}
    assert [f["description"] for f in _section(second, "improvement")["data"]["opportunities_from_audits"]] == [
        "数字化台账"
    ]
    assert [a["description"] for a in _section(second, "open_corrective_actions")["data"]["actions"]] == [
        "招聘碳管理专员"
    ]
    refreshed = post(park, f"/api/reviews/{second['id']}/refresh-inputs", "coordinator")
    assert refreshed.status_code == 200
    # another park sees nothing of it
    assert (
        other_park.client.get(f"/api/reviews/{second['id']}", headers=other_park.headers("coordinator")).status_code
        == 404
    )
    assert (
        post(other_park, f"/api/reviews/{second['id']}/close", "top_management", {"password": PASSWORD}).status_code
        == 404
    )
    assert park.client.get("/api/reviews", headers=park.headers("contributor")).status_code == 403
    assert [r["id"] for r in park.client.get("/api/reviews", headers=park.headers("auditor")).json()] == [
        second["id"],
        first["id"],
    ]


def test_action_of_a_review_is_marked_done_by_its_owner(park):
    review = post(park, "/api/reviews", "coordinator", {"review_date": "2030-01-15"}).json()
    decided = post(
        park,
        f"/api/reviews/{review['id']}/decisions",
        "coordinator",
        {
            "output_item": "g",
            "decision": "加强培训",
            "action": {"description": "年度培训计划", "owner_id": park.user_ids["approver"], "due_date": "2030-02-01"},
        },
    )
    action = decided.json()["decisions"][0]["actions"][0]
    assert post(park, f"/api/actions/{action['id']}/done", "coordinator", {"evidence": "x"}).status_code == 403
    done = post(park, f"/api/actions/{action['id']}/done", "approver", {"evidence": "培训计划已发布"})
    assert done.status_code == 200 and done.json()["state"] == "done"
