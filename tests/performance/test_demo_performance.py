"""`carbonms demo` makes the performance page alive, on SQLite and PostgreSQL. Worked by hand from the demo
inventory (tests/inventory/test_demo_inventory.py: base year 14274 t, last year 13535 t) and app/performance/demo.py
(illustrative output values: 82000 万元 in the base year, 81000 万元 last year):

- total: target 12500 t two years on; the path asks 14274 − (14274 − 12500) / 3 = 13682.67 in the last year and
  13535 is better → on track; completion (14274 − 13535) / (14274 − 12500) = 739 / 1774 = 41.7 %.
- intensity: base 14274 / 82000 = 0.17407, last year 13535 / 81000 = 0.16710; target 0.15 next year; the path asks
  (0.17407 + 0.15) / 2 = 0.16204 → at risk, worse by 3.1 % > the rule's 3 % → a deviation, raised as a
  nonconformity of origin "monitoring".
"""

import io
import json
import re
from datetime import UTC, datetime
from decimal import Decimal as D

from docx import Document as DocxDocument
from sqlalchemy import select
from sqlmodel import col

from app.db import session_scope
from app.demo import DEMO_CODE, create_demo
from app.documents.models import Revision, RevisionState, Signature
from app.nonconformities.models import Nonconformity
from app.performance import overview
from app.performance.models import Deviation, DeviationState, ResponsibilityLetter, Target
from app.performance.status import TargetStatus
from app.reports.review_report import build_report
from app.users import service as users
from app.users.models import Park, Role, User
from tests.factories import PASSWORD
from tests.reports.review_helpers import report_text
from tests.web.conftest import Browser

BASE = D(14274) / D(82000)
LAST = D(13535) / D(81000)


def _demo_park_id(session) -> int:
    return session.execute(select(col(Park.id)).where(col(Park.code) == DEMO_CODE)).scalar_one()


def test_the_demo_park_shows_total_and_intensity_against_target_and_baseline(app):
    create_demo()
    last_year = datetime.now(UTC).year - 1
    with session_scope(write=False) as session:
        view = overview.performance_overview(session, _demo_park_id(session), last_year)
    (total, total_target), (intensity, intensity_target) = view.headline
    assert total.value is not None and total.value.value == D("13535")
    assert total.baseline is not None and (total.baseline.base_year, total.baseline.value) == (last_year - 1, D(14274))
    assert total_target is not None and total_target.result.status == TargetStatus.on_track
    assert total_target.completion_rate == D(739) / D(1774) * 100
    assert intensity.value is not None and intensity.value.value == LAST
    assert intensity.baseline is not None and intensity.baseline.value == BASE
    assert intensity_target is not None and intensity_target.result.status == TargetStatus.at_risk
    assert intensity_target.result.expected == BASE + (D("0.15") - BASE) / 2
    assert [t.target.id for t in view.attention] == [intensity_target.target.id]
    assert total.trend == [(last_year - 1, D(14274)), (last_year, D(13535))]
    assert [m.measure.title for m in view.behind] == ["厂房屋顶分布式光伏"]
    (deviation,) = view.deviations
    assert (
        deviation.deviation_percent
        == (LAST - intensity_target.result.expected) / intensity_target.result.expected * 100
    )
    assert D("3") < deviation.deviation_percent < D("3.2")


def test_the_demo_deviation_became_a_nonconformity_and_the_documents_went_through_the_lifecycle(app):
    create_demo()
    with session_scope(write=False) as session:
        park_id = _demo_park_id(session)
        deviation = session.execute(select(Deviation).where(col(Deviation.park_id) == park_id)).scalar_one()
        assert deviation.state == DeviationState.investigating and deviation.investigation
        nc = session.get_one(Nonconformity, deviation.nonconformity_id)
        assert nc.origin == "monitoring" and nc.clause_id == "10.1.1" and nc.park_id == park_id
        letters = session.execute(
            select(ResponsibilityLetter).where(col(ResponsibilityLetter.park_id) == park_id)
        ).scalars()
        units = {}
        for letter in letters:
            revision = session.get_one(Revision, letter.revision_id)
            assert revision.state == RevisionState.effective
            approvals = session.execute(
                select(User.role)
                .join(Signature, col(Signature.signer_id) == col(User.id))
                .where(col(Signature.revision_id) == revision.id, col(Signature.meaning) == "approve")
            ).scalars()
            assert list(approvals) == [Role.top_management]  # each letter is signed by top management
            # generated from the unit's targets: its frozen rows name exactly them
            targets = session.execute(
                select(Target.id).where(
                    col(Target.park_id) == park_id, col(Target.responsible_unit) == letter.responsible_unit
                )
            ).scalars()
            assert sorted(row["target_id"] for row in json.loads(letter.targets_json)) == sorted(targets)
            units[letter.responsible_unit] = letter.year
        assert sorted(units) == ["园区管委会", "能源管理部"]


def test_the_demo_page_and_the_annex_b_report_give_the_same_numbers(app):
    create_demo()
    last_year = datetime.now(UTC).year - 1
    with session_scope() as session:
        park = session.execute(select(Park).where(col(Park.code) == DEMO_CODE)).scalar_one()
        name = f"demo_top_reader_{datetime.now(UTC).strftime('%H%M%S%f')}"
        top = users.create_user(session, park=park, username=name, password=PASSWORD, role=Role.top_management)
        report = DocxDocument(io.BytesIO(build_report(session, user=top, year=last_year)))
    text = report_text(report)
    assert "13535.00 tCO₂（" in text and "12500.00 tCO₂" in text and "14274.00 tCO₂（" in text
    assert "0.1671 tCO₂/万元（" in text and "按计划推进" in text and "有风险" in text and "41.7%" in text
    browser = Browser(app)
    try:
        browser.login(name)
        page = browser.get(f"/performance?year={last_year}").text
    finally:
        browser.close()
    headline = re.search(r'data-headline="P-TOTAL".*?</dl>', page, re.S).group(0)
    assert ">13535.00</a>" in headline and "12500.00" in headline and "14274.00" in headline
    assert ">0.1671</a>" in page and "有风险" in page and "41.7%" in page
    assert 'data-link="nonconformity"' in page
