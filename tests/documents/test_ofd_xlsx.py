"""Spreadsheets (.xlsx) yield their cells and OFD files (GB/T 33190) their text; broken ones get a clean 422."""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime, time
from pathlib import Path

import pytest

from app.documents.extract import DOCX, OFD, XLSX, detect_media_type, extract_text
from app.documents.xlsx_text import format_value
from app.errors import AppError, Invalid, Unsupported
from tests.factories import register, upload
from tests.support import SAMPLES
from tests.support.office_samples import NS, ofd_bytes, xlsx_bytes

OFD_MEDIA = "application/ofd"


def process(tmp_path: Path, name: str, data: bytes) -> tuple[str, str | None]:
    path = tmp_path / name
    path.write_bytes(data)
    media_type = detect_media_type(path)
    return media_type, extract_text(path, media_type)


def assert_bilingual(exc: AppError, zh: str, en: str) -> None:
    assert zh in exc.message_zh
    assert en in exc.message_en


def rezip(data: bytes, replace: dict[str, bytes | None]) -> bytes:
    """`data` with some entries replaced (None: removed); new names are added."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename in replace:
                content = replace[info.filename]
                if content is not None:
                    dst.writestr(info.filename, content)
            else:
                dst.writestr(info.filename, src.read(info.filename))
        for name, content in replace.items():
            if name not in src.namelist() and content is not None:
                dst.writestr(name, content)
    return out.getvalue()


# --------------------------------------------------------------------------- xlsx


def test_xlsx_yields_sheet_names_and_cells_as_shown(tmp_path: Path) -> None:
    media_type, text = process(tmp_path, "台账.xlsx", xlsx_bytes())
    assert media_type == XLSX
    assert text == (
        "能源台账\n"
        "日期\t能源品种\t消费量\t单位\t占比\n"
        "2025-03-01\t天然气\t12,345.50\t万Nm³\t25.6%\n"
        "2025-03-02\t外购电力\t800\t万kWh\t50%\n"
        "合计\t13145.5\n"  # the formula's cached value; the empty cell between them is one separator
        "\n"
        "排放源清单\n"
        "编号\t排放源名称\n"
        "S-001\t燃气锅炉"
    )


@pytest.mark.parametrize(
    ("value", "number_format", "shown"),
    [
        (12.0, "General", "12"),
        (0.1 + 0.2, "General", "0.3"),
        (1234567.891, "#,##0.00", "1,234,567.89"),
        (0.1234, "0.00%", "12.34%"),
        (3.14159, "0.000", "3.142"),
        (1500, '"¥"#,##0', "1,500"),
        (0.5, "0.0;[Red]-0.0", "0.5"),
        (True, "General", "TRUE"),
        (datetime(2025, 6, 30, 0, 0), "yyyy-mm-dd", "2025-06-30"),
        (datetime(2025, 6, 30, 8, 15, 30), "yyyy-mm-dd hh:mm", "2025-06-30 08:15"),
        (datetime(2025, 6, 30, 8, 15, 30), "yyyy-mm-dd hh:mm:ss", "2025-06-30 08:15:30"),
        (date(2025, 1, 2), "yyyy-mm-dd", "2025-01-02"),
        (time(9, 5), "hh:mm", "09:05"),
        ("  天然气 ", "@", "天然气"),
    ],
)
def test_cell_values_are_formatted_as_the_sheet_shows_them(value: object, number_format: str, shown: str) -> None:
    assert format_value(value, number_format) == shown


def test_xlsx_text_is_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from openpyxl import Workbook

    from app.documents import extract

    workbook = Workbook()
    sheet = workbook.active
    for row in range(2000):
        sheet.append([f"排放源{row}", "燃气锅炉" * 5])
    buffer = io.BytesIO()
    workbook.save(buffer)
    monkeypatch.setattr(extract, "MAX_TEXT_CHARS", 500)
    _, text = process(tmp_path, "big.xlsx", buffer.getvalue())
    assert text is not None and len(text) == 500


def test_xlsx_far_away_cell_is_read_without_padding_the_sheet(tmp_path: Path) -> None:
    """A declared dimension of A1:XFD1048576 and one cell at the sheet's end: read as one cell, not 17 billion."""
    data = xlsx_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        sheet = zf.read("xl/worksheets/sheet2.xml").decode()
    sheet = sheet.replace(
        "</sheetData>", '<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>末尾</t></is></c></row></sheetData>'
    )
    sheet = sheet.replace('<dimension ref="A1:B2"/>', '<dimension ref="A1:XFD1048576"/>')
    _, text = process(tmp_path, "far.xlsx", rezip(data, {"xl/worksheets/sheet2.xml": sheet.encode()}))
    assert text is not None and text.endswith("S-001\t燃气锅炉\n末尾")


