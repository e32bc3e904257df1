"""What is due, per user, on fixed dates: GET /api/tasks and `carbonms remind`."""

from datetime import timedelta

from typer.testing import CliRunner

from app.common import utcnow
from tests.audits.helpers import create_audit, post, raise_nc
from tests.factories import PASSWORD, publish_new_document, register, upload


def _tasks(park, role: str, today: str) -> list[dict]:
    response = park.client.get("/api/tasks", params={"today": today}, headers=park.headers(role))
    assert response.status_code == 200, response.text
    assert response.json()["today"] == today
    return response.json()["tasks"]


def _kinds(tasks: list[dict]) -> list[str]:
    return [task["kind"] for task in tasks]


def test_audit_dates_go_to_the_team(park):
    audit = create_audit(park, start="2030-03-01", end="2030-03-05").json()
    before = [t for t in _tasks(park, "auditor", "2030-02-20") if t["kind"] == "audit_start"]
    assert len(before) == 1
    task = before[0]
    assert task["due_date"] == "2030-03-01" and task["overdue"] is False
    assert task["link"] == f"/audits/{audit['id']}" and task["entity_id"] == audit["id"]
    assert task["title_zh"].startswith("实施内部审核") and task["title_en"].startswith("Start")
    for bad in ("9999-12-31", "0001-01-01", "2030-02-30"):
        assert park.client.get("/api/tasks", params={"today": bad}, headers=park.headers("auditor")).status_code == 422
    late = [t for t in _tasks(park, "auditor", "2030-03-02") if t["kind"] == "audit_start"]
    assert late[0]["overdue"] is True
    assert "audit_start" not in _kinds(_tasks(park, "approver", "2030-03-02"))
    post(park, f"/api/audits/{audit['id']}/start", "auditor")
    assert "audit_finish" in _kinds(_tasks(park, "auditor", "2030-03-02"))


def test_actions_and_nonconformities_wait_on_the_right_people(park):
    nc = raise_nc(park).json()
    url = f"/api/nonconformities/{nc['id']}"
    assert "nc_analyse" in _kinds(_tasks(park, "coordinator", "2030-01-01"))
    post(park, f"{url}/analyse", "coordinator", {"cause_analysis": "x", "similar_elsewhere": False})
    assert "nc_plan" in _kinds(_tasks(park, "coordinator", "2030-01-01"))
    action = post(
        park,
        f"{url}/plan",
        "coordinator",
        {"actions": [{"description": "修订年度计划", "owner_id": park.user_ids["approver"], "due_date": "2030-01-10"}]},
    ).json()["actions"][0]
    on_time = [t for t in _tasks(park, "approver", "2030-01-09") if t["kind"] == "action_due"]
    assert len(on_time) == 1 and on_time[0]["overdue"] is False and on_time[0]["due_date"] == "2030-01-10"
    assert on_time[0]["link"] == f"/nonconformities/{nc['id']}"
    assert on_time[0]["ids"]["action_id"] == action["id"]
    late = [t for t in _tasks(park, "approver", "2030-01-11") if t["kind"] == "action_due"]
    assert late[0]["overdue"] is True and _tasks(park, "approver", "2030-01-11")[0]["overdue"] is True
    assert "nc_complete" not in _kinds(_tasks(park, "coordinator", "2030-01-11"))  # waits on the owner
    post(park, f"/api/actions/{action['id']}/done", "approver", {"evidence": "已修订"})
    assert "nc_complete" in _kinds(_tasks(park, "coordinator", "2030-01-11"))
    assert "action_due" not in _kinds(_tasks(park, "approver", "2030-01-11"))
    post(park, f"{url}/complete", "coordinator", {"completion_evidence": "x"})
    # verification waits on verifiers who own no action
    assert "nc_verify" in _kinds(_tasks(park, "auditor", "2030-01-11"))
    assert "nc_verify" in _kinds(_tasks(park, "top_management", "2030-01-11"))
    assert "nc_verify" not in _kinds(_tasks(park, "approver", "2030-01-11"))
    post(park, f"{url}/verify", "auditor", {"verification": "有效"})
    assert "nc_close" in _kinds(_tasks(park, "coordinator", "2030-01-11"))


