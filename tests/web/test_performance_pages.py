"""The performance page (碳排放绩效) through the browser, on SQLite and PostgreSQL, with the park of
tests/performance/helpers.py: 2025 total 750 t against the target 600 t (2027) and the 2024 baseline 840 t;
intensity 750 / 3500 = 0.2143 tCO₂/万元 against 0.2 (at risk); A 480 t, B 270 t.
"""

import json
import re

import pytest
from sqlalchemy import select

from app.db import session_scope
from app.events.models import Event
from tests.performance.helpers import build_performance

PAGE = "/performance?year=2025"


@pytest.fixture()
def built(park):
    return build_performance(park)


def _refusal_rules(park_id: int, entity_type: str, entity_id: object) -> list[str]:
    with session_scope(write=False) as session:
        rows = session.execute(
            select(Event).where(
                Event.action == "access.refused",
                Event.park_id == park_id,
                Event.entity_type == entity_type,
                Event.entity_id == str(entity_id),
            )
        ).scalars()
        return [json.loads(row.after_json)["rule"] for row in rows]


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_top_management_reads_total_and_intensity_against_target_and_baseline(park, built, browser):
    page = browser(park, "top_management").get(PAGE)
    assert page.status_code == 200, page.text
    html = page.text
    assert 'href="/performance" aria-current="page"' in html  # the nav entry
    total = re.search(r'data-headline="TOTAL".*?</dl>', html, re.S).group(0)
    assert '<a href="/inventory/trail?year=2025&amp;level=park&amp;key=park">750.00</a>' in total
    assert "600.00（2027 年）" in total and "按计划推进" in total
    assert "840.00（2024，第1版）" in total
    # expected on the path in 2025: 840 − 240 / 3 = 760; change from baseline (750 − 840) / 840 = −10.7 %
    assert "760.00" in total and "-10.7%" in total
    intensity = re.search(r'data-headline="INT".*?</dl>', html, re.S).group(0)
    assert ">0.2143</a>" in intensity and "0.2000（2026 年）" in intensity and "有风险" in intensity
    assert "无现行有效的基准" in intensity  # its baseline is still a draft
    attention = _text(re.search(r'data-list="attention".*?</ul>', html, re.S).group(0))
    assert "甲化工总量不超过 450 t" in attention and "强度降至 0.2" in attention
    assert "总量降至 600 t" not in attention
    targets = re.search(r'data-table="targets".*?</table>', html, re.S).group(0)
    assert "37.5%" in targets  # (840 − 750) / (840 − 600)
    assert targets.count("已完成") == 1 and "暂无数据" in targets and "已撤回的指标" not in targets
    top = _text(re.search(r'data-table="top".*?</table>', html, re.S).group(0))
    assert "甲化工有限公司 480.00 64.0%" in top and "乙材料有限公司 270.00 36.0%" in top
    assert f"/inventory/trail?year=2025&amp;level=enterprise&amp;key={built.enterprises['a']}" in html
    trend = _text(re.search(r'data-table="trend".*?</table>', html, re.S).group(0))
    assert "园区碳排放总量 （tCO₂） 840.00 750.00 840.00 -10.7%" in trend
    measures = re.search(r'data-table="measures".*?</table>', html, re.S).group(0)
    assert 'data-flag="behind"' in measures and "一期完工" in measures and "40.00" in measures
    deviations = _text(re.search(r'data-list="deviations".*?</ul>', html, re.S).group(0))
    assert "待调查" in deviations and "园区碳排放强度" in deviations and "7.1%" in deviations
    assert "截止年度的数值达到指标值" in html  # the status rule, shown


def test_the_charts_are_png_and_the_english_page_has_english_words(park, built, browser):
    reader = browser(park, "auditor", lang="en")
    for name in ("total", "intensity", "measures"):
        chart = reader.get(f"/performance/charts/{name}.png?year=2025")
        assert chart.status_code == 200 and chart.headers["content-type"] == "image/png"
        assert chart.content[:8] == b"\x89PNG\r\n\x1a\n"
    assert reader.get("/performance/charts/other.png?year=2025").status_code == 404
    page = reader.get(PAGE).text
    assert "Carbon performance" in page and "At risk" in page and "On track" in page and "Missed" in page


def test_an_indicator_page_shows_its_values_baselines_and_targets(park, built, browser):
    reader = browser(park, "approver")
    page = reader.get(f"/performance/figures/{built.indicators['TOTAL']}?year=2025")
    assert page.status_code == 200
    values = _text(re.search(r'data-table="values".*?</table>', page.text, re.S).group(0))
    assert "2024 840.00" in values and "2025 750.00" in values
    baselines = _text(re.search(r'data-table="baselines".*?</table>', page.text, re.S).group(0))
    assert "1 2024 840.00 — 现行有效" in baselines
    assert f'id="target-{built.targets["T_TOTAL"]}"' in page.text
    intensity = reader.get(f"/performance/figures/{built.indicators['INT']}?year=2025").text
    assert "750.00 ÷ 3500.00" in intensity and "未生效" in intensity
    heat = reader.get(f"/performance/figures/{built.indicators['HEAT']}?year=2025").text
    assert "手工录入（附证据）" in heat and "35.00" in heat


def test_a_contributor_is_refused_and_has_no_nav_entry(park, built, browser):
    contributor = browser(park, "contributor")
    refused = contributor.get(PAGE)
    assert refused.status_code == 403 and "只有最高管理者" in refused.text
    assert contributor.get("/performance/charts/total.png").status_code == 403
    assert contributor.get(f"/performance/figures/{built.indicators['TOTAL']}").status_code == 403
    assert _refusal_rules(park.id, "performance", "park") == ["role", "role"]
    assert _refusal_rules(park.id, "performance", built.indicators["TOTAL"]) == ["role"]
    assert 'href="/performance"' not in contributor.get("/inventory/enterprises").text


def test_another_parks_indicator_is_not_found_and_the_probe_recorded(park, other_park, built, browser):
    prober = browser(other_park, "coordinator")
    page = prober.get(f"/performance/figures/{built.indicators['TOTAL']}")
    assert page.status_code == 404
    assert _refusal_rules(other_park.id, "indicator", built.indicators["TOTAL"]) == ["other_park"]
    own = prober.get(PAGE)
    assert own.status_code == 200 and "甲化工有限公司" not in own.text and "尚未设置目标和指标" in own.text


def test_the_english_pages_show_no_chinese_interface_words(park, built, browser):
    from tests.web.test_english_pages import _leaks

    reader = browser(park, "top_management", lang="en")
    user_data = [
        f"测试园区 {park.code}", *[f"{role} 测试" for role in park.usernames], "碳管理办公室", "审计部",
        "园区碳排放总量", "园区碳排放强度", "余热利用率", "甲化工碳排放总量", "tCO₂/万元", "2027 年碳排放总量下降",
        "总量降至 600 t", "强度降至 0.2", "甲化工总量不超过 450 t", "余热利用率达到 30%", "2026 起强度 0.19",
        "园区管委会", "甲化工有限公司", "乙材料有限公司", "LED 照明改造", "空压机变频", "能源管理部", "一期完工",
    ]  # fmt: skip
    for url in (PAGE, *(f"/performance/figures/{i}?year=2025" for i in built.indicators.values())):
        page = reader.get(url)
        assert page.status_code == 200
        assert _leaks(page.text, user_data) == [], url
