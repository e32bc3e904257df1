"""Periods, cycles and due dates: what a record may be registered for, the park's own settings, no-occurrence
declarations, and /tasks agreeing with readiness. Fixed dates wherever the rule depends on the day."""

from datetime import UTC, date, datetime, timedelta

from app.clauses.cycles import due_window
from app.common import utcnow
from tests.factories import PASSWORD, record_upload
from tests.readiness.conftest import item_of, load_rule, readiness, rev, seed_document


def _refused(response, *fragments: str) -> dict:
    assert response.status_code == 422, response.text
    body = response.json()
    for fragment in fragments:
        assert fragment in body["message_zh"] + body["message_en"], body
    return body


# ---------------------------------------------------------------- registration


def test_a_period_in_the_future_is_refused(park) -> None:
    next_year = str(utcnow().year + 1)
    body = _refused(record_upload(park, period=next_year), "在将来", "future")
    assert body["message_en"]
    assert record_upload(park, period=str(utcnow().year - 1)).status_code == 201


def test_an_annual_type_takes_a_calendar_year_or_a_period_covering_one(park) -> None:
    # 7.3.2–7.3.5 以年度为周期: a quarter or a month is refused, saying what is allowed.
    body = _refused(record_upload(park, period="2025-Q2"), "以年度为周期", "calendar year")
    assert "2025-04-01–2025-06-30" in body["message_zh"]
    _refused(record_upload(park, "TRADING_REVIEW_RECORD", period="2025-03-01/2025-12-30"), "日历年")
    assert record_upload(park, "TRADING_REVIEW_RECORD", period="2024-07-01/2025-12-31").status_code == 201
    assert record_upload(park, period="2025").status_code == 201


def test_quarterly_and_monthly_types_take_their_periods(park) -> None:
    _refused(record_upload(park, "COMMUNICATION_RECORD", period="2025-05"), "以季度为周期", "quarter")
    assert record_upload(park, "COMMUNICATION_RECORD", period="2025-Q2").status_code == 201
    assert record_upload(park, "COMMUNICATION_RECORD", period="2025").status_code == 201  # covers four quarters
    _refused(
        record_upload(park, "MONITORING_MEASUREMENT_RECORDS", period="2025-05-02/2025-06-15"), "以月度为周期", "month"
    )
    assert record_upload(park, "MONITORING_MEASUREMENT_RECORDS", period="2025-05").status_code == 201


def test_a_process_record_says_which_process_it_covers(park) -> None:
    code = "PROCESS_MANAGEMENT_RECORDS"
    _refused(record_upload(park, code, period="2025-Q3"), "9.2.2", "process clause")
    _refused(record_upload(park, code, period="2025-Q3", covers_clause="9.1"), "9.2.5")
    _refused(record_upload(park, "COMMUNICATION_RECORD", period="2025-Q3", covers_clause="9.2.3"), "不按过程")
    created = record_upload(park, code, period="2025-Q3", covers_clause="9.2.3")
    assert created.status_code == 201, created.text


# ---------------------------------------------------------------- what counts


def _process_record(park, clause_id: str, quarter) -> None:
    seed_document(
        park,
        "PROCESS_MANAGEMENT_RECORDS",
        rev("filed", effective_from=datetime(2025, 10, 10, tzinfo=UTC), period=quarter, covers=clause_id),
    )


def test_one_process_record_meets_its_process_only_and_one_per_process_meets_all(park) -> None:
    q3 = (date(2025, 7, 1), date(2025, 9, 30))
    day = date(2025, 11, 15)  # Q3 is due 2025-10-30: the newest period owed
    _process_record(park, "9.2.3", q3)
    result = readiness(park, as_of=day)
    statuses = {cid: item_of(result, cid, "PROCESS_MANAGEMENT_RECORDS")["status"] for cid in ("9.2.2", "9.2.3")}
    assert statuses == {"9.2.2": "missing", "9.2.3": "met"}
    assert item_of(result, "9.2.3", "PROCESS_MANAGEMENT_RECORDS")["covers_clause"] == "9.2.3"
    assert item_of(result, "9.1", "PROCESS_MANAGEMENT_RECORDS")["status"] == "met"  # 9.1: any process record
    met_before = result["overall"]["counts"]["met"]
    for clause_id in ("9.2.2", "9.2.4", "9.2.5"):
        _process_record(park, clause_id, q3)
    result = readiness(park, as_of=day)
    assert all(item_of(result, cid, "PROCESS_MANAGEMENT_RECORDS")["status"] == "met" for cid in ("9.2.2", "9.2.5"))
    assert result["overall"]["counts"]["met"] == met_before + 3


