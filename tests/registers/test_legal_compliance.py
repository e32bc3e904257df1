"""Legal and other requirements (5.2) and compliance evaluation (10.1.2), on SQLite and PostgreSQL."""

import io
from datetime import date

from docx import Document as DocxDocument

from app.registers.lifecycle import REQUIREMENT_TRANSITIONS, RequirementAction
from app.registers.models import ReviewState
from app.registers.seed import standard_references
from tests.support.registers import call

LEGAL = "/api/registers/legal"
ROUNDS = "/api/registers/compliance/rounds"


def _rows(park, role: str = "coordinator", **params) -> list[dict]:
    response = park.client.get(LEGAL, params={"per_page": 200, **params}, headers=park.headers(role))
    assert response.status_code == 200, response.text
    return response.json()["rows"]


def test_the_transition_table():
    assert REQUIREMENT_TRANSITIONS[RequirementAction.confirm] == (
        frozenset({ReviewState.candidate}),
        ReviewState.confirmed,
    )
    assert ReviewState.candidate in REQUIREMENT_TRANSITIONS[RequirementAction.reject][0]
    assert REQUIREMENT_TRANSITIONS[RequirementAction.reopen][1] == ReviewState.candidate


def test_seed_is_the_standards_text_verbatim_without_dates():
    refs = standard_references()
    assert len([r for r in refs if r.origin == "normative_reference"]) == 5
    bibliography = [r for r in refs if r.origin == "bibliography"]
    assert [r.seed_ref for r in bibliography] == [f"[{n}]" for n in range(1, 21)]
    by_ref = {r.seed_ref: r for r in bibliography}
    assert by_ref["[17]"].number == "GB/T 24067-2024" and by_ref["[17]"].title == "温室气体 产品碳足迹量化要求和指南"
    assert by_ref["[1]"].title == "碳排放权交易管理办法(试行) (生态环境部令 第19号)" and by_ref["[1]"].number == ""
    assert by_ref["[20]"].number == "ISO 14064-2:2019"
    normative = [r for r in refs if r.origin == "normative_reference"]
    assert normative[0].number == "GB/T23331" and normative[0].title == "能源管理体系 要求及使用指南"


def test_a_new_park_starts_with_the_references_as_candidates(park, other_park):
    rows = _rows(park)
    assert len(rows) == 25
    assert {r["state"] for r in rows} == {"candidate"}
    assert all(r["issued_on"] is None for r in rows)
    assert rows[0]["allowed_actions"] == ["confirm", "reject"]
    assert len(_rows(park)) == 25  # opened twice, seeded once
    assert len(_rows(other_park)) == 25
    assert not {r["id"] for r in _rows(other_park)} & {r["id"] for r in rows}


def test_who_reads_and_who_confirms(park):
    rows = _rows(park, "auditor")
    assert park.client.get(LEGAL, headers=park.headers("contributor")).status_code == 403
    url = f"{LEGAL}/{rows[0]['id']}"
    assert call(park, "POST", f"{url}/confirm", "auditor").status_code == 403
    assert call(park, "POST", f"{url}/confirm", "approver").status_code == 403
    assert call(park, "POST", f"{url}/reject", body={"reason": ""}).status_code == 422
    rejected = call(park, "POST", f"{url}/reject", body={"reason": "园区不涉及产品碳足迹"})
    assert rejected.status_code == 200 and rejected.json()["state"] == "rejected"
    assert call(park, "POST", f"{url}/confirm").status_code == 409
    assert call(park, "POST", f"{url}/reopen").json()["state"] == "candidate"
    assert call(park, "POST", f"{LEGAL}/999999/confirm").status_code == 404


def test_filters_search_and_paging_are_in_sql(park):
    rows = _rows(park)
    call(park, "POST", f"{LEGAL}/{rows[0]['id']}/confirm")
    assert [r["id"] for r in _rows(park, state="confirmed")] == [rows[0]["id"]]
    assert {r["number"] for r in _rows(park, q="14064")} == {"ISO 14064-1:2018", "ISO 14064-2:2019"}
    page = park.client.get(LEGAL, params={"page": 2, "per_page": 10}, headers=park.headers("coordinator")).json()
    assert page["total"] == 25 and len(page["rows"]) == 10 and page["rows"][0]["id"] == rows[10]["id"]
    assert park.client.get(LEGAL, params={"colour": "red"}, headers=park.headers("coordinator")).status_code == 422


def test_park_rows_and_their_checks(park, other_park):
    body = {
        "title": "某省碳排放管理办法",
        "source_kind": "regulation",
        "issuing_body": "某省人民政府",
        "articles": "第十条",
    }
    created = call(park, "POST", LEGAL, body=body)
    assert created.status_code == 201, created.text
    row = created.json()
    assert row["origin"] == "park" and row["state"] == "candidate" and row["applies_to_park"] is True
    assert call(park, "POST", LEGAL, body={**body, "source_kind": "rumour"}).status_code == 422
    assert call(park, "POST", LEGAL, body={**body, "title": ""}).status_code == 422
    assert call(park, "POST", LEGAL, body={**body, "state": "confirmed"}).status_code == 422  # not through the form
    assert call(park, "POST", LEGAL, body={**body, "enterprise_ids": [999999]}).status_code == 422
    assert call(park, "POST", LEGAL, "approver", body=body).status_code == 403
    changed = call(park, "PATCH", f"{LEGAL}/{row['id']}", body={"number": "省政府令第1号", "status": "repealed"})
    assert changed.status_code == 200 and changed.json()["status"] == "repealed"
    assert call(other_park, "GET", f"{LEGAL}/{row['id']}").status_code == 404
    assert call(other_park, "PATCH", f"{LEGAL}/{row['id']}", body={"number": "x"}).status_code == 404
    trail = park.client.get(
        "/api/events", params={"entity": f"legal_requirement:{row['id']}"}, headers=park.headers("auditor")
    ).json()
    update = next(e for e in trail if e["action"] == "register.row_update")
    assert update["before"]["number"] == "" and update["after"]["number"] == "省政府令第1号"
    assert call(park, "DELETE", f"{LEGAL}/{row['id']}").status_code == 204


