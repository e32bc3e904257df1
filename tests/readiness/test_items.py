"""Item statuses, clause statuses and the coverage/progress arithmetic, through GET /api/readiness."""

from datetime import UTC, date, datetime, timedelta

from app.clauses.cycles import due_window
from app.common import utcnow
from app.readiness.items import add_months
from tests.readiness.conftest import clause_of, item_of, load_rule, readiness, rev, seed_document

DAY = timedelta(days=1)


def _today() -> date:
    return utcnow().date()


# ---------------------------------------------------------------- documents


def test_empty_park_everything_missing(park) -> None:
    result = readiness(park)
    assert result["as_of"] == _today().isoformat()
    assert [chapter["id"] for chapter in result["chapters"]] == ["5", "6", "7", "8", "9", "10", "11"]
    assert result["chapters"][0]["title_zh"] == "产业园区所处环境"
    assert result["chapters"][-1]["title_en"] == "Improvement"
    assert all(clause["chapter"] in {"5", "6", "7", "8", "9", "10", "11"} for clause in result["clauses"])
    assert all(clause["items"] for clause in result["clauses"])
    item = item_of(result, "6.2", "CARBON_POLICY")
    assert item["status"] == "missing"
    assert (item["reason_zh"], item["reason_en"]) == ("尚无文件", "No document yet")
    assert item["evidence"] == [] and item["evidence_detail"] == []
    assert set(item) >= {
        "doc_type",
        "title_zh",
        "title_en",
        "kind",
        "status",
        "reason_zh",
        "reason_en",
        "evidence",
        "evidence_detail",
    }
    overall = result["overall"]
    assert overall["status"] == "gap" and overall["coverage"] == 0.0 and overall["progress"] == 0.0
    assert overall["counts"]["missing"] == overall["counts"]["applicable_items"] > 0
    assert overall["counts"]["not_applicable_items"] == 0


def test_effective_document_is_met_with_evidence(park) -> None:
    now = utcnow()
    seeded = seed_document(
        park,
        "CARBON_POLICY",
        rev("superseded", effective_from=now - 100 * DAY, ended_at=now - 40 * DAY),
        rev("effective", effective_from=now - 40 * DAY, approver="王总"),
    )
    result = readiness(park)
    item = item_of(result, "6.2", "CARBON_POLICY")
    published = (now - 40 * DAY).date().isoformat()
    assert item["status"] == "met"
    assert item["reason_zh"] == f"现行有效：{seeded.control_no} 第2版，{published} 发布"
    assert item["reason_en"] == f"Effective: {seeded.control_no} revision 2, published {published}"
    assert item["evidence"] == [seeded.document_id]
    detail = item["evidence_detail"][0]
    assert detail["document_id"] == seeded.document_id and detail["control_no"] == seeded.control_no
    assert detail["revision_id"] == seeded.revision_ids[1] and detail["revision"] == 2
    assert detail["state"] == "effective" and detail["approvers"] == ["王总"]
    assert detail["effective_from"].startswith(published)
    clause = clause_of(result, "6.2")
    assert (clause["status"], clause["coverage"], clause["progress"]) == ("met", 1.0, 1.0)
    assert clause["applicable"] is True and clause["not_applicable_reason"] is None


def test_review_overdue_and_a_later_review_makes_it_met(park, other_park) -> None:
    now = utcnow()
    published = now - 400 * DAY
    seed_document(park, "CARBON_POLICY", rev("effective", effective_from=published))
    result = readiness(park)
    item = item_of(result, "6.2", "CARBON_POLICY")
    due = add_months(published.date(), 12)
    assert item["status"] == "review_overdue"
    assert item["reason_zh"].startswith(f"评审已逾期：应于 {due} 前复审")
    assert str(due) in item["reason_en"] and "overdue" in item["reason_en"]
    assert item["evidence"]  # the overdue document is still shown
    clause = clause_of(result, "6.2")
    # review_overdue is neither met nor in progress: the single-item clause is a gap.
    assert (clause["status"], clause["coverage"], clause["progress"]) == ("gap", 0.0, 0.0)
    assert clause["counts"]["review_overdue"] == 1
    assert result["overall"]["counts"]["review_overdue"] == 1

    # Reviewed ten days ago: within the cycle again.
    seed_document(
        other_park, "CARBON_POLICY", rev("effective", effective_from=published, last_reviewed_at=now - 10 * DAY)
    )
    item = item_of(readiness(other_park), "6.2", "CARBON_POLICY")
    assert item["status"] == "met"
    assert (now - 10 * DAY).date().isoformat() in item["reason_zh"]


