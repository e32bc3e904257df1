"""The clause text in the standard's order wherever it is shown: the API, the templates and the evidence package
(the clause page and the dashboard are in tests/web/test_clause_pages.py). Each link's basis and each editorial
note is shown too."""

import io
import zipfile

from docx import Document as DocxDocument


def _positions(text: str, phrases: list[str]) -> list[int]:
    found = [text.find(phrase) for phrase in phrases]
    assert -1 not in found, [p for p, at in zip(phrases, found, strict=True) if at == -1]
    return found


def test_api_gives_the_blocks_in_order_and_the_flat_forms(park) -> None:
    detail = park.client.get("/api/clauses/7.1", headers=park.headers("contributor")).json()
    blocks = detail["requirement_blocks"]
    assert [b["kind"] for b in blocks] == ["paragraph", "list", "paragraph", "list", "paragraph", "paragraph", "list"]
    assert [len(b["items"]) for b in blocks if b["kind"] == "list"] == [5, 4, 7]
    assert blocks[2]["text"].startswith("产业园区应将碳排放管理目标分解到各层级")
    assert blocks[1]["group"] == "目标可包括" and blocks[1]["items"][0] == {
        "label": "a",
        "text": "满足碳排放法律法规及相关标准的要求；",
        "editorial_note_zh": None,
        "editorial_note_en": None,
        "sub_items": [],
    }
    # kept for clients: the lead-ins joined and the items flat
    assert len(detail["requirement_zh"].split("\n")) == 4
    assert [i["label"] for i in detail["requirement_items"]].count("a") == 3

    review = park.client.get("/api/clauses/10.3", headers=park.headers("contributor")).json()
    trends = review["requirement_blocks"][2]["items"][3]
    assert [sub["text"] for sub in trends["sub_items"]] == [
        "不符合和纠正措施；",
        "监视和测量结果；",
        "审核结果；",
        "合规性评价结果。",
    ]
    defect = review["requirement_blocks"][2]["items"][1]
    assert "外部 and 内部因素" in defect["text"] and defect["editorial_note_zh"] and defect["editorial_note_en"]
    flat = next(i for i in review["requirement_items"] if i["label"] == "b")
    assert flat["editorial_note_zh"] == defect["editorial_note_zh"]


def test_api_gives_each_links_basis(park) -> None:
    training = park.client.get("/api/clauses/8.2", headers=park.headers("contributor")).json()
    bases = {t["code"]: (t["basis"], t["basis_zh"]) for t in training["doc_types"]}
    assert bases["TRAINING_PLAN"] == ("recommended", "建议措施，不计入覆盖率")
    assert bases["COMPETENCE_COMMUNICATION_TRAINING_PROCEDURE"] == ("annex_a", "附录 A 列明")
    policy = park.client.get("/api/clauses/6.2", headers=park.headers("contributor")).json()
    assert [(t["code"], t["basis"], t["basis_en"]) for t in policy["doc_types"]] == [
        ("CARBON_POLICY", "establish", "the clause says establish (建立/制定)")
    ]
    baseline = park.client.get("/api/clauses/7.5", headers=park.headers("contributor")).json()
    assert baseline["doc_types"][0]["basis"] == "retain"


def test_api_gives_a_principle_its_supporting_clauses(park) -> None:
    principle = park.client.get("/api/clauses/4.4", headers=park.headers("contributor")).json()
    assert principle["principle"] is True and principle["readiness"] is None and principle["doc_types"] == []
    assert [c["id"] for c in principle["supported_by"]] == ["7.3.2", "9.2.1", "9.2.2", "10.1.1"]
    assert principle["supported_by"][0]["title_zh"] == "碳排放管理评审" and "排放因子" in principle["support_zh"]
    assert principle["support_en"]
    ordinary = park.client.get("/api/clauses/5.3", headers=park.headers("contributor")).json()
    assert ordinary["principle"] is False and ordinary["supported_by"] == [] and ordinary["support_zh"] == ""


def test_readiness_never_counts_chapter_4(park) -> None:
    result = park.client.get("/api/readiness", headers=park.headers("coordinator")).json()
    assert all(clause["chapter"] != "4" for clause in result["clauses"] if clause["items"])
    chapter4 = [chapter for chapter in result["chapters"] if chapter["id"] == "4"]
    assert not chapter4 or chapter4[0]["counts"].get("applicable_items", 0) == 0


def test_templates_quote_the_clause_in_order(park) -> None:
    from app.clauses.models import DocType
    from app.db import session_scope
    from app.reports import render
    from app.users.models import Park

    with session_scope(write=False) as session:
        code = "OBJECTIVES_RESPONSIBILITY_LETTER"
        context = render.build_context(
            session, park=session.get(Park, park.id), doc_type=session.get(DocType, code), control_no="X-1", title="t"
        )
        content = render.render_docx(code, context)
        scope_context = render.build_context(
            session,
            park=session.get(Park, park.id),
            doc_type=session.get(DocType, "NONCONFORMITY_CORRECTIVE_ACTION_RECORD"),
            control_no="X-2",
            title="t",
        )
        nc = render.render_docx("NONCONFORMITY_CORRECTIVE_ACTION_RECORD", scope_context)
    paragraphs = [p.text for p in DocxDocument(io.BytesIO(content)).paragraphs]
    text = "\n".join(paragraphs)
    positions = _positions(
        text,
        [
            "目标可包括：",
            "a) 满足碳排放法律法规及相关标准的要求；",
            "碳排放管理指标可包括:",
            "a) 重点设备设施的碳排放量或能源使用效率;",
            "适时调整碳排放管理目标和指标",
            "a) 碳减排量及碳排放强度;",
        ],
    )
    assert positions == sorted(positions)
    nc_text = "\n".join(p.text for p in DocxDocument(io.BytesIO(nc)).paragraphs)
    assert "a) 确定不符合项的严重程度和原因，并检查类似的不符合项是否仍然存在，并对这" in nc_text
    assert "〔编者注：原文如此" in nc_text


def test_evidence_package_quotes_each_lead_in_once_in_order(park) -> None:
    response = park.client.get("/api/exports/evidence?scope=5.2", headers=park.headers("auditor"))
    assert response.status_code == 200, response.text
    index = zipfile.ZipFile(io.BytesIO(response.content)).read("index.html").decode("utf-8")
    assert index.count("产业园区应确定：") == 1
    positions = _positions(
        index,
        ["产业园区应确定：", "a) 与产业园区碳管理体系", "监视和评估上述信息，应：", "a) 确保完整识别"],
    )
    assert positions == sorted(positions)