def _evaluated_round(park) -> tuple[dict, list[dict]]:
    rows = _rows(park)
    chosen = rows[:3]
    for row in chosen:
        assert call(park, "POST", f"{LEGAL}/{row['id']}/confirm").status_code == 200
    year = date.today().year - 1
    created = call(
        park,
        "POST",
        ROUNDS,
        body={"title": f"{year}年度合规性评价", "period_start": f"{year}-01-01", "period_end": f"{year}-12-31"},
    )
    assert created.status_code == 201, created.text
    return created.json(), chosen


def test_a_round_finds_a_non_compliance_which_becomes_a_nonconformity(park, other_park):
    round_, chosen = _evaluated_round(park)
    url = f"{ROUNDS}/{round_['id']}"
    candidate = _rows(park, state="candidate")[0]
    assert (
        call(park, "PUT", f"{url}/results/{candidate['id']}", body={"result": "compliant", "evidence": "x"}).status_code
        == 409
    )
    assert call(park, "PUT", f"{url}/results/{chosen[0]['id']}", body={"result": "compliant"}).status_code == 422
    ok = call(
        park, "PUT", f"{url}/results/{chosen[0]['id']}", body={"result": "compliant", "evidence": "能源管理体系已认证"}
    )
    assert ok.status_code == 200 and ok.json()["nonconformity_id"] is None
    bad = call(
        park,
        "PUT",
        f"{url}/results/{chosen[1]['id']}",
        body={"result": "non_compliant", "evidence": "未建立环境管理体系"},
    )
    assert bad.status_code == 200 and bad.json()["nonconformity_id"]
    nc = call(park, "GET", f"/api/nonconformities/{bad.json()['nonconformity_id']}").json()
    assert nc["origin"]["origin"] == "compliance_evaluation" and nc["clause_id"] == "10.1.2"
    again = call(
        park, "PUT", f"{url}/results/{chosen[1]['id']}", body={"result": "non_compliant", "evidence": "仍未建立"}
    )
    assert again.json()["nonconformity_id"] == bad.json()["nonconformity_id"]  # one nonconformity, not two
    assert call(park, "POST", f"{url}/close", body={"conclusion": "基本合规"}).status_code == 409  # one missing
    assert call(park, "PUT", f"{url}/results/{chosen[2]['id']}", body={"result": "not_applicable"}).status_code == 200
    assert (
        call(park, "PUT", f"{url}/results/{chosen[2]['id']}", "auditor", body={"result": "not_applicable"}).status_code
        == 403
    )
    assert call(other_park, "GET", url).status_code == 404
    assert call(park, "POST", f"{url}/report").status_code == 409  # still open
    closed = call(park, "POST", f"{url}/close", body={"conclusion": "一项不合规，已提出不符合项"})
    assert closed.status_code == 200 and closed.json()["state"] == "closed"
    assert call(park, "POST", f"{url}/close", body={}).status_code == 409
    assert (
        call(park, "PUT", f"{url}/results/{chosen[0]['id']}", body={"result": "compliant", "evidence": "y"}).status_code
        == 409
    )

    filed = call(park, "POST", f"{url}/report")
    assert filed.status_code == 200, filed.text
    record_id = filed.json()["report_document_id"]
    record = call(park, "GET", f"/api/records/{record_id}").json()
    assert record["doc_type"] == "COMPLIANCE_EVALUATION_REPORT"
    assert call(park, "POST", f"{url}/report").status_code == 409  # once
    content = park.client.get(f"{url}/report.docx", headers=park.headers("auditor")).content
    text = "\n".join(
        cell.text for table in DocxDocument(io.BytesIO(content)).tables for row in table.rows for cell in row.cells
    )
    assert chosen[1]["title"] in text and "不合规" in text and "仍未建立" in text


def test_round_refusals(park):
    today = date.today()
    body = {
        "title": "评价",
        "period_start": today.isoformat(),
        "period_end": today.replace(year=today.year - 1).isoformat(),
    }
    assert call(park, "POST", ROUNDS, body=body).status_code == 422
    future = {"title": "评价", "period_start": f"{today.year + 1}-01-01", "period_end": f"{today.year + 1}-12-31"}
    assert call(park, "POST", ROUNDS, body=future).status_code == 422
    year = today.year - 1
    good = {"title": "评价", "period_start": f"{year}-01-01", "period_end": f"{year}-12-31"}
    assert call(park, "POST", ROUNDS, "auditor", body=good).status_code == 403
    assert call(park, "POST", ROUNDS, body=good).status_code == 201
    assert call(park, "POST", ROUNDS, body=good).status_code == 409
