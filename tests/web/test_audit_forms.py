"""The forms for a further corrective action, an audit finding and a nonconformity raised from a management review:
shown only to whom the services allow, creating through the services, refused without CSRF, bad input in words."""

import re

import pytest

from tests.audits.helpers import add_user, create_audit, events_for, post, raise_nc, started_audit

ZH_PAGE = '<html lang="zh-CN">'


def _planned_nc(park) -> int:
    """A nonconformity whose actions are under way (action_planned), one action owned by the approver."""
    nc_id = raise_nc(park).json()["id"]
    assert (
        post(
            park,
            f"/api/nonconformities/{nc_id}/analyse",
            "coordinator",
            {"cause_analysis": "方针评审未纳入年度计划", "similar_elsewhere": False},
        ).status_code
        == 200
    )
    planned = post(
        park,
        f"/api/nonconformities/{nc_id}/plan",
        "coordinator",
        {
            "actions": [
                {
                    "description": "将方针评审纳入年度计划",
                    "owner_id": park.user_ids["approver"],
                    "due_date": "2030-04-01",
                }
            ]
        },
    )
    assert planned.status_code == 200, planned.text
    return nc_id


def _nc(park, nc_id: int) -> dict:
    response = park.client.get(f"/api/nonconformities/{nc_id}", headers=park.headers("coordinator"))
    assert response.status_code == 200, response.text
    return response.json()


def _refused_in_chinese(response, status: int, *words: str) -> None:
    assert response.status_code == status, response.text[:800]
    assert ZH_PAGE in response.text and 'class="flash error error-message"' in response.text
    for word in words:
        assert word in response.text, (word, response.text[:800])


# ---------------------------------------------------------------- a further corrective action


def test_add_action_form_is_shown_to_the_coordinator_while_actions_are_planned(browser, park):
    open_nc = raise_nc(park).json()["id"]
    planned = _planned_nc(park)
    coordinator = browser(park, "coordinator")
    page = coordinator.get(f"/nonconformities/{planned}").text
    assert f'action="/nonconformities/{planned}/actions"' in page and "增加纠正措施" in page
    assert 'data-action="add-action"' not in coordinator.get(f"/nonconformities/{open_nc}").text  # not planned yet
    for role in ("approver", "top_management", "auditor", "admin"):
        assert 'data-action="add-action"' not in browser(park, role).get(f"/nonconformities/{planned}").text, role
    english = browser(park, "coordinator", lang="en").get(f"/nonconformities/{planned}").text
    assert "Add a corrective action" in english and "增加纠正措施" not in english


def test_adding_an_action_through_the_form(browser, park):
    nc_id = _planned_nc(park)
    nc_page = f"/nonconformities/{nc_id}"
    coordinator = browser(park, "coordinator")
    added = coordinator.post(
        f"{nc_page}/actions",
        {"description": "修订方针评审程序", "owner_id": str(park.user_ids["top_management"]), "due_date": "2030-05-15"},
        page=nc_page,
    )
    assert added.status_code == 303, added.text[:800]
    location = added.headers["location"]
    assert location.startswith(f"{nc_page}?done=action_added")
    actions = _nc(park, nc_id)["actions"]
    assert [a["description"] for a in actions] == ["将方针评审纳入年度计划", "修订方针评审程序"]
    new = actions[1]
    assert new["owner_id"] == park.user_ids["top_management"] and new["due_date"] == "2030-05-15"
    assert new["state"] == "open" and location.endswith(f"#action-{new['id']}")
    assert events_for("corrective_action", new["id"]) == ["action.create"]
    page = coordinator.get(location.split("#")[0]).text
    assert "纠正措施已增加" in page and "修订方针评审程序" in page and "2030-05-15" in page
    # the new owner gets the action's form on the page
    owner = browser(park, "top_management")
    assert f'action="/actions/{new["id"]}/done"' in owner.get(nc_page).text


