"""Is there text in a screenshot, or only boxes? Measured on the top strip (menu bar and the
first pane headings) of a window grab.

Drawn with a real font, letters are anti-aliased shapes of many widths: the strip holds
well over a hundred colours and dozens of distinct ink columns. Without a font Qt draws
every letter as the same hollow box: three colours and a handful of column patterns
(measured on the bundle: 176-196 colours and 22-28 patterns with fonts, 3 and 5 without).
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QImage

STRIP_WIDTH = 360
STRIP_HEIGHT = 40
MIN_COLOURS = 40
MIN_INK_PATTERNS = 12


@dataclass(frozen=True)
class TextMeasure:
    colours: int
    ink_patterns: int

    @property
    def has_text(self) -> bool:
        return self.colours >= MIN_COLOURS and self.ink_patterns >= MIN_INK_PATTERNS


def measure_text(image: QImage, left: int = 0, top: int = 0) -> TextMeasure:
    width = min(STRIP_WIDTH, image.width() - left)
    height = min(STRIP_HEIGHT, image.height() - top)
    colours = {image.pixel(left + x, top + y) for y in range(height) for x in range(width)}
    patterns = set()
    for x in range(width):
        column = tuple(
            (image.pixel(left + x, top + y) & 0xFF) < 128 for y in range(min(height, 20))
        )
        if any(column):
            patterns.add(column)
    return TextMeasure(len(colours), len(patterns))
