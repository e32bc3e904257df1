"""Words of the search page beyond the core table (app/web/i18n.py): the estimated total."""

SEARCH_TEXT: dict[str, tuple[str, str]] = {
    # Many matches: the total is a bounded estimate (SearchPage.estimated), said so.
    "search.count_estimated": ("找到约 %s 个版本（估计值）", "about %s revisions found (an estimate)"),
}
