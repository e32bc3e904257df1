"""The audit, nonconformity and management review pages: rendering by role, the whole ways through the forms."""

import re

import pytest

from tests.audits.helpers import add_user, events_for, raise_nc, started_audit
from tests.factories import PASSWORD, register
from tests.web.conftest import csrf_of


def _post(b, url: str, data: dict, page: str):
    """POST a page's form with the CSRF token of that page (the way a browser does)."""
    return b.post(url, data, page=page)


def _redirect_id(response, prefix: str) -> int:
    assert response.status_code == 303, response.text[:800]
    return int(re.search(rf"{prefix}/(\d+)", response.headers["location"]).group(1))


def _web_audit(b, park, scope: str = "7") -> int:
    return _redirect_id(
        _post(
            b,
            "/audits",
            {
                "title": "2030 年第 7 章内部审核",
                "scope": scope,
                "criteria": "T/CPQS ZC001—2025",
                "planned_start": "2030-03-01",
                "planned_end": "2030-03-05",
                "lead_auditor_id": str(park.user_ids["auditor"]),
                "units": "碳管理办公室",
            },
            "/audits",
        ),
        "/audits",
    )


def test_audit_pages_by_role_and_park(browser, park, other_park):
    audit = started_audit(park)
    nc = raise_nc(park).json()
    review = park.client.post("/api/reviews", json={"review_date": "2030-06-01"}, headers=park.headers("coordinator"))
    assert review.status_code == 201, review.text
    urls = [
        "/audits",
        f"/audits/{audit['id']}",
        "/nonconformities",
        "/nonconformities?state=open&severity=major",
        f"/nonconformities/{nc['id']}",
        "/reviews",
        f"/reviews/{review.json()['id']}",
    ]
    for role in ("coordinator", "auditor", "approver", "top_management", "admin"):
        b = browser(park, role)
        for url in urls:
            response = b.get(url)
            assert response.status_code == 200, (role, url, response.text[:500])
        home = b.get("/").text
        assert 'href="/audits"' in home and 'href="/nonconformities"' in home and 'href="/reviews"' in home
    contributor = browser(park, "contributor")
    assert 'href="/audits"' not in contributor.get("/").text
    for url in urls:
        assert contributor.get(url).status_code == 403, url
    stranger = browser(other_park, "coordinator")
    for url in urls[1:2] + urls[4:5] + urls[6:]:
        response = stranger.get(url)
        assert response.status_code == 404 and "<html" in response.text, url
    assert stranger.get("/actions/999999").status_code == 404


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_pages_speak_the_chosen_language(browser, park, lang):
    audit = started_audit(park)
    b = browser(park, "auditor", lang=lang)
    page = b.get(f"/audits/{audit['id']}").text
    assert ("检查表" in page) == (lang == "zh") and ("Checklist" in page) == (lang == "en")
    assert ("不符合项" in b.get("/nonconformities").text) == (lang == "zh")
    assert ("Management reviews" in b.get("/reviews").text) == (lang == "en")


