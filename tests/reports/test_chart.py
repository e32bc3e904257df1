"""The review report's chart: matplotlib with a CJK font, and a clear note (not boxes, not a failure) without one."""

import io

from matplotlib import font_manager
from PIL import Image

from app.reports import chart
from tests.reports.review_helpers import get_report, this_year

GROUPS = [("第5章", "Ch. 5", 0.4, 0.6), ("第6章", "Ch. 6", 1.0, 1.0), ("第7章", "Ch. 7", 0.0, 0.1)]


def test_the_chart_is_drawn_in_a_cjk_font():
    drawn = chart.readiness_bar_chart(GROUPS, title_zh="各章就绪度", title_en="Readiness")
    assert drawn.font in chart.CJK_FAMILIES and drawn.warning_zh == ""
    family, path = chart.cjk_font()
    assert drawn.font == family
    # The font file really covers the Chinese labels (a Latin face would draw boxes).
    font = font_manager.get_font(path)
    charmap = font.get_charmap()
    assert all(ord(ch) in charmap for ch in "各章就绪度覆盖率进展第")
    image = Image.open(io.BytesIO(drawn.png))
    assert image.format == "PNG" and image.width >= 1000


def test_without_a_cjk_font_the_report_is_still_made_with_a_note(park, monkeypatch):
    monkeypatch.setattr(chart, "cjk_font", lambda: None)
    drawn = chart.readiness_bar_chart(GROUPS, title_zh="各章就绪度", title_en="Readiness")
    assert drawn.png.startswith(b"\x89PNG") and drawn.font not in chart.CJK_FAMILIES
    assert "fonts-noto-cjk" in drawn.warning_zh and "fonts-noto-cjk" in drawn.warning_en

    document, text = get_report(park, this_year())
    assert "注：系统未安装中文字体（如 Debian 软件包 fonts-noto-cjk），图中文字以英文显示。" in text
    assert len(document.inline_shapes) == 1
