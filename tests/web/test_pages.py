"""The web pages through TestClient: rendering, languages, CSRF, access rules, errors shown in plain words."""

import importlib
import io
import re
from pathlib import Path

import pytest

from app.config import get_settings
from app.web.i18n import TEXT
from tests import factories
from tests.factories import DOCX_MEDIA, PASSWORD, docx_bytes
from tests.web.conftest import csrf_of

TEMPLATES = Path(__file__).resolve().parents[2] / "app" / "web" / "templates"
CJK = re.compile(r"[\u4e00-\u9fff]")


def _document_id(response) -> int:
    assert response.status_code == 303, response.text
    return int(re.search(r"/documents/(\d+)", response.headers["location"]).group(1))


def _web_document(
    b,
    title: str = "碳排放管理方针",
    doc_type: str = "CARBON_POLICY",
    access_level: str = "internal",
) -> int:
    return _document_id(
        b.post(
            "/documents/new",
            {"doc_type": doc_type, "title": title, "owner_unit": "碳管理办公室", "access_level": access_level},
            page="/documents/new",
        )
    )


def _version(b, document_id: int, action: str) -> tuple[int, str]:
    """The revision id and version the page's form for `action` carries, and the page's CSRF token."""
    html = b.get(f"/documents/{document_id}").text
    match = re.search(rf'action="/revisions/(\d+)/{action}".*?name="version" value="(\d+)"', html, re.S)
    assert match, f"no {action} form on the page"
    return int(match.group(1)), match.group(2)


def _step(b, document_id: int, action: str, **data):
    revision_id, version = _version(b, document_id, action)
    return b.post(f"/revisions/{revision_id}/{action}", {"version": version, **data}, page=f"/documents/{document_id}")


def _upload(b, document_id: int, content: bytes | None = None, name: str = "方针.docx", **data):
    html = b.get(f"/documents/{document_id}").text
    version = re.search(r'action="/documents/\d+/revisions".*?name="version" value="(\d+)"', html, re.S).group(1)
    return b.post(
        f"/documents/{document_id}/revisions",
        {"version": version, **data},
        token=csrf_of(html),
        files={"file": (name, content if content is not None else docx_bytes(), DOCX_MEDIA)},
    )


def test_signed_out_pages_go_to_login_and_the_api_keeps_json(browser):
    b = browser()
    assert b.get("/").status_code == 303 and b.get("/").headers["location"] == "/login"
    response = b.get("/documents?type=CARBON_POLICY")
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=%2Fdocuments%3Ftype%3DCARBON_POLICY"
    api = b.get("/api/documents")
    assert api.status_code == 401 and api.headers["content-type"].startswith("application/json")
    login = b.get("/login")
    assert login.status_code == 200 and '<html lang="zh-CN">' in login.text and 'for="username"' in login.text
    assert "default-src 'self'" in login.headers["content-security-policy"]


def test_sign_in_and_out(browser, park):
    b = browser()
    wrong = b.login(park.usernames["coordinator"], "not-the-password")
    assert wrong.status_code == 401 and "用户名或密码错误" in wrong.text and "<form" in wrong.text
    ok = b.login(park.usernames["coordinator"])
    assert ok.status_code == 303 and ok.headers["location"] == "/"
    cookie = ok.headers["set-cookie"]
    assert "carbonms_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie.replace("Lax", "lax")
    home = b.get("/")
    assert home.status_code == 200 and "coordinator 测试" in home.text
    out = b.post("/logout", page="/")
    assert out.status_code == 303 and out.headers["location"] == "/login?done=signed_out"
    assert "您已退出登录" in b.get("/login?done=signed_out").text
    # The session is revoked on the server: the old cookie no longer opens a page.
    b.client.cookies.set("carbonms_session", cookie.split("carbonms_session=")[1].split(";")[0].strip('"'))
    assert b.get("/documents").status_code == 303


def test_sign_in_redirects_to_next_but_never_off_site(browser, park):
    b = browser()
    token = csrf_of(b.get("/login").text)
    ok = b.client.post(
        "/login",
        data={
            "username": park.usernames["auditor"],
            "password": PASSWORD,
            "next": "/documents?q=x",
            "csrf_token": token,
        },
    )
    assert ok.headers["location"] == "/documents?q=x"
    c = browser()
    token = csrf_of(c.get("/login").text)
    evil = c.client.post(
        "/login",
        data={
            "username": park.usernames["auditor"],
            "password": PASSWORD,
            "next": "//evil.example/",
            "csrf_token": token,
        },
    )
    assert evil.headers["location"] == "/"


