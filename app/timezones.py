"""Times as people read them: stored in UTC, shown in the park's time zone (default Asia/Shanghai).

The one place that turns a stored UTC moment into the text on a page or in a generated document, and names the zone
once (the page footer, the report's cover, the controlled copy's stamp, the export's heading). Core level: the
standard library only; callers pass the park's zone name (from `app.parks.queries.park_time_zone`).
"""

from datetime import UTC, date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from app.common import as_utc, utcnow
from app.errors import Invalid

DEFAULT_ZONE = "Asia/Shanghai"

# Offered first on the profile page; any IANA name is accepted.
COMMON_ZONES: tuple[str, ...] = ("Asia/Shanghai", "Asia/Hong_Kong", "Asia/Taipei", "Asia/Urumqi", "UTC")


@lru_cache(maxsize=1)
def zone_names() -> frozenset[str]:
    """Every IANA name this system knows (read once: the lookup walks the zone files)."""
    return frozenset(available_timezones())


@lru_cache(maxsize=64)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def check_zone(name: str) -> str:
    """A valid IANA zone name, or a 422 that says what is accepted."""
    cleaned = (name or "").strip()
    # Abbreviations and legacy aliases ("CST", "PRC") are ambiguous: only region/city names, and UTC.
    if cleaned in zone_names() and ("/" in cleaned or cleaned == "UTC"):
        return cleaned
    raise Invalid(
        f"时区“{name}”无效：请填写 IANA 时区名称，例如 Asia/Shanghai",
        f"Unknown time zone “{name}”: give an IANA zone name, e.g. Asia/Shanghai",
    )


def zone(name: str | None) -> ZoneInfo:
    """The zone of `name`; the default when none is set (or a stored name this system no longer knows)."""
    try:
        return _zone(name or DEFAULT_ZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return _zone(DEFAULT_ZONE)


def local(value: datetime, zone_name: str | None) -> datetime:
    """A stored (UTC, possibly naive from SQLite) moment in the park's zone."""
    return as_utc(value).astimezone(zone(zone_name))


def today(zone_name: str | None) -> date:
    """Today's date in the park's zone (a report dated in Shanghai at 07:00 is dated that day, not yesterday)."""
    return utcnow().astimezone(zone(zone_name)).date()


def _parse(value: datetime | date | str) -> datetime | date | str:
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value) if len(value) > 10 else date.fromisoformat(value)
        except ValueError:
            return value
    return value


def fmt_time(value: datetime | date | str | None, zone_name: str | None, *, seconds: bool = False) -> str:
    """`YYYY-MM-DD HH:MM` in the park's zone; the zone is named once elsewhere on the page or document."""
    if value is None or value == "":
        return ""
    parsed = _parse(value)
    if isinstance(parsed, str):
        return parsed
    if not isinstance(parsed, datetime):
        return parsed.isoformat()
    return local(parsed, zone_name).strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")


def fmt_date(value: datetime | date | str | None, zone_name: str | None) -> str:
    """A date as `YYYY-MM-DD`: a moment is converted to the park's zone first; a calendar date is shown as it is."""
    if value is None or value == "":
        return ""
    parsed = _parse(value)
    if isinstance(parsed, str):
        return parsed[:10]
    if isinstance(parsed, datetime):
        return local(parsed, zone_name).date().isoformat()
    return parsed.isoformat()


def utc_offset(zone_name: str | None, at: datetime | None = None) -> str:
    """`UTC+08:00` at `at` (now by default)."""
    moment = as_utc(at) if at is not None else datetime.now(UTC)
    offset = moment.astimezone(zone(zone_name)).utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset is not None else 0
    sign = "+" if minutes >= 0 else "-"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours:02d}:{rest:02d}"


def zone_note(zone_name: str | None, lang: str = "zh") -> str:
    """The sentence that names the zone once per page or document."""
    name = zone_name or DEFAULT_ZONE
    if lang == "en":
        return f"Times are in {name} ({utc_offset(name)})."
    return f"时间均为 {name} 时区（{utc_offset(name)}）。"
