"""The park profile page and the park's time zone on every page: stored in UTC, shown in the park's zone."""

import re
from datetime import UTC, datetime

from app.db import session_scope
from app.documents.models import Document
from app.web.i18n import TEXT
from tests.factories import register
from tests.web.conftest import csrf_of

CJK = re.compile(r"[\u4e00-\u9fff]")


def _set_created_at(document_id: int, moment: datetime) -> None:
    with session_scope() as session:
        document = session.get_one(Document, document_id)
        document.created_at = moment
        session.add(document)


def _zone_form(b, zone: str):
    return b.post("/park/time-zone", {"time_zone": zone}, page="/park")


def test_a_time_near_midnight_utc_is_the_next_day_in_the_parks_zone(browser, park):
    coordinator = browser(park, "coordinator")
    document = register(park, "CARBON_POLICY")
    _set_created_at(document["id"], datetime(2026, 3, 31, 16, 30, tzinfo=UTC))
    page = coordinator.get(f"/documents/{document['id']}").text
    assert "2026-04-01 00:30" in page and "2026-03-31 16:30" not in page  # Asia/Shanghai by default
    assert "时间均为 Asia/Shanghai 时区（UTC+08:00）。" in page  # the zone, named once in the footer
    assert page.count("Asia/Shanghai") == 1

    _set_created_at(document["id"], datetime(2026, 3, 31, 15, 30, tzinfo=UTC))
    assert "2026-03-31 23:30" in coordinator.get(f"/documents/{document['id']}").text
    assert _zone_form(coordinator, "Asia/Tokyo").status_code == 303
    page = coordinator.get(f"/documents/{document['id']}").text
    assert "2026-04-01 00:30" in page and "时间均为 Asia/Tokyo 时区（UTC+09:00）。" in page
    listing = coordinator.get("/documents").text
    assert "2026-04-01" in listing  # the register's dates too


def test_the_zone_is_named_in_english_too(browser, park):
    english = browser(park, "auditor", lang="en")
    page = english.get("/park").text
    assert "Times are in Asia/Shanghai (UTC+08:00)." in page
    own_words = {zh for zh, en in TEXT.values() if zh != en and CJK.search(zh)}
    assert not [word for word in own_words if f">{word}<" in page]
    assert 'action="/park/time-zone"' not in page  # an auditor reads, does not change


def test_an_unknown_zone_is_shown_on_the_page_with_what_was_typed(browser, park):
    coordinator = browser(park, "coordinator")
    response = _zone_form(coordinator, "Mars/Olympus")
    assert response.status_code == 422
    assert "时区“Mars/Olympus”无效" in response.text and 'value="Mars/Olympus"' in response.text
    assert "Asia/Shanghai（UTC+08:00）" in coordinator.get("/park").text  # nothing changed


def test_the_coordinator_keeps_the_leadership_group_on_the_page(browser, park):
    coordinator = browser(park, "coordinator")
    member = {"group_role": "组长", "name": "张明", "title": "管委会主任", "unit": "园区管委会", "position": "1"}
    assert coordinator.post("/park/members", member, page="/park").status_code == 303
    page = coordinator.get("/park").text
    assert "<td>组长</td><td>张明</td><td>管委会主任</td><td>园区管委会</td>" in page
    member_id = int(re.search(r'action="/park/members/(\d+)"', page).group(1))

    refused = coordinator.post("/park/members", member | {"name": " ", "unit": "经发局"}, page="/park")
    assert refused.status_code == 422 and "请填写姓名" in refused.text and 'value="经发局"' in refused.text

    changed = coordinator.post(f"/park/members/{member_id}", member | {"title": "党工委书记"}, page="/park")
    assert changed.status_code == 303 and "党工委书记" in coordinator.get("/park").text
    removed = coordinator.post(f"/park/members/{member_id}/remove", {"confirm": "1"}, page="/park")
    assert removed.status_code == 303 and "张明" not in coordinator.get("/park").text


def test_who_may_see_and_change_the_profile(browser, park):
    contributor = browser(park, "contributor")
    assert contributor.get("/park").status_code == 403
    approver = browser(park, "approver")
    page = approver.get("/park")
    assert page.status_code == 200 and 'href="/park"' in page.text
    token = csrf_of(page.text)
    refused = approver.post("/park/time-zone", {"time_zone": "UTC"}, token=token)
    assert refused.status_code == 403
    assert "UTC+08:00" in approver.get("/park").text
