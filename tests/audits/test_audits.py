"""Internal audits (10.2): programme, independence, checklist from the clause map, findings, report, filing."""

from app.common import utcnow
from tests.audits.helpers import add_user, create_audit, docx_text, events_for, post, started_audit
from tests.factories import PASSWORD, publish_new_document


def test_programme_per_year_and_roles(park):
    created = post(park, "/api/audits/programmes", "auditor", {"year": 2030, "title": "2030 年度审核方案"})
    assert created.status_code == 201, created.text
    assert post(park, "/api/audits/programmes", "coordinator", {"year": 2030}).status_code == 409
    assert post(park, "/api/audits/programmes", "approver", {"year": 2031}).status_code == 403
    listed = park.client.get("/api/audits/programmes", headers=park.headers("top_management")).json()
    assert [p["year"] for p in listed] == [2030]
    assert park.client.get("/api/audits/programmes", headers=park.headers("contributor")).status_code == 403


def test_independence_refuses_an_auditor_of_the_audited_unit(park):
    refused = create_audit(park, units=["碳管理办公室", "审计部"])
    assert refused.status_code == 409
    assert "审计部" in refused.json()["message_zh"] and "审计部" in refused.json()["message_en"]
    # a second auditor from the audited unit, in the team
    colleague = add_user(park, "auditor", "碳管理办公室")
    refused = create_audit(park, auditor_ids=[colleague])
    assert refused.status_code == 409 and "碳管理办公室" in refused.json()["message_zh"]
    # a non-auditor cannot be in the team; an unknown scope is refused
    assert create_audit(park, auditor_ids=[park.user_ids["approver"]]).status_code == 422
    assert create_audit(park, scope=["12.1"]).status_code == 422
    assert create_audit(park, start="9999-12-30", end="9999-12-31").status_code == 422
    assert create_audit(park, start="2030-03-05", end="2030-03-01").status_code == 422
    assert create_audit(park, role="approver").status_code == 403
    created = create_audit(park)
    assert created.status_code == 201 and created.json()["state"] == "planned"
    assert created.json()["clauses"] == ["10.2"]
    assert "audit.create" in events_for("audit", created.json()["id"])


def test_checklist_of_chapter_7_comes_from_the_clause_map(park):
    document, _ = publish_new_document(park, "OBJECTIVES_RESPONSIBILITY_LETTER", title="目标责任书")
    audit = started_audit(park, scope=["第7章"])
    lines = audit["lines"]
    assert audit["state"] == "in_progress" and audit["audit_date"] == utcnow().date().isoformat()
    assert {line["clause_id"] for line in lines} == {
        "7.1",
        "7.2",
        "7.3",
        "7.3.1",
        "7.3.2",
        "7.3.3",
        "7.3.4",
        "7.3.5",
        "7.4",
        "7.5",
        "7.6",
        "7.6.1",
        "7.6.2",
    }
    # one line per lettered item (7.1 has 16, 7.3.2 a)–j)), one for a clause without items, bullets folded
    assert len(lines) == 64
    first = lines[0]
    assert (first["clause_id"], first["item_label"], first["position"]) == ("7.1", "a", 1)
    assert [line["item_label"] for line in lines if line["clause_id"] == "7.3.2"] == list("abcdefghij")
    only = [line for line in lines if line["clause_id"] == "7.3"]
    assert len(only) == 1 and only[0]["item_label"] == "" and only[0]["requirement"]
    intro = [line for line in lines if line["clause_id"] == "7.6.1"]
    assert intro[0]["item_label"] == "" and "\n- " in intro[0]["requirement"] and len(intro) == 6
    # the evidence held and readiness as of the audit date
    held = first["evidence"]
    assert [doc["document_id"] for doc in held] == [document["id"]]
    assert held[0]["state"] == "effective"
    assert first["readiness_status"] == "partial" and "现行有效" in first["readiness_reason_zh"]
    assert next(line for line in lines if line["clause_id"] == "7.5")["readiness_status"] == "gap"
    assert all(line["result"] == "pending" for line in lines)


