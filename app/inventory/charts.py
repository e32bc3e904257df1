"""The inventory overview's charts (PNG), drawn with matplotlib's object API on the Agg canvas (no pyplot global
state, so safe in the server's threads), with Chinese labels in a CJK font found on the system.

Without a CJK font Chinese would be drawn as empty boxes, so the labels then fall back to English.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from decimal import Decimal
from functools import lru_cache

import matplotlib
from matplotlib import font_manager
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

# Labels are names typed by people (enterprises, sources): never parse them as mathtext (a "$" would raise).
matplotlib.rcParams["text.parse_math"] = False

# Simplified-Chinese faces first (Debian fonts-noto-cjk, fonts-wqy-zenhei, then what other systems ship).
CJK_FAMILIES = (
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "Noto Serif CJK SC",
    "SimHei",
    "Microsoft YaHei",
    "PingFang SC",
)
COLOURS = ("#22774f", "#4f86c6", "#d98c3f", "#8c6bb1", "#c0504d", "#6aa84f", "#999999", "#e6b422")
CHART_NAMES = ("category", "scope", "structure", "top", "trend")

Labelled = tuple[str, str, Decimal]  # (label_zh, label_en, value)


@lru_cache(maxsize=1)
def cjk_family() -> str | None:
    installed = {entry.name for entry in font_manager.fontManager.ttflist}
    return next((family for family in CJK_FAMILIES if family in installed), None)


def _figure(width: float = 6.4, height: float = 3.4) -> tuple[Figure, font_manager.FontProperties, bool]:
    family = cjk_family()
    figure = Figure(figsize=(width, height), dpi=100)
    FigureCanvasAgg(figure)
    return (
        figure,
        font_manager.FontProperties(family=[family, "DejaVu Sans"] if family else "DejaVu Sans", size=9),
        family is not None,
    )


def _png(figure: Figure) -> bytes:
    figure.tight_layout()
    out = io.BytesIO()
    figure.savefig(out, format="png")
    return out.getvalue()


def _label(item: Labelled, chinese: bool, lang: str) -> str:
    return item[0] if chinese and lang == "zh" else item[1]


def bar_chart(items: Sequence[Labelled], *, title: tuple[str, str], lang: str, horizontal: bool = False) -> bytes:
    """One bar per item (tCO₂); negative bars (deductions) are drawn below zero."""
    figure, font, chinese = _figure()
    axes = figure.add_subplot()
    names = [_label(item, chinese, lang) for item in items]
    values = [float(item[2]) for item in items]
    colours = [COLOURS[i % len(COLOURS)] for i in range(len(items))]
    if horizontal:
        axes.barh(names[::-1], values[::-1], color=colours[::-1])
        axes.set_xlabel("tCO$_2$", fontproperties=font)
        for tick in axes.get_yticklabels():
            tick.set_fontproperties(font)
    else:
        axes.bar(names, values, color=colours)
        axes.set_ylabel("tCO$_2$", fontproperties=font)
        axes.axhline(0, color="#333333", linewidth=0.6)
        for tick in axes.get_xticklabels():
            tick.set_fontproperties(font)
            tick.set_rotation(20)
            tick.set_horizontalalignment("right")
    axes.set_title(title[0] if chinese and lang == "zh" else title[1], fontproperties=font)
    if not items:
        axes.text(0.5, 0.5, "—", transform=axes.transAxes, ha="center")
    return _png(figure)


def pie_chart(items: Sequence[Labelled], *, title: tuple[str, str], lang: str) -> bytes:
    """Shares of the positive items (a structure chart has no negative slices: deductions are left out)."""
    figure, font, chinese = _figure()
    axes = figure.add_subplot()
    positive = [item for item in items if item[2] > 0]
    if positive:
        axes.pie(
            [float(item[2]) for item in positive],
            labels=[_label(item, chinese, lang) for item in positive],
            colors=[COLOURS[i % len(COLOURS)] for i in range(len(positive))],
            autopct="%1.1f%%",
            textprops={"fontproperties": font},
        )
    else:
        axes.text(0.5, 0.5, "—", transform=axes.transAxes, ha="center")
        axes.set_axis_off()
    axes.set_title(title[0] if chinese and lang == "zh" else title[1], fontproperties=font)
    return _png(figure)


def trend_chart(points: Sequence[tuple[int, Decimal]], *, title: tuple[str, str], lang: str) -> bytes:
    figure, font, chinese = _figure()
    axes = figure.add_subplot()
    years = [str(year) for year, _ in points]
    axes.plot(years, [float(value) for _, value in points], marker="o", color=COLOURS[0])
    axes.set_ylabel("tCO$_2$", fontproperties=font)
    axes.set_title(title[0] if chinese and lang == "zh" else title[1], fontproperties=font)
    axes.set_ylim(bottom=0)
    return _png(figure)
