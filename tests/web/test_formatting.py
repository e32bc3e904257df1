"""The page formatters: sizes in binary units, times shown in the park's zone, unreadable strings shown as they are."""

from datetime import UTC, datetime

from app.web.common import fmt_size, fmt_time


def test_fmt_size_uses_bytes_then_one_decimal_in_larger_units() -> None:
    assert [fmt_size(n) for n in (None, 0, 1023, 1536, 5 * 1024**2, 3 * 1024**4)] == [
        "",
        "0 B",
        "1023 B",
        "1.5 KB",
        "5.0 MB",
        "3072.0 GB",
    ]


def test_fmt_time_shows_the_parks_zone_for_naive_values_and_iso_text_and_keeps_unreadable_text() -> None:
    assert fmt_time(datetime(2026, 3, 1, 9, 30)) == "2026-03-01 17:30"  # SQLite's naive values are UTC
    assert fmt_time("2026-03-01T09:30:00+00:00") == "2026-03-01 17:30"
    assert fmt_time("not a time") == "not a time"
    assert fmt_time(None) == "" and fmt_time("") == ""
    assert fmt_time(datetime(2026, 3, 1, 9, 30, tzinfo=UTC), "Europe/Berlin") == "2026-03-01 10:30"
