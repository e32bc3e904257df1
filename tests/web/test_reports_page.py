"""报告与导出 (the reports page) and "按模板起草" on the register and document pages."""

import re
from io import BytesIO

from docx import Document

from app.reports import access
from app.users.models import Role, User
from tests import factories
from tests.audits.helpers import create_audit, raise_nc
from tests.web.conftest import csrf_of


def _links(page: str) -> list[str]:
    return [href.replace("&amp;", "&") for href in re.findall(r'<a class="button" href="([^"]+)" data-report=', page)]


def _forms(page: str) -> list[str]:
    return re.findall(r'<form method="get" action="([^"]+)" class="report-form"', page)


def test_the_coordinator_finds_every_report_and_export(browser, park):
    audit = create_audit(park).json()
    nc = raise_nc(park).json()
    review = park.client.post("/api/reviews", json={"review_date": "2030-06-01"}, headers=park.headers("coordinator"))
    b = browser(park, "coordinator")
    assert 'href="/reports"' in b.get("/").text  # in the navigation
    page = b.get("/reports").text
    assert 'aria-current="page">报告与导出' in page
    assert _forms(page) == ["/api/reports/review", "/api/exports/evidence"]
    links = _links(page)
    for expected in (
        "/api/exports/register.xlsx",
        "/api/exports/register.csv",
        "/api/exports/oscal/catalog.json",
        "/api/exports/oscal/assessment-results.json",
        f"/api/audits/{audit['id']}/report.docx",
        f"/api/nonconformities/{nc['id']}/report.docx",
        f"/api/reviews/{review.json()['id']}/report.docx",
    ):
        assert expected in links, expected
    # Evidence packages per clause, chapter and all.
    assert '<option value="all">' in page and '<option value="7">' in page and '<option value="7.3.2">' in page
    # The progress indicator: a live region, the script that sets aria-busy, plain links that work without it.
    assert 'role="status" aria-live="polite"' in page and '<script src="/static/reports.js" defer>' in page
    script = b.get("/static/reports.js").text
    assert 'setAttribute("aria-busy", "true")' in script and "message_zh" in script
    # Every link the page offers answers with a file for this user.
    for link in links:
        response = b.get(link)
        assert response.status_code == 200, (link, response.text[:200])
    assert b.get("/api/exports/evidence?scope=6").headers["content-type"] == "application/zip"
    assert b.get("/api/reports/review?year=2025").status_code == 200


def test_each_role_is_offered_only_what_the_services_let_it_make(browser, park):
    contributor = browser(park, "contributor")
    assert 'href="/reports"' in contributor.get("/").text
    page = contributor.get("/reports").text
    assert _forms(page) == ["/api/exports/evidence"]
    assert "/api/exports/register.csv" in _links(page)
    assert "oscal" not in page and "/api/reports/review" not in page and "内审报告" not in page
    # What the page leaves out the API refuses.
    assert contributor.get("/api/reports/review?year=2025").status_code == 403
    assert contributor.get("/api/exports/oscal/catalog.json").status_code == 403
    admin = browser(park, "admin")
    admin_page = admin.get("/reports").text
    assert _forms(admin_page) == [] and "内审报告" in admin_page
    assert admin.get("/api/exports/register.csv").status_code == 403
    for role in Role:
        assert access.may_open_reports_page(User(role=role)), role  # every role has something on the page