@pytest.mark.slow
def test_chapter_7_audit_and_its_nonconformity_through_the_forms(browser, park):
    auditor = browser(park, "auditor")
    audit_id = _web_audit(auditor, park)
    page = auditor.get(f"/audits/{audit_id}")
    assert page.status_code == 200 and "审核已计划" in auditor.get(f"/audits/{audit_id}?done=audit_created").text
    assert f'action="/audits/{audit_id}/start"' in page.text
    assert f"/audits/{audit_id}" in [task["link"] for task in auditor.get("/api/tasks").json()["tasks"]]
    # only the team may start it: the coordinator sees no start button, and the service refuses in plain words
    coordinator = browser(park, "coordinator")
    assert f'action="/audits/{audit_id}/start"' not in coordinator.get(f"/audits/{audit_id}").text
    refused = _post(coordinator, f"/audits/{audit_id}/start", {}, f"/audits/{audit_id}")
    assert refused.status_code == 403 and "审核员" in refused.text

    letter = register(park, "OBJECTIVES_RESPONSIBILITY_LETTER", title="目标和指标责任书")
    assert _post(auditor, f"/audits/{audit_id}/start", {}, f"/audits/{audit_id}").status_code == 303
    page = auditor.get(f"/audits/{audit_id}").text
    lines = [int(i) for i in dict.fromkeys(re.findall(r'name="result-(\d+)"', page))]
    assert len(lines) > 3 and "7.1" in page and "就绪度" in page
    # nonconforming without its severity and description: refused, said plainly
    incomplete = _post(
        auditor, f"/audits/{audit_id}/lines/{lines[0]}", {"result": "nonconforming"}, f"/audits/{audit_id}"
    )
    assert incomplete.status_code == 422 and "严重程度" in incomplete.text
    marked = _post(
        auditor,
        f"/audits/{audit_id}/lines/{lines[0]}",
        {
            "result": "nonconforming",
            "severity": "major",
            "description": "未确定体系所需资源",
            "notes": "查阅资源计划",
            "evidence_document_ids": [str(letter["id"])],
        },
        f"/audits/{audit_id}",
    )
    assert marked.status_code == 303, marked.text[:500]
    page = auditor.get(f"/audits/{audit_id}").text
    nc_id = int(re.search(r'href="/nonconformities/(\d+)"', page).group(1))
    assert letter["control_no"] in auditor.get(f"/nonconformities/{nc_id}").text  # the evidence examined
    listing = auditor.get("/nonconformities?origin=internal_audit").text
    code = park.client.get(f"/api/nonconformities/{nc_id}", headers=park.headers("auditor")).json()["code"]
    assert code.startswith("NC-") and code in listing and "未确定体系所需资源" in listing
    for line_id in lines[1:]:
        assert (
            _post(
                auditor, f"/audits/{audit_id}/lines/{line_id}", {"result": "conforming"}, f"/audits/{audit_id}"
            ).status_code
            == 303
        )
    done = _post(
        auditor, f"/audits/{audit_id}/complete", {"conclusion": "体系基本有效，资源策划需改进"}, f"/audits/{audit_id}"
    )
    assert done.status_code == 303
    report = auditor.get(f"/api/audits/{audit_id}/report.docx")
    assert report.status_code == 200 and report.content[:2] == b"PK"
    filed = _post(coordinator, f"/audits/{audit_id}/file-report", {}, f"/audits/{audit_id}")
    assert filed.status_code == 303
    assert "查看记录" in coordinator.get(f"/audits/{audit_id}").text

    # 11.2: the coordinator analyses and plans, the owner marks the action done, an approver verifies, closed.
    nc_page = f"/nonconformities/{nc_id}"
    assert (
        _post(
            coordinator,
            f"{nc_page}/analyse",
            {"cause_analysis": "资源策划未覆盖监测设备", "similar_elsewhere": "no"},
            nc_page,
        ).status_code
        == 303
    )
    owner_id = add_user(park, "top_management", "总经理办公室")
    owner = browser()
    owner.login(park.usernames["top_management2"])
    planned = _post(
        coordinator,
        f"{nc_page}/plan",
        {"description": ["编制监测设备资源计划", ""], "owner_id": [str(owner_id), ""], "due_date": ["2030-05-01", ""]},
        nc_page,
    )
    assert planned.status_code == 303, planned.text[:500]
    action_id = int(re.search(r'action="/actions/(\d+)/done"', owner.get(nc_page).text).group(1))
    links = [task["link"] for task in owner.get("/api/tasks").json()["tasks"]]
    assert nc_page in links
    for link in links:  # every task link of app.tasks.service leads to a page (an action's link redirects to it)
        assert owner.get(link, follow_redirects=True).status_code == 200, link
    assert owner.get(f"/actions/{action_id}").headers["location"] == nc_page
    assert 'action="/actions/' not in coordinator.get(nc_page).text  # not the owner: no form
    assert _post(owner, f"/actions/{action_id}/done", {"evidence": "资源计划第 1 版"}, nc_page).status_code == 303
    assert (
        _post(coordinator, f"{nc_page}/complete", {"completion_evidence": "资源计划已发布"}, nc_page).status_code == 303
    )
    approver = browser(park, "approver")
    assert f'action="{nc_page}/verify"' in approver.get(nc_page).text
    verified = _post(approver, f"{nc_page}/verify", {"verification": "抽查 3 台设备，计划已落实"}, nc_page)
    assert verified.status_code == 303
    assert _post(coordinator, f"{nc_page}/close", {"comment": "关闭"}, nc_page).status_code == 303
    page = coordinator.get(nc_page).text
    assert "已关闭" in page and "抽查 3 台设备" in page and "已验证有效" in page
    assert events_for("nonconformity", nc_id)[-4:] == [
        "nonconformity.plan",
        "nonconformity.complete",
        "nonconformity.verify",
        "nonconformity.close",
    ]


def test_a_contributor_owner_marks_the_action_done_from_the_task_link(browser, park):
    nc = raise_nc(park).json()
    nc_page = f"/nonconformities/{nc['id']}"
    coordinator = browser(park, "coordinator")
    unsaid = _post(coordinator, f"{nc_page}/analyse", {"cause_analysis": "原因", "similar_elsewhere": "yes"}, nc_page)
    assert unsaid.status_code == 422 and "必须说明在哪里" in unsaid.text
    assert (
        _post(
            coordinator, f"{nc_page}/analyse", {"cause_analysis": "原因", "similar_elsewhere": "no"}, nc_page
        ).status_code
        == 303
    )
    planned = _post(
        coordinator,
        f"{nc_page}/plan",
        {"description": "培训", "owner_id": park.user_ids["contributor"], "due_date": "2030-05-01"},
        nc_page,
    )
    assert planned.status_code == 303
    contributor = browser(park, "contributor")
    action_id = park.client.get(f"/api/nonconformities/{nc['id']}", headers=park.headers("coordinator")).json()[
        "actions"
    ][0]["id"]
    page = contributor.get(f"/actions/{action_id}")
    assert page.status_code == 200 and "培训" in page.text
    done = contributor.post(f"/actions/{action_id}/done", {"evidence": "已培训 12 人"}, token=csrf_of(page.text))
    assert done.status_code == 303
    assert contributor.get(f"/actions/{action_id}").status_code == 200