def test_recommended_links_are_shown_but_never_counted(park) -> None:
    result = readiness(park)
    item = item_of(result, "8.2", "TRAINING_RECORD")
    assert (item["basis"], item["counted"], item["counted_in"]) == ("recommended", False, None)
    clause = next(c for c in result["clauses"] if c["id"] == "8.2")
    assert clause["counts"]["applicable_items"] == 1  # only the procedure (COMPETENCE_…_PROCEDURE) counts
    before = result["overall"]["counts"]
    current = due_window(load_rule("TRAINING_RECORD"), utcnow().date()).current
    seed_document(
        park,
        "TRAINING_RECORD",
        rev("filed", effective_from=utcnow(), period=(current.start, current.end)),
    )
    after = readiness(park)
    assert item_of(after, "8.2", "TRAINING_RECORD")["status"] != "missing"
    assert after["overall"]["counts"] == before
    assert all(c["chapter"] != "4" for c in after["clauses"])  # chapter 4 is never counted


def test_a_type_of_a_clause_and_its_sub_clauses_counts_once(park) -> None:
    result = readiness(park)
    assert [item_of(result, cid, "MANAGEMENT_REVIEW")["counted_in"] for cid in ("10.3", "10.3.1", "10.3.2")] == [
        "10.3",
        "10.3",
        "10.3",
    ]
    missing = result["overall"]["counts"]["missing"]
    seed_document(
        park,
        "MANAGEMENT_REVIEW",
        rev("filed", effective_from=datetime(2025, 12, 20, tzinfo=UTC), period=(date(2025, 1, 1), date(2025, 12, 31))),
    )
    day = date(2026, 5, 1)
    result = readiness(park, as_of=day)
    assert all(item_of(result, cid, "MANAGEMENT_REVIEW")["status"] == "met" for cid in ("10.3", "10.3.1", "10.3.2"))
    chapter10 = next(chapter for chapter in result["chapters"] if chapter["id"] == "10")
    assert chapter10["counts"]["met"] == 1  # one record, counted once
    assert result["overall"]["counts"]["met"] == 1
    assert readiness(park, as_of=day)["overall"]["counts"]["missing"] == missing - 1
    # With 10.3 excluded, the sub-clause heads the chain.
    response = park.client.post(
        "/api/clauses/10.3/applicability",
        json={"applicable": False, "reason": "测试"},
        headers=park.headers("coordinator"),
    )
    assert response.status_code == 200
    result = readiness(park, as_of=day)
    assert item_of(result, "10.3.1", "MANAGEMENT_REVIEW")["counted_in"] == "10.3.1"
    assert item_of(result, "10.3.2", "MANAGEMENT_REVIEW")["counted_in"] == "10.3.1"
    assert result["overall"]["counts"]["met"] == 1


# ---------------------------------------------------------------- park settings


def test_park_sets_its_due_day_and_the_intervals_left_to_it(park, other_park) -> None:
    cycles = park.client.get("/api/record-cycles", headers=park.headers("auditor")).json()
    by_code = {row["doc_type"]: row for row in cycles}
    assert by_code["EMISSION_REVIEW_RECORD"]["cycle"] == "annual"
    assert by_code["EMISSION_REVIEW_RECORD"]["due_day"] == "03-31"
    assert by_code["MANAGEMENT_REVIEW"]["park_interval"] is True
    assert by_code["DEVIATION_INVESTIGATION_RECORD"]["cycle"] == "event"
    assert by_code["PROCESS_MANAGEMENT_RECORDS"]["covers_clauses"] == ["9.2.2", "9.2.3", "9.2.4", "9.2.5"]

    url, emission = "/api/record-cycles", {"doc_type": "EMISSION_REVIEW_RECORD"}
    assert (
        park.client.put(url, json=emission | {"due_day": "06-30"}, headers=park.headers("approver")).status_code == 403
    )
    assert (
        park.client.put(url, json=emission | {"due_day": "02-30"}, headers=park.headers("coordinator")).status_code
        == 422
    )
    assert (
        park.client.put(url, json=emission | {"due_day": "6/30"}, headers=park.headers("coordinator")).status_code
        == 422
    )
    _refused(
        park.client.put(url, json=emission | {"cycle": "quarterly"}, headers=park.headers("coordinator")), "不能更改"
    )
    answer = park.client.put(url, json=emission | {"due_day": "06-30"}, headers=park.headers("coordinator"))
    assert answer.status_code == 200 and answer.json()["due_day"] == "06-30"

    seed_document(
        park,
        "EMISSION_REVIEW_RECORD",
        rev("filed", effective_from=datetime(2025, 2, 1, tzinfo=UTC), period=(date(2024, 1, 1), date(2024, 12, 31))),
    )
    item = item_of(readiness(park, as_of=date(2026, 5, 1)), "7.3.2", "EMISSION_REVIEW_RECORD")
    assert (item["state"], item["due_date"]) == ("due", "2026-06-30")  # the park's date, not 03-31
    assert item_of(readiness(other_park, as_of=date(2026, 5, 1)), "7.3.2", "EMISSION_REVIEW_RECORD")["due_date"] == (
        "2026-03-31"
    )

    review, management = "/api/record-cycles", {"doc_type": "MANAGEMENT_REVIEW"}
    _refused(
        park.client.put(review, json=management | {"cycle": "weekly"}, headers=park.headers("coordinator")), "annual"
    )
    answer = park.client.put(review, json=management | {"cycle": "quarterly"}, headers=park.headers("coordinator"))
    assert answer.status_code == 200 and answer.json()["cycle"] == "quarterly"
    _refused(record_upload(park, "MANAGEMENT_REVIEW", period="2025-05"), "以季度为周期")
    assert record_upload(park, "MANAGEMENT_REVIEW", period="2025-Q1").status_code == 201
    assert record_upload(other_park, "MANAGEMENT_REVIEW", period="2025-Q1").status_code == 422  # still annual there
    events = park.client.get("/api/events", params={"action": "record_cycle.set"}, headers=park.headers("auditor"))
    assert events.status_code == 200 and len(events.json()) == 2