def test_only_the_team_runs_the_audit(park, other_park):
    audit = create_audit(park).json()
    outsider = add_user(park, "auditor", "质量部", suffix="x")
    assert outsider
    assert post(park, f"/api/audits/{audit['id']}/start", "auditorx").status_code == 403
    assert post(park, f"/api/audits/{audit['id']}/start", "coordinator").status_code == 403
    assert "access.refused" in events_for("audit", audit["id"])
    assert other_park.client.get(f"/api/audits/{audit['id']}", headers=other_park.headers("auditor")).status_code == 404
    assert post(other_park, f"/api/audits/{audit['id']}/start", "auditor").status_code == 404
    assert post(park, f"/api/audits/{audit['id']}/complete", "auditor", {"conclusion": "x"}).status_code == 409


def test_findings_nonconformity_observation_and_completion(park, other_park):
    evidence, _ = publish_new_document(park, "AUDIT_PROGRAMME", title="2030 年度审核方案")
    foreign, _ = publish_new_document(other_park, "AUDIT_PROGRAMME", title="他园区")
    audit = started_audit(park, scope=["10.2"])
    lines = audit["lines"]
    assert len(lines) == 9  # a) b) c), then a)–f); the three bullets of b) fold into it
    assert "\n- " in lines[1]["requirement"]
    base = f"/api/audits/{audit['id']}/lines"

    # a nonconforming line needs severity and description
    assert post(park, f"{base}/{lines[0]['id']}", "auditor", {"result": "nonconforming"}).status_code == 422
    assert (
        post(
            park,
            f"{base}/{lines[0]['id']}",
            "auditor",
            {"result": "conforming", "evidence_document_ids": [foreign["id"]]},
        ).status_code
        == 404
    )
    marked = post(
        park,
        f"{base}/{lines[0]['id']}",
        "auditor",
        {
            "result": "nonconforming",
            "severity": "major",
            "description": "未按计划实施内审",
            "evidence_document_ids": [evidence["id"]],
            "notes": "2029 年度未实施",
        },
    )
    assert marked.status_code == 200, marked.text
    nc = marked.json()["nonconformities"][0]
    assert nc["clause_id"] == "10.2" and nc["severity"] == "major" and nc["state"] == "open"
    assert nc["origin"]["origin"] == "internal_audit"
    assert nc["origin"]["link"] == f"/audits/{audit['id']}#line-{lines[0]['id']}"  # the checklist line itself
    assert marked.json()["lines"][0]["nonconformity_id"] == nc["id"]
    detail = park.client.get(f"/api/nonconformities/{nc['id']}", headers=park.headers("auditor")).json()
    assert evidence["control_no"] in detail["evidence_examined"]
    # the verdict of a line that raised a nonconformity cannot change while it stands
    assert post(park, f"{base}/{lines[0]['id']}", "auditor", {"result": "conforming"}).status_code == 409

    observed = post(
        park, f"{base}/{lines[1]['id']}", "auditor", {"result": "observation", "description": "审核方案未写明频次"}
    )
    assert observed.status_code == 200
    assert [(f["kind"], f["line_id"]) for f in observed.json()["findings"]] == [("observation", lines[1]["id"])]
    # re-marked conforming: the observation goes
    again = post(park, f"{base}/{lines[1]['id']}", "auditor", {"result": "conforming"})
    assert again.json()["findings"] == []
    post(park, f"{base}/{lines[1]['id']}", "auditor", {"result": "observation", "notes": "频次未写明"})
    improvement = post(
        park,
        f"/api/audits/{audit['id']}/findings",
        "auditor",
        {"kind": "improvement", "clause_id": "10.2", "description": "可引入电子化检查表"},
    )
    assert improvement.status_code == 201
    assert (
        post(
            park, f"/api/audits/{audit['id']}/findings", "coordinator", {"kind": "improvement", "description": "x"}
        ).status_code
        == 403
    )

    # completion needs every line decided, and a conclusion
    assert post(park, f"/api/audits/{audit['id']}/complete", "auditor", {"conclusion": "基本符合"}).status_code == 409
    for line in lines[2:]:
        result = "not_audited" if line["item_label"] == "f" else "conforming"
        assert post(park, f"{base}/{line['id']}", "auditor", {"result": result}).status_code == 200
    assert post(park, f"/api/audits/{audit['id']}/complete", "auditor", {"conclusion": ""}).status_code == 422
    done = post(
        park, f"/api/audits/{audit['id']}/complete", "auditor", {"conclusion": "体系基本符合，开具一项严重不符合"}
    )
    assert done.status_code == 200 and done.json()["state"] == "completed"
    assert post(park, f"{base}/{lines[2]['id']}", "auditor", {"result": "conforming"}).status_code == 409
    actions = events_for("audit", audit["id"])
    assert [a for a in actions if a.startswith("audit.")] == ["audit.create", "audit.start", "audit.complete"]
    assert "access.refused" in actions  # the coordinator's attempt to add a finding
    assert "audit_line.mark" in events_for("audit_line", lines[0]["id"])


