"""Scopes (types, clause, documents, period), bad scopes (422 with a message), and who may check (roles, parks)."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import update

from app.db import session_scope
from app.documents.models import Revision
from tests.archival.helpers import filed_record, published, run_check


def test_scopes_pick_their_revisions(park):
    policy, _ = published(park, "CARBON_POLICY")
    rules, _ = published(park, "DATA_MANAGEMENT_RULES")
    record = filed_record(park)

    by_type = run_check(park, kind="doc_types", doc_types=["DATA_MANAGEMENT_RULES"]).json()
    assert by_type["revisions_checked"] == 1 and by_type["scope_zh"] == "按文件类型：DATA_MANAGEMENT_RULES"
    by_clause = run_check(park, kind="clause", clause="6.2").json()  # the policy's clause
    assert (by_clause["documents_checked"], by_clause["scope"]["clause"]) == (1, "6.2")
    chosen = run_check(park, kind="documents", document_ids=[rules["id"], record["id"], rules["id"]]).json()
    assert chosen["documents_checked"] == 2 and chosen["scope"]["document_ids"] == sorted([rules["id"], record["id"]])

    # Filed or effective within a period (dates in the park's zone): the policy is moved to 2024-06-30 16:30 UTC,
    # which is 2024-07-01 in Asia/Shanghai.
    with session_scope() as session:
        moved = datetime(2024, 6, 30, 16, 30, tzinfo=UTC)
        session.execute(update(Revision).where(Revision.document_id == policy["id"]).values(effective_from=moved))
    july = run_check(park, period_from="2024-07-01", period_to="2024-07-31").json()
    assert july["documents_checked"] == 1 and july["verdict"] == "passed"
    assert july["scope_zh"] == "全园区；归档/生效于 2024-07-01 至 2024-07-31"
    june = run_check(park, period_from="2024-06-01", period_to="2024-06-30")
    assert june.status_code == 422 and june.json()["message_zh"] == "该范围内没有任何文件或记录版本"


@pytest.mark.parametrize(
    ("scope", "message_zh"),
    [
        ({"kind": "doc_types", "doc_types": ["NO_SUCH_TYPE"]}, "未知的文件类型：NO_SUCH_TYPE"),
        ({"kind": "doc_types"}, "请至少选择一种文件类型"),
        ({"kind": "clause", "clause": "99.9"}, "未知的条款：99.9"),
        ({"kind": "park", "clause": "6.2"}, "范围只能填写与其类别相符的内容（文件类型、条款或文件之一）"),
        ({"kind": "documents", "document_ids": []}, "请至少选择一份文件"),
        ({"kind": "park", "period_from": "2025-02-01", "period_to": "2025-01-01"}, "期间的开始日期晚于结束日期"),
    ],
    ids=["unknown_type", "no_type", "unknown_clause", "parts_of_another_kind", "no_document", "period_backwards"],
)
def test_a_bad_scope_is_422_with_its_message(park, scope, message_zh):
    response = run_check(park, **scope)
    assert response.status_code == 422
    assert response.json()["message_zh"] == message_zh and response.json()["message_en"]


def test_bad_input_never_500(park, other_park):
    other, _ = published(other_park)
    response = run_check(park, kind="documents", document_ids=[other["id"]])
    assert response.status_code == 422 and response.json()["message_zh"].startswith("文件不存在或不属于本园区")
    assert run_check(park, kind="banana").status_code == 422
    assert run_check(park, kind="park", period_from="2025-13-01").status_code == 422
    assert run_check(park).json()["message_zh"] == "该范围内没有任何文件或记录版本"  # an empty park


def test_roles_and_parks(park, other_park):
    published(park)
    for role in ("contributor", "approver", "top_management", "admin"):
        assert run_check(park, role).status_code == 403, role
        assert park.client.get("/api/archival/checks", headers=park.headers(role)).status_code == 403, role
    refused = run_check(park, "contributor").json()
    assert refused["message_zh"] == "您的角色无权执行此操作"
    run = run_check(park, "auditor").json()
    assert run["created_by_name"] == "auditor 测试"
    assert park.client.get(f"/api/archival/checks/{run['id']}", headers=park.headers("coordinator")).status_code == 200
    for url in (f"/api/archival/checks/{run['id']}", f"/api/archival/checks/{run['id']}/report.docx"):
        assert other_park.client.get(url, headers=other_park.headers("auditor")).status_code == 404
        assert park.client.get(url, headers=park.headers("contributor")).status_code == 403
    assert other_park.client.get("/api/archival/checks", headers=other_park.headers("auditor")).json() == []
    events = park.client.get(f"/api/events?entity=archival_check:{run['id']}", headers=park.headers("auditor")).json()
    assert [(event["action"], event["actor_id"]) for event in events] == [("archival.check", park.user_ids["auditor"])]
    assert events[0]["after"]["verdict"] == "passed" and events[0]["after"]["scope"]["kind"] == "park"
