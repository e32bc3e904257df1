"""Small things a new user notices: a favicon, control numbers that never break in the middle."""

import re
from pathlib import Path

from tests import factories

CSS = Path(__file__).resolve().parents[2] / "app" / "web" / "static" / "app.css"


def test_the_favicon_is_served_and_linked(browser, park):
    anonymous = browser()
    icon = anonymous.get("/favicon.ico")
    assert icon.status_code == 200 and icon.headers["content-type"] == "image/x-icon"
    assert icon.content[:4] == b"\x00\x00\x01\x00"  # an ICO file (one image)
    assert '<link rel="icon" href="/favicon.ico"' in anonymous.get("/login").text
    assert '<link rel="icon" href="/favicon.ico"' in browser(park, "coordinator").get("/documents").text


def test_control_numbers_do_not_break_inside(browser, park):
    document, _ = factories.publish_new_document(park)
    number = re.escape(document["control_no"])
    b = browser(park, "coordinator")
    assert re.search(rf'<span class="cn">{number}</span>', b.get("/documents").text)
    assert re.search(rf'<span class="code cn">{number}</span>', b.get(f"/documents/{document['id']}").text)
    css = CSS.read_text()
    rule = re.search(r"\.cn\s*\{([^}]*)\}", css)
    assert rule and "white-space: nowrap" in rule.group(1)
    assert not re.search(r"\.register td:first-child a[^{]*\{[^}]*break-all", css)  # the old rule that split them