def test_every_template_key_is_translated():
    importlib.import_module("app.web.routes")  # every pages module adds its words to TEXT when imported
    used = set()
    for path in TEMPLATES.glob("*.html"):
        used |= set(re.findall(r"""\bt\(['"]([a-z_.0-9]+)['"]\)""", path.read_text()))
    assert used, "no keys found"
    assert not used - set(TEXT), f"untranslated keys: {sorted(used - set(TEXT))}"
    for key, (zh, en) in TEXT.items():
        assert zh and en, key
        assert not CJK.search(en) or key == "nav.other_language", f"Chinese in the English text of {key}"


def _pages(b, park, document_id: int) -> list[str]:
    return [
        "/",
        "/?as_of=2020-01-01",
        "/documents",
        "/documents?sort=-title&kind=document",
        "/documents/new",
        f"/documents/{document_id}",
        "/tasks",
        "/events",
        "/events?verify=1",
        "/clauses/6.2",
        "/clauses/4.1",
        "/items",
        "/items?state=missing&chapter=6",
        "/reports",
    ]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_pages_render_in_one_language(browser, park, lang):
    coordinator = browser(park, "coordinator", lang=lang)
    document_id = _web_document(coordinator)
    assert _upload(coordinator, document_id).status_code == 303
    own_words = {zh for zh, en in TEXT.values() if zh != en and CJK.search(zh)}
    for url in _pages(coordinator, park, document_id):
        response = coordinator.get(url)
        assert response.status_code == 200, (url, response.text[:500])
        html = response.text
        assert f'<html lang="{"zh-CN" if lang == "zh" else "en"}">' in html
        if lang == "en":
            # No interface word in Chinese: only user content and the standard's own text (marked lang="zh-CN").
            visible = re.sub(r'<div lang="zh-CN">.*?</div>', "", html, flags=re.S)
            leaked = [word for word in own_words if f">{word}<" in visible]
            assert not leaked, (url, leaked)
            assert "Readiness" in html and "Sign out" in html
        else:
            assert "就绪度总览" in html and "退出登录" in html
    admin = browser(park, "admin", lang=lang)
    assert admin.get("/users").status_code == 200


def test_language_switch_persists(browser, park):
    b = browser(park, "approver")
    switched = b.get("/lang/en?next=/documents")
    assert switched.status_code == 303 and switched.headers["location"] == "/documents"
    assert "lang=en" in switched.headers["set-cookie"]
    b.client.cookies.set("lang", "en")
    page = b.get("/tasks").text
    assert "My tasks" in page and "待办" not in page.split("<main")[1]
    assert b.get("/lang/en?next=https://evil.example").headers["location"] == "/"


def test_forms_without_the_csrf_token_are_refused(browser, park):
    b = browser(park, "coordinator")
    data = {"doc_type": "CARBON_POLICY", "title": "无令牌"}
    missing = b.client.post("/documents/new", data=data)
    assert missing.status_code == 403 and "CSRF" in missing.text and "<html" in missing.text
    wrong = b.client.post("/documents/new", data={**data, "csrf_token": "0" * 64})
    assert wrong.status_code == 403
    other = browser(park, "approver")  # another user's token does not fit this session
    stolen = b.client.post("/documents/new", data={**data, "csrf_token": csrf_of(other.get("/").text)})
    assert stolen.status_code == 403
    assert "无令牌" not in b.get("/documents").text
    anonymous = browser()
    login = anonymous.client.post("/login", data={"username": park.usernames["approver"], "password": PASSWORD})
    assert login.status_code == 403 and "CSRF" in login.text
    english = browser(park, "coordinator", lang="en")
    assert "CSRF check failed" in english.client.post("/documents/new", data=data).text


