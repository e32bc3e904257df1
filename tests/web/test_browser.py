"""End to end in a real browser: Debian's chromium driven by Playwright against a live uvicorn server.

The server runs in a thread on create_app() with the run's test database (app_env). If chromium or Playwright is
missing the tests FAIL with a clear message (CI installs chromium in .ci/run); they never skip.
At the end the main pages are saved as screenshots under docs/screenshots/ (SQLite run only).
"""

import os
import re
import shutil
from pathlib import Path

import pytest

from tests.audits.helpers import create_audit, post, raise_nc, started_audit
from tests.factories import DOCX_MEDIA, PASSWORD, docx_bytes, publish_new_document, record_upload
from tests.support import axe, servers

# One live server and one browser per module: keep the module on one xdist worker.
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("browser")]

CHROMIUM = os.environ.get("CARBONMS_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


@pytest.fixture(scope="module")
def live_server(app_env: str):
    from app.main import create_app

    with servers.server_in_thread(create_app()) as base:
        yield base


@pytest.fixture(scope="module")
def chromium():
    found = shutil.which(CHROMIUM) or (CHROMIUM if Path(CHROMIUM).exists() else None)
    if not found:
        pytest.fail(
            f"Chromium is missing ({CHROMIUM}): the browser tests need it. Install Debian's package: "
            "apt-get install chromium fonts-wqy-zenhei (CI does this in .ci/run).",
            pytrace=False,
        )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail(
            "Playwright is missing: pip install -e '.[dev]' (never `playwright install`: we use Debian's chromium).",
            pytrace=False,
        )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=found, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class Person:
    """One browser context (its own cookies) signed in as one user."""

    def __init__(self, chromium, base: str, username: str, lang: str | None = None) -> None:
        self.base = base
        self.context = chromium.new_context(viewport={"width": 1280, "height": 860}, locale="zh-CN")
        self.context.set_default_timeout(15_000)
        axe.install(self.context)
        if lang:
            self.context.add_cookies([{"name": "lang", "value": lang, "url": base}])
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        self.page.on("console", lambda msg: msg.type == "error" and self.errors.append(msg.text))
        self.sign_in(username)

    def sign_in(self, username: str, password: str = PASSWORD) -> None:
        self.go("/login")
        self.page.locator("#username").fill(username)
        self.page.locator("#password").fill(password)
        self.page.locator("main button[type=submit]").click()
        self.page.wait_for_url(re.compile(r"/(\?.*)?$"))
        self.check()

    def go(self, path: str) -> None:
        """Open a page and check it: every page visited passes the WCAG 2 A/AA check."""
        self.page.goto(self.base + path)
        self.check()

    def check(self) -> None:
        axe.check(self.page)

    def sign_out(self) -> None:
        self.page.get_by_role("button", name="退出登录").click()
        self.page.wait_for_url(re.compile(r"/login"))
        assert "您已退出登录" in self.page.content()
        self.context.close()

    def action(self, revision_action: str, *, password: str | None = None, comment: str = "") -> None:
        form = self.page.locator(f"form[data-action={revision_action}]")
        if comment:
            form.locator("textarea").fill(comment)
        if password is not None:
            form.locator("input[type=password]").fill(password)
        form.get_by_role("button").click()
        self.page.wait_for_load_state()
        self.check()

    def badge(self) -> str:
        return self.page.locator(".page-head .badge").first.inner_text()


def _clause_status(person: Person, clause_id: str) -> str:
    person.go("/")
    return person.page.locator(f'tr[data-clause="{clause_id}"] .badge').inner_text()


def test_document_lifecycle_in_the_browser(live_server, chromium, park, app_env):
    base = live_server
    # Coordinator: register the policy, upload a .docx, submit.
    coordinator = Person(chromium, base, park.usernames["coordinator"])
    assert _clause_status(coordinator, "6.2") in ("缺失", "部分满足")
    coordinator.go("/documents/new")
    coordinator.page.select_option("#d-type", "CARBON_POLICY")
    coordinator.page.get_by_label("标题").first.fill("碳排放管理方针（浏览器测试）")
    coordinator.page.locator("#d-unit").fill("碳管理办公室")
    coordinator.page.get_by_role("button", name="登记文件").click()
    coordinator.page.wait_for_url(re.compile(r"/documents/\d+\?done=registered"))
    coordinator.check()
    document_url = coordinator.page.url.split("?")[0]
    document_path = document_url.removeprefix(base)
    control_no = coordinator.page.locator("h1 .code").inner_text()

    # A refused file: the server's reason appears next to the form, in plain words.
    coordinator.page.set_input_files(
        "#up-file", files=[{"name": "坏文件.docx", "mimeType": DOCX_MEDIA, "buffer": b"MZ\x90\x00 not a word document"}]
    )
    coordinator.page.get_by_role("button", name="上传").click()
    status = coordinator.page.locator(".upload-status.error")
    status.wait_for()
    assert "文件" in status.inner_text() and "Traceback" not in status.inner_text()

    coordinator.page.set_input_files(
        "#up-file", files=[{"name": "碳排放管理方针.docx", "mimeType": DOCX_MEDIA, "buffer": docx_bytes()}]
    )
    coordinator.page.get_by_role("button", name="上传").click()
    coordinator.page.wait_for_url(re.compile(r"done=uploaded"))
    coordinator.check()
    assert "碳排放管理方针.docx" in coordinator.page.content()
    coordinator.action("submit")
    assert coordinator.badge() == "待审核"
    # Who acts next is said, by role and name.
    next_step = coordinator.page.locator(".next-step").first.inner_text()
    assert "下一步：审核" in next_step and "approver 测试" in next_step
    coordinator.sign_out()

    # Approver: finds it among their tasks, a wrong password is refused, then reviews with the password.
    approver = Person(chromium, base, park.usernames["approver"])
    approver.go("/tasks")
    approver.page.get_by_role("link", name=control_no).first.click()
    approver.check()
    approver.action("review", password="wrong-password", comment="请修改")
    # Refused on the same page, beside the form, with the comment kept.
    assert "电子签名需要再次输入您的密码" in approver.page.locator(".field-error").inner_text()
    assert approver.page.locator("form[data-action=review] textarea").input_value() == "请修改"
    approver.action("review", password=PASSWORD, comment="内容符合 6.2 要求")
    assert approver.badge() == "待批准"
    assert "审核" in approver.page.locator("table.signatures").inner_text()
    # No approve form for the reviewer of a top-management type, and the page says why.
    assert "此类文件必须由最高管理者批准" in approver.page.locator("li[data-refused=approve]").inner_text()
    approver.sign_out()

    # Top management approves (the policy is reserved to top management).
    top = Person(chromium, base, park.usernames["top_management"])
    top.go(document_path)
    top.action("approve", password=PASSWORD, comment="批准发布")
    assert top.badge() == "已批准待发布"
    top.sign_out()

    # Coordinator publishes; the dashboard's 6.2 row becomes met.
    coordinator = Person(chromium, base, park.usernames["coordinator"])
    coordinator.go(document_path)
    coordinator.action("publish")
    assert coordinator.badge() == "现行有效"
    assert _clause_status(coordinator, "6.2") == "已满足"
    coordinator.go("/clauses/6.2")
    assert control_no in coordinator.page.locator("table").first.inner_text()

    # A contributor never sees the internal document: not in the register, not by its address.
    contributor = Person(chromium, base, park.usernames["contributor"])
    contributor.go("/documents")
    assert control_no not in contributor.page.content()
    contributor.go(document_path)
    assert control_no not in contributor.page.content()
    assert "文件不存在" in contributor.page.locator(".error-message").inner_text()
    contributor.sign_out()

    # The auditor reads the whole history with every signature, in English too.
    auditor = Person(chromium, base, park.usernames["auditor"])
    auditor.go(document_path)
    history = auditor.page.locator("table.history").inner_text()
    for word in ("登记文件", "上传版本", "提交", "审核签名", "批准签名", "发布"):
        assert word in history, word
    signatures = auditor.page.locator("table.signatures").inner_text()
    assert "approver 测试" in signatures and "top_management 测试" in signatures
    auditor.page.get_by_role("link", name="English").click()
    auditor.page.wait_for_load_state()
    auditor.check()
    assert "Reviewed" in auditor.page.locator("table.signatures").inner_text()
    assert auditor.page.locator("html").get_attribute("lang") == "en"
    auditor.page.get_by_role("link", name="中文").click()
    auditor.go("/events?verify=1")
    assert "哈希链完整" in auditor.page.locator(".chain-result").inner_text()

    for person in (coordinator, auditor):
        assert not person.errors, person.errors  # no script errors, no CSP violations
    if "sqlite" in app_env:
        _screenshots(chromium, base, park, document_path)
    auditor.context.close()
    coordinator.context.close()


def test_no_occurrence_declaration_in_the_browser(live_server, chromium, park):
    """10.1.1: the coordinator signs on the clause page that no serious deviation occurred in the owed year."""
    from app.clauses.cycles import due_window
    from app.common import utcnow
    from tests.readiness.conftest import load_rule

    year = due_window(load_rule("DEVIATION_INVESTIGATION_RECORD"), utcnow().date()).required.start.year
    coordinator = Person(chromium, live_server, park.usernames["coordinator"])
    coordinator.go("/clauses/10.1.1")
    row = coordinator.page.locator('tr[data-doc-type="DEVIATION_INVESTIGATION_RECORD"]')
    assert "缺失" in row.inner_text()
    form = coordinator.page.locator("form[data-declaration=DEVIATION_INVESTIGATION_RECORD]")
    form.locator("input[name=year]").fill(str(year))
    form.locator("textarea").fill(f"{year} 年度未发生碳排放管理绩效严重偏离")
    form.locator("input[type=password]").fill("wrong-password")
    form.get_by_role("button").click()
    coordinator.page.wait_for_load_state()
    assert "已签署" not in coordinator.page.content()  # a wrong password signs nothing
    coordinator.go("/clauses/10.1.1")
    form = coordinator.page.locator("form[data-declaration=DEVIATION_INVESTIGATION_RECORD]")
    form.locator("input[name=year]").fill(str(year))
    form.locator("textarea").fill(f"{year} 年度未发生碳排放管理绩效严重偏离")
    form.locator("input[type=password]").fill(PASSWORD)
    form.get_by_role("button").click()
    coordinator.page.wait_for_url(re.compile(r"done=declared"))
    assert "未发生声明已签署" in coordinator.page.content()
    row = coordinator.page.locator('tr[data-doc-type="DEVIATION_INVESTIGATION_RECORD"]')
    assert "满足" in row.inner_text() and f"已声明未发生 {year}" in row.inner_text()
    coordinator.context.close()


def _screenshots(chromium, base: str, park, document_path: str) -> None:
    """The main pages, for the README: something waiting in the tasks list first."""
    from tests.factories import register, upload

    waiting = register(park, "ORGANISATION_RESPONSIBILITIES", title="碳排放管理机构设置及职责")
    revision = upload(park, waiting["id"]).json()
    park.client.post(f"/api/revisions/{revision['id']}/submit", headers=park.headers("coordinator"))
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    coordinator = Person(chromium, base, park.usernames["coordinator"])
    for name, path in (
        ("dashboard", "/"),
        ("clause", "/clauses/6.2"),
        ("register", "/documents"),
        ("document", document_path),
    ):
        coordinator.go(path)
        coordinator.page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
    coordinator.page.set_viewport_size({"width": 820, "height": 1180})  # a tablet, upright
    coordinator.go("/documents")
    coordinator.page.screenshot(path=str(SCREENSHOTS / "register-tablet.png"))
    coordinator.context.close()
    approver = Person(chromium, base, park.usernames["approver"])
    approver.go("/tasks")
    approver.page.screenshot(path=str(SCREENSHOTS / "tasks.png"), full_page=True)
    approver.context.close()
    auditor = Person(chromium, base, park.usernames["auditor"], lang="en")
    auditor.go("/events?verify=1")
    auditor.page.screenshot(path=str(SCREENSHOTS / "events.png"), full_page=True)
    auditor.context.close()


def test_every_page_passes_the_wcag_check(live_server, chromium, park):
    """Each page, in Chinese and English, for the roles that see it differently: zero WCAG 2 A/AA violations.

    Person.go runs axe on every page it opens (tests/support/axe.py), so a visit is the check.
    """
    document, first = publish_new_document(park)
    # the distribution table, the confirm button and the comparison of two revisions (pages_distribution)
    entries = {"entries": [{"kind": "role", "target": "auditor"}]}
    listed = park.client.put(
        f"/api/documents/{document['id']}/distribution", json=entries, headers=park.headers("coordinator")
    )
    assert listed.status_code == 200, listed.text
    second = park.client.post(
        f"/api/documents/{document['id']}/revisions",
        files={"file": ("方针.docx", docx_bytes("碳排放管理方针：园区承诺持续改进碳排放绩效。"), DOCX_MEDIA)},
        data={"change_reason": "增加绩效承诺"},
        headers=park.headers("coordinator"),
    )
    assert second.status_code == 201, second.text
    compared = f"/documents/{document['id']}/compare?from={first['id']}&to={second.json()['id']}"
    record = record_upload(park).json()
    planned = create_audit(park, title="计划中的审核").json()
    audit = started_audit(park)
    nc = raise_nc(park).json()
    analysed = post(
        park,
        f"/api/nonconformities/{nc['id']}/analyse",
        "coordinator",
        {"cause_analysis": "方针评审未纳入年度计划", "similar_elsewhere": False},
    )
    assert analysed.status_code == 200, analysed.text
    plan = post(
        park,
        f"/api/nonconformities/{nc['id']}/plan",
        "coordinator",
        {
            "actions": [
                {"description": "修订年度计划", "owner_id": park.user_ids["contributor"], "due_date": "2030-04-01"}
            ]
        },
    )
    assert plan.status_code == 200, plan.text
    action_id = plan.json()["actions"][0]["id"]
    review = post(park, "/api/reviews", "coordinator", {"review_date": "2030-06-01"}).json()
    pages = [
        "/",
        "/?as_of=2020-01-01",
        "/items",
        "/items?state=missing",
        "/clauses/6.2",
        "/clauses/7.3.2",
        "/documents",
        "/documents?sort=-title",
        "/documents/new",
        f"/documents/{document['id']}",
        f"/documents/{record['id']}",
        compared,
        "/tasks",
        "/search?q=方针",
        "/events",
        "/users",
        "/audits",
        f"/audits/{planned['id']}",
        f"/audits/{audit['id']}",
        "/nonconformities",
        f"/nonconformities/{nc['id']}",
        "/reviews",
        f"/reviews/{review['id']}",
        "/reports",
        "/documents/999999",
        "/clauses/99.9",
    ]
    for lang in ("zh", "en"):
        coordinator = Person(chromium, live_server, park.usernames["coordinator"], lang=lang)
        for path in pages:
            coordinator.go(path)
        coordinator.context.close()
    admin = Person(chromium, live_server, park.usernames["admin"])
    for path in ("/", "/users", "/events", "/reports"):
        admin.go(path)
    admin.context.close()
    contributor = Person(chromium, live_server, park.usernames["contributor"])
    for path in (
        "/",
        "/items?state=missing",
        "/documents",
        "/documents/new",
        "/tasks",
        f"/actions/{action_id}",
        "/reports",
    ):
        contributor.go(path)
    contributor.context.close()
    auditor = Person(chromium, live_server, park.usernames["auditor"], lang="en")
    for path in ("/", f"/audits/{audit['id']}", "/reports", f"/documents/{document['id']}", compared):
        auditor.go(path)
    auditor.context.close()


def test_the_wcag_check_fails_on_a_violation(chromium):
    """The check is real: a page with an unlabelled field, an image without text and low contrast fails it."""
    context = chromium.new_context()
    page = context.new_page()
    page.set_content(
        '<html lang="zh-CN"><head><title>t</title></head><body><main><h1>标题</h1>'
        '<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">'
        '<input type="text"><p style="color:#bbb;background:#fff">浅色文字</p></main></body></html>'
    )
    found = {item["id"] for item in axe.violations(page)}
    assert {"image-alt", "label", "color-contrast"} <= found, found
    with pytest.raises(AssertionError, match=r"image-alt(.|\n)*label"):
        axe.check(page)
    context.close()


def test_the_reports_page_shows_progress_then_downloads(live_server, chromium, park):
    coordinator = Person(chromium, live_server, park.usernames["coordinator"])
    coordinator.page.get_by_role("link", name="报告与导出").click()
    coordinator.page.wait_for_url(re.compile(r"/reports$"))
    coordinator.check()
    page = coordinator.page
    failed: list[str] = []
    page.on("response", lambda response: response.status >= 400 and failed.append(f"{response.status} {response.url}"))
    status = page.locator("#report-progress .report-status")
    with page.expect_download() as download:
        page.get_by_role("link", name="下载：文件和记录清单 (.csv)").click()
    assert download.value.suggested_filename.endswith(".csv")
    page.locator("#report-progress:not([aria-busy]) .report-text:has-text('已生成')").wait_for()
    assert "已生成" in status.inner_text() and page.locator("section[aria-busy]").count() == 0
    with page.expect_download() as download:
        page.locator("#annex-b button[type=submit]").click()
    assert download.value.suggested_filename.endswith(".docx")
    # A refusal is said in the live region, in plain words, and the page stays usable.
    page.evaluate("document.querySelector('#ev-scope option').value = '99'")
    page.locator("#evidence button[type=submit]").click()
    page.locator("#report-progress .report-status.error").wait_for()
    assert "未能生成" in status.inner_text() and "范围无效" in status.inner_text()
    coordinator.check()
    # No script error, no CSP violation; the one refused request is the 422 above (the console logs it too).
    assert failed == [f"422 {live_server}/api/exports/evidence?scope=99"], failed
    assert not [error for error in coordinator.errors if not error.startswith("Failed to load resource")]
    coordinator.context.close()
