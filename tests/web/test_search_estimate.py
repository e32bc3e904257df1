"""The search page says when its total is an estimate (SearchPage.estimated): "约 N" / "about N"."""

from app.config import get_settings
from app.search import whoosh_backend
from tests import factories
from tests.factories import docx_bytes


def test_search_page_marks_an_estimated_total(browser, park, monkeypatch):
    monkeypatch.setattr(get_settings(), "search_backend", "whoosh")  # whichever the stack's default
    for times in range(1, 4):
        document = factories.register(park, title=f"冷却塔记录 {times}")
        factories.upload(park, document["id"], docx_bytes("园区冷却塔节水改造记录。" * times))
    coordinator = browser(park, "coordinator")
    exact = coordinator.get("/search?q=冷却塔节水").text
    assert "找到 3 个版本" in exact and "约" not in exact.split("<main")[1]

    monkeypatch.setattr(whoosh_backend, "VERIFY_ALL_BELOW", 1)  # as if three were many
    monkeypatch.setattr("app.web.pages_admin.SEARCH_PAGE", 2)  # a page that does not hold them all
    estimated = coordinator.get("/search?q=冷却塔节水").text
    assert "找到约 3 个版本（估计值）" in estimated
    english = browser(park, "coordinator", lang="en").get("/search?q=冷却塔节水").text
    assert "about 3 revisions found (an estimate)" in english