def test_whole_lifecycle_through_the_forms(browser, park):
    coordinator = browser(park, "coordinator")
    before = coordinator.get("/").text
    assert re.search(r'data-clause="6.2".*?st-gap', before, re.S)
    document_id = _web_document(coordinator)
    page = coordinator.get(f"/documents/{document_id}?done=registered").text
    assert "文件已登记" in page and "data-upload" in page
    assert _upload(coordinator, document_id).status_code == 303
    assert _step(coordinator, document_id, "submit").status_code == 303

    approver = browser(park, "approver")
    assert "待我审核" in approver.get("/tasks").text
    refused = _step(approver, document_id, "review", password="wrong", comment="")
    assert refused.status_code == 401 and "电子签名需要再次输入您的密码" in refused.text
    assert _step(approver, document_id, "review", password=PASSWORD, comment="同意").status_code == 303
    # The approver may not give the second signature of the policy: no approve button for them.
    assert 'action="/revisions/' not in approver.get(f"/documents/{document_id}").text

    top = browser(park, "top_management")
    assert "待我批准" in top.get("/tasks").text
    assert _step(top, document_id, "approve", password=PASSWORD).status_code == 303
    assert "已批准待发布" in coordinator.get("/tasks").text
    assert _step(coordinator, document_id, "publish").status_code == 303
    page = coordinator.get(f"/documents/{document_id}?done=publish").text
    assert "已发布，现行有效" in page and "现行有效" in page and "approver 测试" in page
    assert re.search(r'data-clause="6.2".*?st-met', coordinator.get("/").text, re.S)
    clause = coordinator.get("/clauses/6.2").text
    assert "top_management 测试" in clause and f"/documents/{document_id}" in clause

    # A new revision of an effective document needs a change reason; then the document can be made obsolete.
    no_reason = _upload(coordinator, document_id)
    assert no_reason.status_code == 422 and "变更原因" in no_reason.text
    html = coordinator.get(f"/documents/{document_id}").text
    version = re.search(r'action="/documents/\d+/obsolete".*?name="version" value="(\d+)"', html, re.S).group(1)
    assert (
        coordinator.post(
            f"/documents/{document_id}/obsolete",
            {"version": version, "reason": "", "confirm": "1"},
            token=csrf_of(html),
        ).status_code
        == 422
    )
    done = coordinator.post(
        f"/documents/{document_id}/obsolete",
        {"version": version, "reason": "被新方针取代", "confirm": "1"},
        token=csrf_of(html),
    )
    assert done.status_code == 303 and "已作废" in coordinator.get(f"/documents/{document_id}").text


def test_a_stale_form_is_refused_in_plain_words(browser, park):
    coordinator = browser(park, "coordinator")
    document_id = _web_document(coordinator)
    _upload(coordinator, document_id)
    revision_id, version = _version(coordinator, document_id, "submit")
    assert _step(coordinator, document_id, "submit").status_code == 303
    stale = coordinator.post(f"/revisions/{revision_id}/submit", {"version": version}, page=f"/documents/{document_id}")
    assert stale.status_code == 409 and "已被他人修改" in stale.text and "Traceback" not in stale.text


def test_contributor_never_sees_an_internal_document(browser, park):
    document, _ = factories.publish_new_document(park)
    public, _ = factories.publish_new_document(
        park, "ORGANISATION_RESPONSIBILITIES", access_level="public", title="机构职责（公开）"
    )
    contributor = browser(park, "contributor")
    listing = contributor.get("/documents").text
    assert document["control_no"] not in listing and public["control_no"] in listing
    assert "共 1 项" in listing
    assert "共 0 项" in contributor.get(f"/documents?q={document['control_no']}").text
    assert "共 0 项" in contributor.get("/documents?type=CARBON_POLICY").text
    detail = contributor.get(f"/documents/{document['id']}")
    assert detail.status_code == 404 and "文件不存在" in detail.text and document["title"] not in detail.text
    # Not even in a count: readiness as the contributor sees it does not count the internal policy.
    assert re.search(r'data-clause="6.2".*?st-gap', contributor.get("/").text, re.S)
    assert document["control_no"] not in contributor.get("/clauses/6.2").text
    assert 'href="/api/exports/register.xlsx?' in listing  # the reports export, with the cookie
    cells = _xlsx_cells(contributor.get("/api/exports/register.xlsx?sort=control_no"))
    assert public["control_no"] in cells and document["control_no"] not in cells
    assert contributor.get("/events").status_code == 403
    assert contributor.get("/users").status_code == 403


def test_another_parks_document_is_a_404_page(browser, park, other_park):
    document, _ = factories.publish_new_document(park)
    stranger = browser(other_park, "auditor")
    response = stranger.get(f"/documents/{document['id']}")
    assert response.status_code == 404 and "文件不存在" in response.text
    assert response.headers["content-type"].startswith("text/html")
    assert document["control_no"] not in stranger.get("/documents").text
    assert stranger.get("/no-such-page").status_code == 404
    assert stranger.get("/api/no-such-thing").headers["content-type"].startswith("application/json")