def test_document_without_cycle_is_never_overdue(park) -> None:
    seed_document(park, "LEADERSHIP_GROUP_FOUNDING", rev("effective", effective_from=utcnow() - 3000 * DAY))
    result = readiness(park)
    assert item_of(result, "6.1", "LEADERSHIP_GROUP_FOUNDING")["status"] == "met"
    assert item_of(result, "6.3", "LEADERSHIP_GROUP_FOUNDING")["status"] == "met"


def test_only_drafts_is_in_progress(park) -> None:
    seeded = seed_document(park, "CARBON_POLICY", rev("in_approval"))
    result = readiness(park)
    item = item_of(result, "6.2", "CARBON_POLICY")
    assert item["status"] == "in_progress"
    assert item["reason_zh"].startswith("仅有草稿/审批中的版本")
    assert seeded.control_no in item["reason_zh"]
    assert item["evidence"] == [seeded.document_id]
    assert item["evidence_detail"][0]["state"] == "in_approval"
    clause = clause_of(result, "6.2")
    assert (clause["status"], clause["coverage"], clause["progress"]) == ("partial", 0.0, 1.0)


def test_obsolete_only_is_missing_with_that_reason_and_superseded_does_not_count(park, other_park) -> None:
    now = utcnow()
    seeded = seed_document(
        park, "CARBON_POLICY", rev("obsolete", effective_from=now - 90 * DAY, ended_at=now - 5 * DAY)
    )
    item = item_of(readiness(park), "6.2", "CARBON_POLICY")
    assert item["status"] == "missing"
    assert item["reason_zh"] == f"仅有已作废的文件：{seeded.control_no}"
    assert item["reason_en"].startswith("Only obsolete documents")
    assert item["evidence"] == [seeded.document_id]

    # A superseded revision alone (its successor gone) counts for nothing, not even as obsolete.
    seed_document(other_park, "CARBON_POLICY", rev("superseded", effective_from=now - 90 * DAY, ended_at=now - 5 * DAY))
    item = item_of(readiness(other_park), "6.2", "CARBON_POLICY")
    assert (item["status"], item["reason_zh"], item["evidence"]) == ("missing", "尚无文件", [])


def test_met_wins_over_other_documents_of_the_same_type(park) -> None:
    now = utcnow()
    overdue = seed_document(park, "CARBON_POLICY", rev("effective", effective_from=now - 500 * DAY))
    current = seed_document(park, "CARBON_POLICY", rev("effective", effective_from=now - 20 * DAY))
    seed_document(park, "CARBON_POLICY", rev("draft"))
    item = item_of(readiness(park), "6.2", "CARBON_POLICY")
    assert item["status"] == "met"
    assert item["evidence"] == [current.document_id]
    assert overdue.document_id not in item["evidence"]
    assert "共 2 份" in item["reason_zh"]


# ---------------------------------------------------------------- records


