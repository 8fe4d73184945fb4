"""Scroll bars with their slow parts kept (desktop/ui/scroll_bars.py): the same pixels as
the style draws, from the kept pictures too, and the lists' bars use it."""

from __future__ import annotations

import itertools

import pytest
from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPalette
from PySide6.QtWidgets import QApplication, QScrollBar, QStyle, QStyleFactory, QStyleOptionSlider

from desktop.ui.editing import Kind
from desktop.ui.scroll_bars import GrooveKeepingStyle, keep_grooves
from tests.ui.conftest import Desk

SC = QStyle.SubControl
State = QStyle.StateFlag


def _option(
    orientation: Qt.Orientation, length: int, span: tuple[int, int], state: QStyle.StateFlag,
    active: QStyle.SubControl, palette: QPalette,
) -> QStyleOptionSlider:
    maximum, position = span
    option = QStyleOptionSlider()
    option.orientation = orientation
    vertical = orientation == Qt.Orientation.Vertical
    option.rect = QRect(0, 0, 15, length) if vertical else QRect(0, 0, length, 15)
    option.minimum, option.maximum, option.pageStep = 0, maximum, 600
    option.sliderPosition = option.sliderValue = position
    option.state = state | (State.State_Horizontal if not vertical else State.State_None)
    option.activeSubControls = active
    option.subControls = SC.SC_All
    option.palette = palette
    return option


def _drawn(style: QStyle, option: QStyleOptionSlider, bar: QScrollBar) -> QImage:
    image = QImage(option.rect.size(), QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    style.drawComplexControl(QStyle.ComplexControl.CC_ScrollBar, option, painter, bar)
    painter.end()
    return image


@pytest.mark.parametrize("style_name", QStyleFactory.keys())
def test_a_kept_scroll_bar_paints_what_the_style_paints(
    qapp: QApplication, style_name: str
) -> None:
    plain = QStyleFactory.create(style_name)
    kept = GrooveKeepingStyle(QStyleFactory.create(style_name))
    bar = QScrollBar()
    dark = QPalette(QColor("#303030"))
    enabled = State.State_Enabled
    cases = itertools.product(
        (Qt.Orientation.Vertical, Qt.Orientation.Horizontal),
        (120, 600),
        # (maximum, position): a long list (a short slider), a list a little longer than
        # the bar (a long one), and one with nothing to scroll (the slider fills the bar).
        ((3_000_000, 0), (3_000_000, 1_500_000), (3_000_000, 3_000_000), (300, 0),
         (300, 150), (300, 300), (0, 0)),
        (enabled, State.State_None, enabled | State.State_MouseOver, enabled | State.State_Sunken),
        (SC.SC_None, SC.SC_ScrollBarSlider, SC.SC_ScrollBarAddPage, SC.SC_ScrollBarSubLine),
        (qapp.palette(), dark),
    )
    for case in cases:
        option = _option(*case)
        expected = _drawn(plain, option, bar)
        # Twice: drawn into the kept picture, then copied from it.
        assert _drawn(kept, option, bar) == expected, case
        assert _drawn(kept, option, bar) == expected, case


def test_every_list_keeps_pictures_of_its_scroll_bar(desk: Desk, qapp: QApplication) -> None:
    style = qapp.findChild(GrooveKeepingStyle)
    assert isinstance(style, GrooveKeepingStyle)
    for kind in Kind:
        bar = desk.table(kind).verticalScrollBar()
        bar.repaint()
        assert style.keeps(bar.size()), kind


def test_keeping_grooves_twice_shares_one_style(qapp: QApplication) -> None:
    first, second = QScrollBar(), QScrollBar()
    keep_grooves(first)
    keep_grooves(second)
    assert len(qapp.findChildren(GrooveKeepingStyle)) == 1
