"""The document lifecycle through the API: every rule with its negative case."""

import hashlib

from tests.factories import (
    docx_bytes,
    publish_new_document,
    register,
    sign,
    upload,
)


def test_register_gives_unique_control_numbers(park):
    first = register(park, "DATA_MANAGEMENT_RULES", title="数据管理制度")
    second = register(park, "DATA_MANAGEMENT_RULES", title="数据管理制度（二）")
    assert first["control_no"] != second["control_no"]
    assert first["control_no"].startswith(f"{park.code}-DATA_MANAGEMENT_RULES-")
    assert {"id", "control_no", "doc_type", "title", "access_level", "owner_unit"} <= first.keys()
    duplicate = park.client.post(
        "/api/documents",
        json={"doc_type": "DATA_MANAGEMENT_RULES", "title": "x", "control_no": first["control_no"]},
        headers=park.headers("coordinator"),
    )
    assert duplicate.status_code == 409
    assert "受控编号" in duplicate.json()["detail"]


def test_register_refuses_wrong_role_unknown_type_and_bad_input(park):
    body = {"doc_type": "DATA_MANAGEMENT_RULES", "title": "数据管理制度"}
    assert park.client.post("/api/documents", json=body, headers=park.headers("approver")).status_code == 403
    assert park.client.post("/api/documents", json=body, headers=park.headers("contributor")).status_code == 403
    assert park.client.post("/api/documents", json=body).status_code == 401
    unknown = park.client.post("/api/documents", json={**body, "doc_type": "NOPE"}, headers=park.headers("coordinator"))
    assert unknown.status_code == 422 and "未知的文件类型" in unknown.json()["detail"]
    blank = park.client.post("/api/documents", json={**body, "title": "   "}, headers=park.headers("coordinator"))
    assert blank.status_code == 422
    record_type = park.client.post(
        "/api/documents", json={**body, "doc_type": "EMISSION_REVIEW_RECORD"}, headers=park.headers("coordinator")
    )
    assert record_type.status_code == 422


def test_full_lifecycle_with_signatures_and_history(park):
    document = register(park, "CARBON_POLICY")
    content = docx_bytes("园区碳排放管理方针", "持续改进碳排放管理绩效")
    revision = upload(park, document["id"], content).json()
    assert revision["state"] == "draft" and revision["number"] == 1
    assert revision["sha256"] == hashlib.sha256(content).hexdigest()
    rid = revision["id"]
    assert (
        park.client.post(f"/api/revisions/{rid}/submit", headers=park.headers("coordinator")).json()["state"]
        == "in_review"
    )
    reviewed = sign(park, rid, "review", "approver")
    assert reviewed.status_code == 200 and reviewed.json()["state"] == "in_approval"
    # The policy is approved by top management only.
    assert sign(park, rid, "approve", "approver").status_code == 403
    approved = sign(park, rid, "approve", "top_management", comment="批准发布")
    assert approved.status_code == 200 and approved.json()["state"] == "approved"
    published = park.client.post(f"/api/revisions/{rid}/publish", headers=park.headers("coordinator"))
    assert published.status_code == 200 and published.json()["state"] == "effective"

    detail = park.client.get(f"/api/documents/{document['id']}", headers=park.headers("auditor")).json()
    signatures = detail["revisions"][0]["signatures"]
    assert [(s["meaning"], s["signer"]) for s in signatures] == [
        ("review", park.usernames["approver"]),
        ("approve", park.usernames["top_management"]),
    ]
    assert all(s["file_sha256"] == revision["sha256"] and s["signed_at"] for s in signatures)
    actions = [event["action"] for event in detail["history"]]
    # The approver's refused attempt stays on record between the two signatures.
    assert actions == [
        "document.register",
        "revision.create",
        "revision.submit",
        "revision.review",
        "access.refused",
        "revision.approve",
        "revision.publish",
    ]
    assert detail["state"] == "effective" and detail["effective_revision"] == 1


