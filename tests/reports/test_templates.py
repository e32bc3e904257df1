"""doc_templates: every required document type has a template that renders into a useful, complete draft."""

import io
from pathlib import Path

import pytest
from docx import Document as DocxDocument

from app.clauses.schema import load_clause_map
from app.config import get_settings
from tests.factories import publish_new_document, register

ROOT = Path(__file__).resolve().parents[2]


def _all_text(content: bytes) -> str:
    document = DocxDocument(io.BytesIO(content))
    parts = [paragraph.text for paragraph in document.paragraphs]
    parts += [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    for section in document.sections:
        parts += [paragraph.text for paragraph in section.header.paragraphs]
        parts += [paragraph.text for paragraph in section.footer.paragraphs]
    return "\n".join(parts)


def test_there_is_one_template_per_doc_type():
    clause_map = load_clause_map(get_settings().clause_map_path)
    codes = {spec.code for spec in clause_map.doc_types}
    files = {path.stem for path in (ROOT / "doc_templates").glob("*.docx")}
    # 47 of the first map, plus the four an assessor asks for (issue 13), plus the activity data submission (14)
    assert len(codes) == 52
    assert files == codes


@pytest.mark.slow
def test_every_template_renders_with_the_park_and_its_clauses(park):
    from app.clauses.models import DocType
    from app.db import session_scope
    from app.reports import render
    from app.users.models import Park

    clause_map = load_clause_map(get_settings().clause_map_path)
    with session_scope(write=False) as session:
        park_row = session.get(Park, park.id)
        for spec in clause_map.doc_types:
            doc_type = session.get(DocType, spec.code)
            context = render.build_context(
                session,
                park=park_row,
                doc_type=doc_type,
                control_no=f"{park.code}-{spec.code}-001",
                title=f"{spec.title_zh}（试行）",
                owner_unit="碳管理办公室 R&D <一部>",
                revision_number=3,
            )
            content = render.render_docx(spec.code, context)
            text = _all_text(content)  # opens with python-docx
            assert "{{" not in text and "{%" not in text and "%}" not in text, spec.code
            assert park_row.name in text, spec.code
            assert f"{park.code}-{spec.code}-001" in text and "第3版" in text, spec.code
            assert "碳管理办公室 R&D <一部>" in text, spec.code  # escaped by autoescape, intact in Word
            clause_ids = clause_map.clauses_of(spec.code)
            assert clause_ids, spec.code
            for clause_id in clause_ids:
                clause = clause_map.clause(clause_id)
                assert f"{clause.id} {clause.title_zh}" in text, (spec.code, clause_id)
                for line in clause.requirement_zh.splitlines():
                    assert line.strip() in text, (spec.code, clause_id, line)
                for item in clause.items:
                    assert item.text in text, (spec.code, clause_id, item.text)


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        (
            "CARBON_POLICY",
            ["与国家和地方碳达峰碳中和政策相一致；", "支持考虑碳排放管理绩效改进的运行过程管理。", "园区的承诺"],
        ),
        ("OBJECTIVES_RESPONSIBILITY_LETTER", ["目标类别（7.1）", "完成碳排放履约；", "重点工序的碳排放量;", "目标值"]),
        ("INTERNAL_AUDIT_REPORT", ["是否改进碳排放管理绩效。", "确保向相关管理者报告审核结果。", "审核发现"]),
    ],
)
def test_templates_carry_their_clause_specific_content(park, code, expected):
    from app.clauses.models import DocType
    from app.db import session_scope
    from app.reports import render
    from app.users.models import Park

    with session_scope(write=False) as session:
        doc_type = session.get(DocType, code)
        context = render.build_context(
            session, park=session.get(Park, park.id), doc_type=doc_type, control_no="X-1", title="t"
        )
        document = DocxDocument(io.BytesIO(render.render_docx(code, context)))
    table_text = "\n".join(cell.text for table in document.tables for row in table.rows for cell in row.cells)
    for phrase in expected:
        assert phrase in table_text or phrase in "\n".join(p.text for p in document.paragraphs), phrase


def test_strict_undefined_refuses_a_missing_variable(park):
    from app.errors import Invalid
    from app.reports import render

    with pytest.raises(Invalid):
        render.render_docx("CARBON_POLICY", {"park": {"name": "x"}})


def test_revision_from_template_creates_a_draft(park):
    document = register(park, "CARBON_POLICY", title="碳排放管理方针 <草案> & 说明")
    response = park.client.post(
        f"/api/documents/{document['id']}/revisions/from-template", headers=park.headers("coordinator")
    )
    assert response.status_code == 201, response.text
    revision = response.json()
    assert revision["state"] == "draft" and revision["number"] == 1
    assert revision["change_reason"] == "由模板生成 / generated from template"
    assert revision["file_name"].endswith(".docx")
    original = park.client.get(
        f"/api/revisions/{revision['id']}/file?original=true", headers=park.headers("coordinator")
    )
    text = _all_text(original.content)
    assert "碳排放管理方针 <草案> & 说明" in text and document["control_no"] in text
    assert "与国家和地方碳达峰碳中和政策相一致；" in text
    # the creation is in the document's history
    detail = park.client.get(f"/api/documents/{document['id']}", headers=park.headers("coordinator")).json()
    assert any(event["action"] == "revision.create" for event in detail["history"])
    # one open revision at a time
    again = park.client.post(
        f"/api/documents/{document['id']}/revisions/from-template", headers=park.headers("coordinator")
    )
    assert again.status_code == 409


def test_revision_from_template_of_an_effective_document_takes_the_callers_reason(park):
    document, _published = publish_new_document(park, "DATA_MANAGEMENT_RULES")
    response = park.client.post(
        f"/api/documents/{document['id']}/revisions/from-template",
        json={"change_reason": "按新模板重写"},
        headers=park.headers("coordinator"),
    )
    assert response.status_code == 201, response.text
    assert response.json()["number"] == 2 and response.json()["change_reason"] == "按新模板重写"


def test_revision_from_template_refuses_other_roles_and_parks(park, other_park):
    document = register(park, "CARBON_POLICY")
    url = f"/api/documents/{document['id']}/revisions/from-template"
    for role in ("approver", "auditor", "contributor"):
        assert park.client.post(url, headers=park.headers(role)).status_code == 403
    assert other_park.client.post(url, headers=other_park.headers("coordinator")).status_code == 404
    assert (
        park.client.post(
            "/api/documents/999999/revisions/from-template", headers=park.headers("coordinator")
        ).status_code
        == 404
    )
