"""Comparing two revisions: the segments of the text diff, the API beside both change reasons, the .docx with Word
tracked changes (w:ins / w:del), the comparison on the document page, and the refusals."""

import io
import zipfile

from docx import Document as DocxDocument
from lxml import etree

from app.documents.compare import Segment, diff_segments
from tests.documents.helpers import publish_next
from tests.factories import docx_bytes, publish_new_document, register, upload

API = "/api/documents"
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(32)

OLD = ("碳排放管理方针", "园区承诺持续改进。", "本段将被删除。", "第四段不变。")
NEW = ("碳排放管理方针", "园区承诺持续改进碳排放绩效。", "第四段不变。", "新增第五段。")


def test_segments_of_a_hand_written_pair() -> None:
    old, new = "\n".join(OLD) + "\n", "\n".join(NEW) + "\n"
    assert diff_segments(old, new) == [
        Segment("equal", "碳排放管理方针\n园区承诺持续改进"),
        Segment("insert", "碳排放绩效"),
        Segment("equal", "。\n"),
        Segment("delete", "本段将被删除。\n"),
        Segment("equal", "第四段不变。\n"),
        Segment("insert", "新增第五段。\n"),
    ]


def test_segments_within_one_line_are_characters() -> None:
    assert diff_segments("甲乙丙丁", "甲丙丁戊") == [
        Segment("equal", "甲"),
        Segment("delete", "乙"),
        Segment("equal", "丙丁"),
        Segment("insert", "戊"),
        Segment("equal", "\n"),
    ]
    assert diff_segments("", "新文本") == [Segment("insert", "新文本\n")]
    assert diff_segments("相同\n\n", "相同") == [Segment("equal", "相同\n")]


def _published_pair(park) -> tuple[dict, int, int]:
    """A document whose revision 1 holds OLD (effective) and revision 2 holds NEW (a draft), with change reasons."""
    document = register(park)
    first = publish_next(park, document["id"], "CARBON_POLICY", *OLD, reason="")
    second = upload(park, document["id"], docx_bytes(*NEW), reason="修订方针：增加绩效承诺")
    assert second.status_code == 201, second.text
    return document, first["id"], second.json()["id"]


def test_the_api_returns_segments_and_both_change_reasons(park) -> None:
    document, old_id, new_id = _published_pair(park)
    response = park.client.get(
        f"{API}/{document['id']}/compare", params={"from": old_id, "to": new_id}, headers=park.headers("auditor")
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["from_revision"]["number"], body["to_revision"]["number"]) == (1, 2)
    assert body["to_revision"]["change_reason"] == "修订方针：增加绩效承诺"
    assert body["from_revision"]["change_reason"] == ""
    inserted = [s["text"] for s in body["segments"] if s["op"] == "insert"]
    deleted = [s["text"] for s in body["segments"] if s["op"] == "delete"]
    assert inserted == ["碳排放绩效", "新增第五段。\n"]
    assert deleted == ["本段将被删除。\n"]
    assert body["inserted_chars"] == len("碳排放绩效新增第五段。\n")
    assert body["deleted_chars"] == len("本段将被删除。\n")


def test_the_docx_holds_word_tracked_changes(park) -> None:
    document, old_id, new_id = _published_pair(park)
    response = park.client.get(
        f"{API}/{document['id']}/compare/docx", params={"from": old_id, "to": new_id}, headers=park.headers("auditor")
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        root = etree.fromstring(archive.read("word/document.xml"))
    insertions = root.findall(f".//{W}ins")
    deletions = root.findall(f".//{W}del")
    assert ["".join(t.text for t in ins.iter(f"{W}t")) for ins in insertions] == ["碳排放绩效", "新增第五段。"]
    assert ["".join(t.text for t in d.iter(f"{W}delText")) for d in deletions] == ["本段将被删除。"]
    for mark in insertions + deletions:
        assert mark.get(f"{W}author") == "coordinator 测试"  # the preparer of the newer revision
        assert len(mark.get(f"{W}date")) == len("2026-12-01T10:00:00Z") and mark.get(f"{W}date").endswith("Z")
    assert len({mark.get(f"{W}id") for mark in insertions + deletions}) == 3
    text = "\n".join(p.text for p in DocxDocument(io.BytesIO(response.content)).paragraphs)
    assert "修订方针：增加绩效承诺" in text and "第四段不变。" in text


def test_the_document_page_shows_the_comparison_beside_both_reasons(park) -> None:
    document, old_id, new_id = _published_pair(park)
    park.client.cookies.clear()
    page = park.client.get(
        f"/documents/{document['id']}/compare", params={"from": old_id, "to": new_id}, headers=park.headers("auditor")
    )
    assert page.status_code == 200, page.text
    html = page.text
    assert "修订方针：增加绩效承诺" in html and "（未填写）" in html
    assert "<ins" in html and ">碳排放绩效</ins>" in html
    assert "<del" in html and "本段将被删除。" in html
    assert f"/api/documents/{document['id']}/compare/docx?from={old_id}&amp;to={new_id}" in html
    doc_page = park.client.get(f"/documents/{document['id']}", headers=park.headers("auditor"))
    assert f'action="/documents/{document["id"]}/compare"' in doc_page.text


def test_refusals(park, other_park) -> None:
    document, old_id, new_id = _published_pair(park)
    other_document, other_first = publish_new_document(park, title="另一份文件")

    def compare(doc_id: int, from_id: int, to_id: int, who=park, role: str = "auditor"):
        return who.client.get(
            f"{API}/{doc_id}/compare", params={"from": from_id, "to": to_id}, headers=who.headers(role)
        )

    wrong_document = compare(document["id"], old_id, other_first["id"])
    assert wrong_document.status_code == 422 and "不属于文件" in wrong_document.json()["message_zh"]
    assert compare(document["id"], old_id, old_id).status_code == 422
    assert compare(document["id"], old_id, new_id, who=other_park).status_code == 404
    foreign_document, foreign_revision = publish_new_document(other_park)
    assert compare(document["id"], old_id, foreign_revision["id"]).status_code == 404
    assert compare(document["id"], old_id, new_id, role="contributor").status_code == 404  # internal document
    missing = park.client.get(
        f"{API}/{document['id']}/compare", params={"from": old_id}, headers=park.headers("auditor")
    )
    assert missing.status_code == 422
    # a revision without extracted text (an image)
    image = upload(park, other_document["id"], PNG, name="扫描件.png", reason="扫描件")
    assert image.status_code == 201, image.text
    no_text = compare(other_document["id"], other_first["id"], image.json()["id"])
    assert no_text.status_code == 422 and "没有可比较的文本" in no_text.json()["message_zh"]
    assert foreign_document["id"] != document["id"]


def test_a_long_replaced_block_is_deleted_and_inserted_whole() -> None:
    from app.documents.compare import CHAR_DIFF_LIMIT

    old, new = "甲" * (CHAR_DIFF_LIMIT + 1), "甲" * CHAR_DIFF_LIMIT + "乙"
    assert diff_segments(old, new) == [Segment("delete", old + "\n"), Segment("insert", new + "\n")]
    # within the limit (its line break included): character by character
    assert diff_segments("甲" * (CHAR_DIFF_LIMIT - 1), "甲" * (CHAR_DIFF_LIMIT - 2) + "乙") == [
        Segment("equal", "甲" * (CHAR_DIFF_LIMIT - 2)),
        Segment("delete", "甲"),
        Segment("insert", "乙"),
        Segment("equal", "\n"),
    ]
