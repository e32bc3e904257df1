"""`%`, `_` and `\\` typed into a filter match themselves, never every row (LIKE wildcards escaped)."""

import pytest

from app.like import like_pattern
from tests.factories import register


def test_like_pattern_escapes_the_escape_character_and_both_wildcards():
    assert like_pattern(r"5%_a\b") == r"%5\%\_a\\b%"
    assert like_pattern("能源_", prefix=True) == r"能源\_%"


def _titles(park, q: str) -> list[str]:
    response = park.client.get("/api/documents", params={"q": q}, headers=park.headers("coordinator"))
    assert response.status_code == 200, response.text
    return sorted(item["title"] for item in response.json()["items"])


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("%", ["减排 50% 目标"]),
        ("_", ["能源_台账"]),
        ("\\", ["路径 a\\b"]),
        ("50%", ["减排 50% 目标"]),
        ("能源", ["能源_台账"]),
    ],
)
def test_register_filter_takes_wildcards_literally(park, q, expected):
    for number, title in enumerate(("减排 50% 目标", "能源_台账", "路径 a\\b", "普通制度")):
        register(park, "DATA_MANAGEMENT_RULES", title=title, control_no=f"LIT-{number}")  # no wildcard in the number
    assert _titles(park, q) == expected


def test_event_filter_takes_wildcards_literally(park):
    document = register(park, "DATA_MANAGEMENT_RULES")
    headers = park.headers("auditor")
    everything = park.client.get("/api/events", headers=headers).json()
    assert len({e["action"] for e in everything}) > 1  # park, users, sign-ins and the document
    by_prefix = park.client.get("/api/events", params={"action": "document."}, headers=headers).json()
    assert [(e["action"], e["entity_id"]) for e in by_prefix] == [("document.register", str(document["id"]))]
    # `_` once matched the `.` of "document.register", `%` matched every action.
    assert park.client.get("/api/events", params={"action": "document_register"}, headers=headers).json() == []
    assert park.client.get("/api/events", params={"action": "%"}, headers=headers).json() == []
