"""The clause map API, clause applicability (不适用), one end-to-end pass through the real lifecycle, the table."""

from datetime import timedelta
from pathlib import Path

import yaml

from app.common import utcnow
from app.readiness.service import render_table
from tests.factories import publish_new_document
from tests.readiness.conftest import clause_of, item_of, readiness, rev, seed_document

CLAUSE_MAP = yaml.safe_load((Path(__file__).resolve().parents[2] / "clause_map.yaml").read_text(encoding="utf-8"))


def _applicability(park, clause_id: str, role: str = "coordinator", **body: object):
    return park.client.post(f"/api/clauses/{clause_id}/applicability", json=body, headers=park.headers(role))


# ---------------------------------------------------------------- clause map


def test_list_clauses_covers_chapters_4_to_11_in_order(park) -> None:
    response = park.client.get("/api/clauses", headers=park.headers("contributor"))
    assert response.status_code == 200
    clauses = response.json()
    assert [clause["id"] for clause in clauses] == [clause["id"] for clause in CLAUSE_MAP["clauses"]]
    assert next(clause["chapter"] for clause in clauses) == "4" and clauses[-1]["chapter"] == "11"
    chapters = list(dict.fromkeys(clause["chapter"] for clause in clauses))
    assert chapters == ["4", "5", "6", "7", "8", "9", "10", "11"]
    by_id = {clause["id"]: clause for clause in clauses}
    assert set(by_id["7.3.2"]) == {"id", "chapter", "parent_id", "title_zh", "title_en"}
    assert by_id["7.3.2"]["parent_id"] == "7.3" and by_id["7.3.2"]["title_zh"] == "碳排放管理评审"
    assert park.client.get("/api/clauses").status_code == 401


def test_clause_detail_has_its_lettered_items_types_and_readiness(park) -> None:
    response = park.client.get("/api/clauses/7.3.2", headers=park.headers("auditor"))
    assert response.status_code == 200, response.text
    detail = response.json()
    assert detail["id"] == "7.3.2" and detail["chapter"] == "7"
    assert detail["requirement_zh"].startswith("产业园区应识别碳排放源")
    labels = [item["label"] for item in detail["requirement_items"]]
    assert labels[:4] == ["a", "b", "c", "d"]
    assert detail["requirement_items"][0]["text"].startswith("确定适用于碳排放的法律法规")
    assert detail["items"] == detail["readiness"]["items"] and detail["status"] == detail["readiness"]["status"]
    assert [doc_type["code"] for doc_type in detail["doc_types"]] == [
        "CARBON_REVIEW_REPORT",
        "EMISSION_REVIEW_RECORD",
        "GHG_INVENTORY_REPORT",
        "ACTIVITY_DATA_SUBMISSION",  # the enterprises' confirmed activity data (7.3.2 e, issue 14)
    ]
    assert detail["doc_types"][1]["clauses"] == ["7.3.2"] and detail["doc_types"][1]["kind"] == "record"
    entry = detail["readiness"]
    assert entry["status"] == "gap" and entry["applicable"] is True and entry["not_applicable_reason"] is None
    assert (entry["coverage"], entry["progress"]) == (0.0, 0.0)
    assert entry["items"] == clause_of(readiness(park), "7.3.2")["items"]

    # Same shape and content as the park's readiness, also once evidence exists.
    now = utcnow()
    end = now.date() - timedelta(days=20)
    seed_document(
        park,
        "EMISSION_REVIEW_RECORD",
        rev(
            "filed",
            effective_from=now - 10 * timedelta(days=1),
            period=(end - timedelta(days=364), end),
            approver="审核甲",
        ),
    )
    entry = park.client.get("/api/clauses/7.3.2", headers=park.headers("auditor")).json()["readiness"]
    assert entry["status"] == "partial"  # the GHG inventory report and the carbon review report are missing
    seed_document(
        park,
        "CARBON_REVIEW_REPORT",
        rev(
            "filed",
            effective_from=now - 10 * timedelta(days=1),
            period=(end - timedelta(days=364), end),
            approver="审核甲",
        ),
    )
    seed_document(
        park,
        "GHG_INVENTORY_REPORT",
        rev(
            "filed",
            effective_from=now - 10 * timedelta(days=1),
            period=(end - timedelta(days=364), end),
            approver="审核甲",
        ),
    )
    entry = park.client.get("/api/clauses/7.3.2", headers=park.headers("auditor")).json()["readiness"]
    assert entry["status"] == "partial"  # the activity data submissions are still missing
    seed_document(
        park,
        "ACTIVITY_DATA_SUBMISSION",
        rev(
            "filed",
            effective_from=now - 10 * timedelta(days=1),
            period=(end - timedelta(days=364), end),
            approver="审核甲",
        ),
    )
    entry = park.client.get("/api/clauses/7.3.2", headers=park.headers("auditor")).json()["readiness"]
    assert entry["status"] == "met"
    assert entry["items"] == clause_of(readiness(park), "7.3.2")["items"]

    # A heading without its own requirement takes no part in readiness.
    heading = park.client.get("/api/clauses/7.3", headers=park.headers("auditor")).json()
    assert heading["readiness"] is None and heading["doc_types"] == []
    assert park.client.get("/api/clauses/4.1", headers=park.headers("auditor")).json()["readiness"] is None


