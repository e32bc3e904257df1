"""Stored in UTC, shown in the park's zone: the one formatter every page and document uses (app/timezones.py)."""

from datetime import UTC, date, datetime

import pytest

from app import timezones
from app.errors import Invalid

LATE_EVENING_UTC = datetime(2026, 3, 31, 16, 30, tzinfo=UTC)  # 00:30 on 1 April in Shanghai
BEFORE_MIDNIGHT_UTC = datetime(2026, 3, 31, 15, 30, tzinfo=UTC)  # 23:30 in Shanghai, 00:30 on 1 April in Tokyo


def test_a_utc_time_near_midnight_is_the_next_day_in_shanghai():
    assert timezones.fmt_date(LATE_EVENING_UTC, None) == "2026-04-01"  # the default zone
    assert timezones.fmt_time(LATE_EVENING_UTC, "Asia/Shanghai") == "2026-04-01 00:30"
    assert timezones.fmt_date(LATE_EVENING_UTC, "UTC") == "2026-03-31"


def test_another_zone_when_the_park_sets_one():
    assert timezones.fmt_date(BEFORE_MIDNIGHT_UTC, "Asia/Shanghai") == "2026-03-31"
    assert timezones.fmt_date(BEFORE_MIDNIGHT_UTC, "Asia/Tokyo") == "2026-04-01"
    assert timezones.fmt_time(BEFORE_MIDNIGHT_UTC, "America/New_York", seconds=True) == "2026-03-31 11:30:00"


def test_naive_values_are_utc_and_calendar_dates_stay_as_they_are():
    assert timezones.fmt_time(datetime(2026, 3, 31, 16, 30), None) == "2026-04-01 00:30"  # SQLite returns naive
    assert timezones.fmt_date(date(2026, 3, 31), "Asia/Tokyo") == "2026-03-31"  # a due date is not a moment
    assert timezones.fmt_date("2026-03-31", "Asia/Tokyo") == "2026-03-31"
    assert timezones.fmt_date("2026-03-31T16:30:00+00:00", None) == "2026-04-01"
    assert timezones.fmt_time("garbled", None) == "garbled"


def test_the_zone_is_named_with_its_offset():
    assert timezones.zone_note(None) == "时间均为 Asia/Shanghai 时区（UTC+08:00）。"
    assert timezones.zone_note("Asia/Kolkata", "en") == "Times are in Asia/Kolkata (UTC+05:30)."
    assert timezones.utc_offset("America/New_York", datetime(2026, 1, 15, tzinfo=UTC)) == "UTC-05:00"


@pytest.mark.parametrize("name", ["Asia/Shanghai", "Europe/Berlin", "UTC"])
def test_iana_names_are_accepted(name):
    assert timezones.check_zone(f" {name} ") == name


@pytest.mark.parametrize("name", ["", "CST", "PRC", "Beijing", "Asia/Beijing", "../etc/passwd"])
def test_abbreviations_and_unknown_names_are_refused(name):
    with pytest.raises(Invalid) as refused:
        timezones.check_zone(name)
    assert "Asia/Shanghai" in refused.value.message_zh and "IANA" in refused.value.message_en


def test_a_stored_zone_no_longer_known_falls_back_to_the_default():
    assert timezones.zone("Nowhere/Gone").key == "Asia/Shanghai"
