"""Generated documents show times in the park's zone and name it: the controlled copy's stamp, the evidence
package, the register export and the review report."""

import io
import zipfile
from datetime import UTC, datetime

from openpyxl import load_workbook

from app.db import session_scope
from app.documents.models import Revision
from app.reports.controlled_copy import docx_header_text
from tests.factories import publish_new_document
from tests.reports.review_helpers import get_report, this_year

LATE_EVENING_UTC = datetime(2026, 3, 31, 16, 30, tzinfo=UTC)  # 1 April, 00:30 in Shanghai; 31 March in London


def _published_at(revision_id: int, moment: datetime) -> None:
    with session_scope() as session:
        revision = session.get_one(Revision, revision_id)
        revision.effective_from = moment
        session.add(revision)


def _set_zone(park, zone: str) -> None:
    response = park.client.put(
        "/api/park/profile/time-zone", json={"time_zone": zone}, headers=park.headers("coordinator")
    )
    assert response.status_code == 200, response.text


def test_the_controlled_copy_stamp_dates_in_the_parks_zone_and_names_it(park):
    _, revision = publish_new_document(park, "CARBON_POLICY")
    _published_at(revision["id"], LATE_EVENING_UTC)
    url = f"/api/revisions/{revision['id']}/file"
    header = docx_header_text(park.client.get(url, headers=park.headers("auditor")).content)
    assert "生效日期 2026-04-01（Asia/Shanghai）" in header

    _set_zone(park, "Europe/London")
    header = docx_header_text(park.client.get(url, headers=park.headers("auditor")).content)
    assert "生效日期 2026-03-31（Europe/London）" in header  # a new stamp, not the cached one


def test_the_evidence_package_and_the_register_name_the_zone(park):
    _, revision = publish_new_document(park, "CARBON_POLICY")
    _published_at(revision["id"], LATE_EVENING_UTC)
    _set_zone(park, "Asia/Tokyo")
    response = park.client.get("/api/exports/evidence?scope=6.2", headers=park.headers("auditor"))
    assert response.status_code == 200
    index = zipfile.ZipFile(io.BytesIO(response.content)).read("index.html").decode()
    assert "时间均为 Asia/Tokyo 时区（UTC+09:00）。" in index and "（UTC）" not in index
    assert "2026-04-01" in index  # the evidence's publication date, in Tokyo

    xlsx = park.client.get("/api/exports/register.xlsx", headers=park.headers("auditor"))
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert "日期按 Asia/Tokyo 时区" in rows[0][0]
    effective = rows[1].index("生效/归档日期 / Effective / filed")
    assert rows[2][effective] == "2026-04-01"


def test_the_review_report_names_the_zone_it_is_dated_in(park):
    _set_zone(park, "Asia/Urumqi")
    _, text = get_report(park, this_year())
    assert "时间均为 Asia/Urumqi 时区（UTC+06:00）。" in text
    assert "（Asia/Urumqi，UTC+06:00）" in text  # on the cover, beside the generation time
