"""The Annex B review report: six chapters, filled from live data, gaps marked 【待补充】, filed as a draft record."""

import io

from docx import Document as DocxDocument

from tests.factories import publish_new_document, record_upload, register, sign, upload
from tests.reports.review_helpers import gap_table, get_report, suggestions, this_year

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


def test_review_report_has_annex_b_chapters_and_live_data(park):
    scope, _ = publish_new_document(park, "CMS_SCOPE_BOUNDARY", title="体系范围和边界说明")
    policy, _ = publish_new_document(park, "CARBON_POLICY")
    year = this_year()
    document, text = get_report(park, year, role="top_management")
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert [h for h in headings if h in CHAPTERS] == CHAPTERS
    assert [h for h in headings if h in SECTIONS] == SECTIONS
    assert "测试园区" in text and park.code in text
    assert scope["control_no"] in text and "体系范围和边界说明" in text  # the scope in force
    assert "碳排放管理方针：园区承诺持续改进碳排放管理绩效。" in text  # its text, quoted
    assert policy["control_no"] in text
    assert "【待补充】" in text and "能源消费总量" in text  # what the park completes by hand
    assert "第6章 组织与制度" in text  # readiness per chapter
    assert f"{year} 年度尚未结束，按报告生成日的状态" in text  # the current year says as of when
    assert "第7章 策划：编制并发布《产业园区碳排放管理目标和指标责任书》（7.1）、" in text  # gaps become actions
    assert "《碳排放管理基准》（7.5）" in text
    assert len(document.inline_shapes) == 1  # the readiness chart, a PNG
    images = [part.blob for part in document.part.related_parts.values() if part.content_type == "image/png"]
    assert len(images) == 1 and images[0].startswith(b"\x89PNG\r\n\x1a\n")


def test_the_report_never_names_the_software(park):
    publish_new_document(park, "CARBON_POLICY")
    _, text = get_report(park, this_year())
    assert "carbonms" not in text.lower()
    assert "python-docx" not in text  # the file's author is the park, not the library


def test_counts_say_what_they_count(park):
    policy, _ = publish_new_document(park, "CARBON_POLICY")
    draft = register(park, "CARBON_BASELINE", title="基准草稿")
    assert upload(park, draft["id"]).status_code == 201
    register(park, "CARBON_POLICY", title="尚未上传")
    document, text = get_report(park, this_year())
    assert "园区登记的体系文件共 3 份，其中现行有效 1 份、起草或审批中 1 份、已废止 0 份、尚未上传文件 1 份" in text
    assert "按报告生成日的状态）现行有效的体系文件（1 份）" in text
    # The draft is counted among registrations but not listed with the documents in force.
    table = next(t for t in document.tables if t.rows[0].cells[-1].text == "生效日期")
    assert [row.cells[0].text for row in table.rows[1:]] == [policy["control_no"]]
    assert draft["control_no"] != policy["control_no"]


def test_chapter_three_lists_the_leadership_group_not_the_users(park):
    _, text = get_report(park, this_year())
    assert "碳排放管理领导小组成员（最高管理者、相关部门负责人、碳排放管理人员）尚未在园区资料中登记" in text
    assert "top_management 测试" not in text.split("一、碳排放管理机构")[1].split("二、碳排放管理制度")[0]
    for body in (
        {"name": "张明", "title": "管委会主任", "group_role": "组长", "unit": "园区管委会", "position": 1},
        {"name": "李华", "title": "经发局局长", "group_role": "副组长", "unit": "经济发展局", "position": 2},
    ):
        response = park.client.post("/api/park/organisation", json=body, headers=park.headers("coordinator"))
        assert response.status_code == 201, response.text
    document, text = get_report(park, this_year())
    assert "园区碳排放管理领导小组（共 2 人）" in text
    table = next(t for t in document.tables if t.rows[0].cells[0].text == "组内职责")
    assert [[c.text for c in row.cells] for row in table.rows[1:]] == [
        ["组长", "张明", "管委会主任", "园区管委会"],
        ["副组长", "李华", "经发局局长", "经济发展局"],
    ]


def test_chapter_six_groups_the_gaps_by_chapter_with_actions(park):
    document, _ = get_report(park, this_year())
    table = gap_table(document)
    rows = [[cell.text for cell in row.cells] for row in table.rows[1:]]
    chapters = [row[0] for row in rows]
    assert chapters == [
        c
        for c in (
            "第5章 产业园区所处环境",
            "第6章 组织与制度",
            "第7章 策划",
            "第8章 支持",
            "第9章 运行",
            "第10章 绩效评价",
            "第11章 改进",
        )
        if c in chapters
    ]
    assert len(rows) == 7  # an empty park: every chapter has gaps, one row each (not one per clause and type)
    for _chapter, count, gaps in rows:
        titles = [line.split("》")[0] for line in gaps.split("\n")]
        assert len(titles) == len(set(titles)) == int(count)  # a type serving several clauses is named once
    assert "《不符合项改进指南》（11.1、11.2、11.3）：缺失" in rows[-1][2]  # … with every clause it serves
    actions = suggestions(document)  # 二、改进建议: per chapter, the actions to take
    assert list(actions) == chapters
    assert all(text.startswith(("编制并发布", "形成并归档")) for text in actions.values())
    assert (
        "形成并归档《不符合项改进指南》（11.1、11.2、11.3）、《不符合和纠正措施记录》（11.2）" in actions["第11章 改进"]
    )
    assert "编制并发布《碳排放管理体系改进方案》（11.1、11.3）" in actions["第11章 改进"]


def test_review_report_access_and_year(park):
    assert park.client.get("/api/reports/review?year=2025", headers=park.headers("contributor")).status_code == 403
    assert park.client.get("/api/reports/review?year=1999", headers=park.headers("auditor")).status_code == 422
    assert park.client.get("/api/reports/review", headers=park.headers("auditor")).status_code == 422
    future = park.client.get(f"/api/reports/review?year={this_year() + 1}", headers=park.headers("auditor"))
    assert future.status_code == 422
    assert "尚未开始" in future.json()["message_zh"] and "has not begun" in future.json()["message_en"]


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
    assert "第一章 评审事项说明" in "\n".join(p.text for p in DocxDocument(io.BytesIO(file.content)).paragraphs)
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


def test_a_filed_record_of_the_year_is_listed(park):
    record = record_upload(park, "EMISSION_REVIEW_RECORD", str(this_year() - 1)).json()
    assert sign(park, record["revision_id"], "approve", "approver").status_code == 200
    _, text = get_report(park, this_year() - 1)
    assert record["control_no"] in text
