"""Issue 17 end to end in Debian's chromium: a scanned (image-only) PDF uploaded through the document page is
recognised (已识别) and found by a phrase in search; two revisions compare; the policy is distributed to a second
user, who confirms it from their own browser.

Recognition runs in the live server's process: the run's jobs go inline after each commit (CARBONMS_JOBS_ASYNC=false
in tests/conftest.py), in threads with the default setting; the page is reloaded until it says 已识别 either way.
"""

import re
import time

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.factories import register, sign
from tests.recognition.test_recognition import PDF_PAGES, image_pdf_bytes
from tests.web.test_browser import Person, chromium, live_server  # noqa: F401 - the module's live server and browser

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("browser")]

PDF_MEDIA = "application/pdf"
FIRST = PDF_PAGES[0]  # 4.3 规范性
SECOND = PDF_PAGES[0] + PDF_PAGES[1][:1]  # and 4.4 准确性 added
RECOGNITION_DEADLINE_SECONDS = 120
# With the run's inline jobs the upload's request returns after the recognition (seconds per page on two busy cores).
UPLOAD_TIMEOUT_MS = 120_000


def _upload_scan(person: Person, content: bytes, name: str, reason: str = "") -> None:
    person.page.set_input_files("#up-file", files=[{"name": name, "mimeType": PDF_MEDIA, "buffer": content}])
    if reason:
        person.page.locator("#up-reason").fill(reason)
    person.page.get_by_role("button", name="上传").click()
    try:
        person.page.wait_for_url(re.compile(r"done=uploaded"), timeout=UPLOAD_TIMEOUT_MS)
    except PlaywrightTimeout as exc:  # say what the page said, not only that it did not move on
        raise AssertionError(f"upload of {name}: {person.page.locator('.upload-status').inner_text()}") from exc
    person.check()


def _wait_until_recognised(person: Person, document_path: str) -> str:
    """Reload the document page until the newest revision says 已识别; its recognition line."""
    deadline = time.monotonic() + RECOGNITION_DEADLINE_SECONDS
    while True:
        person.go(document_path)
        newest = person.page.locator("article.revision").first.locator(".recognition")
        state = newest.get_attribute("data-recognition")
        if state == "done":
            return newest.inner_text()
        assert state in ("pending", "running"), newest.inner_text()  # never 识别失败
        assert time.monotonic() < deadline, "recognition did not finish"
        person.page.wait_for_timeout(500)


def _publish(park, revision_id: int) -> None:
    submitted = park.client.post(f"/api/revisions/{revision_id}/submit", headers=park.headers("coordinator"))
    assert submitted.status_code == 200, submitted.text
    assert sign(park, revision_id, "review", "approver").status_code == 200
    assert sign(park, revision_id, "approve", "top_management").status_code == 200
    published = park.client.post(f"/api/revisions/{revision_id}/publish", headers=park.headers("coordinator"))
    assert published.status_code == 200, published.text


def test_a_scan_is_recognised_found_compared_distributed_and_confirmed(live_server, chromium, park):  # noqa: F811
    document = register(park, title="关于产业园区成立碳排放领导小组的通知（扫描件）")
    document_path = f"/documents/{document['id']}"

    # The coordinator uploads the scanned PDF on the document page; the page says 已识别 once the job has run.
    coordinator = Person(chromium, live_server, park.usernames["coordinator"])
    coordinator.go(document_path)
    _upload_scan(coordinator, image_pdf_bytes((FIRST,)), "领导小组文件.pdf")
    line = _wait_until_recognised(coordinator, document_path)
    assert "已识别" in line and "Recognised" in line and "chi_sim+eng" in line

    # Search finds it by a phrase of its scanned text.
    coordinator.go("/search")
    coordinator.page.locator("#s-q").fill('"可追溯性"')
    coordinator.page.locator("main form[role=search] button[type=submit]").click()
    coordinator.page.wait_for_url(re.compile(r"/search\?"))
    coordinator.check()
    hits = coordinator.page.locator("ol.hits").inner_text()
    assert document["control_no"] in hits and "领导小组" in hits

    # Published, then a second scanned revision with a sentence added: the two compare on the page.
    detail = park.client.get(f"/api/documents/{document['id']}", headers=park.headers("coordinator")).json()
    _publish(park, detail["revisions"][-1]["id"])
    coordinator.go(document_path)
    _upload_scan(coordinator, image_pdf_bytes((SECOND,)), "领导小组文件-修订.pdf", reason="增加准确性要求")
    _wait_until_recognised(coordinator, document_path)
    coordinator.page.locator("form[data-action=compare] button[type=submit]").click()
    coordinator.page.wait_for_url(re.compile(r"/compare\?"))
    coordinator.check()
    inserted = "".join(coordinator.page.locator(".diff ins").all_inner_texts())
    assert "排放因子准确" in inserted
    assert coordinator.page.locator(".diff del").count() == 0
    assert "增加准确性要求" in coordinator.page.locator(".compare-reasons").inner_text()

    # The coordinator distributes the policy to a second user (the approver) …
    coordinator.go(document_path)
    assert coordinator.page.locator("details.dist-form").get_attribute("open") is not None  # open: no list yet
    coordinator.page.select_option("#dist-users", str(park.user_ids["approver"]))
    coordinator.page.locator("form[data-action=distribute] button[type=submit]").click()
    coordinator.page.wait_for_url(re.compile(r"done=distributed"))
    coordinator.check()
    approver_row = coordinator.page.locator(f'table.distribution tr[data-user="{park.usernames["approver"]}"]')
    assert "未确认" in approver_row.inner_text()
    coordinator.sign_out()

    # … who confirms it from their own browser.
    approver = Person(chromium, live_server, park.usernames["approver"])
    approver.go(document_path)
    approver.page.locator("form[data-action=read-confirm] button[type=submit]").click()
    approver.page.wait_for_url(re.compile(r"done=read_confirmed"))
    approver.check()
    assert "已确认阅读" in approver.page.content()
    mine = approver.page.locator(f'table.distribution tr[data-user="{park.usernames["approver"]}"]')
    assert "已确认" in mine.inner_text()
    assert approver.page.locator("form[data-action=read-confirm]").count() == 0
    assert not approver.errors, approver.errors
    assert not coordinator.errors, coordinator.errors
    approver.context.close()
