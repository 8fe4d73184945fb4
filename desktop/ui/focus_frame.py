"""A focus frame a sighted keyboard user sees at a glance, on widgets whose native look shows
none (a table, a multi-line text area): a 2-pixel frame in the highlight colour while the
widget has the focus, a thin neutral one otherwise. The frame is 2 pixels wide either way,
so the contents never shift by a pixel when the focus arrives or leaves.

A text area gets it from a style sheet. A list paints it itself (PaintedFocusFrame): a style
sheet on a table made everything inside it (cells, header, scroll bars) paint through Qt's
style-sheet style, 0.4 ms more at each of the list's repaints.
"""

from __future__ import annotations

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QColor, QPainter, QPalette
from PySide6.QtWidgets import QFrame, QWidget

FRAME = """
{kind} {{ border: 1px solid palette(mid); padding: 1px; }}
{kind}:focus {{ border: 2px solid palette(highlight); padding: 0px; }}
"""
WIDTH = 2


def show_focus_frame(widget: QWidget, kind: str) -> None:
    """`kind` is the Qt class the rule names (QPlainTextEdit): a rule naming the widget's own
    class only, so its children keep their native look."""
    widget.setStyleSheet(FRAME.format(kind=kind))


class PaintedFocusFrame:
    """The same frame for a QFrame (a scroll area), painted over the frame Qt leaves room
    for: the widget calls paint() after its own frame paint."""

    def __init__(self, frame: QFrame) -> None:
        self.frame = frame
        frame.setFrameStyle(QFrame.Shape.Box | QFrame.Shadow.Plain)
        frame.setLineWidth(WIDTH)

    def paint(self) -> None:
        frame = self.frame
        palette = frame.palette()
        outer = frame.rect()
        painter = QPainter(frame)
        if frame.hasFocus():
            _ring(painter, outer, WIDTH, palette.color(QPalette.ColorRole.Highlight))
        else:
            inner = outer.adjusted(1, 1, -1, -1)
            _ring(painter, outer, 1, palette.color(QPalette.ColorRole.Mid))
            _ring(painter, inner, 1, palette.color(QPalette.ColorRole.Window))
        painter.end()


def _ring(painter: QPainter, outer: QRect, width: int, color: QColor) -> None:
    left, top, right, bottom = outer.left(), outer.top(), outer.right(), outer.bottom()
    full_width, full_height = outer.width(), outer.height()
    # Rectangles drawn with a brush and no pen: fillRect(rect, colour) made PySide build the
    # Python types of every gradient setting Qt has (1.5 ms, at the window's first paint).
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(color)
    painter.drawRect(QRect(left, top, full_width, width))
    painter.drawRect(QRect(left, bottom - width + 1, full_width, width))
    painter.drawRect(QRect(left, top, width, full_height))
    painter.drawRect(QRect(right - width + 1, top, width, full_height))