def test_adding_an_action_refused_without_csrf_for_a_wrong_role_or_state(browser, park):
    nc_id = _planned_nc(park)
    nc_page = f"/nonconformities/{nc_id}"
    form = {"description": "修订方针评审程序", "owner_id": str(park.user_ids["approver"]), "due_date": "2030-05-15"}
    coordinator = browser(park, "coordinator")
    missing = coordinator.client.post(f"{nc_page}/actions", data=form)
    _refused_in_chinese(missing, 403, "CSRF")
    wrong = coordinator.client.post(f"{nc_page}/actions", data={**form, "csrf_token": "0" * 64})
    _refused_in_chinese(wrong, 403, "CSRF")
    approver = browser(park, "approver")
    _refused_in_chinese(approver.post(f"{nc_page}/actions", form, page=nc_page), 403, "只有体系管理员")
    open_nc = raise_nc(park).json()["id"]
    _refused_in_chinese(
        coordinator.post(f"/nonconformities/{open_nc}/actions", form, page=nc_page), 409, "纠正措施实施阶段"
    )
    assert len(_nc(park, nc_id)["actions"]) == 1 and _nc(park, open_nc)["actions"] == []


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"description": "  "}, ("每项措施都必须有内容、负责人和完成期限",)),
        ({"owner_id": ""}, ("每项措施都必须有内容、负责人和完成期限",)),
        ({"due_date": ""}, ("每项措施都必须有内容、负责人和完成期限",)),
        ({"due_date": "2030-02-30"}, ("完成期限不是有效日期",)),
        ({"owner_id": "abc"}, ("编号不正确",)),
    ],
)
def test_adding_an_action_with_bad_input_says_what_is_wrong(browser, park, change, words):
    nc_id = _planned_nc(park)
    nc_page = f"/nonconformities/{nc_id}"
    form = {"description": "修订方针评审程序", "owner_id": str(park.user_ids["approver"]), "due_date": "2030-05-15"}
    response = browser(park, "coordinator").post(f"{nc_page}/actions", {**form, **change}, page=nc_page)
    _refused_in_chinese(response, 422, *words)
    assert len(_nc(park, nc_id)["actions"]) == 1


def test_an_action_for_another_parks_user_is_not_found(browser, park, other_park):
    nc_id = _planned_nc(park)
    nc_page = f"/nonconformities/{nc_id}"
    response = browser(park, "coordinator").post(
        f"{nc_page}/actions",
        {"description": "x", "owner_id": str(other_park.user_ids["approver"]), "due_date": "2030-05-15"},
        page=nc_page,
    )
    assert response.status_code == 404 and ZH_PAGE in response.text
    stranger = browser(other_park, "coordinator")
    foreign = stranger.post(
        f"{nc_page}/actions",
        {"description": "x", "owner_id": str(other_park.user_ids["approver"]), "due_date": "2030-05-15"},
        page="/nonconformities",
    )
    assert foreign.status_code == 404 and len(_nc(park, nc_id)["actions"]) == 1


# ---------------------------------------------------------------- audit findings


def test_finding_form_is_shown_to_the_audit_team_while_the_audit_is_in_progress(browser, park):
    audit_id = started_audit(park)["id"]
    planned = create_audit(park, start="2031-03-01", end="2031-03-05")
    assert planned.status_code == 201, planned.text
    auditor = browser(park, "auditor")
    page = auditor.get(f"/audits/{audit_id}").text
    assert f'action="/audits/{audit_id}/findings"' in page and "记录观察项或改进机会" in page
    assert 'value="improvement"' in page and 'value="10.2"' in page
    assert 'data-action="add-finding"' not in auditor.get(f"/audits/{planned.json()['id']}").text  # not started
    add_user(park, "auditor", "质量部")
    outsider = browser()
    outsider.login(park.usernames["auditor2"])
    assert 'data-action="add-finding"' not in outsider.get(f"/audits/{audit_id}").text  # not on the team
    for role in ("coordinator", "approver", "top_management", "admin"):
        assert 'data-action="add-finding"' not in browser(park, role).get(f"/audits/{audit_id}").text, role