def test_unknown_clause_is_404(park) -> None:
    response = park.client.get("/api/clauses/99.9", headers=park.headers("coordinator"))
    assert response.status_code == 404
    body = response.json()
    assert body["message_zh"] == "条款 99.9 不存在" and "99.9" in body["message_en"]


def test_doc_types(park) -> None:
    response = park.client.get("/api/doc-types", headers=park.headers("contributor"))
    assert response.status_code == 200
    types = response.json()
    assert [t["code"] for t in types] == [t["code"] for t in CLAUSE_MAP["doc_types"]]
    by_code = {t["code"]: t for t in types}
    policy = by_code["CARBON_POLICY"]
    assert policy["kind"] == "document" and policy["approver_role"] == "top_management"
    spec = next(t for t in CLAUSE_MAP["doc_types"] if t["code"] == "CARBON_POLICY")
    assert policy["review_cycle_months"] == 12 and policy["annex_a"] is spec["annex_a"] and policy["clauses"] == ["6.2"]
    assert set(policy) == {
        "code",
        "title_zh",
        "title_en",
        "kind",
        "approver_role",
        "review_cycle_months",
        "retention_years",
        "annex_a",
        "clauses",
    }
    assert by_code["INFORMATION_CHANNEL_LIST"]["clauses"] == ["5.1", "5.2", "8.3"]
    assert by_code["TRAINING_RECORD"]["review_cycle_months"] is None


# ---------------------------------------------------------------- applicability


def test_coordinator_marks_a_clause_not_applicable_and_back(park) -> None:
    before = readiness(park)
    response = _applicability(park, "7.3.3", applicable=False, reason="  园区不参与碳交易  ")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["clause_id"] == "7.3.3" and body["applicable"] is False and body["reason"] == "园区不参与碳交易"
    assert body["set_by_id"] == park.user_ids["coordinator"]

    result = readiness(park, "auditor")
    clause = clause_of(result, "7.3.3")
    assert clause["status"] == "not_applicable" and clause["applicable"] is False
    assert clause["not_applicable_reason"] == "园区不参与碳交易"
    assert [item["status"] for item in clause["items"]] == ["not_applicable"] * 2  # with the carbon review report
    assert clause["items"][0]["reason_zh"] == "条款不适用：园区不参与碳交易"
    counts, before_counts = result["overall"]["counts"], before["overall"]["counts"]
    # Only the trading review record leaves the totals: the carbon review report (7.3.1–7.3.5, one family under
    # 7.3) still counts once, at 7.3.1.
    assert counts["applicable_items"] == before_counts["applicable_items"] - 1
    assert counts["not_applicable_items"] == 1 and counts["missing"] == before_counts["missing"] - 1
    chapter7 = next(chapter for chapter in result["chapters"] if chapter["id"] == "7")
    assert chapter7["counts"]["not_applicable_items"] == 1
    detail = park.client.get("/api/clauses/7.3.3", headers=park.headers("auditor")).json()["readiness"]
    assert detail["status"] == "not_applicable" and detail["not_applicable_reason"] == "园区不参与碳交易"

    # The exclusion is on the audit trail, with before and after.
    events = park.client.get(
        "/api/events",
        params={"entity": "clause:7.3.3", "action": "clause.applicability"},
        headers=park.headers("auditor"),
    )
    assert events.status_code == 200, events.text
    [event] = events.json()
    assert event["before"] == {"applicable": True, "reason": ""}
    assert event["after"] == {"applicable": False, "reason": "园区不参与碳交易"}

    assert _applicability(park, "7.3.3", applicable=True, reason="").status_code == 200
    clause = clause_of(readiness(park), "7.3.3")
    assert clause["status"] == "gap" and clause["applicable"] is True and clause["not_applicable_reason"] is None


