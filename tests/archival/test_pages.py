"""The 四性检测 page: coordinators and auditors see it in the navigation, run a check from its form, read a run's
figures and problems, and the reports page shows the verdict of the check made before the last export."""

import re

from tests.archival.helpers import lose_file, published


def test_the_page_runs_a_check_and_shows_its_verdict(browser, park):
    document, revision = published(park)
    coordinator = browser(park, "coordinator")
    assert 'href="/archival"' in coordinator.get("/").text
    page = coordinator.get("/archival").text
    assert 'aria-current="page">四性检测' in page and "尚无检测记录。" in page
    lose_file(revision["sha256"])
    done = coordinator.post("/archival/checks", {"kind": "doc_types", "doc_types": ["CARBON_POLICY"]}, page="/archival")
    assert done.status_code == 303
    location = done.headers["location"]
    assert re.fullmatch(r"/archival/\d+", location)
    detail = coordinator.get(location).text
    assert '<span class="badge verdict-failed" id="verdict">未通过</span>' in detail
    assert f'<a href="/documents/{document["id"]}">{document["control_no"]}</a> r1' in detail
    assert "文件在存储中缺失" in detail and "按文件类型：CARBON_POLICY" in detail
    listing = coordinator.get("/archival").text
    assert f'href="{location}"' in listing and "按需检测" in listing

    english = browser(park, "auditor", lang="en")
    page = english.get(location).text
    assert "Failed" in page and "The file is missing from the store" in page and "Integrity" in page


def test_a_bad_form_is_refused_with_its_message(browser, park):
    published(park)
    coordinator = browser(park, "coordinator")
    refused = coordinator.post(
        "/archival/checks", {"kind": "documents", "control_nos": "NO-SUCH-1, NO-SUCH-2"}, page="/archival"
    )
    assert refused.status_code == 422 and "受控编号不存在：NO-SUCH-1、NO-SUCH-2" in refused.text


def test_only_coordinators_and_auditors_see_it(browser, park):
    for role in ("contributor", "approver", "top_management"):
        user = browser(park, role)
        assert 'href="/archival"' not in user.get("/").text, role
        assert user.get("/archival").status_code == 403, role


def test_the_reports_page_shows_the_last_export_checks_verdict(browser, park):
    published(park)
    auditor = browser(park, "auditor")
    assert "archival-verdict" not in auditor.get("/reports").text
    assert auditor.get("/api/exports/evidence?scope=6.2").status_code == 200
    page = auditor.get("/reports").text
    match = re.search(
        r'<p class="archival-verdict">四性检测: <a href="/archival/(\d+)"><span class="badge verdict-passed">通过', page
    )
    assert match is not None
    assert auditor.get(f"/archival/{match.group(1)}").status_code == 200
