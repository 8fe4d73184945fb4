"""The keyboard focus is visible at a glance on the tables and the text areas, whose native
look shows none: compared in pixels, the same widget focused and not."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QColor, QImage, QPalette
from PySide6.QtWidgets import QAbstractScrollArea, QApplication

from desktop.ui.editing import Kind
from tests.ui.conftest import Bot, Desk, click_row, wait_idle

# How a widget looks does not depend on the database behind it.
pytestmark = pytest.mark.parametrize("dialect", ["sqlite"], indirect=True)


def frame_colours(widget: QAbstractScrollArea) -> tuple[QColor, QColor]:
    """The colours of the two outermost pixel columns, halfway down the left edge."""
    image: QImage = widget.grab().toImage()
    middle = image.height() // 2
    return image.pixelColor(0, middle), image.pixelColor(1, middle)


def assert_focus_shows(
    qtbot: Bot, widget: QAbstractScrollArea, elsewhere: QAbstractScrollArea
) -> None:
    highlight = widget.palette().color(QPalette.ColorRole.Highlight)
    elsewhere.setFocus()
    qtbot.waitUntil(elsewhere.hasFocus)
    unfocused, viewport = frame_colours(widget), widget.viewport().geometry()
    widget.setFocus()
    qtbot.waitUntil(widget.hasFocus)
    focused = frame_colours(widget)
    assert focused == (highlight, highlight), "a 2-pixel frame in the highlight colour"
    assert highlight not in unfocused
    assert widget.viewport().geometry() == viewport, "the contents do not move"


def test_a_focused_table_has_a_frame_in_the_highlight_colour(desk: Desk, qtbot: Bot) -> None:
    users, posts = desk.table(Kind.USER), desk.table(Kind.POST)
    click_row(qtbot, users, 0)
    wait_idle(qtbot, desk.worker)
    assert QApplication.focusWidget() is users
    assert_focus_shows(qtbot, users, posts)
    assert_focus_shows(qtbot, posts, users)


def test_a_focused_text_area_has_a_frame_in_the_highlight_colour(desk: Desk, qtbot: Bot) -> None:
    users = desk.table(Kind.USER)
    click_row(qtbot, users, 0)
    wait_idle(qtbot, desk.worker)
    click_row(qtbot, desk.table(Kind.POST), 0)
    wait_idle(qtbot, desk.worker)
    content = desk.form(Kind.POST).editor("content")
    assert isinstance(content, QAbstractScrollArea)
    assert_focus_shows(qtbot, content, users)


def screen_colours(widget: QAbstractScrollArea) -> tuple[QColor, QColor]:
    """As frame_colours, read from what the window shows (its backing store), not from a
    new rendering: a frame not repainted when the focus moves still shows the old one."""
    window = widget.window()
    corner = widget.mapTo(window, widget.rect().topLeft())
    middle = widget.height() // 2
    screen = window.screen()
    shown = screen.grabWindow(window.winId(), corner.x(), corner.y() + middle, 2, 1).toImage()
    return shown.pixelColor(0, 0), shown.pixelColor(1, 0)


def test_the_frame_shown_follows_the_focus(desk: Desk, qtbot: Bot) -> None:
    users, posts = desk.table(Kind.USER), desk.table(Kind.POST)
    highlight = users.palette().color(QPalette.ColorRole.Highlight)
    click_row(qtbot, users, 0)
    wait_idle(qtbot, desk.worker)
    qtbot.waitUntil(lambda: screen_colours(users) == (highlight, highlight))
    posts.setFocus()
    qtbot.waitUntil(lambda: screen_colours(posts) == (highlight, highlight))
    qtbot.waitUntil(lambda: highlight not in screen_colours(users))
