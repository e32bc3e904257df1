"""A small bar chart as PNG, drawn without any imaging library (zlib + struct from the standard library).

Used for the readiness figure of the review report: per chapter, coverage and progress side by side. Labels use a
built-in 5×7 pixel font (digits, %, a few capitals), so the image needs no font file; the report's table beside
the chart carries the Chinese titles.
"""

from __future__ import annotations

import struct
import zlib

Color = tuple[int, int, int]

WHITE: Color = (255, 255, 255)
GRID: Color = (222, 222, 222)
AXIS: Color = (90, 90, 90)
TEXT: Color = (40, 40, 40)
COVERAGE: Color = (34, 139, 84)
PROGRESS: Color = (150, 205, 170)

_GLYPHS: dict[str, tuple[str, ...]] = {
    "0": ("01110", "10001", "10011", "10101", "11001", "10001", "01110"),
    "1": ("00100", "01100", "00100", "00100", "00100", "00100", "01110"),
    "2": ("01110", "10001", "00001", "00010", "00100", "01000", "11111"),
    "3": ("11111", "00010", "00100", "00010", "00001", "10001", "01110"),
    "4": ("00010", "00110", "01010", "10010", "11111", "00010", "00010"),
    "5": ("11111", "10000", "11110", "00001", "00001", "10001", "01110"),
    "6": ("00110", "01000", "10000", "11110", "10001", "10001", "01110"),
    "7": ("11111", "00001", "00010", "00100", "01000", "01000", "01000"),
    "8": ("01110", "10001", "10001", "01110", "10001", "10001", "01110"),
    "9": ("01110", "10001", "10001", "01111", "00001", "00010", "01100"),
    "%": ("11000", "11001", "00010", "00100", "01000", "10011", "00011"),
    ".": ("00000", "00000", "00000", "00000", "00000", "01100", "01100"),
    "-": ("00000", "00000", "00000", "11111", "00000", "00000", "00000"),
    " ": ("00000",) * 7,
    "A": ("01110", "10001", "10001", "11111", "10001", "10001", "10001"),
    "C": ("01110", "10001", "10000", "10000", "10000", "10001", "01110"),
    "E": ("11111", "10000", "10000", "11110", "10000", "10000", "11111"),
    "G": ("01110", "10001", "10000", "10111", "10001", "10001", "01111"),
    "H": ("10001", "10001", "10001", "11111", "10001", "10001", "10001"),
    "L": ("10000", "10000", "10000", "10000", "10000", "10000", "11111"),
    "O": ("01110", "10001", "10001", "10001", "10001", "10001", "01110"),
    "P": ("11110", "10001", "10001", "11110", "10000", "10000", "10000"),
    "R": ("11110", "10001", "10001", "11110", "10100", "10010", "10001"),
    "S": ("01111", "10000", "10000", "01110", "00001", "00001", "11110"),
    "T": ("11111", "00100", "00100", "00100", "00100", "00100", "00100"),
    "V": ("10001", "10001", "10001", "10001", "10001", "01010", "00100"),
}


class Canvas:
    def __init__(self, width: int, height: int, background: Color = WHITE) -> None:
        self.width, self.height = width, height
        self.pixels = bytearray(bytes(background) * (width * height))

    def rect(self, x0: int, y0: int, x1: int, y1: int, color: Color) -> None:
        """Fill [x0, x1) × [y0, y1), clipped to the canvas."""
        x0, x1 = max(0, min(x0, x1)), min(self.width, max(x0, x1))
        y0, y1 = max(0, min(y0, y1)), min(self.height, max(y0, y1))
        if x0 >= x1:
            return
        row = bytes(color) * (x1 - x0)
        for y in range(y0, y1):
            start = (y * self.width + x0) * 3
            self.pixels[start : start + len(row)] = row

    def text(self, x: int, y: int, text: str, color: Color = TEXT, scale: int = 2) -> None:
        for index, char in enumerate(text.upper()):
            glyph = _GLYPHS.get(char, _GLYPHS[" "])
            left = x + index * 6 * scale
            for row, bits in enumerate(glyph):
                for col, bit in enumerate(bits):
                    if bit == "1":
                        self.rect(
                            left + col * scale, y + row * scale, left + (col + 1) * scale, y + (row + 1) * scale, color
                        )

    @staticmethod
    def text_width(text: str, scale: int = 2) -> int:
        return len(text) * 6 * scale - scale if text else 0

    def png(self) -> bytes:
        raw = b"".join(
            b"\x00" + bytes(self.pixels[y * self.width * 3 : (y + 1) * self.width * 3]) for y in range(self.height)
        )

        def chunk(kind: bytes, data: bytes) -> bytes:
            return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

        header = struct.pack(">IIBBBBB", self.width, self.height, 8, 2, 0, 0, 0)
        return (
            b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")
        )


def readiness_bar_chart(groups: list[tuple[str, float, float]], *, width: int = 720, height: int = 320) -> bytes:
    """Bars of coverage and progress (0–1) per group label, e.g. [("CH5", 0.4, 0.6), …]; the PNG bytes."""
    canvas = Canvas(width, height)
    left, right, top, bottom = 60, width - 20, 40, height - 40
    plot_height = bottom - top
    for step in range(5):  # 0, 25, 50, 75, 100 %
        y = bottom - plot_height * step // 4
        canvas.rect(left, y, right, y + 1, GRID if step else AXIS)
        label = f"{step * 25}%"
        canvas.text(left - 8 - Canvas.text_width(label), y - 7, label, AXIS)
    canvas.rect(left, top, left + 1, bottom + 1, AXIS)
    slot = (right - left) / max(1, len(groups))
    bar = max(4, int(slot * 0.3))
    for index, (label, coverage, progress) in enumerate(groups):
        centre = int(left + slot * (index + 0.5))
        for offset, value, color in ((-bar, coverage, COVERAGE), (0, progress, PROGRESS)):
            value = max(0.0, min(1.0, value))
            x0 = centre + offset
            y0 = bottom - round(plot_height * value)
            canvas.rect(x0, y0, x0 + bar - 1, bottom, color)
            percent = f"{value * 100:.0f}"
            canvas.text(x0 + (bar - Canvas.text_width(percent, 1)) // 2, y0 - 10, percent, TEXT, scale=1)
        canvas.text(centre - Canvas.text_width(label) // 2, bottom + 10, label, TEXT)
    # Legend
    canvas.rect(left, 12, left + 14, 26, COVERAGE)
    canvas.text(left + 20, 12, "COVERAGE", TEXT)
    x = left + 20 + Canvas.text_width("COVERAGE") + 24
    canvas.rect(x, 12, x + 14, 26, PROGRESS)
    canvas.text(x + 20, 12, "PROGRESS", TEXT)
    return canvas.png()
