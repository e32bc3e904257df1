"""Risks and opportunities (7.6), monitoring equipment and calibrations (10.1.1), their tasks, the review's inputs
10.3.1 a) and d), and what contributors see — on SQLite and PostgreSQL."""

from datetime import date, timedelta

from app.db import session_scope
from app.readiness.items import add_months
from app.registers.queries import calibration_overdue_on
from tests.factories import PASSWORD
from tests.support.registers import assign_enterprise, call, make_enterprise, make_source

RISKS = "/api/registers/risks"
EQUIPMENT = "/api/registers/equipment"


def _risk(park, **overrides) -> dict:
    body = {"category": "strategic", "title": "地方碳达峰政策收紧", "likelihood": 3, "consequence": 4, **overrides}
    response = call(park, "POST", RISKS, body=body)
    assert response.status_code == 201, response.text
    return response.json()


def test_significance_follows_the_park_criteria(park):
    assert _risk(park)["significance"] == "medium"  # 12 ≥ 8
    assert _risk(park, likelihood=5, consequence=3)["significance"] == "high"  # 15
    assert _risk(park, likelihood=1, consequence=2)["significance"] == "low"
    bad = call(park, "PUT", "/api/registers/settings", body={"risk_medium_from": 20, "risk_high_from": 10})
    assert bad.status_code == 422
    assert call(park, "PUT", "/api/registers/settings", "auditor", body={"risk_high_from": 20}).status_code == 403
    settings = call(park, "PUT", "/api/registers/settings", body={"risk_high_from": 20, "risk_criteria": "分值法"})
    assert settings.status_code == 200 and settings.json()["risk_high_from"] == 20
    assert _risk(park, likelihood=5, consequence=3)["significance"] == "medium"
    for bad_body in ({"likelihood": 6}, {"category": "weather"}, {"title": ""}, {"unknown": 1}):
        assert (
            call(
                park,
                "POST",
                RISKS,
                body={"category": "financial", "title": "融资", "likelihood": 2, "consequence": 2, **bad_body},
            ).status_code
            == 422
        )


def test_reassessment_keeps_the_history(park, other_park):
    risk = _risk(park)
    url = f"{RISKS}/{risk['id']}"
    assert call(park, "PATCH", url, body={"likelihood": 5}).status_code == 422  # only through an assessment
    assert call(park, "POST", f"{url}/assess", "auditor", body={"likelihood": 5, "consequence": 5}).status_code == 403
    future = (date.today() + timedelta(days=3)).isoformat()
    assert (
        call(park, "POST", f"{url}/assess", body={"likelihood": 5, "consequence": 5, "assessed_on": future}).status_code
        == 422
    )
    assessed = call(park, "POST", f"{url}/assess", body={"likelihood": 5, "consequence": 5, "note": "政策出台"})
    assert assessed.status_code == 200 and assessed.json()["significance"] == "high"
    history = call(park, "GET", f"{url}/history", "auditor").json()
    assert [(h["likelihood"], h["consequence"], h["significance"]) for h in history] == [
        (3, 4, "medium"),
        (5, 5, "high"),
    ]
    assert call(other_park, "GET", f"{url}/history").status_code == 404
    assert call(park, "DELETE", url).status_code == 422  # re-assessed: its history keeps it
    fresh = _risk(park, title="新机遇", category="opportunity")
    assert call(park, "DELETE", f"{RISKS}/{fresh['id']}").status_code == 204


def test_review_inputs_show_changed_risks_and_compliance_results(park):
    first = call(park, "POST", "/api/reviews", body={"review_date": "2026-01-10"}).json()
    decision = {"output_item": "a", "decision": "继续识别风险"}
    assert call(park, "POST", f"/api/reviews/{first['id']}/decisions", body=decision).status_code == 201
    closed = call(park, "POST", f"/api/reviews/{first['id']}/close", "top_management", body={"password": PASSWORD})
    assert closed.status_code == 200, closed.text
    risk = _risk(park)
    call(
        park,
        "POST",
        f"{RISKS}/{risk['id']}/assess",
        body={"likelihood": 1, "consequence": 1, "assessed_on": "2025-06-01"},
    )
    call(park, "POST", f"{RISKS}/{risk['id']}/assess", body={"likelihood": 5, "consequence": 5, "note": "政策收紧"})
    old = _risk(park, title="旧风险")
    legal = call(park, "GET", "/api/registers/legal", params={"per_page": 1}).json()["rows"][0]
    call(park, "POST", f"/api/registers/legal/{legal['id']}/confirm")
    year = date.today().year - 1
    round_ = call(
        park,
        "POST",
        "/api/registers/compliance/rounds",
        body={"title": "年度合规性评价", "period_start": f"{year}-01-01", "period_end": f"{year}-12-31"},
    ).json()
    url = f"/api/registers/compliance/rounds/{round_['id']}"
    call(park, "PUT", f"{url}/results/{legal['id']}", body={"result": "non_compliant", "evidence": "未落实"})
    assert call(park, "POST", f"{url}/close", body={"conclusion": "一项不合规"}).status_code == 200

    second = call(park, "POST", "/api/reviews", body={"review_date": date.today().isoformat()}).json()
    sections = {s["key"]: s["data"] for s in second["inputs"]}
    changes = {c["id"]: c for c in sections["context_risks"]["risk_changes"]}
    assert changes[risk["id"]]["significance_before"] == "low" and changes[risk["id"]]["significance_after"] == "high"
    assert changes[old["id"]]["new"] is True
    rounds = sections["compliance"]["evaluation_rounds"]
    assert [r["id"] for r in rounds] == [round_["id"]] and rounds[0]["counts"] == {"non_compliant": 1}


