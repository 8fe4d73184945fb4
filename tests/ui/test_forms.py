"""The record forms as a keyboard user meets them: a message under a field follows what the
person types (it changes or goes at once, without saving again or choosing another record),
and Tab reaches every value the form shows."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from desktop.ui.editing import Kind
from desktop.ui.forms.post_form import PostForm
from tests.ui.conftest import Bot, Desk, click_row, type_into, wait_idle

CTRL = Qt.KeyboardModifier.ControlModifier

# The rules are the store's own, in plain Python: the same on either database.
pytestmark = pytest.mark.parametrize("dialect", ["sqlite"], indirect=True)


def open_first_post(qtbot: Bot, desk: Desk) -> None:
    click_row(qtbot, desk.table(Kind.USER), 0)
    wait_idle(qtbot, desk.worker)
    click_row(qtbot, desk.table(Kind.POST), 0)
    wait_idle(qtbot, desk.worker)


def test_the_empty_title_message_goes_as_soon_as_the_title_has_text(
    desk: Desk, qtbot: Bot
) -> None:
    open_first_post(qtbot, desk)
    form = desk.form(Kind.POST)
    title = form.editor("title")
    type_into(qtbot, title, "   ")
    qtbot.keyClick(title, Qt.Key.Key_S, CTRL)
    wait_idle(qtbot, desk.worker)
    assert form.error_text("title") == "The title cannot be empty."
    assert title.accessibleDescription() == "The title cannot be empty."

    qtbot.keyClicks(title, "A")
    assert form.error_text("title") == ""
    assert title.accessibleDescription() == "A title for the post"  # the hint again
    assert QApplication.focusWidget() is title and form.is_dirty()

    # Typed away again: the message stays gone until the next save says otherwise.
    qtbot.keyClick(title, Qt.Key.Key_Backspace)
    assert form.error_text("title") == ""


def test_a_message_changes_with_the_text_and_leaves_other_fields_alone(
    desk: Desk, qtbot: Bot
) -> None:
    click_row(qtbot, desk.table(Kind.USER), 0)
    wait_idle(qtbot, desk.worker)
    form = desk.form(Kind.USER)
    name, email = form.editor("name"), form.editor("email")
    type_into(qtbot, name, " ")
    type_into(qtbot, email, "ada at example")
    qtbot.keyClick(email, Qt.Key.Key_S, CTRL)
    wait_idle(qtbot, desk.worker)
    assert form.error_text("name") == "The name cannot be empty."
    assert "is not an email address" in form.error_text("email")

    type_into(qtbot, email, "")  # emptied: a different fault, said at once
    assert form.error_text("email") == "The email address cannot be empty."
    qtbot.keyClicks(email, "ada@example.com")
    assert form.error_text("email") == ""
    assert form.error_text("name") == "The name cannot be empty."  # not touched yet

    qtbot.keyClicks(name, "Ada")
    assert form.error_text("name") == ""


def test_a_comment_message_goes_once_the_comment_says_something(
    desk: Desk, qtbot: Bot
) -> None:
    open_first_post(qtbot, desk)
    click_row(qtbot, desk.table(Kind.COMMENT), 0)
    wait_idle(qtbot, desk.worker)
    form = desk.form(Kind.COMMENT)
    body = form.editor("body")
    type_into(qtbot, body, " ")
    qtbot.keyClick(body, Qt.Key.Key_Return)
    qtbot.keyClick(body, Qt.Key.Key_S, CTRL)
    wait_idle(qtbot, desk.worker)
    assert form.error_text("body") == "The comment cannot be empty."
    qtbot.keyClicks(body, "Yes")
    assert form.error_text("body") == ""


def test_tab_reaches_the_posts_author_and_date_which_cannot_be_typed_over(
    desk: Desk, qtbot: Bot
) -> None:
    open_first_post(qtbot, desk)
    form = desk.form(Kind.POST)
    assert isinstance(form, PostForm)
    title = form.editor("title")
    title.setFocus()
    qtbot.waitUntil(title.hasFocus)
    visited = []
    for _ in range(4):
        here = QApplication.focusWidget()
        assert here is not None
        qtbot.keyClick(here, Qt.Key.Key_Tab)
        visited.append(QApplication.focusWidget())
    assert visited == [form.author_name, form.author_button, form.created, form.editor("content")]

    author = form.author_name.text()
    qtbot.keyClicks(form.author_name, "x")
    assert form.author_name.text() == author and not form.is_dirty()

    form.show_post(None, None)  # no post: nothing there to read
    assert not form.author_name.isEnabled() and not form.created.isEnabled()