def test_register_and_draft_from_the_template(browser, park):
    b = browser(park, "coordinator")
    form = b.get("/documents/new").text
    assert 'formaction="/documents/new/from-template"' in form and "登记并按模板起草" in form
    data = {"doc_type": "CARBON_POLICY", "title": "碳排放管理方针（模板）", "owner_unit": "碳管理办公室"}
    response = b.post("/documents/new/from-template", data, page="/documents/new")
    assert response.status_code == 303 and "done=registered_drafted" in response.headers["location"]
    document_id = int(re.search(r"/documents/(\d+)", response.headers["location"]).group(1))
    detail = park.client.get(f"/api/documents/{document_id}", headers=park.headers("coordinator")).json()
    assert [(r["number"], r["state"]) for r in detail["revisions"]] == [(1, "draft")]
    assert "文件已登记，并已按模板生成第一版草稿" in b.get(f"/documents/{document_id}?done=registered_drafted").text
    # A record type is refused, and nothing is registered.
    before = park.client.get("/api/documents", headers=park.headers("coordinator")).json()["total"]
    bad = b.post("/documents/new/from-template", {**data, "doc_type": "EMISSION_REVIEW_RECORD"}, page="/documents/new")
    assert bad.status_code == 422 and "记录" in bad.text
    assert park.client.get("/api/documents", headers=park.headers("coordinator")).json()["total"] == before
    # Without the CSRF token: refused.
    stolen = b.client.post("/documents/new/from-template", data=data)
    assert stolen.status_code == 403


def test_draft_from_the_template_on_the_document_page(browser, park):
    document = factories.register(park, "CARBON_POLICY", title="碳排放管理方针")
    b = browser(park, "coordinator")
    page = b.get(f"/documents/{document['id']}").text
    assert f'action="/documents/{document["id"]}/from-template"' in page and "按模板起草" in page
    response = b.post(
        f"/documents/{document['id']}/from-template", {"change_reason": ""}, page=f"/documents/{document['id']}"
    )
    assert response.status_code == 303 and "done=template_drafted" in response.headers["location"]
    detail = park.client.get(f"/api/documents/{document['id']}", headers=park.headers("coordinator")).json()
    assert [r["state"] for r in detail["revisions"]] == ["draft"]
    # An open draft exists: the page offers no second one, and the service refuses it.
    assert "/from-template" not in b.get(f"/documents/{document['id']}").text
    again = b.post(f"/documents/{document['id']}/from-template", {}, page=f"/documents/{document['id']}")
    assert again.status_code == 409


def test_only_a_coordinator_drafts_from_a_template(browser, park):
    document = factories.register(park, "CARBON_POLICY")
    approver = browser(park, "approver")
    page = approver.get(f"/documents/{document['id']}").text
    assert "/from-template" not in page
    refused = approver.post(f"/documents/{document['id']}/from-template", {}, token=csrf_of(page))
    assert refused.status_code == 403 and "只有体系管理员可以按模板起草" in refused.text
    detail = park.client.get(f"/api/documents/{document['id']}", headers=park.headers("coordinator")).json()
    assert detail["revisions"] == []
    assert (
        approver.post(
            "/documents/new/from-template", {"doc_type": "CARBON_POLICY", "title": "x"}, token=csrf_of(page)
        ).status_code
        == 403
    )


def test_a_record_type_is_drafted_from_its_template_to_fill_in(browser, park):
    b = browser(park, "coordinator")
    page = b.get("/documents/new").text
    assert 'href="/records/new/template.docx?type=EMISSION_REVIEW_RECORD"' in page
    before = park.client.get("/api/documents", headers=park.headers("coordinator")).json()["total"]
    response = b.get("/records/new/template.docx?type=EMISSION_REVIEW_RECORD&period=2025")
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/vnd.openxml")
    text = "\n".join(p.text for p in Document(BytesIO(response.content)).paragraphs)
    text += "\n".join(c.text for t in Document(BytesIO(response.content)).tables for r in t.rows for c in r.cells)
    assert "2025" in text
    # Nothing is registered; a bad period, a document type and a type the user may not register are refused.
    assert park.client.get("/api/documents", headers=park.headers("coordinator")).json()["total"] == before
    assert b.get("/records/new/template.docx?type=EMISSION_REVIEW_RECORD&period=someday").status_code == 422
    assert b.get("/records/new/template.docx?type=CARBON_POLICY").status_code == 422
    contributor = browser(park, "contributor")
    assert contributor.get("/records/new/template.docx?type=EMISSION_REVIEW_RECORD").status_code == 403
