"""Each register is evidence: publish as the Annex A document, snapshot diffs, .xlsx export and import (row-level
errors, nothing half-imported), parties linked to obligations and response plans — on SQLite and PostgreSQL."""

import io

from docx import Document as DocxDocument
from openpyxl import Workbook, load_workbook

from tests.factories import register, sign
from tests.support.registers import call

PARTIES = "/api/registers/parties"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _readiness_item(park, clause_id: str, doc_type: str) -> dict:
    result = park.client.get("/api/readiness", headers=park.headers("coordinator")).json()
    clause = next(c for c in result["clauses"] if c["id"] == clause_id)
    return next(i for i in clause["items"] if i["doc_type"] == doc_type)


def _party(park, name: str, **extra) -> dict:
    response = call(park, "POST", PARTIES, body={"name": name, "side": "external", **extra})
    assert response.status_code == 201, response.text
    return response.json()


def _walk_to_effective(park, revision_id: int) -> None:
    assert sign(park, revision_id, "review", "top_management").status_code == 200
    assert sign(park, revision_id, "approve", "approver").status_code == 200
    published = park.client.post(f"/api/revisions/{revision_id}/publish", headers=park.headers("coordinator"))
    assert published.status_code == 200, published.text


def test_publishing_the_parties_register_makes_the_effective_document_and_meets_its_item(park, other_park):
    assert call(park, "POST", f"{PARTIES}/publish").status_code == 422  # empty
    government = _party(park, "地方生态环境局", needs_expectations="按期报送碳排放数据")
    _party(park, "入园企业", needs_expectations="降低用能成本")
    assert call(park, "POST", f"{PARTIES}/publish", "approver").status_code == 403
    assert _readiness_item(park, "5.2", "STAKEHOLDER_REGISTER")["status"] == "missing"

    first = call(park, "POST", f"{PARTIES}/publish")
    assert first.status_code == 201, first.text
    snapshot = first.json()
    assert snapshot["row_count"] == 2
    document = call(park, "GET", f"/api/documents/{snapshot['document_id']}").json()
    assert document["doc_type"] == "STAKEHOLDER_REGISTER"
    revision = next(r for r in document["revisions"] if r["id"] == snapshot["revision_id"])
    assert revision["state"] == "in_review"
    assert call(park, "POST", f"{PARTIES}/publish").status_code == 409  # one open revision at a time
    _walk_to_effective(park, snapshot["revision_id"])
    assert _readiness_item(park, "5.2", "STAKEHOLDER_REGISTER")["status"] == "met"

    content = park.client.get(f"/api/revisions/{snapshot['revision_id']}/file", headers=park.headers("auditor"))
    assert content.status_code == 200, content.text
    cells = [c.text for t in DocxDocument(io.BytesIO(content.content)).tables for r in t.rows for c in r.cells]
    assert "地方生态环境局" in cells and "外部" in cells and "external" not in cells
    sheet = park.client.get(f"{PARTIES}/snapshots/{snapshot['id']}/xlsx", headers=park.headers("auditor")).content
    values = [c for row in load_workbook(io.BytesIO(sheet)).active.iter_rows(values_only=True) for c in row]
    assert "按期报送碳排放数据" in values

    call(park, "PATCH", f"{PARTIES}/{government['id']}", body={"needs_expectations": "按月报送碳排放数据"})
    added = _party(park, "金融机构", side="external")
    second = call(park, "POST", f"{PARTIES}/publish", body={"change_reason": "新增金融机构"}).json()
    assert second["document_id"] == snapshot["document_id"]  # the same controlled document, a new revision
    diff = call(park, "GET", f"{PARTIES}/snapshots/diff", params={"from": snapshot["id"], "to": second["id"]}).json()
    assert [r["id"] for r in diff["added"]] == [added["id"]] and diff["removed"] == []
    assert diff["changed"] == [
        {
            "id": government["id"],
            "fields": {"needs_expectations": {"from": "按期报送碳排放数据", "to": "按月报送碳排放数据"}},
        }
    ]
    assert (
        call(
            other_park, "GET", f"{PARTIES}/snapshots/diff", params={"from": snapshot["id"], "to": second["id"]}
        ).status_code
        == 404
    )
    assert (
        call(
            park, "GET", "/api/registers/risks/snapshots/diff", params={"from": snapshot["id"], "to": second["id"]}
        ).status_code
        == 404
    )
    assert [s["id"] for s in call(park, "GET", f"{PARTIES}/snapshots", "auditor").json()] == [
        second["id"],
        snapshot["id"],
    ]