def test_annual_record_met_due_overdue_missing_on_fixed_dates(park, other_park, park_factory) -> None:
    """7.3.2 以年度为周期, due 03-31 of the next year: the 2024 record is met through 2025 and, on 15 January
    2026, still met with 2025 "due by 2026-03-31"; from 1 April 2026 without a 2025 record it is overdue."""
    seeded = seed_document(
        park,
        "EMISSION_REVIEW_RECORD",
        rev(
            "filed",
            effective_from=datetime(2025, 2, 10, tzinfo=UTC),
            period=(date(2024, 1, 1), date(2024, 12, 31)),
            approver="李审核",
        ),
    )
    item = item_of(readiness(park, as_of=date(2025, 6, 1)), "7.3.2", "EMISSION_REVIEW_RECORD")
    assert (item["kind"], item["status"], item["state"], item["due_date"]) == ("record", "met", "met", "2026-03-31")
    assert item["evidence"] == [seeded.document_id]
    assert item["evidence_detail"][0]["approvers"] == ["李审核"]
    assert item["evidence_detail"][0]["period_end"] == "2024-12-31"
    assert item["reason_zh"].startswith("已归档记录覆盖 2024")

    for day in (date(2026, 1, 15), date(2026, 3, 31)):
        item = item_of(readiness(park, as_of=day), "7.3.2", "EMISSION_REVIEW_RECORD")
        assert (item["status"], item["state"], item["due_date"]) == ("met", "due", "2026-03-31"), day
        assert "2025 的记录应于 2026-03-31 前归档" in item["reason_zh"]
        assert "the record for 2025 is due by 2026-03-31" in item["reason_en"]
    result = readiness(park, as_of=date(2026, 4, 1))
    item = item_of(result, "7.3.2", "EMISSION_REVIEW_RECORD")
    assert (item["status"], item["state"], item["due_date"]) == ("overdue", "overdue", "2026-03-31")
    assert item["reason_zh"].startswith("2025 的记录应于 2026-03-31 前归档，已逾期")
    assert result["overall"]["counts"]["overdue"] == 1
    assert clause_of(result, "7.3.2")["status"] == "gap"

    # Before it was filed (10 February 2025) the park had never filed one: missing, owed for 2023.
    item = item_of(readiness(park, as_of=date(2025, 2, 1)), "7.3.2", "EMISSION_REVIEW_RECORD")
    assert (item["status"], item["state"], item["due_date"]) == ("missing", "missing", "2024-03-31")

    # A void record and one awaiting confirmation never make it met.
    third = park_factory()
    end = date(2025, 12, 31)
    seed_document(
        third,
        "EMISSION_REVIEW_RECORD",
        rev("void", effective_from=utcnow() - 30 * DAY, ended_at=utcnow() - 10 * DAY, period=(date(2025, 1, 1), end)),
    )
    seed_document(third, "EMISSION_REVIEW_RECORD", rev("in_approval", period=(date(2025, 1, 1), end)))
    item = item_of(readiness(third), "7.3.2", "EMISSION_REVIEW_RECORD")
    assert item["status"] == "in_progress" and item["state"] == "in_progress"
    assert item_of(readiness(other_park), "7.3.2", "EMISSION_REVIEW_RECORD")["state"] == "missing"


def test_record_made_once_is_met_once_filed(park) -> None:
    seed_document(
        park,
        "INITIAL_REVIEW",
        rev("filed", effective_from=utcnow() - 2000 * DAY, period=(date(2019, 1, 1), date(2019, 3, 31))),
    )
    item = item_of(readiness(park), "6.4", "INITIAL_REVIEW")
    assert item["status"] == "met" and item["due_date"] is None
    assert item["reason_zh"].startswith("已归档记录")


def test_ongoing_records_no_longer_stay_met_forever(park) -> None:
    """Training, communication, monitoring and process records have a quarterly or monthly cycle."""
    seed_document(
        park,
        "COMMUNICATION_RECORD",
        rev("filed", effective_from=datetime(2025, 4, 5, tzinfo=UTC), period=(date(2025, 1, 1), date(2025, 3, 31))),
    )
    # Q1 2025 is due 30 days after it ends; on 2025-05-15 it is met and Q2's record is not due yet.
    item = item_of(readiness(park, as_of=date(2025, 5, 15)), "8.3", "COMMUNICATION_RECORD")
    assert (item["status"], item["state"], item["due_date"]) == ("met", "met", "2025-07-30")
    item = item_of(readiness(park, as_of=date(2025, 7, 10)), "8.3", "COMMUNICATION_RECORD")
    assert (item["status"], item["state"], item["due_date"]) == ("met", "due", "2025-07-30")
    item = item_of(readiness(park, as_of=date(2025, 7, 31)), "8.3", "COMMUNICATION_RECORD")
    assert (item["status"], item["due_date"]) == ("overdue", "2025-07-30")


# ---------------------------------------------------------------- clause, chapter, overall arithmetic


