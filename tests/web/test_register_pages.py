"""The registers' pages: lists and forms per register, the compliance round, publishing, in both languages."""

import re
from datetime import date

import pytest

from app.web.i18n import TEXT
from tests.support.registers import assign_enterprise, make_enterprise

CJK = re.compile(r"[\u4e00-\u9fff]")
KINDS = ("legal", "risks", "equipment", "parties", "channels", "competence", "training", "communication")


def _created_id(response, kind: str) -> int:
    assert response.status_code == 303, response.text[:500]
    return int(re.search(rf"/registers/{kind}/(\d+)", response.headers["location"]).group(1))


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_register_page_renders_in_one_language(browser, park, lang):
    b = browser(park, "coordinator", lang=lang)
    own_words = {zh for zh, en in TEXT.values() if zh != en and CJK.search(zh)}
    party = _created_id(
        b.post("/registers/parties", {"name": "Local bureau", "side": "external"}, page="/registers"), "parties"
    )
    for url in (
        "/registers",
        *(f"/registers/{k}" for k in KINDS),
        "/registers/compliance",
        f"/registers/parties/{party}",
    ):
        response = b.get(url)
        assert response.status_code == 200, (url, response.text[:300])
        if lang == "en":
            leaked = [w for w in own_words if f">{w}<" in response.text]
            assert not leaked, (url, leaked)
    assert ("登记册" if lang == "zh" else "Registers") in b.get("/registers").text


def test_a_coordinator_works_the_registers_through_the_forms(browser, park):
    b = browser(park, "coordinator")
    assert (
        b.post(
            "/registers/risks",
            {"category": "strategic", "title": "", "likelihood": "3", "consequence": "3"},
            page="/registers/risks",
        ).status_code
        == 422
    )
    risk = _created_id(
        b.post(
            "/registers/risks",
            {"category": "strategic", "title": "政策收紧", "likelihood": "3", "consequence": "3"},
            page="/registers/risks",
        ),
        "risks",
    )
    assert (
        b.post(
            f"/registers/risks/{risk}/assess",
            {"likelihood": "5", "consequence": "5", "note": "政策出台"},
            page=f"/registers/risks/{risk}",
        ).status_code
        == 303
    )
    page = b.get(f"/registers/risks/{risk}").text
    assert "政策出台" in page and "重大" in page
    assert (
        b.post(f"/registers/risks/{risk}", {"title": "地方政策收紧"}, page=f"/registers/risks/{risk}").status_code
        == 303
    )
    assert "地方政策收紧" in b.get("/registers/risks").text

    legal = re.search(r'href="/registers/legal/(\d+)"', b.get("/registers/legal").text).group(1)
    assert (
        b.post(f"/registers/legal/{legal}/review", {"action": "confirm"}, page=f"/registers/legal/{legal}").status_code
        == 303
    )
    year = date.today().year - 1
    created = b.post(
        "/registers/compliance",
        {"title": "年度评价", "period_start": f"{year}-01-01", "period_end": f"{year}-12-31"},
        page="/registers/compliance",
    )
    assert created.status_code == 303
    round_url = created.headers["location"]
    assert (
        b.post(
            f"{round_url}/results/{legal}", {"result": "non_compliant", "evidence": "未落实"}, page=round_url
        ).status_code
        == 303
    )
    assert "/nonconformities/" in b.get(round_url).text
    assert b.post(f"{round_url}/close", {"conclusion": "一项不合规"}, page=round_url).status_code == 303
    filed = b.post(f"{round_url}/report", {}, page=round_url)
    assert filed.status_code == 303 and filed.headers["location"].startswith("/records/")

    party = _created_id(
        b.post("/registers/parties", {"name": "地方生态环境局", "side": "external"}, page="/registers/parties"),
        "parties",
    )
    published = b.post("/registers/parties/publish", {"change_reason": ""}, page="/registers/parties")
    assert published.status_code == 303 and published.headers["location"].startswith("/documents/")
    document_page = b.get(published.headers["location"]).text
    assert "/registers/parties#snap-h" in document_page
    assert (
        b.post(
            f"/registers/parties/{party}", {"needs_expectations": "按月报送"}, page=f"/registers/parties/{party}"
        ).status_code
        == 303
    )
    assert party


def test_a_contributor_sees_only_the_equipment_register(browser, park):
    enterprise = make_enterprise(park.id)
    assign_enterprise(park.user_ids["contributor"], enterprise)
    b = browser(park, "contributor")
    index = b.get("/registers").text
    assert 'href="/registers/equipment"' in index and 'href="/registers/legal"' not in index
    assert b.get("/registers/legal").status_code == 403
    assert b.get("/registers/equipment").status_code == 200
    assert (
        b.post("/registers/equipment", {"name": "x", "interval_months": "12"}, page="/registers/equipment").status_code
        == 403
    )


def test_import_through_the_page_is_all_or_nothing(browser, park):
    import io

    from openpyxl import Workbook

    from tests.web.conftest import csrf_of

    def sheet(rows: list[list[str]]) -> bytes:
        workbook = Workbook()
        for row in rows:
            workbook.active.append(row)
        buffer = io.BytesIO()
        workbook.save(buffer)
        return buffer.getvalue()

    b = browser(park, "coordinator")
    media = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    header = ["信息渠道 / Channel", "频次 / Frequency"]

    def send(content: bytes):
        token = csrf_of(b.get("/registers/channels").text)
        return b.post("/registers/channels/import", token=token, files={"file": ("渠道.xlsx", content, media)})

    refused = send(sheet([header, ["生态环境部网站", "每周"], ["", "每月"]]))
    assert refused.status_code == 422 and "第 3 行" in refused.text
    assert "生态环境部网站" not in b.get("/registers/channels").text
    assert send(sheet([header, ["生态环境部网站", "每周"]])).status_code == 303
    assert "生态环境部网站" in b.get("/registers/channels").text