def test_management_review_through_the_forms(browser, park):
    coordinator = browser(park, "coordinator")
    review_id = _redirect_id(
        _post(coordinator, "/reviews", {"title": "2030 年度管理评审", "review_date": "2030-06-01"}, "/reviews"),
        "/reviews",
    )
    page = coordinator.get(f"/reviews/{review_id}").text
    assert "待填写" in page and "以往管理评审所采取措施的状况" in page
    assert (
        _post(
            coordinator,
            f"/reviews/{review_id}/inputs",
            {"key": "policy", "text": "方针仍然适宜"},
            f"/reviews/{review_id}",
        ).status_code
        == 303
    )
    assert "方针仍然适宜" in coordinator.get(f"/reviews/{review_id}").text
    decided = _post(
        coordinator,
        f"/reviews/{review_id}/decisions",
        {
            "output_item": "f",
            "decision": "增加监测设备预算",
            "action_description": "编制预算",
            "action_owner_id": str(park.user_ids["approver"]),
            "action_due_date": "2030-09-30",
        },
        f"/reviews/{review_id}",
    )
    assert decided.status_code == 303, decided.text[:500]
    assert "增加监测设备预算" in coordinator.get(f"/reviews/{review_id}").text
    assert f'action="/reviews/{review_id}/close"' not in coordinator.get(f"/reviews/{review_id}").text
    top = browser(park, "top_management")
    assert f'action="/reviews/{review_id}/close"' in top.get(f"/reviews/{review_id}").text
    wrong = _post(top, f"/reviews/{review_id}/close", {"password": "not-the-password"}, f"/reviews/{review_id}")
    # a wrong password on an electronic signature is a failed re-authentication: 401, not a refusal of the role
    assert wrong.status_code == 401 and "<html" in wrong.text
    closed = _post(
        top, f"/reviews/{review_id}/close", {"password": PASSWORD, "comment": "同意"}, f"/reviews/{review_id}"
    )
    assert closed.status_code == 303, closed.text[:500]
    page = top.get(f"/reviews/{review_id}").text
    assert "已关闭" in page and "top_management 测试" in page
    assert _post(coordinator, f"/reviews/{review_id}/file-report", {}, f"/reviews/{review_id}").status_code == 303
    assert top.get(f"/api/reviews/{review_id}/report.docx").content[:2] == b"PK"
    # the decision's action is a task of its owner: its link resolves to the review
    approver = browser(park, "approver")
    action_id = int(re.search(r'action="/actions/(\d+)/done"', approver.get(f"/reviews/{review_id}").text).group(1))
    assert approver.get(f"/actions/{action_id}").headers["location"] == f"/reviews/{review_id}"


def test_forms_without_the_csrf_token_are_refused(browser, park):
    auditor = browser(park, "auditor")
    audit = started_audit(park)
    for url, data in (
        ("/audits", {"title": "x", "scope": "7"}),
        (f"/audits/{audit['id']}/start", {}),
        ("/reviews", {"review_date": "2030-06-01"}),
    ):
        refused = auditor.client.post(url, data=data)
        assert refused.status_code == 403 and "CSRF" in refused.text, url
    wrong = auditor.client.post("/audits", data={"title": "x", "csrf_token": "0" * 64})
    assert wrong.status_code == 403


def test_raising_a_nonconformity_from_monitoring(browser, park):
    coordinator = browser(park, "coordinator")
    assert 'data-action="raise"' in coordinator.get("/nonconformities").text
    unsaid = _post(
        coordinator,
        "/nonconformities",
        {"origin": "monitoring", "clause_id": "9.1", "severity": "minor", "description": "月度排放强度超出基准"},
        "/nonconformities",
    )
    assert unsaid.status_code == 422 and "来源" in unsaid.text
    nc_id = _redirect_id(
        _post(
            coordinator,
            "/nonconformities",
            {
                "origin": "monitoring",
                "origin_ref": "在线监测点 3 号",
                "clause_id": "9.1",
                "severity": "minor",
                "description": "月度排放强度超出基准",
            },
            "/nonconformities",
        ),
        "/nonconformities",
    )
    page = coordinator.get(f"/nonconformities/{nc_id}?done=nc_raised").text
    assert "在线监测点 3 号" in page and "不符合项已提出" in page
    approver = browser(park, "approver")
    assert 'data-action="raise"' not in approver.get("/nonconformities").text
    refused = _post(
        approver,
        "/nonconformities",
        {"origin": "other", "origin_ref": "x", "clause_id": "9.1", "severity": "minor", "description": "x"},
        "/nonconformities",
    )
    assert refused.status_code == 403 and "<html" in refused.text