def test_partial_clause_and_exact_coverage_progress(park) -> None:
    now = utcnow()
    seed_document(park, "OBJECTIVES_RESPONSIBILITY_LETTER", rev("effective", effective_from=now - 10 * DAY))
    result = readiness(park)
    clause = clause_of(result, "7.1")
    assert [item["doc_type"] for item in clause["items"]] == [
        "OBJECTIVES_RESPONSIBILITY_LETTER",
        "ANNUAL_WORK_PLAN",
        "TARGET_COMPLETION_CHECKLIST",
    ]
    assert (clause["status"], clause["coverage"], clause["progress"]) == ("partial", 0.3333, 0.3333)

    seed_document(park, "ANNUAL_WORK_PLAN", rev("draft"))
    result = readiness(park)
    clause = clause_of(result, "7.1")
    assert (clause["status"], clause["coverage"], clause["progress"]) == ("partial", 0.3333, 0.6667)
    assert clause["counts"] == {
        "met": 1,
        "in_progress": 1,
        "review_overdue": 0,
        "overdue": 0,
        "missing": 1,
        "applicable_items": 3,
        "not_applicable_items": 0,
    }
    chapter = next(chapter for chapter in result["chapters"] if chapter["id"] == "7")
    assert chapter["status"] == "partial"
    assert chapter["counts"]["met"] == 1 and chapter["counts"]["in_progress"] == 1


def _expected(items: list[dict], totals: bool = False) -> dict:
    """Clause figures count every counted item; chapter and park totals each counted item once (`counted_in`)."""

    def family(item: dict) -> tuple[str, str]:
        # A family lives under the shallowest enclosing clause: 7.3 for 7.3.1–7.3.5, 10.3 for 10.3.1.
        parts = item["_clause"].split(".")
        return item["doc_type"], ".".join(parts[:2])

    standing = {family(item) for item in items if item["counted_in"]}
    seen_not_applicable: set[tuple[str, str]] = set()

    def counts(item: dict) -> bool:
        if not item["counted"]:
            return False
        if not totals:
            return True
        if item["status"] == "not_applicable":
            # Counted once, and only when no clause of its family still counts it.
            key = family(item)
            if key in standing or key in seen_not_applicable:
                return False
            seen_not_applicable.add(key)
            return True
        return item["counted_in"] == item["_clause"]

    items = [item for item in items if counts(item)]
    applicable = [item for item in items if item["status"] != "not_applicable"]
    met = sum(item["status"] == "met" for item in applicable)
    progressing = sum(item["status"] in ("met", "in_progress") for item in applicable)
    n = len(applicable)
    return {
        "coverage": round(met / n, 4) if n else 0.0,
        "progress": round(progressing / n, 4) if n else 0.0,
        "applicable_items": n,
        "not_applicable_items": len(items) - n,
        "met": met,
    }


def test_rollups_follow_the_items(park) -> None:
    now = utcnow()
    seed_document(park, "CARBON_POLICY", rev("effective", effective_from=now - 10 * DAY))
    seed_document(park, "ENVIRONMENT_OVERVIEW", rev("effective", effective_from=now - 10 * DAY))
    seed_document(park, "INFORMATION_CHANNEL_LIST", rev("in_review"))
    seed_document(park, "CMS_SCOPE_BOUNDARY", rev("effective", effective_from=now - 900 * DAY))
    quarter = due_window(load_rule("COMMUNICATION_RECORD"), _today()).required
    seed_document(
        park, "COMMUNICATION_RECORD", rev("filed", effective_from=now - 9 * DAY, period=(quarter.start, quarter.end))
    )
    assert (
        park.client.post(
            "/api/clauses/7.3.3/applicability",
            json={"applicable": False, "reason": "园区无碳交易"},
            headers=park.headers("coordinator"),
        ).status_code
        == 200
    )
    result = readiness(park)
    everything = []
    for clause in result["clauses"]:
        for item in clause["items"]:
            item["_clause"] = clause["id"]
        expected = _expected(clause["items"])
        if clause["applicable"]:
            assert (clause["coverage"], clause["progress"]) == (expected["coverage"], expected["progress"])
        everything += clause["items"]
    for chapter in result["chapters"]:
        items = [item for clause in result["clauses"] if clause["chapter"] == chapter["id"] for item in clause["items"]]
        expected = _expected(items, totals=True)
        assert (chapter["coverage"], chapter["progress"]) == (expected["coverage"], expected["progress"])
        assert chapter["counts"]["applicable_items"] == expected["applicable_items"]
        assert chapter["counts"]["not_applicable_items"] == expected["not_applicable_items"]
    expected = _expected(everything, totals=True)
    overall = result["overall"]
    assert (overall["coverage"], overall["progress"]) == (expected["coverage"], expected["progress"])
    counts = overall["counts"]
    # 7.3.3: its trading review record; the carbon review report still counts once, at 7.3.1 (its family is 7.3)
    assert counts["not_applicable_items"] == 1
    assert (
        sum(counts[key] for key in ("met", "in_progress", "review_overdue", "overdue", "missing"))
        == counts["applicable_items"]
    )
    # CARBON_POLICY (6.2), ENVIRONMENT_OVERVIEW (5.1), INFORMATION_CHANNEL_LIST (5.1, 5.2, 8.3), COMMUNICATION_RECORD
    # (8.3)
    assert counts["met"] == 3 and counts["in_progress"] == 3 and counts["review_overdue"] == 1
    assert overall["status"] == "partial"
    chapter5 = result["chapters"][0]
    assert chapter5["counts"]["met"] == 1 and chapter5["counts"]["in_progress"] == 2
    assert chapter5["coverage"] == round(1 / chapter5["counts"]["applicable_items"], 4)


