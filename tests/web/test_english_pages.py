"""The English switch leaves no Chinese-only strings: the main pages, rendered in English, show Chinese only in
user data (titles, names, units, descriptions the park typed) and in the standard's own text (marked lang="zh-CN")."""

import html as html_lib
import re

from tests import factories
from tests.audits.helpers import raise_nc, started_audit
from tests.web.test_audit_pages import _post, _web_audit

CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]+")


def _visible(page: str) -> str:
    body = page.split("<body", 1)[1]
    body = re.sub(r"<(script|style)\b.*?</\1>", "", body, flags=re.S)
    # the standard's own words and user data marked as Chinese
    for _ in range(3):
        body = re.sub(r'<(\w+)[^>]*\blang="zh-CN"[^>]*>(?:(?!<\1\b).)*?</\1>', "", body, flags=re.S)
    text = re.sub(r"<[^>]+>", " ", body)
    return html_lib.unescape(text)


def _leaks(page: str, user_data: list[str]) -> list[str]:
    text = _visible(page)
    for value in sorted(user_data, key=len, reverse=True):
        text = text.replace(value, " ")
    return sorted(set(CJK.findall(text)))


def test_main_pages_in_english_show_no_chinese_interface_words(browser, park):
    document, _ = factories.publish_new_document(park)
    nc = raise_nc(park).json()
    pending = factories.register(park, "ANNUAL_WORK_PLAN", title="年度工作计划")
    pending_revision = factories.upload(park, pending["id"]).json()
    submitted = park.client.post(f"/api/revisions/{pending_revision['id']}/submit", headers=park.headers("coordinator"))
    assert submitted.status_code == 200
    auditor = browser(park, "auditor", lang="en")
    audit_id = _web_audit(browser(park, "auditor"), park)
    _post(browser(park, "auditor"), f"/audits/{audit_id}/start", {}, f"/audits/{audit_id}")
    started_audit(park)
    coordinator = browser(park, "coordinator", lang="en")
    user_data = [
        document["title"],
        pending["title"],
        f"测试园区 {park.code}",
        "碳管理办公室",
        "审计部",
        *[f"{role} 测试" for role in park.usernames],
        nc["description"],
        "能耗在线监测点 3 号：月度排放强度超出基准 12%",
        "监测记录",
        "2030 年第 7 章内部审核",
        "方针",  # the uploaded file's name
        "同意",  # the signers' comments
        "2030 年第一次内部审核",
        "2030 年度内部审核方案",  # as recorded in the trail when the programme was made (the page shows it in English)
    ]
    pages = {
        coordinator: [
            "/",
            "/documents",
            "/documents/new",
            f"/documents/{document['id']}",
            f"/documents/{pending['id']}",  # the steps not offered and who acts next
            "/tasks",
            "/nonconformities",
            f"/nonconformities/{nc['id']}",
            "/reviews",
        ],
        auditor: ["/events", "/audits", f"/audits/{audit_id}"],
    }
    found = {}
    for b, urls in pages.items():
        for url in urls:
            response = b.get(url)
            assert response.status_code == 200, url
            leaks = _leaks(response.text, user_data)
            if leaks:
                found[url] = leaks
    assert not found, found
    assert "Internal audit programme 2030" in auditor.get("/audits").text
    steps = coordinator.get(f"/documents/{pending['id']}").text
    assert "Next step: Review, taken by" in steps and "Steps not offered to you" in steps