# ---------------------------------------------------------------- no-occurrence declarations


def test_a_signed_no_occurrence_declaration_meets_an_event_period(park) -> None:
    today = utcnow().date()
    required = due_window(load_rule("DEVIATION_INVESTIGATION_RECORD"), today).required
    year = required.start.year
    item = item_of(readiness(park), "10.1.1", "DEVIATION_INVESTIGATION_RECORD")
    assert item["status"] == "missing"
    body = {
        "doc_type": "DEVIATION_INVESTIGATION_RECORD",
        "year": year,
        "statement": "本年度未发生严重偏离",
        "password": "",
    }
    url = "/api/declarations"
    wrong = park.client.post(url, json=body | {"password": "wrong"}, headers=park.headers("coordinator"))
    assert wrong.status_code == 401
    assert (
        park.client.post(url, json=body | {"password": PASSWORD}, headers=park.headers("approver")).status_code == 403
    )
    _refused(
        park.client.post(
            url,
            json=body | {"doc_type": "EMISSION_REVIEW_RECORD", "password": PASSWORD},
            headers=park.headers("coordinator"),
        ),
        "未发生声明",
    )
    _refused(
        park.client.post(
            url, json=body | {"year": today.year + 1, "password": PASSWORD}, headers=park.headers("coordinator")
        ),
        "已开始",
    )
    signed = park.client.post(url, json=body | {"password": PASSWORD}, headers=park.headers("coordinator"))
    assert signed.status_code == 201, signed.text
    assert signed.json()["period"] == str(year)
    again = park.client.post(url, json=body | {"password": PASSWORD}, headers=park.headers("coordinator"))
    assert again.status_code == 409
    item = item_of(readiness(park), "10.1.1", "DEVIATION_INVESTIGATION_RECORD")
    assert item["status"] == "met" and item["declarations"][0]["period_start"] == f"{year}-01-01"
    assert "未发生声明" in item["reason_zh"]
    # Not there before it was signed (yesterday nothing stood for any year).
    yesterday = item_of(readiness(park, as_of=today - timedelta(days=1)), "10.1.1", "DEVIATION_INVESTIGATION_RECORD")
    assert yesterday["status"] == "missing"
    events = park.client.get(
        "/api/events", params={"action": "declaration.no_occurrence"}, headers=park.headers("auditor")
    )
    assert len(events.json()) == 1


# ---------------------------------------------------------------- one due-date engine


def test_tasks_list_what_readiness_finds_owed(park) -> None:
    today = utcnow().date().isoformat()
    tasks = park.client.get("/api/tasks", params={"today": today}, headers=park.headers("coordinator")).json()
    result = readiness(park)
    records = [t for t in tasks["tasks"] if t["kind"] in ("record_missing", "record_due")]
    # Every cycled record item readiness counts as missing is listed once (10.3's review once, not three times).
    owed = {
        (clause["id"], item["doc_type"])
        for clause in result["clauses"]
        for item in clause["items"]
        if item["kind"] == "record"
        and item["counted_in"] == clause["id"]
        and item["state"] == "missing"
        and item["due_date"]
    }
    assert {(t["ids"]["clause_id"], t["entity_id"]) for t in records if t["kind"] == "record_missing"} == owed
    assert ("10.3", "MANAGEMENT_REVIEW") in owed and ("10.3.1", "MANAGEMENT_REVIEW") not in owed
    # What /tasks calls overdue is what readiness counts as overdue (never filed is missing, not overdue).
    overdue_records = [t for t in records if t["overdue"]]
    assert len(overdue_records) == result["overall"]["counts"]["overdue"] == 0
