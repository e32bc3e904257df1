"""The review report's charts, drawn with matplotlib (object API on the Agg canvas: no pyplot global state, safe in
the server's threads) with Chinese labels in a CJK font found on the system.

Without a CJK font matplotlib draws Chinese as empty boxes, so the chart then falls back to English labels and says
why (`Chart.warning_zh/en`), and the report prints that note under the figure instead of failing.
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass
from functools import lru_cache

import matplotlib
from matplotlib import font_manager
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

# Labels are names typed by people (enterprises, sources): never parse them as mathtext (a "$" would raise).
matplotlib.rcParams["text.parse_math"] = False

logger = logging.getLogger(__name__)

# Simplified-Chinese faces first (Debian fonts-noto-cjk, fonts-wqy-zenhei, then what other systems ship).
CJK_FAMILIES: tuple[str, ...] = (
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "Noto Sans SC",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "Noto Serif CJK SC",
    "Source Han Serif SC",
    "SimHei",
    "Microsoft YaHei",
    "PingFang SC",
)

NO_CJK_FONT = (
    "系统未安装中文字体（如 Debian 软件包 fonts-noto-cjk），图中文字以英文显示",
    "No Chinese font is installed (e.g. the Debian package fonts-noto-cjk): the chart's labels are in English",
)

COVERAGE = "#22774f"
PROGRESS = "#96cdaa"


@dataclass(frozen=True)
class Chart:
    png: bytes
    font: str  # the family the labels were drawn in
    warning_zh: str = ""
    warning_en: str = ""


@lru_cache(maxsize=1)
def cjk_font() -> tuple[str, str] | None:
    """(family, file) of the first installed CJK family of CJK_FAMILIES, or None."""
    installed: dict[str, str] = {}
    # The regular face's file where there is one (the family is drawn by name; the file is what is reported).
    for entry in sorted(font_manager.fontManager.ttflist, key=lambda e: e.weight not in (400, "normal", "regular")):
        installed.setdefault(entry.name, entry.fname)
    for family in CJK_FAMILIES:
        if family in installed:
            return family, installed[family]
    return None


def readiness_bar_chart(groups: list[tuple[str, str, float, float]], *, title_zh: str, title_en: str) -> Chart:
    """Coverage and progress (0–1) side by side per group: [(label_zh, label_en, coverage, progress), …]."""
    found = cjk_font()
    if found is None:
        logger.warning("%s / %s", *NO_CJK_FONT)
        family, chinese = "DejaVu Sans", False
    else:
        family, chinese = found[0], True
    font = font_manager.FontProperties(family=family, size=10)

    figure = Figure(figsize=(8.0, 3.8), dpi=150)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    positions = list(range(len(groups)))
    width = 0.38
    coverage = [max(0.0, min(1.0, c)) * 100 for _, _, c, _ in groups]
    progress = [max(0.0, min(1.0, p)) * 100 for _, _, _, p in groups]
    legend = ("覆盖率", "进展") if chinese else ("Coverage", "Progress")
    bars_c = axes.bar([x - width / 2 for x in positions], coverage, width, color=COVERAGE, label=legend[0])
    bars_p = axes.bar([x + width / 2 for x in positions], progress, width, color=PROGRESS, label=legend[1])
    for bars in (bars_c, bars_p):
        for bar in bars:
            axes.annotate(
                f"{bar.get_height():.0f}%",
                (bar.get_x() + bar.get_width() / 2, bar.get_height()),
                xytext=(0, 2),
                textcoords="offset points",
                ha="center",
                va="bottom",
                fontproperties=font_manager.FontProperties(family=family, size=7),
            )
    axes.set_xticks(positions, [zh if chinese else en for zh, en, _, _ in groups], fontproperties=font)
    axes.set_ylim(0, 110)
    axes.set_yticks([0, 25, 50, 75, 100], ["0%", "25%", "50%", "75%", "100%"], fontproperties=font)
    axes.set_title(
        title_zh if chinese else title_en, fontproperties=font_manager.FontProperties(family=family, size=11)
    )
    axes.grid(axis="y", color="#dddddd", linewidth=0.6)
    axes.set_axisbelow(True)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    axes.legend(prop=font, loc="upper right", frameon=False, ncols=2)
    figure.subplots_adjust(left=0.08, right=0.98, top=0.88, bottom=0.11)  # fixed: tight_layout costs a draw
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    if chinese:
        return Chart(buffer.getvalue(), family)
    return Chart(buffer.getvalue(), family, *NO_CJK_FONT)