def test_equipment_calibration_overdue_flags_readings_and_is_a_task(park, other_park):
    enterprise = make_enterprise(park.id)
    source = make_source(park.id, enterprise)
    other_enterprise = make_enterprise(park.id, "另一企业")
    today = date.today()
    last = add_months(today, -24)
    body = {
        "name": "电能表 DB-01",
        "measures": "外购电量",
        "emission_source_id": source,
        "interval_months": 12,
        "accuracy_class": "1.0",
        "last_calibrated_on": last.isoformat(),
    }
    assert call(park, "POST", EQUIPMENT, body={**body, "enterprise_id": other_enterprise}).status_code == 422
    assert call(park, "POST", EQUIPMENT, body={**body, "interval_months": 0}).status_code == 422
    assert call(other_park, "POST", EQUIPMENT, body=body).status_code == 422  # the source is in another park
    created = call(park, "POST", EQUIPMENT, body=body)
    assert created.status_code == 201, created.text
    meter = created.json()
    assert meter["enterprise_id"] == enterprise and meter["next_due_on"] == add_months(last, 12).isoformat()

    with session_scope(write=False) as session:
        assert calibration_overdue_on(session, source, add_months(today, -18)) is None  # within the validity
        flagged = calibration_overdue_on(session, source, add_months(today, -6))
        assert flagged is not None and flagged.id == meter["id"]
    tasks = call(park, "GET", "/api/tasks").json()["tasks"]
    due = [t for t in tasks if t["kind"] == "calibration_due"]
    assert len(due) == 1 and due[0]["overdue"] and due[0]["entity_id"] == meter["id"]
    assert not [t for t in call(park, "GET", "/api/tasks", "auditor").json()["tasks"] if t["kind"] == "calibration_due"]

    url = f"{EQUIPMENT}/{meter['id']}/calibrate"
    assert call(park, "POST", url, body={"calibrated_on": (today + timedelta(days=1)).isoformat()}).status_code == 422
    assert call(park, "POST", url, "contributor", body={"calibrated_on": today.isoformat()}).status_code == 403
    calibrated = call(park, "POST", url, body={"calibrated_on": today.isoformat()})
    assert calibrated.status_code == 200 and calibrated.json()["next_due_on"] == add_months(today, 12).isoformat()
    with session_scope(write=False) as session:
        assert calibration_overdue_on(session, source, today) is None
        assert calibration_overdue_on(session, source, add_months(today, -6)) is not None  # history kept
    assert not [t for t in call(park, "GET", "/api/tasks").json()["tasks"] if t["kind"] == "calibration_due"]


def test_contributors_see_only_their_enterprises_equipment_and_nothing_else(park):
    mine, theirs = make_enterprise(park.id, "本企业"), make_enterprise(park.id, "他企业")
    for enterprise, name in ((mine, "燃气表 A"), (theirs, "燃气表 B")):
        assert (
            call(
                park, "POST", EQUIPMENT, body={"name": name, "enterprise_id": enterprise, "interval_months": 12}
            ).status_code
            == 201
        )
    other = call(park, "GET", EQUIPMENT, params={"enterprise_id": theirs}).json()["rows"][0]
    assert call(park, "GET", EQUIPMENT, "contributor").json()["rows"] == []  # no enterprise: no rows
    assign_enterprise(park.user_ids["contributor"], mine)
    seen = call(park, "GET", EQUIPMENT, "contributor").json()
    assert [r["name"] for r in seen["rows"]] == ["燃气表 A"] and seen["total"] == 1
    assert call(park, "GET", f"{EQUIPMENT}/{other['id']}", "contributor").status_code == 404
    assert call(park, "PATCH", f"{EQUIPMENT}/{other['id']}", "contributor", body={"name": "x"}).status_code == 403
    assert call(park, "POST", EQUIPMENT, "contributor", body={"name": "x", "interval_months": 1}).status_code == 403
    for kind in ("legal", "risks", "parties", "channels", "competence", "training", "communication"):
        assert call(park, "GET", f"/api/registers/{kind}", "contributor").status_code == 403, kind
    assert [r["kind"] for r in call(park, "GET", "/api/registers", "contributor").json()] == ["equipment"]
    assert call(park, "GET", "/api/registers/compliance/rounds", "contributor").status_code == 403


def test_the_review_report_words_the_register_inputs():
    from app.audits.reports import _section_lines

    risk = {
        "title": "政策收紧",
        "significance_before": "low",
        "significance_after": "high",
        "assessed_on": "2026-11-01",
    }
    evaluation = {"title": "年度合规性评价", "counts": {"compliant": 2, "non_compliant": 1}}
    new = {**risk, "title": "光伏机遇", "significance_before": None, "significance_after": "medium"}
    lines = _section_lines({"data": {"risk_changes": [risk, new], "evaluation_rounds": [evaluation]}})
    assert lines[0] == "风险和机遇“政策收紧”：一般 → 重大（2026-11-01）"
    assert lines[1].startswith("风险和机遇“光伏机遇”：新识别 → 较大")
    assert "合规 2" in lines[2] and "不合规 1" in lines[2]
