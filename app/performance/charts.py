"""The performance page's charts (PNG): an indicator over the years against its target and baseline (11.3: continual
improvement shown, not claimed), and the measures' expected against achieved reductions.

matplotlib's object API on the Agg canvas (no pyplot global state: safe in the server's threads), the inventory's
CJK font choice, labels never parsed as mathtext; without a CJK font the labels fall back to English.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from decimal import Decimal

import matplotlib
from matplotlib import font_manager
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from app.inventory.charts import COLOURS, cjk_family

# Names typed by people (indicators, measures): a "$" must not start mathtext.
matplotlib.rcParams["text.parse_math"] = False

Pair = tuple[str, str]  # (中文, English)


def _figure() -> tuple[Figure, font_manager.FontProperties, bool]:
    family = cjk_family()
    figure = Figure(figsize=(6.4, 3.4), dpi=100)
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


def _words(pair: Pair, chinese: bool, lang: str) -> str:
    return pair[0] if chinese and lang == "zh" else pair[1]


def indicator_chart(
    points: Sequence[tuple[int, Decimal | None]],
    *,
    title: Pair,
    unit: str,
    lang: str,
    target: Decimal | None = None,
    baseline: Decimal | None = None,
) -> bytes:
    """The indicator's value per year (years without a value are gaps), the target and the baseline as lines."""
    figure, font, chinese = _figure()
    axes = figure.add_subplot()
    years = [str(year) for year, _ in points]
    values = [float(value) if value is not None else float("nan") for _, value in points]
    axes.plot(years, values, marker="o", color=COLOURS[0], label=_words(("实际值", "Actual"), chinese, lang))
    if target is not None:
        axes.axhline(float(target), color=COLOURS[4], linestyle="--", linewidth=1,
                     label=_words(("指标值", "Target"), chinese, lang))  # fmt: skip
    if baseline is not None:
        axes.axhline(float(baseline), color=COLOURS[6], linestyle=":", linewidth=1,
                     label=_words(("基准", "Baseline"), chinese, lang))  # fmt: skip
    axes.set_ylabel(unit if chinese and lang == "zh" else unit.replace("万元", "10k CNY"), fontproperties=font)
    axes.set_title(_words(title, chinese, lang), fontproperties=font)
    axes.set_ylim(bottom=0)
    axes.legend(prop=font, loc="lower left")
    if not points:
        axes.text(0.5, 0.5, "—", transform=axes.transAxes, ha="center")
    return _png(figure)


def measures_chart(items: Sequence[tuple[Pair, Decimal | None, Decimal | None]], *, title: Pair, lang: str) -> bytes:
    """Per measure ((its title, an English name)), the expected and the achieved reduction of the year (tCO₂)."""
    figure, font, chinese = _figure()
    axes = figure.add_subplot()
    positions = list(range(len(items)))
    expected = [float(item[1] or 0) for item in items]
    achieved = [float(item[2] or 0) for item in items]
    axes.barh([p + 0.2 for p in positions], expected, height=0.4, color=COLOURS[1],
              label=_words(("预期减排量", "Expected"), chinese, lang))  # fmt: skip
    axes.barh([p - 0.2 for p in positions], achieved, height=0.4, color=COLOURS[0],
              label=_words(("已实现减排量", "Achieved"), chinese, lang))  # fmt: skip
    axes.set_yticks(positions, [_words(item[0], chinese, lang) for item in items])
    for tick in axes.get_yticklabels():
        tick.set_fontproperties(font)
    axes.invert_yaxis()
    axes.set_xlabel("tCO₂", fontproperties=font)
    axes.set_title(_words(title, chinese, lang), fontproperties=font)
    if items:
        axes.legend(prop=font, loc="lower right")
    else:
        axes.text(0.5, 0.5, "—", transform=axes.transAxes, ha="center")
    return _png(figure)