def test_a_whole_clause_excluded_leaves_every_total(park) -> None:
    seed_document(park, "CARBON_POLICY", rev("effective", effective_from=utcnow() - timedelta(days=3)))
    assert _applicability(park, "6.2", applicable=False, reason="测试").status_code == 200
    result = readiness(park)
    assert result["overall"]["counts"]["met"] == 0
    chapter6 = next(chapter for chapter in result["chapters"] if chapter["id"] == "6")
    assert chapter6["counts"]["met"] == 0 and chapter6["counts"]["not_applicable_items"] == 1


def test_not_applicable_needs_a_reason(park) -> None:
    for body in ({"applicable": False, "reason": ""}, {"applicable": False, "reason": "   "}, {"applicable": False}):
        response = _applicability(park, "7.3.3", **body)
        assert response.status_code == 422, response.text
        assert response.json()["message_zh"] == "标记为不适用时必须填写理由"
    assert clause_of(readiness(park), "7.3.3")["applicable"] is True


def test_only_the_coordinator_sets_applicability(park) -> None:
    for role in ("approver", "top_management", "auditor", "contributor", "admin"):
        response = _applicability(park, "7.3.3", role, applicable=False, reason="不适用")
        assert response.status_code == 403, (role, response.text)
    assert clause_of(readiness(park), "7.3.3")["applicable"] is True
    response = _applicability(park, "99.1", applicable=False, reason="不适用")
    assert response.status_code == 404
    assert response.json()["message_zh"] == "条款 99.1 不存在"


def test_applicability_is_per_park(park, other_park) -> None:
    assert _applicability(park, "7.3.4", applicable=False, reason="无碳资产").status_code == 200
    assert clause_of(readiness(other_park), "7.3.4")["applicable"] is True
    assert clause_of(readiness(park), "7.3.4")["applicable"] is False


# ---------------------------------------------------------------- end to end, and the table


def test_published_through_the_lifecycle_is_met(park) -> None:
    assert item_of(readiness(park), "6.2", "CARBON_POLICY")["status"] == "missing"
    document, revision = publish_new_document(park, "CARBON_POLICY")
    result = readiness(park)
    item = item_of(result, "6.2", "CARBON_POLICY")
    assert item["status"] == "met", item
    assert item["evidence"] == [document["id"]]
    detail = item["evidence_detail"][0]
    assert detail["revision_id"] == revision["id"] and detail["state"] == "effective"
    assert detail["approvers"] == ["top_management 测试"]
    assert document["control_no"] in item["reason_zh"]
    assert clause_of(result, "6.2")["status"] == "met"
    # A year ago it did not exist yet.
    last_year = utcnow().date() - timedelta(days=366)
    assert item_of(readiness(park, as_of=last_year), "6.2", "CARBON_POLICY")["status"] == "missing"


def test_render_table() -> None:
    result = {
        "as_of": "2026-03-01",
        "overall": {
            "status": "partial",
            "coverage": 0.5,
            "progress": 0.75,
            "counts": {
                "met": 1,
                "in_progress": 1,
                "review_overdue": 0,
                "overdue": 0,
                "missing": 0,
                "applicable_items": 2,
                "not_applicable_items": 1,
            },
        },
        "chapters": [
            {
                "id": "6",
                "title_zh": "组织与制度",
                "title_en": "Organization",
                "status": "partial",
                "coverage": 0.5,
                "progress": 1.0,
                "counts": {},
            }
        ],
        "clauses": [
            {
                "id": "6.2",
                "chapter": "6",
                "title_zh": "碳排放管理方针制定",
                "status": "met",
                "coverage": 1.0,
                "progress": 1.0,
            },
            {
                "id": "6.3",
                "chapter": "6",
                "title_zh": "建立碳排放管理机构",
                "status": "not_applicable",
                "coverage": 0.0,
                "progress": 0.0,
            },
        ],
    }
    table = render_table(result, park_name="示范园区")
    assert "示范园区" in table and "2026-03-01" in table
    lines = table.splitlines()
    line = next(line for line in lines if line.startswith("6.2"))
    assert "碳排放管理方针制定" in line and "已满足" in line and "100.0%" in line
    assert any(line.startswith("6.3") and "不适用" in line for line in lines)
    assert any(line.startswith("第6章") and "部分满足" in line and "50.0%" in line for line in lines)
    assert any(line.startswith("合计") and "75.0%" in line for line in lines)
