"""The document page leads the way: why a step is not offered, who acts next, one headed form per step, refusals
shown inline with what was typed kept, confirmation before obsolete and void."""

import html as html_lib
import re

from app.db import session_scope
from app.users.models import Role, User
from tests import factories
from tests.factories import PASSWORD
from tests.web.conftest import csrf_of
from tests.web.test_pages import _step, _upload, _version, _web_document


def _text(page: str) -> str:
    return re.sub(r"\s+", " ", html_lib.unescape(re.sub(r"<[^>]+>", "", page)))


def _submitted(browser, park) -> tuple[object, int]:
    coordinator = browser(park, "coordinator")
    document_id = _web_document(coordinator)  # CARBON_POLICY: approved by top management
    assert _upload(coordinator, document_id).status_code == 303
    assert _step(coordinator, document_id, "submit").status_code == 303
    return coordinator, document_id


def test_after_submit_the_page_says_who_reviews_next(browser, park):
    coordinator, document_id = _submitted(browser, park)
    page = coordinator.get(f"/documents/{document_id}?done=submit").text
    line = re.search(r'<p class="next-step" data-next="review">(.*?)</p>', page, re.S)
    assert line, "no next step on the page"
    text = _text(line.group(1))
    assert "下一步：审核，由部门负责人 / 最高管理者执行。" in text
    assert f"approver 测试 ({park.usernames['approver']})" in text
    assert f"top_management 测试 ({park.usernames['top_management']})" in text
    assert "auditor 测试" not in text


def test_the_reviewer_is_told_why_there_is_no_approve_form(browser, park):
    _, document_id = _submitted(browser, park)
    approver = browser(park, "approver")
    assert _step(approver, document_id, "review", password=PASSWORD, comment="同意").status_code == 303
    page = approver.get(f"/documents/{document_id}").text
    assert 'action="/revisions/' not in page
    refused = _text(re.search(r'<li data-refused="approve">(.*?)</li>', page, re.S).group(1))
    assert "此类文件必须由最高管理者批准" in refused
    # The page's reason is the refusal the step gives: one rule, two uses.
    revision_id = int(re.search(r'id="rev-(\d+)"', page).group(1))
    api = factories.sign(park, revision_id, "approve", "approver")
    assert api.status_code == 403 and api.json()["message_zh"] == "此类文件必须由最高管理者批准"
    # And who acts next is named: top management, not the reviewer.
    next_line = _text(re.search(r'<p class="next-step" data-next="approve">(.*?)</p>', page, re.S).group(1))
    assert "top_management 测试" in next_line and "approver 测试" not in next_line


def test_the_reviewer_of_an_approver_type_may_not_also_approve(browser, park):
    coordinator = browser(park, "coordinator")
    document_id = _web_document(coordinator, title="年度工作计划", doc_type="ANNUAL_WORK_PLAN")
    _upload(coordinator, document_id)
    _step(coordinator, document_id, "submit")
    approver = browser(park, "approver")
    assert _step(approver, document_id, "review", password=PASSWORD).status_code == 303
    page = approver.get(f"/documents/{document_id}").text
    refused = _text(re.search(r'<li data-refused="approve">(.*?)</li>', page, re.S).group(1))
    assert "您审核了此版本，不能再批准它" in refused
    english = browser(park, "approver", lang="en").get(f"/documents/{document_id}").text
    assert "You reviewed this revision and may not also approve it" in english


def test_a_contributor_is_told_who_confirms_their_record(browser, park):
    contributor = browser(park, "contributor")
    response = contributor.post(
        "/records/new",
        {"doc_type": "MONITORING_MEASUREMENT_RECORDS", "period": "2025-01", "submit": "1"},
        page="/documents/new",
        files={"file": ("监测.docx", factories.docx_bytes("监测记录"), factories.DOCX_MEDIA)},
    )
    assert response.status_code == 303, response.text
    document_id = int(re.search(r"/documents/(\d+)", response.headers["location"]).group(1))
    # The contributor prepared it: confirming is an approver's signature, and the page says so.
    page = contributor.get(f"/documents/{document_id}").text
    refused = _text(re.search(r'<li data-refused="approve">(.*?)</li>', page, re.S).group(1))
    assert "需要部门负责人或最高管理者签署" in refused
    approver = browser(park, "approver")
    document = approver.get(f"/documents/{document_id}").text
    assert 'data-action="approve"' in document and "<h4" in document and "确认记录并签名" in document


def test_each_step_is_one_headed_form(browser, park):
    _, document_id = _submitted(browser, park)
    page = browser(park, "top_management").get(f"/documents/{document_id}").text
    boxes = page.split('<section class="actions-box"')[1:]
    headings = {
        re.search(r'data-action="(\w+)"', box).group(1): re.search(r"<h4 [^>]*>([^<]+)</h4>", box).group(1)
        for box in boxes
    }
    assert headings == {"review": "审核并签名", "reject": "退回编制人"}
    assert page.count('<section class="actions-box"') == page.count('class="stack action-form"') == 2
    assert "审核意见" in page and "退回原因" in page


