"""The Annex B review report: six chapters, filled from live data, gaps marked 【待补充】, filed as a draft record."""

import io

from docx import Document as DocxDocument

from tests.factories import publish_new_document, record_upload, sign

CHAPTERS = [
    "第一章 评审事项说明",
    "第二章 产业园区基本情况",
    "第三章 产业园区碳排放管理情况",
    "第四章 产业园区碳排放状况分析",
    "第五章 碳排放目标指标完成情况",
    "第六章 评审建议",
]
SECTIONS = [
    "一、评审目的",
    "二、评审依据",
    "三、评审时间",
    "四、评审范围和内容",
    "一、园区概况",
    "二、产业发展概况",
    "三、能源消耗情况",
    "一、碳排放管理机构",
    "二、碳排放管理制度",
    "三、碳排放管理实施情况",
    "一、碳排放数据收集",
    "二、碳排放情况分析",
    "一、实际完成情况",
    "二、与基准、绩效（指标）对比",
    "一、现存问题",
    "二、改进建议",
]


def _text(document) -> str:
    parts = [paragraph.text for paragraph in document.paragraphs]
    parts += [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join(parts)


def test_review_report_has_annex_b_chapters_and_live_data(park):
    scope, _ = publish_new_document(park, "CMS_SCOPE_BOUNDARY", title="体系范围和边界说明")
    policy, _ = publish_new_document(park, "CARBON_POLICY")
    record = record_upload(park, "EMISSION_REVIEW_RECORD", "2025").json()
    assert sign(park, record["revision_id"], "approve", "approver").status_code == 200

    response = park.client.get("/api/reports/review?year=2025", headers=park.headers("top_management"))
    assert response.status_code == 200, response.text
    assert "filename*=utf-8''" in response.headers["content-disposition"].lower()
    document = DocxDocument(io.BytesIO(response.content))
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert [h for h in headings if h in CHAPTERS] == CHAPTERS
    assert [h for h in headings if h in SECTIONS] == SECTIONS
    text = _text(document)
    assert "测试园区" in text and park.code in text
    assert scope["control_no"] in text and "体系范围和边界说明" in text  # the effective scope document
    assert "碳排放管理方针：园区承诺持续改进碳排放管理绩效。" in text  # its text, quoted
    assert policy["control_no"] in text and record["control_no"] in text  # the register
    assert "最高管理者" in text and "top_management 测试" in text  # people by role
    assert "【待补充】" in text and "能源消费总量" in text  # what carbonms does not hold
    assert "第6章 组织与制度" in text  # readiness per chapter
    assert "编制并发布《碳排放管理基准》（7.5）。" in text  # a gap becomes a suggestion
    assert "形成并归档《产业园区碳评审报告》（7.3.1、7.3.2、7.3.3、7.3.4、7.3.5）。" in text  # Annex A: 7.3
    assert len(document.inline_shapes) == 1  # the readiness chart, a PNG
    images = [part.blob for part in document.part.related_parts.values() if part.content_type == "image/png"]
    assert len(images) == 1 and images[0].startswith(b"\x89PNG\r\n\x1a\n")


def test_review_report_without_scope_says_so(park):
    response = park.client.get("/api/reports/review?year=2026", headers=park.headers("coordinator"))
    text = _text(DocxDocument(io.BytesIO(response.content)))
    assert "园区尚无现行有效的《碳排放管理体系范围和边界》" in text


def test_review_report_access_and_year(park):
    assert park.client.get("/api/reports/review?year=2025", headers=park.headers("contributor")).status_code == 403
    assert park.client.get("/api/reports/review?year=1999", headers=park.headers("auditor")).status_code == 422
    assert park.client.get("/api/reports/review", headers=park.headers("auditor")).status_code == 422


def test_register_review_report_as_a_draft_record(park, other_park):
    response = park.client.post("/api/reports/review/register?year=2025", headers=park.headers("coordinator"))
    assert response.status_code == 201, response.text
    record = response.json()
    assert record["doc_type"] == "CARBON_REVIEW_REPORT" and record["state"] == "draft"
    assert record["period_start"] == "2025-01-01" and record["period_end"] == "2025-12-31"
    detail = park.client.get(f"/api/documents/{record['id']}", headers=park.headers("auditor")).json()
    assert detail["kind"] == "record"
    assert any(event["action"] == "document.register" for event in detail["history"])
    file = park.client.get(
        f"/api/revisions/{record['revision_id']}/file?original=true", headers=park.headers("coordinator")
    )
    assert "第一章 评审事项说明" in _text(DocxDocument(io.BytesIO(file.content)))
    # it goes on through the record lifecycle like any record
    assert (
        park.client.post(f"/api/records/{record['id']}/submit", headers=park.headers("coordinator")).status_code == 200
    )
    for role in ("approver", "auditor", "contributor"):
        assert park.client.post("/api/reports/review/register?year=2025", headers=park.headers(role)).status_code == 403
    assert (
        other_park.client.get(f"/api/records/{record['id']}", headers=other_park.headers("coordinator")).status_code
        == 404
    )