def test_recording_a_finding_through_the_form(browser, park):
    audit_id = started_audit(park)["id"]
    audit_page = f"/audits/{audit_id}"
    auditor = browser(park, "auditor")
    done = auditor.post(
        f"{audit_page}/findings",
        {"kind": "improvement", "clause_id": "10.2", "description": "可将审核方案与年度计划联动"},
        page=audit_page,
    )
    assert done.status_code == 303, done.text[:800]
    assert done.headers["location"] == f"{audit_page}?done=finding_added#findings"
    no_clause = auditor.post(
        f"{audit_page}/findings",
        {"kind": "observation", "clause_id": "", "description": "部分记录签字日期不全"},
        page=audit_page,
    )
    assert no_clause.status_code == 303, no_clause.text[:800]
    findings = park.client.get(f"/api/audits/{audit_id}", headers=park.headers("coordinator")).json()["findings"]
    assert [(f["kind"], f["clause_id"], f["description"]) for f in findings] == [
        ("improvement", "10.2", "可将审核方案与年度计划联动"),
        ("observation", None, "部分记录签字日期不全"),
    ]
    assert events_for("audit_finding", findings[0]["id"]) == ["audit_finding.create"]
    page = auditor.get(f"{audit_page}?done=finding_added").text
    assert "审核发现已记录" in page and "可将审核方案与年度计划联动" in page and "改进机会" in page


def test_recording_a_finding_refused_without_csrf_or_off_the_team(browser, park):
    audit_id = started_audit(park)["id"]
    audit_page = f"/audits/{audit_id}"
    form = {"kind": "observation", "description": "部分记录签字日期不全"}
    auditor = browser(park, "auditor")
    _refused_in_chinese(auditor.client.post(f"{audit_page}/findings", data=form), 403, "CSRF")
    _refused_in_chinese(
        auditor.client.post(f"{audit_page}/findings", data={**form, "csrf_token": "f" * 64}), 403, "CSRF"
    )
    coordinator = browser(park, "coordinator")
    _refused_in_chinese(coordinator.post(f"{audit_page}/findings", form, page=audit_page), 403, "审核员")
    planned = create_audit(park, start="2031-03-01", end="2031-03-05").json()["id"]
    _refused_in_chinese(auditor.post(f"/audits/{planned}/findings", form, page=audit_page), 409, "已计划")
    assert park.client.get(f"/api/audits/{audit_id}", headers=park.headers("auditor")).json()["findings"] == []


@pytest.mark.parametrize(
    ("change", "status", "words"),
    [
        ({"description": ""}, 422, ("请填写说明",)),
        ({"description": "   "}, 422, ("请填写说明",)),
        ({"kind": "verdict"}, 422, ("输入有误", "kind")),
        ({"clause_id": "99.9"}, 422, ("条款 99.9 不存在",)),
        ({"clause_id": "x" * 17}, 422, ("输入有误", "clause_id")),
    ],
)
def test_recording_a_finding_with_bad_input_says_what_is_wrong(browser, park, change, status, words):
    audit_id = started_audit(park)["id"]
    audit_page = f"/audits/{audit_id}"
    form = {"kind": "observation", "clause_id": "10.2", "description": "部分记录签字日期不全"}
    response = browser(park, "auditor").post(f"{audit_page}/findings", {**form, **change}, page=audit_page)
    _refused_in_chinese(response, status, *words)
    assert park.client.get(f"/api/audits/{audit_id}", headers=park.headers("auditor")).json()["findings"] == []


# ---------------------------------------------------------------- nonconformities raised from a management review


def _review(park, title: str = "2030 年度管理评审") -> int:
    response = park.client.post(
        "/api/reviews", json={"title": title, "review_date": "2030-06-01"}, headers=park.headers("coordinator")
    )
    assert response.status_code == 201, response.text
    return response.json()["id"]


def _review_ncs(park, review_id: int) -> list[dict]:
    rows = park.client.get(
        "/api/nonconformities", params={"origin": "management_review"}, headers=park.headers("coordinator")
    ).json()
    return [row for row in rows if row["review_id"] == review_id]


def test_raise_from_review_form_is_shown_to_the_roles_that_may_raise(browser, park):
    review_id = _review(park)
    for role in ("coordinator", "top_management", "auditor"):
        page = browser(park, role).get(f"/reviews/{review_id}").text
        assert f'action="/reviews/{review_id}/nonconformities"' in page and "从本次评审提出不符合项" in page, role
        assert 'value="9.1"' in page and 'value="major"' in page
    for role in ("approver", "admin"):
        page = browser(park, role).get(f"/reviews/{review_id}").text
        assert 'data-action="raise-nc"' not in page and "本次评审提出的不符合项" not in page, role
    english = browser(park, "top_management", lang="en").get(f"/reviews/{review_id}").text
    assert "Raise a nonconformity from this review" in english and "从本次评审提出不符合项" not in english