def test_refused_uploads_say_why(browser, park, monkeypatch):
    coordinator = browser(park, "coordinator")
    document_id = _web_document(coordinator)
    unsupported = _upload(coordinator, document_id, b"MZ\x90\x00binary program", name="tool.exe")
    assert unsupported.status_code == 415 and "不支持的文件类型" in unsupported.text
    assert 'class="flash error error-message"' in unsupported.text
    empty = _upload(coordinator, document_id, b"", name="empty.docx")
    assert empty.status_code == 422 and "文件为空" in empty.text
    monkeypatch.setattr(get_settings(), "max_upload_mb", 1)
    too_large = _upload(coordinator, document_id, b"x" * (1024 * 1024 + 10), name="big.txt")
    assert too_large.status_code == 413 and "1 MB" in too_large.text
    huge = _upload(coordinator, document_id, b"x" * (3 * 1024 * 1024), name="huge.txt")  # refused by its length
    assert huge.status_code == 413 and "<html" in huge.text
    english = browser(park, "coordinator", lang="en")
    assert "Unsupported file type" in _upload(english, document_id, b"MZ\x90\x00", name="a.exe").text


def test_records_are_registered_with_their_period(browser, park):
    contributor = browser(park, "contributor")
    page = contributor.get("/documents/new").text
    assert "MONITORING_MEASUREMENT_RECORDS" in page and 'action="/documents/new"' not in page
    token = csrf_of(page)
    bad = contributor.post(
        "/records/new",
        {"doc_type": "MONITORING_MEASUREMENT_RECORDS", "period": "去年"},
        token=token,
        files={"file": ("监测.docx", docx_bytes("监测记录"), DOCX_MEDIA)},
    )
    assert bad.status_code == 422 and "期间格式不正确" in bad.text
    ok = contributor.post(
        "/records/new",
        {"doc_type": "MONITORING_MEASUREMENT_RECORDS", "period": "2025-Q2", "access_level": "public", "submit": "1"},
        token=token,
        files={"file": ("监测.docx", docx_bytes("监测记录"), DOCX_MEDIA)},
    )
    record_id = _document_id(ok)
    page = contributor.get(f"/documents/{record_id}").text
    assert "2025-04-01" in page and "待批准" in page
    refused = contributor.post(
        "/records/new",
        {"doc_type": "CARBON_POLICY", "period": "2025"},
        token=token,
        files={"file": ("x.docx", docx_bytes(), DOCX_MEDIA)},
    )
    # the records form takes record types only: a document type is bad input (422), said on the page
    assert refused.status_code == 422 and "<html" in refused.text and "是文件类型" in refused.text


def test_clause_applicability_by_the_coordinator(browser, park):
    coordinator = browser(park, "coordinator")
    page = coordinator.get("/clauses/7.3.4").text
    assert 'action="/clauses/7.3.4/applicability"' in page
    no_reason = coordinator.post(
        "/clauses/7.3.4/applicability", {"applicable": "no", "reason": ""}, page="/clauses/7.3.4"
    )
    assert no_reason.status_code == 422 and "必须填写理由" in no_reason.text
    done = coordinator.post(
        "/clauses/7.3.4/applicability", {"applicable": "no", "reason": "园区无碳资产交易"}, page="/clauses/7.3.4"
    )
    assert done.status_code == 303
    assert "园区无碳资产交易" in coordinator.get("/clauses/7.3.4").text
    assert re.search(r'data-clause="7.3.4".*?st-not_applicable', coordinator.get("/").text, re.S)
    approver = browser(park, "approver")
    assert 'applicability"' not in approver.get("/clauses/7.3.4").text
    refused = approver.post("/clauses/7.3.4/applicability", {"applicable": "yes"}, page="/clauses/7.3.4")
    assert refused.status_code == 403 and "体系管理员" in refused.text
    assert coordinator.get("/clauses/99.9").status_code == 404


def test_dashboard_as_of_a_past_date(browser, park):
    factories.publish_new_document(park)
    b = browser(park, "top_management")
    today = b.get("/").text
    assert re.search(r'data-clause="6.2".*?st-met', today, re.S)
    past = b.get("/?as_of=2020-01-01").text
    assert "2020-01-01" in past and re.search(r'data-clause="6.2".*?st-gap', past, re.S)
    bad = b.get("/?as_of=yesterday")
    assert bad.status_code == 422 and "输入有误" in bad.text