@pytest.mark.parametrize(
    ("entry", "content"),
    [
        ("xl/workbook.xml", b"<workbook><sheets><sheet"),  # malformed XML
        ("xl/worksheets/sheet1.xml", b"\x00\x01garbage"),
        ("xl/_rels/workbook.xml.rels", None),  # a part missing
    ],
)
def test_broken_xlsx_is_a_clean_422(tmp_path: Path, entry: str, content: bytes | None) -> None:
    with pytest.raises(Invalid) as info:
        process(tmp_path, "broken.xlsx", rezip(xlsx_bytes(), {entry: content}))
    assert info.value.status_code == 422
    assert info.value.message_zh and info.value.message_en and info.value.message_en != info.value.message_zh


def test_xlsx_with_entity_expansion_is_refused(tmp_path: Path) -> None:
    """defusedxml (which openpyxl uses when it is installed) refuses entity declarations in the sheet's XML."""
    data = xlsx_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        sheet = zf.read("xl/worksheets/sheet1.xml").decode()
    laughs = '<!DOCTYPE worksheet [<!ENTITY a "哈哈哈哈哈哈哈哈"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'
    sheet = sheet.replace("<worksheet", laughs + "<worksheet", 1).replace("天然气", "&b;", 1)
    with pytest.raises(Invalid) as info:
        process(tmp_path, "bomb.xlsx", rezip(data, {"xl/worksheets/sheet1.xml": sheet.encode()}))
    assert_bilingual(info.value, "Excel 文件已损坏", "The Excel file is damaged")


# --------------------------------------------------------------------------- OFD


def test_ofd_text_in_page_order_with_its_template(tmp_path: Path) -> None:
    data = ofd_bytes([["第一页：碳排放核查报告", "核查结论：符合"], ["第二页：附件清单"]], template=["发票模板"])
    media_type, text = process(tmp_path, "report.ofd", data)
    assert media_type == OFD == OFD_MEDIA
    assert text == "发票模板第一页：碳排放核查报告核查结论：符合\n\n第二页：附件清单"


def test_ofd_is_recognised_by_content_not_name(tmp_path: Path) -> None:
    assert process(tmp_path, "invoice.zip", ofd_bytes())[0] == OFD
    assert process(tmp_path, "not-really.ofd", (SAMPLES / "sample_zh.docx").read_bytes())[0] == DOCX


def test_ofd_with_absolute_locations(tmp_path: Path) -> None:
    _, text = process(tmp_path, "abs.ofd", ofd_bytes([["绝对路径页面"]], template=[], absolute_paths=True))
    assert text == "绝对路径页面"


def test_ofd_text_codes_of_one_object_are_joined() -> None:
    from lxml import etree

    from app.documents.ofd import _page_text

    content = etree.fromstring(
        f'<ofd:Page xmlns:ofd="{NS}"><ofd:Content><ofd:Layer><ofd:TextObject>'
        "<ofd:TextCode>碳排</ofd:TextCode><ofd:TextCode>放</ofd:TextCode></ofd:TextObject>"
        "<ofd:TextObject><ofd:TextCode>  </ofd:TextCode></ofd:TextObject></ofd:Layer></ofd:Content></ofd:Page>"
    )
    assert list(_page_text(content)) == ["碳排放"]


def _ofd_root(body: str) -> bytes:
    return f'<?xml version="1.0" encoding="UTF-8"?><ofd:OFD xmlns:ofd="{NS}" Version="1.1">{body}</ofd:OFD>'.encode()


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(ofd_bytes(ofd_xml=_ofd_root("<ofd:DocInfo/>")), id="no-docbody"),
        pytest.param(ofd_bytes(ofd_xml=_ofd_root("<ofd:DocBody><ofd:DocInfo/></ofd:DocBody>")), id="no-docroot"),
        pytest.param(ofd_bytes(ofd_xml=b"<ofd:OFD xmlns:ofd='x'><ofd:DocBody>"), id="malformed-root"),
        pytest.param(ofd_bytes(ofd_xml=b"<html><body/></html>"), id="not-an-ofd-root"),
        pytest.param(rezip(ofd_bytes(), {"Doc_0/Document.xml": None}), id="docroot-missing"),
        pytest.param(rezip(ofd_bytes(), {"Doc_0/Pages/Page_0/Content.xml": b"<ofd:Page"}), id="page-malformed"),
        pytest.param(rezip(ofd_bytes(), {"Doc_0/Pages/Page_0/Content.xml": None}), id="page-missing"),
        pytest.param(
            rezip(
                ofd_bytes(),
                {
                    "Doc_0/Document.xml": f'<ofd:Document xmlns:ofd="{NS}"><ofd:Pages>'
                    '<ofd:Page ID="1" BaseLoc="../../../etc/passwd"/></ofd:Pages></ofd:Document>'.encode()
                },
            ),
            id="path-outside-the-package",
        ),
    ],
)
def test_broken_ofd_is_a_clean_422(tmp_path: Path, data: bytes) -> None:
    with pytest.raises(Invalid) as info:
        process(tmp_path, "broken.ofd", data)
    assert info.value.status_code == 422
    assert_bilingual(info.value, "文件", "file")