def test_signature_needs_password_again(park):
    document = register(park, "DATA_MANAGEMENT_RULES")
    rid = upload(park, document["id"]).json()["id"]
    park.client.post(f"/api/revisions/{rid}/submit", headers=park.headers("coordinator"))
    assert sign(park, rid, "review", "approver", password=None).status_code == 401
    wrong = sign(park, rid, "review", "approver", password="wrong-password")
    assert wrong.status_code == 401 and "密码" in wrong.json()["detail"]
    events = park.client.get("/api/events?action=signature.refused", headers=park.headers("auditor")).json()
    assert len([e for e in events if e["entity_id"] == str(rid)]) == 2
    assert park.client.get(f"/api/revisions/{rid}", headers=park.headers("coordinator")).json()["state"] == "in_review"


def test_reviewer_and_approver_must_differ_and_preparer_may_not_sign(park):
    document = register(park, "DATA_MANAGEMENT_RULES")
    rid = upload(park, document["id"]).json()["id"]
    park.client.post(f"/api/revisions/{rid}/submit", headers=park.headers("coordinator"))
    assert sign(park, rid, "review", "top_management").status_code == 200
    same = sign(park, rid, "approve", "top_management")
    assert same.status_code == 403 and "不同" in same.json()["detail"]
    assert sign(park, rid, "approve", "approver").status_code == 200

    # A preparer whose role later changes to a signing role still may not sign their own revision.
    second = register(park, "DATA_MANAGEMENT_RULES", title="第二份制度")
    rid2 = upload(park, second["id"]).json()["id"]
    park.client.post(f"/api/revisions/{rid2}/submit", headers=park.headers("coordinator"))
    token = park.token("coordinator")
    changed = park.client.patch(
        f"/api/users/{park.user_ids['coordinator']}", json={"role": "approver"}, headers=park.headers("admin")
    )
    assert changed.status_code == 200
    park._tokens.pop("coordinator")
    assert park.client.get("/api/users/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    own = sign(park, rid2, "review", "coordinator")
    assert own.status_code == 403 and "编制人" in own.json()["detail"]


def test_illegal_transitions_answer_409(park):
    document = register(park, "DATA_MANAGEMENT_RULES")
    rid = upload(park, document["id"]).json()["id"]
    publish = park.client.post(f"/api/revisions/{rid}/publish", headers=park.headers("coordinator"))
    assert publish.status_code == 409 and "编制中" in publish.json()["detail"]
    assert sign(park, rid, "approve", "approver").status_code == 409
    assert (
        park.client.post(
            f"/api/documents/{document['id']}/obsolete", json={"reason": "x"}, headers=park.headers("coordinator")
        ).status_code
        == 409
    )
    # A second open revision is refused.
    assert upload(park, document["id"]).status_code == 409


def test_reject_needs_comment_and_returns_to_draft(park):
    document = register(park, "DATA_MANAGEMENT_RULES")
    rid = upload(park, document["id"]).json()["id"]
    park.client.post(f"/api/revisions/{rid}/submit", headers=park.headers("coordinator"))
    assert sign(park, rid, "reject", "approver", comment="").status_code == 422
    rejected = sign(park, rid, "reject", "approver", comment="请补充第三章")
    assert rejected.status_code == 200 and rejected.json()["state"] == "draft"
    assert park.client.post(f"/api/revisions/{rid}/submit", headers=park.headers("coordinator")).status_code == 200
    assert sign(park, rid, "review", "approver").status_code == 200
    assert sign(park, rid, "reject", "top_management", comment="目标值需调整").json()["state"] == "draft"
    park.client.post(f"/api/revisions/{rid}/submit", headers=park.headers("coordinator"))
    # The review signature of the rejected round stays on record; the new round needs its own.
    assert sign(park, rid, "review", "approver").status_code == 200
    detail = park.client.get(f"/api/revisions/{rid}", headers=park.headers("auditor")).json()
    assert [(s["meaning"], s["cycle"]) for s in detail["signatures"]] == [("review", 2), ("review", 3)]


def test_stale_version_is_refused(park):
    document = register(park, "DATA_MANAGEMENT_RULES")
    revision = upload(park, document["id"]).json()
    rid, version = revision["id"], revision["version"]
    ok = park.client.post(
        f"/api/revisions/{rid}/submit", headers=park.headers("coordinator", **{"If-Match": str(version)})
    )
    assert ok.status_code == 200 and ok.json()["version"] == version + 1
    stale = sign(park, rid, "review", "approver", headers={"If-Match": f'"{version}"'})
    assert stale.status_code == 409 and "刷新" in stale.json()["detail"]
    garbage = sign(park, rid, "review", "approver", headers={"If-Match": "abc"})
    assert garbage.status_code == 422
    assert sign(park, rid, "review", "approver", headers={"If-Match": str(version + 1)}).status_code == 200


def test_change_supersedes_and_obsolete_is_kept(park):
    document, first = publish_new_document(park, "DATA_MANAGEMENT_RULES")
    no_reason = upload(park, document["id"])
    assert no_reason.status_code == 422 and "变更原因" in no_reason.json()["detail"]
    second = upload(park, document["id"], docx_bytes("第二版内容"), reason="根据管理评审输出修订").json()
    assert second["number"] == 2 and second["change_reason"] == "根据管理评审输出修订"
    rid = second["id"]
    park.client.post(f"/api/revisions/{rid}/submit", headers=park.headers("coordinator"))
    sign(park, rid, "review", "top_management")
    sign(park, rid, "approve", "approver")
    assert park.client.post(f"/api/revisions/{rid}/publish", headers=park.headers("coordinator")).status_code == 200
    detail = park.client.get(f"/api/documents/{document['id']}", headers=park.headers("auditor")).json()
    assert [r["state"] for r in detail["revisions"]] == ["superseded", "effective"]
    assert "被第 2 版替代" in detail["revisions"][0]["end_reason"]

    assert (
        park.client.post(
            f"/api/documents/{document['id']}/obsolete", json={"reason": ""}, headers=park.headers("coordinator")
        ).status_code
        == 422
    )
    assert (
        park.client.post(
            f"/api/documents/{document['id']}/obsolete",
            json={"reason": "被新制度取代"},
            headers=park.headers("approver"),
        ).status_code
        == 403
    )
    obsolete = park.client.post(
        f"/api/documents/{document['id']}/obsolete",
        json={"reason": "被新制度取代"},
        headers=park.headers("coordinator"),
    )
    assert obsolete.status_code == 200
    states = [r["state"] for r in obsolete.json()["revisions"]]
    assert states == ["superseded", "obsolete"]
    # Obsolete documents stay readable and downloadable, and take no new revision.
    old = park.client.get(f"/api/revisions/{first['id']}/file?original=true", headers=park.headers("auditor"))
    assert old.status_code == 200 and old.headers["x-content-sha256"] == first["sha256"]
    assert upload(park, document["id"], reason="再改").status_code == 409


def test_download_returns_original_bytes_with_hash(park):
    document = register(park, "DATA_MANAGEMENT_RULES")
    content = docx_bytes("下载测试")
    revision = upload(park, document["id"], content, name="数据 管理制度.docx").json()
    response = park.client.get(
        f"/api/revisions/{revision['id']}/file?original=true", headers=park.headers("coordinator")
    )
    assert response.status_code == 200
    assert response.content == content
    assert response.headers["x-content-sha256"] == hashlib.sha256(content).hexdigest()
    assert "filename*=utf-8''" in response.headers["content-disposition"].lower()
    assert response.headers["x-content-type-options"] == "nosniff"


def test_other_park_sees_nothing(park, other_park):
    document, revision = publish_new_document(park, "DATA_MANAGEMENT_RULES")
    for role in ("coordinator", "auditor", "top_management"):
        headers = other_park.headers(role)
        assert park.client.get(f"/api/documents/{document['id']}", headers=headers).status_code == 404
        assert park.client.get(f"/api/revisions/{revision['id']}", headers=headers).status_code == 404
        assert park.client.get(f"/api/revisions/{revision['id']}/file", headers=headers).status_code == 404
        listing = park.client.get("/api/documents", headers=headers).json()
        assert document["id"] not in [item["id"] for item in listing["items"]]
    assert (
        park.client.post(
            f"/api/documents/{document['id']}/obsolete", json={"reason": "x"}, headers=other_park.headers("coordinator")
        ).status_code
        == 404
    )
    assert upload(other_park, document["id"], reason="x").status_code == 404
    # The attempt is on record in the prober's trail, naming the prober …
    events = park.client.get("/api/events?action=access.refused", headers=other_park.headers("auditor")).json()
    probes = [e for e in events if e["entity_type"] == "document" and e["entity_id"] == str(document["id"])]
    assert {e["actor_name"] for e in probes} == {
        other_park.usernames[r] for r in ("coordinator", "auditor", "top_management")
    }
    assert {e["after"]["rule"] for e in probes} == {"other_park"}
    owners = park.client.get("/api/events?action=access.refused", headers=park.headers("auditor")).json()
    assert not [e for e in owners if e["entity_id"] == str(document["id"])]
    # … and the owner's trail is not told who in the other park it was.
    history = park.client.get(f"/api/documents/{document['id']}", headers=park.headers("auditor")).text
    assert not any(name in history for name in other_park.usernames.values())


def test_contributor_sees_only_public(park):
    internal = register(park, "DATA_MANAGEMENT_RULES", title="内部制度", access_level="internal")
    public = register(park, "DATA_MANAGEMENT_RULES", title="公开制度", access_level="public")
    listing = park.client.get("/api/documents", headers=park.headers("contributor")).json()
    ids = [item["id"] for item in listing["items"]]
    assert public["id"] in ids and internal["id"] not in ids and listing["total"] == len(ids)
    assert park.client.get(f"/api/documents/{internal['id']}", headers=park.headers("contributor")).status_code == 404
    assert park.client.get(f"/api/documents/{public['id']}", headers=park.headers("contributor")).status_code == 200


def test_list_filters_and_pagination(park):
    register(park, "DATA_MANAGEMENT_RULES", title="甲", owner_unit="能源部")
    register(park, "CARBON_BASELINE", title="乙", owner_unit="碳管理办公室")
    publish_new_document(park, "DATA_MANAGEMENT_RULES", title="丙", owner_unit="能源部")
    headers = park.headers("coordinator")
    by_type = park.client.get("/api/documents?type=DATA_MANAGEMENT_RULES", headers=headers).json()
    assert by_type["total"] == 2 and {i["title"] for i in by_type["items"]} == {"甲", "丙"}
    by_unit = park.client.get("/api/documents?owner_unit=碳管理办公室", headers=headers).json()
    assert [i["title"] for i in by_unit["items"]] == ["乙"]
    by_state = park.client.get("/api/documents?state=effective", headers=headers).json()
    assert [i["title"] for i in by_state["items"]] == ["丙"]
    by_clause = park.client.get("/api/documents?clause=7.5", headers=headers).json()
    assert [i["title"] for i in by_clause["items"]] == ["乙"]
    page = park.client.get("/api/documents?limit=1&offset=1&sort=-title", headers=headers).json()
    assert page["total"] == 3 and len(page["items"]) == 1
    assert park.client.get("/api/documents?limit=0", headers=headers).status_code == 422
    assert park.client.get("/api/documents?sort=password", headers=headers).status_code == 422


def test_inputs_the_database_cannot_store_are_refused_cleanly(park):
    headers = park.headers("coordinator")
    nul = park.client.post(
        "/api/documents", json={"doc_type": "DATA_MANAGEMENT_RULES", "title": "a\x00b"}, headers=headers
    )
    # PostgreSQL cannot store NUL; SQLite could, but one rule for both databases: refused, with the same message.
    assert nul.status_code == 422 and nul.json()["message_zh"] == "输入包含无法保存的字符，或数值超出范围"
    assert park.client.get("/api/documents?owner_unit=%00", headers=headers).status_code == 422
    listing = park.client.get("/api/documents", headers=headers).json()
    assert [item["title"] for item in listing["items"]] == []  # nothing half-written
    # ids beyond the id column's range, or below 1, are refused by validation before any query
    assert park.client.get("/api/documents/99999999999999999999", headers=headers).status_code == 422
    assert park.client.get("/api/revisions/-1", headers=headers).status_code == 422
    assert park.client.post("/api/revisions/abc/submit", headers=headers).status_code == 422