def test_raising_a_nonconformity_from_a_review_through_the_form(browser, park):
    review_id = _review(park)
    review_page = f"/reviews/{review_id}"
    top = browser(park, "top_management")
    raised = top.post(
        f"{review_page}/nonconformities",
        {
            "clause_id": "9.1",
            "severity": "major",
            "description": "年度碳排放强度目标未实现且未分析原因",
            "origin_ref": "",
            "evidence_examined": "目标完成情况一览表",
        },
        page=review_page,
    )
    assert raised.status_code == 303, raised.text[:800]
    nc_id = int(re.fullmatch(r"/nonconformities/(\d+)\?done=nc_raised", raised.headers["location"]).group(1))
    nc = _nc(park, nc_id)
    assert nc["origin"]["origin"] == "management_review" and nc["review_id"] == review_id
    assert nc["origin_ref"] == "2030 年度管理评审" and nc["origin"]["link"] == review_page
    assert (nc["clause_id"], nc["severity"], nc["state"]) == ("9.1", "major", "open")
    assert nc["evidence_examined"] == "目标完成情况一览表"
    assert events_for("nonconformity", nc_id) == ["nonconformity.raise"]
    assert "不符合项已提出" in top.get(raised.headers["location"]).text
    with_ref = top.post(
        f"{review_page}/nonconformities",
        {
            "clause_id": "7.3",
            "severity": "minor",
            "description": "资源配置计划未更新",
            "origin_ref": "评审输出 f) 资源分配",
        },
        page=review_page,
    )
    assert with_ref.status_code == 303, with_ref.text[:800]
    assert [n["origin_ref"] for n in (_nc(park, n["id"]) for n in _review_ncs(park, review_id))] == [
        "2030 年度管理评审",
        "评审输出 f) 资源分配",
    ]
    page = top.get(review_page).text
    assert _nc(park, nc_id)["code"] in page and "年度碳排放强度目标未实现" in page and "资源配置计划未更新" in page
    # the coordinator takes it on from there
    assert "analyse" in _nc(park, nc_id)["allowed_actions"]


def test_raising_from_a_review_refused_without_csrf_for_a_wrong_role_or_park(browser, park, other_park):
    review_id = _review(park)
    review_page = f"/reviews/{review_id}"
    form = {"clause_id": "9.1", "severity": "major", "description": "目标未实现"}
    coordinator = browser(park, "coordinator")
    _refused_in_chinese(coordinator.client.post(f"{review_page}/nonconformities", data=form), 403, "CSRF")
    _refused_in_chinese(
        coordinator.client.post(f"{review_page}/nonconformities", data={**form, "csrf_token": "a" * 64}), 403, "CSRF"
    )
    approver = browser(park, "approver")
    _refused_in_chinese(
        approver.post(f"{review_page}/nonconformities", form, page=review_page),
        403,
        "只有体系管理员、内审员或最高管理者",
    )
    stranger = browser(other_park, "coordinator")
    foreign = stranger.post(f"{review_page}/nonconformities", form, page="/reviews")
    _refused_in_chinese(foreign, 404, "管理评审不存在")
    assert _review_ncs(park, review_id) == []


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"description": ""}, ("请填写不符合描述",)),
        ({"description": "  \n "}, ("请填写不符合描述",)),
        ({"clause_id": ""}, ("请选择不符合项涉及的条款",)),
        ({"clause_id": "12.9"}, ("条款 12.9 不存在",)),
        ({"severity": "catastrophic"}, ("输入有误", "severity")),
        ({"origin_ref": "来" * 301}, ("输入有误", "origin_ref")),
    ],
)
def test_raising_from_a_review_with_bad_input_says_what_is_wrong(browser, park, change, words):
    review_id = _review(park)
    review_page = f"/reviews/{review_id}"
    form = {"clause_id": "9.1", "severity": "major", "description": "目标未实现"}
    response = browser(park, "coordinator").post(f"{review_page}/nonconformities", {**form, **change}, page=review_page)
    _refused_in_chinese(response, 422, *words)
    assert _review_ncs(park, review_id) == []