def test_a_wrong_password_is_shown_beside_the_form_with_the_comment_kept(browser, park):
    _, document_id = _submitted(browser, park)
    approver = browser(park, "approver")
    refused = _step(approver, document_id, "review", password="wrong", comment="第三段需要补充依据")
    assert refused.status_code == 401
    page = refused.text
    assert 'role="alert"' in page and "电子签名需要再次输入您的密码" in page
    form = re.search(r'data-action="review">(.*?)</form>', page, re.S).group(1)
    assert "第三段需要补充依据" in form and 'aria-invalid="true"' in form
    assert "wrong" not in form  # a password is never sent back
    assert "审核并签名" in page and "<h1>" in page  # the document page itself, not a bare error page


def test_a_reject_without_a_reason_is_shown_inline(browser, park):
    _, document_id = _submitted(browser, park)
    approver = browser(park, "approver")
    refused = _step(approver, document_id, "reject", comment="  ")
    assert refused.status_code == 422
    form = re.search(r'id="f-\d+-reject-err">(.*?)</p>', refused.text, re.S)
    assert form and "此操作必须填写原因或意见" in form.group(1)
    english = _step(browser(park, "approver", lang="en"), document_id, "reject", comment="")
    assert english.status_code == 422 and "This step needs a comment or reason" in english.text


def test_a_step_taken_meanwhile_is_explained_at_the_top(browser, park):
    coordinator = browser(park, "coordinator")
    document_id = _web_document(coordinator)
    _upload(coordinator, document_id)
    revision_id, version = _version(coordinator, document_id, "submit")
    assert _step(coordinator, document_id, "submit").status_code == 303
    stale = coordinator.post(f"/revisions/{revision_id}/submit", {"version": version}, page=f"/documents/{document_id}")
    assert stale.status_code == 409
    assert re.search(r'<p class="flash error" role="alert">[^<]*已被他人修改', stale.text)


def _obsolete_form(b, document_id: int) -> tuple[str, str]:
    page = b.get(f"/documents/{document_id}").text
    version = re.search(r'action="/documents/\d+/obsolete".*?name="version" value="(\d+)"', page, re.S).group(1)
    return version, csrf_of(page)


def test_obsolete_asks_for_confirmation(browser, park):
    document, _ = factories.publish_new_document(park)
    coordinator = browser(park, "coordinator")
    page = coordinator.get(f"/documents/{document['id']}").text
    assert 'name="confirm"' in re.search(r'data-action="obsolete">(.*?)</form>', page, re.S).group(1)
    version, token = _obsolete_form(coordinator, document["id"])
    unconfirmed = coordinator.post(
        f"/documents/{document['id']}/obsolete", {"version": version, "reason": "被新方针取代"}, token=token
    )
    assert unconfirmed.status_code == 422 and "请勾选确认后再作废" in unconfirmed.text
    assert "被新方针取代" in re.search(r'data-action="obsolete">(.*?)</form>', unconfirmed.text, re.S).group(1)
    assert "现行有效" in coordinator.get(f"/documents/{document['id']}").text  # nothing changed
    done = coordinator.post(
        f"/documents/{document['id']}/obsolete",
        {"version": version, "reason": "被新方针取代", "confirm": "1"},
        token=token,
    )
    assert done.status_code == 303


def test_void_asks_for_confirmation(browser, park):
    created = factories.record_upload(park, submit="1")
    assert created.status_code in (200, 201), created.text
    body = created.json()
    document_id, revision_id = body["id"], body["revision_id"]
    assert factories.sign(park, revision_id, "approve", "approver").status_code == 200
    coordinator = browser(park, "coordinator")
    page = coordinator.get(f"/documents/{document_id}").text
    assert "作废记录" in page and 'name="confirm"' in re.search(r'data-action="void">(.*?)</form>', page, re.S).group(1)
    revision, version = _version(coordinator, document_id, "void")
    refused = coordinator.post(
        f"/revisions/{revision}/void", {"version": version, "comment": "重复登记"}, page=f"/documents/{document_id}"
    )
    assert refused.status_code == 422 and "请勾选确认后再作废记录" in refused.text
    assert "重复登记" in re.search(r'data-action="void">(.*?)</form>', refused.text, re.S).group(1)
    done = coordinator.post(
        f"/revisions/{revision}/void",
        {"version": version, "comment": "重复登记", "confirm": "1"},
        page=f"/documents/{document_id}",
    )
    assert done.status_code == 303


def test_a_preparer_who_now_signs_is_told_they_prepared_it(browser, park):
    """A coordinator prepared the revision and was then made an approver: the page says why they may not review."""
    coordinator, document_id = _submitted(browser, park)
    with session_scope() as session:
        session.get_one(User, park.user_ids["coordinator"]).role = Role.approver
    page = coordinator.get(f"/documents/{document_id}").text
    refused = _text(re.search(r'<li data-refused="review">(.*?)</li>', page, re.S).group(1))
    assert "您编制了此版本，编制人不能审核自己编制的版本" in refused
    assert 'data-action="review"' not in page
