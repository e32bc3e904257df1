"""The inventory in a real browser (Debian chromium, Playwright): the coordinator opens the year's overview, sees
the charts drawn, follows the park total to its trail and finds each factor's source there. Saves the overview as
docs/screenshots/inventory.png for the README (SQLite run only).

Test inputs (not published values): coal 100 t × 20 GJ/t × 0.025 tC/GJ × 0.9 × 44/12 = 165; gas 0.5 万Nm³ ×
400 GJ/万Nm³ × 0.015 × 44/12 = 11; electricity 10 MWh × 0.6 = 6 (A) and 40 MWh × 0.6 = 24 (B) → 206 tCO₂.
"""

import pytest

from tests.inventory.helpers import assign, boundary, confirm, data_set, enterprise, factor, source, submit_rows
from tests.web.test_browser import SCREENSHOTS, Person, chromium, live_server

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("browser")]
YEAR = 2025
LOADED = (  # the image's width once loaded (0 if it failed): lazy images load when scrolled into view
    "img => img.complete ? img.naturalWidth : new Promise(done => {"
    " img.onload = () => done(img.naturalWidth); img.onerror = () => done(0); })"
)
__all__ = ["chromium", "live_server"]  # the fixtures, shared with test_browser.py


def _inventory(park) -> None:
    a = enterprise(park, "甲化工有限公司", 1)
    b = enterprise(park, "乙机械有限公司", 2, industry_code="C3484", industry_name="机械零部件加工")
    s = {
        "coal": source(park, a["id"], "锅炉燃煤", "fuel_combustion", "烟煤", "t"),
        "grid_a": source(park, a["id"], "外购电力", "purchased_electricity", "华东电网", "MWh"),
        "gas": source(park, b["id"], "燃气加热炉", "fuel_combustion", "天然气", "万Nm³"),
        "grid_b": source(park, b["id"], "外购电力", "purchased_electricity", "华东电网", "MWh"),
    }
    ds = data_set(park)
    factor(park, ds["id"], code="coal", kind="fuel", quantity="烟煤", activity_unit="t", ncv="20",
           carbon_content="0.025", oxidation_rate="0.9")  # fmt: skip
    factor(park, ds["id"], code="gas", kind="fuel", quantity="天然气", activity_unit="万Nm³", ncv="400",
           carbon_content="0.015", oxidation_rate="1")  # fmt: skip
    factor(park, ds["id"], code="grid", kind="electricity", quantity="华东电网", activity_unit="MWh",
           direct_factor="0.6")  # fmt: skip
    boundary(park, YEAR, [item["id"] for item in s.values()])
    for enterprise_id, rows in (
        (a["id"], [(s["coal"], "100", "t"), (s["grid_a"], "10", "MWh")]),
        (b["id"], [(s["gas"], "5000", "Nm³"), (s["grid_b"], "40", "MWh")]),
    ):
        assign(park, "contributor", enterprise_id)
        body = [{"source_id": src["id"], "quantity": q, "unit": u, "quality": "metered"} for src, q, u in rows]
        confirm(park, submit_rows(park, "contributor", enterprise_id, YEAR, body)["id"])


def test_coordinator_opens_the_overview_and_follows_a_total_to_its_trail(live_server, chromium, park, app_env):
    _inventory(park)
    coordinator = Person(chromium, live_server, park.usernames["coordinator"])
    coordinator.errors.clear()  # from here on: the inventory pages only (sign-in is test_browser.py's)
    coordinator.page.get_by_role("link", name="碳排放清单").first.click()
    coordinator.go(f"/inventory?year={YEAR}")
    total = coordinator.page.locator('dd[data-total="park"] a')
    assert total.inner_text() == "206.00"
    for image in coordinator.page.locator("section.charts img").all():
        image.scroll_into_view_if_needed()
        assert image.evaluate(LOADED) > 0, image.get_attribute("src")
    if "sqlite" in app_env:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        coordinator.page.screenshot(path=str(SCREENSHOTS / "inventory.png"), full_page=True)
    total.click()
    coordinator.page.wait_for_url(lambda url: "/inventory/trail" in url)
    assert coordinator.page.locator('dd[data-total="trail"]').inner_text() == "206.00 tCO₂"
    trail = coordinator.page.locator("table.trail").inner_text()
    assert trail.count("测试文件（测试输入值）") == 4 and "燃气加热炉" in trail and "165.0000" in trail
    assert not coordinator.errors, coordinator.errors
    coordinator.context.close()
