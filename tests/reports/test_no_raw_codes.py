"""Generated documents speak to people: no raw state, readiness or role code (`partial`, `met`, `done`, …) in the
cell or paragraph text of the register export (.xlsx/.csv), the Annex B review report, and the internal audit,
nonconformity and management review reports. Labels come from the one table, app/labels.py."""

import csv
import io
import re

import pytest
from openpyxl import load_workbook

from app.common import utcnow
from tests.audits.helpers import docx_text, post, raise_nc, run_nc_to_actions_done, started_audit
from tests.factories import PASSWORD, publish_new_document, record_upload, register, upload

# Codes of states, readiness, results and roles that must never reach a generated document as whole words.
RAW_CODES = [
    "draft",
    "in_review",
    "in_approval",
    "approved",
    "effective",
    "superseded",
    "obsolete",
    "filed",
    "void",
    "met",
    "partial",
    "gap",
    "missing",
    "overdue",
    "review_overdue",
    "in_progress",
    "not_applicable",
    "done",
    "open",
    "cancelled",
    "conforming",
    "nonconforming",
    "major",
    "minor",
    "planned",
    "completed",
    "closed",
    "coordinator",
    "top_management",
    "contributor",
    "auditor",
    "public",
    "internal",
    "restricted",
]
# A code standing on its own (a whole cell, or beside Chinese text or punctuation), not a word of an English phrase
# such as "Lead auditor" or "to be completed".
RAW_CODE = re.compile(r"(?<![A-Za-z_])(?<![A-Za-z_] )(" + "|".join(RAW_CODES) + r")(?![A-Za-z_])(?! [A-Za-z_])")


def _raw_codes(texts: list[str], people: list[str]) -> list[str]:
    """The codes found; the test users' own names ("auditor 测试", user names) are not codes and are left out."""
    found = set()
    for text in texts:
        for name in people:
            text = text.replace(name, "")
        found |= {f"{match.group(1)} in {text[:80]!r}" for match in RAW_CODE.finditer(text)}
    return sorted(found)


def _park_in_every_state(park) -> dict:
    """Effective, draft and obsolete documents, a filed record, an audit with a major finding, a closed NC."""
    effective, _ = publish_new_document(park, "CARBON_POLICY", title="碳排放管理方针")
    obsolete, _ = publish_new_document(park, "DATA_MANAGEMENT_RULES", title="旧数据管理制度")
    assert post(park, f"/api/documents/{obsolete['id']}/obsolete", "coordinator", {"reason": "合并"}).status_code == 200
    draft = register(park, "ANNUAL_WORK_PLAN", title="年度工作计划", access_level="public")
    upload(park, draft["id"])
    record = record_upload(park, "MONITORING_MEASUREMENT_RECORDS", "2025-Q2")
    assert record.status_code == 201, record.text
    audit = started_audit(park, scope=["6.2"])
    for index, line in enumerate(audit["lines"]):
        body = {"result": "conforming"}
        if index == 0:
            body = {"result": "nonconforming", "severity": "major", "description": "方针未评审"}
        assert post(park, f"/api/audits/{audit['id']}/lines/{line['id']}", "auditor", body).status_code == 200
    post(park, f"/api/audits/{audit['id']}/complete", "auditor", {"conclusion": "基本符合"})
    nc = raise_nc(park, severity="minor", clause_id="8.2").json()
    run_nc_to_actions_done(park, nc["id"])
    review = post(park, "/api/reviews", "coordinator", {"title": "2030 年度管理评审", "review_date": "2030-01-15"})
    assert review.status_code == 201, review.text
    review_url = f"/api/reviews/{review.json()['id']}"
    post(park, f"{review_url}/decisions", "coordinator", {"output_item": "b", "decision": "方针继续适用"})
    closed = post(park, f"{review_url}/close", "top_management", {"password": PASSWORD, "comment": "同意"})
    assert closed.status_code == 200, closed.text
    return {"effective": effective, "audit": audit, "nc": nc, "review_url": review_url}


@pytest.mark.slow
def test_generated_documents_carry_labels_not_codes(park):
    built = _park_in_every_state(park)
    auditor = park.headers("auditor")
    found: dict[str, list[str]] = {}
    people = sorted([*park.usernames.values(), *(f"{role} 测试" for role in park.usernames)], key=len, reverse=True)

    csv_response = park.client.get("/api/exports/register.csv", headers=auditor)
    assert csv_response.status_code == 200
    rows = list(csv.reader(io.StringIO(csv_response.content.decode("utf-8-sig"))))
    assert len(rows) >= 5
    found["register.csv"] = _raw_codes([cell for row in rows[1:] for cell in row], people)

    xlsx_response = park.client.get("/api/exports/register.xlsx", headers=auditor)
    assert xlsx_response.status_code == 200
    sheet = load_workbook(io.BytesIO(xlsx_response.content)).active
    sheet_rows = [[str(cell) for cell in row if cell] for row in sheet.iter_rows(values_only=True)]
    header = next(index for index, row in enumerate(sheet_rows) if any("受控编号" in cell for cell in row))
    cells = [cell for row in sheet_rows[header + 1 :] for cell in row]  # the rows under the column headings
    assert len(sheet_rows) - header - 1 == len(rows) - 1
    found["register.xlsx"] = _raw_codes(cells, people)

    reports = {
        "annex B review report": f"/api/reports/review?year={utcnow().year - 1}",
        "audit report": f"/api/audits/{built['audit']['id']}/report.docx",
        "nonconformity report": f"/api/nonconformities/{built['nc']['id']}/report.docx",
        "management review report": f"{built['review_url']}/report.docx",
    }
    for name, url in reports.items():
        response = park.client.get(url, headers=auditor)
        assert response.status_code == 200, (name, response.text[:300])
        found[name] = _raw_codes(docx_text(response.content).splitlines(), people)

    leaks = {name: codes for name, codes in found.items() if codes}
    assert leaks == {}, "\n".join(f"{name}: {code}" for name, codes in leaks.items() for code in codes)