def test_all_items_met_makes_the_clause_met(park) -> None:
    now = utcnow()
    # An annual record (issue 13: training and meeting records have a cycle): last year's, past its due day.
    last_year = now.year - 1
    seed_document(
        park,
        "CONTEXT_TRAINING_MEETING_DOCS",
        rev("filed", effective_from=now - 10 * DAY, period=(date(last_year, 1, 1), date(last_year, 12, 31))),
    )
    for code in ("CARBON_MANAGEMENT_FRAMEWORK", "CMS_DOCUMENTATION"):
        seed_document(park, code, rev("effective", effective_from=now - 10 * DAY))
    clause = clause_of(readiness(park), "5.4")
    assert (clause["status"], clause["coverage"], clause["progress"]) == ("met", 1.0, 1.0)


# ---------------------------------------------------------------- as of a past date


def test_as_of_a_past_date(park) -> None:
    now = utcnow()
    today = _today()
    # Published today: not there a year ago, not even in progress (it did not exist).
    seed_document(park, "CARBON_POLICY", rev("effective", effective_from=now, created_at=now))
    last_year = today - timedelta(days=365)
    result = readiness(park, as_of=last_year)
    assert result["as_of"] == last_year.isoformat()
    assert item_of(result, "6.2", "CARBON_POLICY")["status"] == "missing"
    assert item_of(readiness(park), "6.2", "CARBON_POLICY")["status"] == "met"

    # Revision 1 effective 200 → 100 days ago, then superseded by revision 2.
    seeded = seed_document(
        park,
        "ENVIRONMENT_OVERVIEW",
        rev("superseded", effective_from=now - 200 * DAY, ended_at=now - 100 * DAY, created_at=now - 210 * DAY),
        rev("effective", effective_from=now - 100 * DAY, created_at=now - 120 * DAY),
    )
    at = today - timedelta(days=150)
    item = item_of(readiness(park, as_of=at), "5.1", "ENVIRONMENT_OVERVIEW")
    assert item["status"] == "met"
    assert item["evidence_detail"][0]["revision_id"] == seeded.revision_ids[0]
    assert item["evidence_detail"][0]["revision"] == 1
    # Before revision 1 was published but after it was drafted: in progress.
    item = item_of(readiness(park, as_of=today - timedelta(days=205)), "5.1", "ENVIRONMENT_OVERVIEW")
    assert item["status"] == "in_progress"
    assert (
        item_of(readiness(park, as_of=today - timedelta(days=300)), "5.1", "ENVIRONMENT_OVERVIEW")["status"]
        == "missing"
    )
    # Today: revision 2.
    item = item_of(readiness(park), "5.1", "ENVIRONMENT_OVERVIEW")
    assert item["evidence_detail"][0]["revision"] == 2