def test_records_registers_are_not_published_as_documents(park):
    assert (
        call(
            park,
            "POST",
            "/api/registers/training",
            body={"held_on": "2026-03-01", "title": "碳核算培训", "content_areas": ["law", "technology"]},
        ).status_code
        == 201
    )
    assert call(park, "POST", "/api/registers/training/publish").status_code == 422
    row = call(park, "GET", "/api/registers/training").json()["rows"][0]
    assert row["content_areas"] == ["law", "technology"]
    assert (
        call(
            park,
            "POST",
            "/api/registers/training",
            body={"held_on": "2026-03-01", "title": "x", "content_areas": ["cooking"]},
        ).status_code
        == 422
    )
    meeting = {"held_on": "2026-04-01", "form": "meeting", "side": "internal", "subject": "碳排放例会"}
    created = call(park, "POST", "/api/registers/communication", body=meeting).json()
    assert created["form_label"] == {"zh": "会议", "en": "Meeting"}
    assert call(park, "POST", "/api/registers/communication", body={**meeting, "form": "telepathy"}).status_code == 422


def test_parties_link_to_obligations_and_response_plans(park, other_park):
    plan = register(park, "STAKEHOLDER_RESPONSE_PLAN", title="相关方响应措施方案")
    party = _party(park, "地方生态环境局", response_plan_document_id=plan["id"])
    assert party["response_plan_document_id"] == plan["id"]
    foreign = register(other_park, "STAKEHOLDER_RESPONSE_PLAN", title="别的园区的方案")
    assert (
        call(
            park, "POST", PARTIES, body={"name": "x", "side": "external", "response_plan_document_id": foreign["id"]}
        ).status_code
        == 422
    )
    obligation = call(
        park,
        "POST",
        "/api/registers/legal",
        body={"title": "按月报送重点企业碳排放数据", "source_kind": "other", "party_id": party["id"]},
    ).json()
    assert obligation["origin"] == "interested_party" and obligation["party_id"] == party["id"]
    assert call(park, "GET", "/api/registers/legal", params={"party_id": party["id"]}).json()["total"] == 1
    assert call(park, "DELETE", f"{PARTIES}/{party['id']}").status_code == 422  # an obligation refers to it


def _sheet(rows: list[list]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _import(park, content: bytes, kind: str = "channels", role: str = "coordinator"):
    return park.client.post(
        f"/api/registers/{kind}/import", files={"file": ("导入.xlsx", content, XLSX)}, headers=park.headers(role)
    )


def test_import_is_all_or_nothing_with_row_errors_and_export_reads_back(park):
    header = ["信息渠道 / Channel", "获取的信息 / What it brings", "频次 / Frequency", "负责人 / Responsible person"]
    bad = _sheet([header, ["生态环境部网站", "政策法规", "每周", "李娜"], ["", "缺渠道名称", "每月", "王强"]])
    refused = _import(park, bad)
    assert refused.status_code == 422 and "第 3 行" in refused.json()["message_zh"]
    assert call(park, "GET", "/api/registers/channels").json()["total"] == 0  # nothing half-imported
    assert _import(park, b"not a spreadsheet").status_code in (415, 422)
    assert _import(park, _sheet([["随便", "什么"]])).status_code == 422  # no header
    assert _import(park, _sheet([header, ["x"]]), role="auditor").status_code == 403
    good = _import(
        park, _sheet([header, ["生态环境部网站", "政策法规", "每周", "李娜"], ["行业协会", "技术动态", "每月", "王强"]])
    )
    assert good.status_code == 200 and good.json() == {"imported": 2}
    exported = park.client.get("/api/registers/channels/export.xlsx", headers=park.headers("auditor"))
    assert exported.status_code == 200
    rows = list(load_workbook(io.BytesIO(exported.content)).active.iter_rows(values_only=True))
    assert rows[1][1:] == tuple(header) and {r[1] for r in rows[2:]} == {"生态环境部网站", "行业协会"}
    again = _import(park, exported.content)  # the export is a valid import
    assert again.status_code == 200 and again.json() == {"imported": 2}
    enum_sheet = _sheet([["相关方 / Interested party", "内/外部 / Internal or external"], ["园区管委会", "内部"]])
    assert _import(park, enum_sheet, "parties").json() == {"imported": 1}
    assert call(park, "GET", PARTIES).json()["rows"][0]["side"] == "internal"
