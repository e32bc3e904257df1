"""The retention pages: the disposition list, a batch through appraisal, the signed approval and destruction, the
register, a legal hold, and the document page's retention line."""

import re

from sqlmodel import select

from app.clauses.models import DocType
from app.db import session_scope
from app.documents.models import Document
from tests.retention.helpers import LONG_AGO, filed_record
from tests.web.conftest import Browser
from tests.web.test_english_pages import _leaks

PASSWORD = "Test-Passw0rd!"


def _item_id(html: str) -> str:
    match = re.search(r'<tr data-item="(\d+)">', html)
    assert match, "no item row"
    return match.group(1)


def test_a_batch_through_the_pages(browser, park) -> None:
    record = filed_record(park, "TRAINING_RECORD", filed=LONG_AGO)
    coordinator = browser(park, "coordinator")
    listing = coordinator.get("/retention")
    assert listing.status_code == 200
    assert f'<tr data-revision="{record["id"]}">' in listing.text and "保管期限与鉴定销毁" in listing.text
    assert "国家档案局令第10号" in listing.text

    proposed = coordinator.post("/retention/batches", {"revision_ids": [str(record["id"])]}, page="/retention")
    assert proposed.status_code == 303, proposed.text
    batch_url = proposed.headers["location"].split("?")[0]
    page = coordinator.get(batch_url).text
    assert 'data-action="appraise"' in page
    item = _item_id(page)
    appraised = coordinator.post(f"{batch_url}/appraise", {f"opinion_{item}": "destroy"}, page=batch_url)
    assert appraised.status_code == 303, appraised.text

    top = browser(park, "top_management")
    signing = top.get(batch_url).text
    assert 'data-action="approve"' in signing and 'type="password"' in signing
    wrong = top.post(f"{batch_url}/approve", {"password": "wrong"}, page=batch_url)
    assert wrong.status_code == 401
    signed = top.post(f"{batch_url}/approve", {"password": PASSWORD, "comment": "同意"}, page=batch_url)
    assert signed.status_code == 303, signed.text

    assert 'data-action="destroy"' in coordinator.get(batch_url).text
    destroyed = coordinator.post(f"{batch_url}/destroy", page=batch_url)
    assert destroyed.status_code == 303, destroyed.text
    after = coordinator.get(batch_url).text
    assert "已销毁" in after

    register = coordinator.get("/retention/register").text
    assert record["sha256"] in register and "/api/retention/register.xlsx" in register
    document = coordinator.get(f"/documents/{record['document_id']}").text
    assert 'data-retention="10y"' in document and "按保管期限鉴定销毁" in document


def test_the_document_page_says_until_when_and_a_hold_is_placed_from_the_page(browser, park) -> None:
    record = filed_record(park, "TRAINING_RECORD")
    coordinator = browser(park, "coordinator")
    placed = coordinator.post(
        "/retention/holds", {"document_id": str(record["document_id"]), "reason": "审计调查"}, page="/retention"
    )
    assert placed.status_code == 303, placed.text
    assert "审计调查" in coordinator.get("/retention").text
    page = coordinator.get(f"/documents/{record['document_id']}").text
    assert f"保管至 {record['retention_end']}" in page and "法律保全中" in page
    contributor = browser(park, "contributor")
    assert contributor.get("/retention").status_code == 403


def test_the_retention_pages_in_english_leave_no_chinese_but_user_data(app, park) -> None:
    record = filed_record(park, "TRAINING_RECORD", filed=LONG_AGO)
    english = Browser(app, park, "coordinator", lang="en")
    try:
        people = [f"{role} 测试" for role in park.usernames]
        user_data = [record["file_name"], "测试园区", park.code, "同意", *people]  # the signature's comment
        titles = _type_titles()
        for url in ("/retention", "/retention/register", f"/documents/{record['document_id']}"):
            page = english.get(url)
            assert page.status_code == 200
            assert _leaks(page.text, [*user_data, *titles, *_document_words(record)]) == [], url
    finally:
        english.close()


def _type_titles() -> list[str]:
    with session_scope(write=False) as session:
        return [row.title_zh for row in session.exec(select(DocType)).all()]


def _document_words(record: dict) -> list[str]:
    with session_scope(write=False) as session:
        document = session.get_one(Document, record["document_id"])
        return [document.title, document.owner_unit, "碳管理办公室"]