def _page_with_entities(declarations: str, reference: str) -> bytes:
    return (
        f'<?xml version="1.0"?><!DOCTYPE ofd:Page [{declarations}]><ofd:Page xmlns:ofd="{NS}"><ofd:Content>'
        f"<ofd:Layer><ofd:TextObject><ofd:TextCode>{reference}可见文字</ofd:TextCode></ofd:TextObject></ofd:Layer>"
        "</ofd:Content></ofd:Page>"
    ).encode()


def test_ofd_entities_are_never_expanded(tmp_path: Path) -> None:
    page = _page_with_entities('<!ENTITY secret SYSTEM "file:///etc/hostname"><!ENTITY word "隐藏">', "&secret;&word;")
    data = rezip(ofd_bytes(template=[]), {"Doc_0/Pages/Page_0/Content.xml": page})
    assert process(tmp_path, "entities.ofd", data)[1] == "可见文字"


def test_ofd_billion_laughs_is_a_clean_422(tmp_path: Path) -> None:
    laughs = '<!ENTITY a0 "哈哈哈哈哈哈哈哈哈哈">' + "".join(
        f'<!ENTITY a{i} "{("&a" + str(i - 1) + ";") * 10}">' for i in range(1, 9)
    )
    data = rezip(ofd_bytes(template=[]), {"Doc_0/Pages/Page_0/Content.xml": _page_with_entities(laughs, "&a8;")})
    with pytest.raises(Invalid) as info:
        process(tmp_path, "laughs.ofd", data)
    assert_bilingual(info.value, "OFD 文件已损坏", "The OFD file is damaged")


def test_a_zip_with_neither_office_nor_ofd_parts_is_unsupported(tmp_path: Path) -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("Doc_0/Document.xml", b"<ofd:Document/>")
    with pytest.raises(Unsupported) as info:
        process(tmp_path, "archive.ofd", out.getvalue())
    assert "OFD" in info.value.message_zh and "OFD" in info.value.message_en


# --------------------------------------------------------------------------- through the API


def test_an_uploaded_ofd_is_stored_as_ofd_and_found_by_a_phrase(park) -> None:
    document = register(park, "DATA_MANAGEMENT_RULES", title="电子发票归档")
    data = ofd_bytes([["增值税电子普通发票", "项目：园区光伏运维服务"]], template=["购买方"])
    response = upload(park, document["id"], data, name="发票")
    assert response.status_code == 201, response.text
    revision = response.json()
    assert revision["file_name"] == "发票.ofd"
    assert revision["media_type"] == OFD_MEDIA
    hits = park.client.get("/api/search", params={"q": '"光伏运维服务"'}, headers=park.headers("coordinator"))
    assert hits.status_code == 200, hits.text
    assert [item["document_id"] for item in hits.json()["items"]] == [document["id"]]


def test_a_broken_ofd_upload_is_a_bilingual_422(park) -> None:
    document = register(park, "DATA_MANAGEMENT_RULES", title="损坏的发票")
    broken = rezip(ofd_bytes(), {"Doc_0/Pages/Page_0/Content.xml": b"<ofd:Page"})
    response = upload(park, document["id"], broken, name="发票.ofd")
    assert response.status_code == 422
    body = response.json()
    assert "OFD" in str(body)


def test_an_uploaded_ledger_is_found_by_a_cell(park) -> None:
    document = register(park, "DATA_MANAGEMENT_RULES", title="能源消费台账")
    response = upload(park, document["id"], xlsx_bytes(), name="台账.xlsx")
    assert response.status_code == 201, response.text
    hits = park.client.get("/api/search", params={"q": "燃气锅炉"}, headers=park.headers("coordinator"))
    assert [item["document_id"] for item in hits.json()["items"]] == [document["id"]]
