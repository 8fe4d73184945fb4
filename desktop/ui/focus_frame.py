"""A focus frame a sighted keyboard user sees at a glance, on widgets whose native look shows
none (a table, a multi-line text area): a 2-pixel frame in the highlight colour while the
widget has the focus, a thin neutral one otherwise. The padding takes up the difference, so
the contents never shift by a pixel when the focus arrives or leaves."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

FRAME = """
{kind} {{ border: 1px solid palette(mid); padding: 1px; }}
{kind}:focus {{ border: 2px solid palette(highlight); padding: 0px; }}
"""


def show_focus_frame(widget: QWidget, kind: str) -> None:
    """`kind` is the Qt class the rule names (QTableView, QPlainTextEdit): a rule naming the
    widget's own class only, so its children keep their native look."""
    widget.setStyleSheet(FRAME.format(kind=kind))