def test_revisions_periodic_reviews_and_annual_records(park):
    today = utcnow().date()
    coordinator = _tasks(park, "coordinator", today.isoformat())
    missing = [t for t in coordinator if t["kind"] == "record_missing"]
    # Readiness decides (one due-date rule): 7.3.2 asks for three records, its review record, the GHG inventory
    # report and the enterprises' activity data; the carbon review report (7.3.1–7.3.5) is one task, where it
    # counts (7.3.1); never filed is missing, not overdue (the dashboard counts it the same way).
    annual = sorted(t["ids"]["clause_id"] for t in missing if t["ids"]["clause_id"].startswith("7.3."))
    assert annual == ["7.3.1", "7.3.2", "7.3.2", "7.3.2", "7.3.3", "7.3.4", "7.3.5"]
    assert not any(t["overdue"] for t in missing) and all(t["due_date"] for t in missing)
    assert "/clauses/7.3.3" in {t["link"] for t in missing}

    document = register(park, "CARBON_MANAGEMENT_RULES", title="碳排放管理制度")
    revision = upload(park, document["id"]).json()
    park.client.post(f"/api/revisions/{revision['id']}/submit", headers=park.headers("coordinator"))
    waiting = [t for t in _tasks(park, "approver", today.isoformat()) if t["kind"] == "revision_review"]
    assert waiting and waiting[0]["link"] == f"/documents/{document['id']}"
    assert waiting[0]["ids"]["revision_id"] == revision["id"]
    # rejected: back to its preparer
    park.client.post(
        f"/api/revisions/{revision['id']}/reject",
        json={"password": PASSWORD, "comment": "请补充"},
        headers=park.headers("approver"),
    )
    assert "revision_returned" in _kinds(_tasks(park, "coordinator", today.isoformat()))

    policy, _ = publish_new_document(park, "CARBON_POLICY")  # 12-month review cycle
    soon = (today + timedelta(days=350)).isoformat()
    later = (today + timedelta(days=400)).isoformat()
    assert not [t for t in _tasks(park, "coordinator", today.isoformat()) if t["kind"] == "document_review"]
    due = [t for t in _tasks(park, "coordinator", soon) if t["kind"] == "document_review"]
    assert [t["entity_id"] for t in due] == [policy["id"]] and due[0]["overdue"] is False
    overdue = [t for t in _tasks(park, "coordinator", later) if t["kind"] == "document_review"]
    assert overdue[0]["overdue"] is True
    assert "document_review" not in _kinds(_tasks(park, "approver", later))


def test_review_waits_on_top_management_then_its_filing_on_coordinators(park):
    review = post(park, "/api/reviews", "coordinator", {"review_date": "2026-01-15"}).json()
    tasks = [t for t in _tasks(park, "top_management", "2026-01-16") if t["kind"] == "review_close"]
    assert tasks[0]["entity_id"] == review["id"] and tasks[0]["overdue"] is True
    assert (
        next(t for t in _tasks(park, "top_management", "2026-01-10") if t["kind"] == "review_close")["overdue"] is False
    )
    post(park, f"/api/reviews/{review['id']}/decisions", "coordinator", {"output_item": "b", "decision": "方针适用"})
    post(park, f"/api/reviews/{review['id']}/close", "top_management", {"password": PASSWORD})
    assert "review_close" not in _kinds(_tasks(park, "top_management", "2026-01-16"))
    assert "review_file_report" in _kinds(_tasks(park, "coordinator", "2026-01-16"))
    # (a review held in a past year: its report's period, that year, may not lie in the future)
    assert post(park, f"/api/reviews/{review['id']}/file-report", "coordinator").status_code < 300
    assert "review_file_report" not in _kinds(_tasks(park, "coordinator", "2026-01-16"))


def test_remind_prints_each_users_list(park, monkeypatch):
    from app.cli import app as cli

    monkeypatch.delenv("CARBONMS_SMTP_HOST", raising=False)
    create_audit(park, start="2030-03-01", end="2030-03-05")
    raise_nc(park)
    result = CliRunner().invoke(cli, ["remind", "--today", "2030-03-02", "--park", park.code])
    assert result.exit_code == 0, result.output
    assert park.usernames["auditor"] in result.output and park.usernames["coordinator"] in result.output
    assert "【已逾期 overdue】实施内部审核" in result.output
    assert "分析原因" in result.output
    assert park.usernames["contributor"] not in result.output
    bad = CliRunner().invoke(cli, ["remind", "--today", "2030-13-01"])
    assert bad.exit_code != 0


def test_remind_emails_when_smtp_is_configured(park, monkeypatch):
    from app.cli import app as cli
    from app.tasks import reminders as task_module

    sent: list = []

    class FakeSMTP:
        def __init__(self, host, port, timeout):
            sent.append(("connect", host, port))

        def starttls(self):
            sent.append(("starttls",))

        def login(self, user, password):
            sent.append(("login", user))

        def send_message(self, message):
            sent.append(("send", message["To"], message.get_content()))

        def quit(self):
            sent.append(("quit",))

    monkeypatch.setattr(task_module.smtplib, "SMTP", FakeSMTP)
    monkeypatch.setenv("CARBONMS_SMTP_HOST", "mail.example.test")
    monkeypatch.setenv("CARBONMS_SMTP_PORT", "2525")
    monkeypatch.setenv("CARBONMS_SMTP_DOMAIN", "park.example.test")
    monkeypatch.setenv("CARBONMS_SMTP_STARTTLS", "true")
    monkeypatch.setenv("CARBONMS_SMTP_USER", "mailer")
    raise_nc(park)
    result = CliRunner().invoke(cli, ["remind", "--today", "2030-03-02", "--park", park.code])
    assert result.exit_code == 0, result.output
    assert sent[0] == ("connect", "mail.example.test", 2525) and ("starttls",) in sent and sent[-1] == ("quit",)
    mails = {entry[1]: entry[2] for entry in sent if entry[0] == "send"}
    address = f"{park.usernames['coordinator']}@park.example.test"
    assert address in mails and "分析原因" in mails[address]
