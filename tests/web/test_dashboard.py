"""The dashboard's figures open the items behind them; records awaiting confirmation count as in progress."""

import re

from app.web import readiness_view as view
from tests import factories


def _tile(page: str, key: str) -> int:
    match = re.search(rf'data-count="{key}"><a href="([^"]+)"><span class="num">(\d+)</span>', page)
    assert match, f"no {key} tile"
    return int(match.group(2))


def _items(page: str) -> list[str]:
    return re.findall(r'data-item="([^"]+)"', page)


def test_every_tile_opens_its_items_with_a_register_link(browser, park):
    factories.publish_new_document(park)  # CARBON_POLICY: 6.2 met
    b = browser(park, "coordinator")
    page = b.get("/").text
    assert "计数的是事项，不是条款" in page and "覆盖率＝已满足的事项 ÷ 适用事项" in page
    for key in ("met", "in_progress", "due", "missing", "overdue", "not_applicable"):
        assert f'href="/items?state={key}"' in page
        listed = b.get(f"/items?state={key}").text
        assert len(_items(listed)) == _tile(page, key), key
    missing = b.get("/items?state=missing").text
    assert "6.2/CARBON_POLICY" not in _items(missing)
    assert "6.3/ORGANISATION_RESPONSIBILITIES" in _items(missing)
    assert "/documents/new?type=ORGANISATION_RESPONSIBILITIES#document-form" in missing
    assert "/documents/new?type=EMISSION_REVIEW_RECORD#record-form" in missing
    assert "登记此类" in missing and "碳排放管理机构" in missing  # by name, not only by code
    met = b.get("/items?state=met").text
    assert "6.2/CARBON_POLICY" in _items(met) and "登记此类" not in met.split("<tbody>")[1]


def test_chapter_and_clause_figures_open_their_items(browser, park):
    b = browser(park, "coordinator")
    page = b.get("/").text
    assert 'href="/items?chapter=6"' in page
    assert 'href="/items?state=missing&amp;clause=6.3"' in page
    chapter = _items(b.get("/items?chapter=6").text)
    assert chapter and all(item.startswith("6.") for item in chapter)
    clause = _items(b.get("/items?state=missing&clause=6.3").text)
    assert "6.3/ORGANISATION_RESPONSIBILITIES" in clause and all(item.startswith("6.3/") for item in clause)
    assert b.get("/items?state=bogus").status_code == 422
    historical = b.get("/?as_of=2020-01-01").text
    assert 'href="/items?state=missing&amp;as_of=2020-01-01"' in historical
    assert "2020-01-01" in b.get("/items?state=missing&as_of=2020-01-01").text


def test_a_record_awaiting_confirmation_counts_as_in_progress(browser, park):
    b = browser(park, "coordinator")
    before = b.get("/").text
    assert factories.record_upload(park, "EMISSION_REVIEW_RECORD", "2025").status_code == 201  # submitted
    after = b.get("/").text
    assert _tile(after, "in_progress") == _tile(before, "in_progress") + _count_items(b, "EMISSION_REVIEW_RECORD")
    assert _tile(after, "missing") == _tile(before, "missing") - _count_items(b, "EMISSION_REVIEW_RECORD")
    in_progress = _items(b.get("/items?state=in_progress").text)
    assert any(item.endswith("/EMISSION_REVIEW_RECORD") for item in in_progress)
    assert not any(item.endswith("/EMISSION_REVIEW_RECORD") for item in _items(b.get("/items?state=missing").text))
    # As of a past date nothing was awaiting: the item is missing there.
    past = _items(b.get("/items?state=missing&as_of=2020-01-01").text)
    assert any(item.endswith("/EMISSION_REVIEW_RECORD") for item in past)


def _count_items(b, doc_type: str) -> int:
    return sum(1 for item in _items(b.get("/items").text) if item.endswith(f"/{doc_type}"))


def test_a_contributor_is_told_what_is_counted_and_offered_only_what_they_may_register(browser, park):
    coordinator = browser(park, "coordinator")
    assert "只计入您有权查看的文件和记录" not in coordinator.get("/").text
    contributor = browser(park, "contributor")
    page = contributor.get("/").text
    assert "只计入您有权查看的文件和记录" in page and "待办只列出您本人的事项" in page
    missing = contributor.get("/items?state=missing").text
    assert "只计入您有权查看的文件和记录" in missing
    assert "#document-form" not in missing  # a contributor registers no controlled document


def test_item_state_maps_the_service_statuses():
    record = {"doc_type": "R", "kind": "record", "status": "missing"}
    document = {"doc_type": "D", "kind": "document", "status": "missing"}
    assert view.item_state(record) == "missing"
    assert view.item_state(record, {"R"}) == "in_progress"
    assert view.item_state(document, {"D"}) == "missing"  # only records await a confirmation
    assert view.item_state({**record, "status": "met"}, {"R"}) == "met"
    assert view.item_state({**document, "status": "review_overdue"}) == "overdue"
    for state in ("due", "overdue", "in_progress", "met", "not_applicable"):
        assert view.item_state({**document, "status": state}) == state
    assert view.item_state({**document, "status": "something_new"}) == "missing"


def test_figures_count_items_and_their_ratios():
    def row(state: str) -> view.ItemRow:
        return view.ItemRow("6.2", "", "", "6", "D", "", "", "document", state, "", "", None)

    figures = view.counts([row("met"), row("in_progress"), row("missing"), row("due"), row("not_applicable")])
    assert figures["applicable"] == 4 and figures["not_applicable"] == 1
    assert view.ratios(figures) == (0.25, 0.5)
    assert view.ratios(view.counts([])) == (0.0, 0.0)
