"""The audit trail and a document's history as a reader reads them: objects are links named by their control
numbers, people by printed name and user name, the action filter a list of labels."""

import re

from tests import factories
from tests.audits.helpers import started_audit
from tests.factories import PASSWORD
from tests.web.test_document_steps import _text


def _rows(page: str) -> str:
    return page.split("<tbody>")[1].split("</tbody>")[0]


def test_trail_objects_are_links_with_control_numbers(browser, park):
    document, revision = factories.publish_new_document(park)
    auditor = browser(park, "auditor")
    rows = _rows(auditor.get("/events?entity_type=revision").text)
    href = f"/documents/{document['id']}#rev-{revision['id']}"
    link = f'<a href="{href}"><span class="cn">{document["control_no"]}</span> 第 1 版</a>'
    assert link in rows
    registered = _rows(auditor.get("/events?action=document.register").text)
    assert f'<a href="/documents/{document["id"]}"><span class="cn">{document["control_no"]}</span></a>' in registered
    english = _rows(browser(park, "auditor", lang="en").get("/events?entity_type=revision").text)
    assert f"{document['control_no']}</span> revision 1</a>" in english


def test_trail_people_show_printed_name_and_user_name(browser, park):
    factories.publish_new_document(park)
    rows = _text(_rows(browser(park, "auditor").get("/events?action=revision.approve").text))
    assert f"top_management 测试 ({park.usernames['top_management']})" in rows


def test_the_action_filter_is_a_list_of_labels(browser, park):
    factories.publish_new_document(park)
    page = browser(park, "auditor").get("/events?action=auth.login").text
    select = re.search(r'<select id="e-action" name="action">(.*?)</select>', page, re.S).group(1)
    assert '<option value="revision.approve" >批准签名</option>' in select
    assert '<option value="auth.login" selected>登录</option>' in select
    assert '<input id="e-action"' not in page
    # A chosen label filters on that action only: sign-ins, not the failed sign-ins that share its prefix.
    browser().login(park.usernames["approver"], "wrong")
    rows = _rows(browser(park, "auditor").get("/events?action=auth.login").text)
    assert "登录" in rows and "登录失败" not in rows


def test_nonconformities_and_audits_are_linked(browser, park):
    coordinator = browser(park, "coordinator")
    raised = coordinator.post(
        "/nonconformities",
        {"origin": "other", "clause_id": "6.2", "severity": "minor", "description": "方针未传达", "origin_ref": "巡查"},
        page="/nonconformities",
    )
    assert raised.status_code == 303, raised.text[:400]
    nc_id = int(re.search(r"/nonconformities/(\d+)", raised.headers["location"]).group(1))
    rows = _rows(browser(park, "auditor").get("/events?entity_type=nonconformity").text)
    assert re.search(rf'<a href="/nonconformities/{nc_id}"><span class="cn">NC-\d{{4}}-\d{{3}}</span></a>', rows)
    history = browser(park, "coordinator").get(f"/nonconformities/{nc_id}").text.split('id="hist-h"')[1]
    assert f"coordinator 测试 ({park.usernames['coordinator']})" in history
    audit = started_audit(park)
    rows = _rows(browser(park, "auditor").get("/events?entity_type=audit").text)
    assert f'<a href="/audits/{audit["id"]}"><span class="cn">{audit["title"]}</span></a>' in rows


def test_document_history_links_and_names(browser, park):
    document, revision = factories.publish_new_document(park)
    page = browser(park, "coordinator").get(f"/documents/{document['id']}").text
    history = page.split('id="hist-h"')[1]
    assert f'href="/documents/{document["id"]}#rev-{revision["id"]}"' in history
    assert f'approver 测试 <span class="muted">({park.usernames["approver"]})</span>' in history
    assert PASSWORD not in history