def test_register_filters_sorting_paging_and_export(browser, park):
    for number in range(3):
        factories.register(park, "CARBON_POLICY", title=f"方针 {number}")
    factories.register(park, "ORGANISATION_RESPONSIBILITIES", title="机构职责", owner_unit="办公室")
    b = browser(park, "auditor")
    assert "共 4 项" in b.get("/documents").text
    assert "共 3 项" in b.get("/documents?type=CARBON_POLICY").text
    assert "共 1 项" in b.get("/documents?clause=6.3").text
    assert "共 1 项" in b.get("/documents?owner_unit=办公室").text
    ordered = b.get("/documents?sort=-title").text
    assert ordered.index("机构职责") < ordered.index("方针 2") < ordered.index("方针 0")
    assert b.get("/documents?page=0").status_code == 422
    assert "共 4 项" in b.get("/documents?page=9").text
    page = b.get("/documents?type=CARBON_POLICY").text
    link = re.search(r'href="(/api/exports/register\.xlsx\?[^"]+)"', page).group(1).replace("&amp;", "&")
    assert "type=CARBON_POLICY" in link
    cells = _xlsx_cells(b.get(link))
    assert sum(1 for cell in cells if str(cell).startswith(f"{park.code}-CARBON_POLICY-")) == 3
    assert not any(str(cell).startswith(f"{park.code}-ORGANISATION") for cell in cells)


def _xlsx_cells(response) -> list:
    from openpyxl import load_workbook

    assert response.status_code == 200, response.text[:300]
    assert response.headers["content-type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml")
    sheet = load_workbook(io.BytesIO(response.content)).active
    return [cell for row in sheet.iter_rows(values_only=True) for cell in row if cell is not None]


def test_audit_trail_page(browser, park):
    factories.publish_new_document(park)
    auditor = browser(park, "auditor")
    rows = auditor.get("/events?action=revision.approve").text.split("<tbody>")[1]
    assert "批准签名" in rows and "登记文件" not in rows
    verified = auditor.get("/events?verify=1").text
    assert "哈希链完整" in verified
    assert auditor.get("/events?entity_type=document&entity_id=1").status_code == 200
    assert browser(park, "approver").get("/events").status_code == 403


def test_users_administration(browser, park):
    admin = browser(park, "admin")
    page = admin.get("/users").text
    assert park.usernames["contributor"] in page
    created = admin.post(
        "/users/new",
        {
            "username": f"new_{park.code.lower()}",
            "password": "Long-enough-1",
            "role": "contributor",
            "full_name": "新填报人",
            "assigned": ["MONITORING_MEASUREMENT_RECORDS"],
        },
        page="/users",
    )
    assert created.status_code == 303
    assert "新填报人" in admin.get("/users?done=user_created").text
    short = admin.post(
        "/users/new", {"username": "x" + park.code, "password": "short", "role": "auditor"}, page="/users"
    )
    assert short.status_code == 422 and "至少需要 8 个字符" in short.text
    contributor = browser(park, "contributor")
    assert contributor.get("/").status_code == 200
    disabled = admin.post(f"/users/{park.user_ids['contributor']}", {"role": "contributor"}, page="/users")
    assert disabled.status_code == 303
    assert contributor.get("/").status_code == 303  # a disabled account's session has ended
    assert browser(park, "coordinator").get("/users").status_code == 403


def test_static_files_and_security_headers(browser, park):
    b = browser(park, "coordinator")
    page = b.get("/")
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert "<script>" not in page.text and " style=" not in page.text
    assert b.get("/static/app.css").status_code == 200
    assert "XMLHttpRequest" in b.get("/static/app.js").text


def test_tasks_page_lists_what_waits_on_each_user(browser, park):
    document = factories.register(park)
    revision = factories.upload(park, document["id"]).json()
    park.client.post(f"/api/revisions/{revision['id']}/submit", headers=park.headers("coordinator"))
    approver = browser(park, "approver", lang="en")
    page = approver.get("/tasks").text
    assert "To review" in page and f'href="/documents/{document["id"]}"' in page
    contributor = browser(park, "contributor")
    assert "目前没有等待您处理的事项" in contributor.get("/tasks").text


def test_search_page_shows_only_readable_hits(browser, park):
    internal = factories.register(park, title="内部方针")
    factories.upload(park, internal["id"], docx_bytes("园区光伏屋顶碳减排方案说明"))
    coordinator = browser(park, "coordinator")
    assert coordinator.get("/search").status_code == 200
    found = coordinator.get("/search?q=光伏屋顶")
    assert found.status_code == 200, found.text
    assert internal["control_no"] in found.text and "<mark>" in found.text
    contributor = browser(park, "contributor")
    assert internal["control_no"] not in contributor.get("/search?q=光伏屋顶").text.split("<main")[1]
