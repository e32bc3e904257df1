"""Spreadsheets and OFD files that tests (and the extractor fuzzing) render themselves.

The OFD follows GB/T 33190's package layout as e-invoices use it: OFD.xml names a DocBody whose DocRoot is
Doc_0/Document.xml; the document lists its pages (Pages/Page_N/Content.xml) and a template page (Tpls/Tpl_0) that
the first page draws beneath its own content; text sits in TextObject/TextCode elements inside layers.
"""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime

NS = "http://www.ofdspec.org/2016"


def _xml(body: str) -> bytes:
    return ('<?xml version="1.0" encoding="UTF-8"?>' + body).encode()


def _text_objects(lines: list[str], start_id: int) -> str:
    out = []
    for number, line in enumerate(lines):
        out.append(
            f'<ofd:TextObject ID="{start_id + number}" Boundary="10 {10 + 8 * number} 180 8" Font="3" Size="3.5">'
            f'<ofd:TextCode X="0" Y="3" DeltaX="g {max(len(line) - 1, 0)} 3.5">{_escape(line)}</ofd:TextCode>'
            "</ofd:TextObject>"
        )
    return "".join(out)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _content(lines: list[str], *, start_id: int, template: bool = False) -> bytes:
    objects = _text_objects(lines, start_id)
    use_template = '<ofd:Template TemplateID="2" ZOrder="Background"/>' if template else ""
    return _xml(
        f'<ofd:Page xmlns:ofd="{NS}">{use_template}<ofd:Content>'
        f'<ofd:Layer ID="{start_id - 1}" Type="Body"><ofd:PageBlock ID="{start_id - 2}">{objects}</ofd:PageBlock>'
        "</ofd:Layer></ofd:Content></ofd:Page>"
    )


def ofd_bytes(
    pages: list[list[str]] | None = None,
    *,
    template: list[str] | None = None,
    absolute_paths: bool = False,
    ofd_xml: bytes | None = None,
) -> bytes:
    """An OFD whose pages hold `pages` (one TextObject per line); `template` lines are drawn beneath page 1."""
    pages = pages if pages is not None else [["电子发票（普通发票）", "项目名称：碳排放核查服务", "价税合计：壹万元整"]]
    template = template if template is not None else ["购买方信息", "销售方信息"]
    prefix = "/Doc_0/" if absolute_paths else ""
    page_list = "".join(
        f'<ofd:Page ID="{10 + number}" BaseLoc="{prefix}Pages/Page_{number}/Content.xml"/>'
        for number in range(len(pages))
    )
    document = _xml(
        f'<ofd:Document xmlns:ofd="{NS}"><ofd:CommonData><ofd:MaxUnitID>999</ofd:MaxUnitID>'
        "<ofd:PageArea><ofd:PhysicalBox>0 0 210 140</ofd:PhysicalBox></ofd:PageArea>"
        "<ofd:PublicRes>PublicRes.xml</ofd:PublicRes>"
        f'<ofd:TemplatePage ID="2" BaseLoc="{prefix}Tpls/Tpl_0/Content.xml"/>'
        f"</ofd:CommonData><ofd:Pages>{page_list}</ofd:Pages></ofd:Document>"
    )
    root = ofd_xml or _xml(
        f'<ofd:OFD xmlns:ofd="{NS}" Version="1.1" DocType="OFD"><ofd:DocBody><ofd:DocInfo>'
        "<ofd:DocID>5b4e3a2c</ofd:DocID><ofd:Creator>carbonms tests</ofd:Creator></ofd:DocInfo>"
        "<ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>"
    )
    public_res = _xml(
        f'<ofd:Res xmlns:ofd="{NS}" BaseLoc="Res"><ofd:Fonts>'
        '<ofd:Font ID="3" FontName="宋体" FamilyName="宋体"/></ofd:Fonts></ofd:Res>'
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("OFD.xml", root)
        zf.writestr("Doc_0/Document.xml", document)
        zf.writestr("Doc_0/PublicRes.xml", public_res)
        zf.writestr("Doc_0/Tpls/Tpl_0/Content.xml", _content(template, start_id=500))
        for number, lines in enumerate(pages):
            zf.writestr(
                f"Doc_0/Pages/Page_{number}/Content.xml",
                _content(lines, start_id=100 + 50 * number, template=number == 0),
            )
    return out.getvalue()


def xlsx_bytes() -> bytes:
    """A small 台账 (ledger) of two sheets: text, a date, a fixed-decimal number, a percentage, a formula."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "能源台账"
    sheet.append(["日期", "能源品种", "消费量", "单位", "占比"])
    sheet.append([date(2025, 3, 1), "天然气", 12345.5, "万Nm³", 0.256])
    sheet.append([datetime(2025, 3, 2, 0, 0), "外购电力", 800, "万kWh", 0.5])
    sheet["C2"].number_format = "#,##0.00"
    sheet["E2"].number_format = "0.0%"
    sheet["E3"].number_format = "0%"
    sheet["A6"] = "合计"
    sheet["C6"] = "=SUM(C2:C3)"
    other = workbook.create_sheet("排放源清单")
    other.append(["编号", "排放源名称"])
    other.append(["S-001", "燃气锅炉"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return _with_cached_value(buffer.getvalue(), '<c r="C6"><f>SUM(C2:C3)</f><v></v></c>', "13145.5")


def _with_cached_value(data: bytes, cell_xml: str, value: str) -> bytes:
    """Excel stores a formula with its last result; openpyxl writes none, so the test file gets one."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                assert cell_xml.encode() in content
                content = content.replace(cell_xml.encode(), cell_xml.replace("<v></v>", f"<v>{value}</v>").encode())
            target.writestr(info, content)
    return out.getvalue()