def test_as_of_obsolete_and_records(park) -> None:
    now = utcnow()
    today = _today()
    seed_document(park, "CARBON_BASELINE", rev("obsolete", effective_from=now - 300 * DAY, ended_at=now - 100 * DAY))
    assert item_of(readiness(park, as_of=today - timedelta(days=200)), "7.5", "CARBON_BASELINE")["status"] == "met"
    item = item_of(readiness(park), "7.5", "CARBON_BASELINE")
    assert item["status"] == "missing" and item["reason_zh"].startswith("仅有已作废的文件")
    item = item_of(readiness(park, as_of=today - timedelta(days=50)), "7.5", "CARBON_BASELINE")
    assert item["status"] == "missing" and item["reason_zh"].startswith("仅有已作废的文件")

    end = today - timedelta(days=70)
    seed_document(park, "MANAGEMENT_REVIEW", rev("filed", effective_from=now - 50 * DAY, period=(end, end)))
    seed_document(
        park,
        "NONCONFORMITY_IMPROVEMENT_GUIDE",
        rev("void", effective_from=now - 50 * DAY, ended_at=now - 20 * DAY, period=(end, end)),
    )
    past = readiness(park, as_of=today - timedelta(days=60))
    assert item_of(past, "10.3", "MANAGEMENT_REVIEW")["status"] == "missing"  # not filed yet then
    assert item_of(past, "11.1", "NONCONFORMITY_IMPROVEMENT_GUIDE")["status"] == "missing"
    past = readiness(park, as_of=today - timedelta(days=30))
    assert item_of(past, "10.3", "MANAGEMENT_REVIEW")["status"] == "met"
    assert item_of(past, "11.1", "NONCONFORMITY_IMPROVEMENT_GUIDE")["status"] == "met"  # filed then, voided later
    assert item_of(readiness(park), "11.1", "NONCONFORMITY_IMPROVEMENT_GUIDE")["status"] == "missing"


def test_bad_as_of_is_422(park) -> None:
    response = park.client.get("/api/readiness", params={"as_of": "2025-13-45"}, headers=park.headers("auditor"))
    assert response.status_code == 422
    assert "as_of" in response.json()["message_zh"]
    assert park.client.get("/api/readiness").status_code == 401


# ---------------------------------------------------------------- who sees what


def test_other_parks_documents_never_count(park, other_park) -> None:
    seed_document(other_park, "CARBON_POLICY", rev("effective", effective_from=utcnow() - 5 * DAY))
    assert item_of(readiness(park), "6.2", "CARBON_POLICY")["status"] == "missing"
    assert item_of(readiness(other_park), "6.2", "CARBON_POLICY")["status"] == "met"
    assert readiness(park)["overall"]["counts"]["met"] == 0


def test_contributor_counts_only_what_they_may_read(park, other_park) -> None:
    now = utcnow()
    internal = seed_document(park, "CARBON_POLICY", rev("effective", effective_from=now - 5 * DAY))
    seed_document(park, "ENVIRONMENT_OVERVIEW", rev("draft"), access_level="restricted")
    for role in ("coordinator", "auditor", "approver"):
        item = item_of(readiness(park, role), "6.2", "CARBON_POLICY")
        assert item["status"] == "met" and item["evidence"] == [internal.document_id]
    result = readiness(park, "contributor")
    item = item_of(result, "6.2", "CARBON_POLICY")
    assert item["status"] == "missing" and item["evidence"] == [] and internal.control_no not in item["reason_zh"]
    assert item_of(result, "5.1", "ENVIRONMENT_OVERVIEW")["status"] == "missing"
    assert result["overall"]["counts"]["met"] == 0 and result["overall"]["counts"]["in_progress"] == 0

    public = seed_document(park, "CARBON_POLICY", rev("effective", effective_from=now - 3 * DAY), access_level="public")
    item = item_of(readiness(park, "contributor"), "6.2", "CARBON_POLICY")
    assert item["status"] == "met" and item["evidence"] == [public.document_id]
    # What the contributor registered themselves they may read, hence it counts for them.
    own = seed_document(
        other_park,
        "MONITORING_MEASUREMENT_RECORDS",
        rev("filed", effective_from=now - 3 * DAY, period=(date(2025, 1, 1), date(2025, 1, 31))),
        created_by="contributor",
        access_level="restricted",
    )
    item = item_of(readiness(other_park, "contributor"), "9.1", "MONITORING_MEASUREMENT_RECORDS")
    assert item["status"] == "overdue" and item["evidence"] == [own.document_id]  # January 2025: long overdue