def test_report_docx_and_filing_as_the_record_of_10_2(park):
    audit = started_audit(park, scope=["10.2"])
    base = f"/api/audits/{audit['id']}/lines"
    for index, line in enumerate(audit["lines"]):
        body = {"result": "conforming"}
        if index == 0:
            body = {"result": "nonconforming", "severity": "minor", "description": "审核员培训记录不全"}
        assert post(park, f"{base}/{line['id']}", "auditor", body).status_code == 200
    assert post(park, f"/api/audits/{audit['id']}/file-report", "coordinator").status_code == 409  # not completed
    post(park, f"/api/audits/{audit['id']}/complete", "auditor", {"conclusion": "体系运行有效"})

    report = park.client.get(f"/api/audits/{audit['id']}/report.docx", headers=park.headers("top_management"))
    assert report.status_code == 200
    assert report.headers["content-type"].startswith("application/vnd.openxmlformats")
    text = docx_text(report.content)
    for expected in ("管理体系内审报告", audit["title"], "审核员培训记录不全", "体系运行有效", "碳管理办公室", "NC-"):
        assert expected in text
    assert b"w:eastAsia" in __import__("zipfile").ZipFile(__import__("io").BytesIO(report.content)).read(
        "word/styles.xml"
    )

    assert post(park, f"/api/audits/{audit['id']}/file-report", "auditor").status_code == 403
    filed = post(park, f"/api/audits/{audit['id']}/file-report", "coordinator")
    assert filed.status_code == 201, filed.text
    record = filed.json()["record"]
    assert record["doc_type"] == "INTERNAL_AUDIT_REPORT" and record["state"] == "in_approval"
    assert record["period_start"] == "2030-01-01"
    assert post(park, f"/api/audits/{audit['id']}/file-report", "coordinator").status_code == 409
    # confirmed like any record, it becomes the evidence of 10.2
    confirmed = park.client.post(
        f"/api/records/{record['id']}/approve",
        json={"password": PASSWORD, "comment": "确认"},
        headers=park.headers("approver"),
    )
    assert confirmed.status_code == 200, confirmed.text
    readiness = park.client.get("/api/readiness", headers=park.headers("coordinator")).json()
    clause = next(c for c in readiness["clauses"] if c["id"] == "10.2")
    item = next(i for i in clause["items"] if i["doc_type"] == "INTERNAL_AUDIT_REPORT")
    assert item["status"] == "met" and record["id"] in item["evidence"]
    assert (
        park.client.get(f"/api/audits/{audit['id']}", headers=park.headers("auditor")).json()["report_document_id"]
        == record["id"]
    )


def test_cancel_audit_needs_a_reason(park):
    audit = create_audit(park).json()
    assert post(park, f"/api/audits/{audit['id']}/cancel", "coordinator", {"reason": ""}).status_code == 422
    assert post(park, f"/api/audits/{audit['id']}/cancel", "approver", {"reason": "x"}).status_code == 403
    cancelled = post(park, f"/api/audits/{audit['id']}/cancel", "coordinator", {"reason": "计划调整"})
    assert cancelled.status_code == 200 and cancelled.json()["state"] == "cancelled"
    assert post(park, f"/api/audits/{audit['id']}/start", "auditor").status_code == 409
    listed = park.client.get("/api/audits", params={"year": 2030}, headers=park.headers("approver")).json()
    assert [a["id"] for a in listed] == [audit["id"]]
