"""The GHG inventory report (.docx), filing it as the GHG_INVENTORY_REPORT record, and the Annex B sections.

Test inputs (not published values): coal NCV 20 GJ/t, CC 0.025 tC/GJ, OF 0.9; grid 0.6 tCO₂/MWh.
Coal 100 t → 2000 GJ × 0.0825 = 165 tCO₂; electricity 10 MWh × 0.6 = 6 tCO₂ → 171 tCO₂.
Energy: 2000 GJ / 29.3076 + 36 GJ / 29.3076 = 68.2417 + 1.2284 = 69.47 tce (electricity at its equivalent value).
"""

import io

import pytest
from docx import Document as DocxDocument

from app.db import session_scope
from app.documents.models import Document
from app.inventory import annex_b
from app.inventory.report import DOC_TYPE
from tests.factories import TestPark
from tests.inventory.helpers import (
    assign,
    boundary,
    confirm,
    data_set,
    enterprise,
    factor,
    source,
    submit_rows,
)
from tests.web.conftest import csrf_of

YEAR = 2025


def _text(content: bytes) -> str:
    document = DocxDocument(io.BytesIO(content))
    parts = [paragraph.text for paragraph in document.paragraphs]
    parts += [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join(parts)


def _flat(blocks) -> str:
    return "\n".join(b[1] if b[0] != "table" else "\n".join(" ".join(r) for r in b[2]) for b in blocks)


@pytest.fixture()
def confirmed(park: TestPark):
    a = enterprise(park, "甲化工有限公司", 1)
    coal = source(park, a["id"], "锅炉燃煤", "fuel_combustion", "烟煤", "t")
    grid = source(park, a["id"], "外购电力", "purchased_electricity", "华东电网", "MWh")
    ds = data_set(park)
    factor(park, ds["id"], code="coal", kind="fuel", quantity="烟煤", activity_unit="t", ncv="20",
           carbon_content="0.025", oxidation_rate="0.9")  # fmt: skip
    factor(park, ds["id"], code="grid", kind="electricity", quantity="华东电网", activity_unit="MWh",
           direct_factor="0.6")  # fmt: skip
    boundary(park, YEAR, [coal["id"], grid["id"]])
    assign(park, "contributor", a["id"])
    rows = [
        {"source_id": coal["id"], "quantity": "100", "unit": "t", "quality": "metered"},
        {"source_id": grid["id"], "quantity": "10", "unit": "MWh", "quality": "calculated"},
    ]
    confirm(park, submit_rows(park, "contributor", a["id"], YEAR, rows)["id"])
    return park


def test_the_report_carries_boundary_sources_factors_results_quality_and_rounding(confirmed, browser):
    page = browser(confirmed, "coordinator")
    response = page.get(f"/inventory/report.docx?year={YEAR}")
    assert response.status_code == 200
    text = _text(response.content)
    for expected in ("一、核算边界", "锅炉燃煤", "测试文件（测试输入值） 表 1 第 1 行", "0.6 tCO₂/MWh", "171.00 tCO₂",
                     "范围1", "165.00", "69.47 tce", "实测 1 行", "计算 1 行", "四舍五入保留两位小数"):  # fmt: skip
        assert expected in text, expected


def test_filing_the_report_registers_the_record_in_one_step_coordinator_only(confirmed, browser):
    contributor = browser(confirmed, "contributor")
    refused = contributor.post("/inventory/report/file", {"year": str(YEAR)}, page="/inventory/enterprises")
    assert refused.status_code == 403
    page = browser(confirmed, "coordinator")
    token = csrf_of(page.get(f"/inventory?year={YEAR}").text)
    filed = page.post("/inventory/report/file", {"year": str(YEAR)}, token=token)
    assert filed.status_code == 303 and filed.headers["location"].startswith("/documents/")
    document_id = int(filed.headers["location"].split("/")[2].split("?")[0])
    with session_scope() as session:
        document = session.get_one(Document, document_id)
        assert document.doc_type == DOC_TYPE and document.park_id == confirmed.id
    empty = page.post("/inventory/report/file", {"year": "2019"}, token=token)
    assert empty.status_code == 409


def test_annex_b_sections_and_the_review_report_carry_the_inventory(confirmed):
    with session_scope() as session:
        energy = _flat(annex_b.energy_section(session, confirmed.id, YEAR))
        collected = _flat(annex_b.data_collection_section(session, confirmed.id, YEAR))
        emissions = _flat(annex_b.emission_section(session, confirmed.id, YEAR))
        none = annex_b.emission_section(session, confirmed.id, 2019)
    assert "能源消费总量 69.47 tce" in energy and "购入的电力 1.23" in energy
    assert "燃料燃烧 1 1 1 实测 1 coal v1" in collected
    assert "排放总量 171.00 tCO₂" in emissions and "范围1 165.00 tCO₂" in emissions
    assert "甲化工有限公司 171.00" in emissions
    assert none == [annex_b.NO_EMISSIONS]  # nothing confirmed: marked for the park to complete
    report = confirmed.client.get(f"/api/reports/review?year={YEAR}", headers=confirmed.headers("coordinator"))
    assert report.status_code == 200, report.text
    text = _text(report.content)
    assert "排放总量 171.00 tCO₂" in text and "能源消费总量 69.47 tce" in text
