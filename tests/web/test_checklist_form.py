"""The internal audit checklist in one form (10.2): one POST saves every changed line, or none, and each refused
line says why, beside itself, with what was typed kept."""

import re

from tests.audits.helpers import events_for
from tests.web.test_audit_pages import _post, _web_audit


def _started(browser, park) -> tuple[object, int, list[int]]:
    auditor = browser(park, "auditor")
    audit_id = _web_audit(auditor, park)
    assert _post(auditor, f"/audits/{audit_id}/start", {}, f"/audits/{audit_id}").status_code == 303
    page = auditor.get(f"/audits/{audit_id}").text
    assert page.count(f'action="/audits/{audit_id}/lines"') == 1  # one form for the whole checklist
    assert f'action="/audits/{audit_id}/lines/' not in page
    return auditor, audit_id, [int(i) for i in dict.fromkeys(re.findall(r'name="result-(\d+)"', page))]


def _results(park, audit_id: int) -> dict[int, str]:
    audit = park.client.get(f"/api/audits/{audit_id}", headers=park.headers("auditor")).json()
    return {line["id"]: line["result"] for line in audit["lines"]}


def test_all_lines_are_saved_in_one_post(browser, park):
    auditor, audit_id, lines = _started(browser, park)
    data = {f"result-{line_id}": "conforming" for line_id in lines[:3]}
    data[f"notes-{lines[0]}"] = "查阅了目标责任书"
    saved = _post(auditor, f"/audits/{audit_id}/lines", data, f"/audits/{audit_id}")
    assert saved.status_code == 303, saved.text[:500]
    results = _results(park, audit_id)
    assert [results[i] for i in lines[:3]] == ["conforming"] * 3
    assert all(results[i] == "pending" for i in lines[3:])  # lines left unjudged stay pending
    assert "审核结论已保存" in auditor.get(saved.headers["location"]).text
    # Sent again unchanged: no new audit event for an untouched line.
    before = events_for("audit_line", lines[1])
    again = dict(data) | {f"result-{lines[3]}": "not_audited"}
    assert _post(auditor, f"/audits/{audit_id}/lines", again, f"/audits/{audit_id}").status_code == 303
    assert events_for("audit_line", lines[1]) == before


def test_one_bad_line_saves_nothing_and_says_which(browser, park):
    auditor, audit_id, lines = _started(browser, park)
    data = {
        f"result-{lines[0]}": "conforming",
        f"notes-{lines[0]}": "资源计划齐全",
        f"result-{lines[1]}": "nonconforming",  # without its severity and description
        f"description-{lines[1]}": "",
        f"result-{lines[2]}": "observation",  # without a description
    }
    refused = _post(auditor, f"/audits/{audit_id}/lines", data, f"/audits/{audit_id}")
    assert refused.status_code == 422
    page = refused.text
    assert "有 2 行需要修改，所有结论均未保存" in page
    assert re.search(rf'id="le-{lines[1]}">[^<]*严重程度', page)
    assert re.search(rf'id="le-{lines[2]}">[^<]*观察项必须填写说明', page)
    assert f'id="le-{lines[0]}"' not in page
    # what was typed is kept
    assert "资源计划齐全" in page
    assert re.search(rf'name="result-{lines[1]}" value="nonconforming" checked', page)
    # all or nothing: the good line was not saved either
    assert set(_results(park, audit_id).values()) == {"pending"}
    assert events_for("audit_line", lines[0]) == []


def test_line_errors_speak_english(browser, park):
    _, audit_id, lines = _started(browser, park)
    english = browser(park, "auditor", lang="en")
    data = {f"result-{lines[0]}": "observation"}
    refused = _post(english, f"/audits/{audit_id}/lines", data, f"/audits/{audit_id}")
    assert refused.status_code == 422
    assert "1 line(s) need correcting" in refused.text and "An observation needs a description" in refused.text


def test_a_nonconforming_line_raises_its_nonconformity_from_the_one_form(browser, park):
    auditor, audit_id, lines = _started(browser, park)
    data = {
        f"result-{lines[0]}": "nonconforming",
        f"severity-{lines[0]}": "minor",
        f"description-{lines[0]}": "未确定体系所需资源",
        f"result-{lines[1]}": "conforming",
    }
    assert _post(auditor, f"/audits/{audit_id}/lines", data, f"/audits/{audit_id}").status_code == 303
    page = auditor.get(f"/audits/{audit_id}").text
    assert re.search(r'href="/nonconformities/\d+"><span class="cn">NC-\d{4}-\d{3}</span>', page)
    assert f'name="result-{lines[0]}"' not in page  # a line with its nonconformity is no longer in the form
    nc_id = re.search(r'href="/nonconformities/(\d+)"', page).group(1)
    position = re.search(rf'id="line-{lines[0]}-h">(\d+)\.', page).group(1)
    english = browser(park, "auditor", lang="en").get(f"/nonconformities/{nc_id}").text
    origin = re.search(r"<dt>Origin</dt><dd>(.*?)</dd>", english, re.S).group(1)
    assert f", line {position} (" in origin and "行" not in origin and "（" not in origin
    chinese = auditor.get(f"/nonconformities/{nc_id}").text
    assert f" 第 {position} 行（" in chinese


def test_nothing_chosen_is_refused_in_words(browser, park):
    auditor, audit_id, _ = _started(browser, park)
    refused = _post(auditor, f"/audits/{audit_id}/lines", {}, f"/audits/{audit_id}")
    assert refused.status_code == 422 and "没有新的审核结论需要保存" in refused.text


def test_only_the_team_may_mark_lines(browser, park):
    _, audit_id, lines = _started(browser, park)
    coordinator = browser(park, "coordinator")
    refused = _post(coordinator, f"/audits/{audit_id}/lines", {f"result-{lines[0]}": "conforming"}, "/audits")
    assert refused.status_code == 403
    assert set(_results(park, audit_id).values()) == {"pending"}
