"""Edit ▸ Find in Posts and Comments…, driven from the keyboard as a person would, on SQLite
and PostgreSQL (the SEED data of tests/ui/conftest.py)."""

from __future__ import annotations

import threading
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QApplication, QLineEdit, QTableView, QWidget

from desktop.ui.dialogs import find_dialog
from desktop.ui.dialogs.find_dialog import FindDialog
from desktop.ui.editing import Kind
from tests.ui.conftest import WAIT_MS, Bot, Desk, cells, click_row, type_into, wait_idle


def open_find(qtbot: Bot, desk: Desk) -> FindDialog:
    window = desk.window
    qtbot.keyClick(
        window,
        Qt.Key.Key_F,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    qtbot.waitUntil(lambda: window.find_dialog is not None and window.find_dialog.isVisible())
    dialog = window.find_dialog
    assert dialog is not None
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.box, timeout=WAIT_MS)
    return dialog


def search(qtbot: Bot, desk: Desk, dialog: FindDialog, text: str) -> None:
    type_into(qtbot, dialog.box, text)
    qtbot.keyClick(dialog.box, Qt.Key.Key_Return)
    wait_idle(qtbot, desk.worker)
    qtbot.waitUntil(lambda: dialog.results.total is not None, timeout=WAIT_MS)


def selected(desk: Desk, kind: Kind) -> str | None:
    table = desk.table(kind)
    index = table.currentIndex()
    return str(index.siblingAtColumn(0).data()) if index.isValid() else None


def test_enter_opens_a_match_in_a_comment_in_the_three_panes(qtbot: Bot, desk: Desk) -> None:
    dialog = open_find(qtbot, desk)
    search(qtbot, desk, dialog, "brill")
    assert cells(dialog.table) == ["Notes on the Analytical Engine"]
    assert dialog.heading.text() == "Results (1 post matches)"
    assert "Brilliant" in cells(dialog.table, 3)[0]

    qtbot.keyClick(dialog.box, Qt.Key.Key_Down)
    assert QApplication.focusWidget() is dialog.table
    qtbot.keyClick(dialog.table, Qt.Key.Key_Return)
    wait_idle(qtbot, desk.worker)

    assert not dialog.isVisible()
    qtbot.waitUntil(lambda: selected(desk, Kind.COMMENT) == "Brilliant.", timeout=WAIT_MS)
    assert selected(desk, Kind.USER) == "Ada Lovelace"
    assert selected(desk, Kind.POST) == "Notes on the Analytical Engine"
    editing = desk.window.editing
    assert editing.current_user is not None and editing.current_user.name == "Ada Lovelace"
    assert editing.current_post is not None
    assert editing.current_post.title == "Notes on the Analytical Engine"
    comment = editing.handler(Kind.COMMENT).shown()
    assert comment is not None and comment.body == "Brilliant."


def test_a_filter_that_hides_the_author_is_cleared(qtbot: Bot, desk: Desk) -> None:
    users = desk.window.panes[Kind.USER]
    assert users.filter is not None
    type_into(qtbot, users.filter, "turing")
    qtbot.waitUntil(lambda: cells(desk.table(Kind.USER)) == ["Alan Turing"], timeout=WAIT_MS)

    dialog = open_find(qtbot, desk)
    search(qtbot, desk, dialog, "bernoulli")
    assert cells(dialog.table) == ["On Bernoulli numbers"]
    click_row(qtbot, dialog.table, 0)  # a double-click is a press, then the second click
    untyped: Any = qtbot  # the Bot protocol leaves out the double-click
    untyped.mouseDClick(
        dialog.table.viewport(),
        Qt.MouseButton.LeftButton,
        pos=dialog.table.visualRect(dialog.results.index(0, 0)).center(),
    )
    wait_idle(qtbot, desk.worker)

    qtbot.waitUntil(lambda: selected(desk, Kind.POST) == "On Bernoulli numbers", timeout=WAIT_MS)
    assert users.filter.text() == ""
    assert selected(desk, Kind.USER) == "Ada Lovelace"
    assert "Alan Turing" in cells(desk.table(Kind.USER))
    assert selected(desk, Kind.COMMENT) is None  # the match was in the post itself


def test_anything_typed_is_a_search(qtbot: Bot, desk: Desk) -> None:
    dialog = open_find(qtbot, desk)
    for text in ['"(*', "NEAR(", "' OR 1=1 --", "-:^", "   ", "x" * 10_000]:
        search(qtbot, desk, dialog, text)
        assert dialog.heading.text() == "No posts match"
        assert dialog.results.rowCount() == 0
    search(qtbot, desk, dialog, "on")  # a prefix too: On …, Notes on …
    assert dialog.results.total == 3
    assert dialog.heading.text() == "Results (3 posts match)"


def test_results_come_a_page_at_a_time(qtbot: Bot, desk: Desk) -> None:
    """With one result a page, three results are three keyset pages, fetched as the list
    shows its rows."""
    dialog = open_find(qtbot, desk)
    dialog.results.page_size = 1
    search(qtbot, desk, dialog, "on")
    assert dialog.results.total == 3
    qtbot.waitUntil(lambda: dialog.results.rowCount() == 3, timeout=WAIT_MS)
    # Newest post (highest id) first: SEED writes Ada's two posts, then Alan's.
    assert cells(dialog.table) == [
        "On Computable Numbers",
        "On Bernoulli numbers",
        "Notes on the Analytical Engine",
    ]


def test_the_results_display_strings_are_made_on_the_worker(
    qtbot: Bot, desk: Desk, monkeypatch: Any
) -> None:
    """The GUI thread only paints: a page of results arrives with its display strings
    (dates in the person's own time zone and format included), as the lists' pages do."""
    made_on: list[threading.Thread] = []
    cells_of = find_dialog._cells

    def recorded(hit: Any) -> tuple[str, str, str, str]:
        made_on.append(threading.current_thread())
        return cells_of(hit)

    monkeypatch.setattr(find_dialog, "_cells", recorded)
    dialog = open_find(qtbot, desk)
    search(qtbot, desk, dialog, "on")

    results = dialog.results
    assert results.rowCount() == 3 and len(made_on) == 3
    assert threading.main_thread() not in made_on
    first = results.index(0, 0)
    title = first.data(Qt.ItemDataRole.DisplayRole)
    assert title and first.data(Qt.ItemDataRole.ToolTipRole) == title
    assert first.data(Qt.ItemDataRole.AccessibleTextRole) == f"Title: {title}"
    hit = results.hit(0)
    assert hit is not None and first.data(find_dialog.HitRole) is hit
    assert results.index(0, 3).data(find_dialog.SnippetRole) is hit.snippet


def test_every_control_has_an_accessible_name(qtbot: Bot, desk: Desk) -> None:
    dialog = open_find(qtbot, desk)
    controls: list[QWidget] = [
        *dialog.findChildren(QLineEdit),
        *dialog.findChildren(QTableView),
        *dialog.findChildren(QAbstractButton),
    ]
    assert controls
    for control in controls:
        if control.isVisible() and control.focusPolicy() != Qt.FocusPolicy.NoFocus:
            assert control.accessibleName() or (
                isinstance(control, QAbstractButton) and control.text()
            ), control
    assert dialog.heading.buddy() is dialog.table


def test_the_heading_counts_only_so_far(qtbot: Bot, desk: Desk, monkeypatch: Any) -> None:
    """A common word is counted no further than COUNT_AT_MOST: the heading says "more than",
    until every page is in and the rows themselves are the count."""
    monkeypatch.setattr("desktop.ui.dialogs.find_dialog.COUNT_AT_MOST", 2)
    dialog = open_find(qtbot, desk)
    search(qtbot, desk, dialog, "on")
    assert dialog.heading.text() == "Results (3 posts match)"
    dialog.results.search("on")  # again, its count now arriving before all its pages
    dialog.results.total_changed.emit(3)  # what a count capped at 2 reports
    assert dialog.heading.text() == "Results (more than 2 posts match)"


def test_each_snippet_is_laid_out_once_however_often_it_is_painted(
    qtbot: Bot, desk: Desk, monkeypatch: Any
) -> None:
    """Repaints (the count's heading, a change of selection, a scroll back) reuse each
    result's laid-out rich text: parsing its HTML at every paint stalled the window for
    tens of milliseconds a page. Selected rows have their own (another text colour)."""
    from PySide6.QtGui import QTextDocument

    from desktop.ui.dialogs import find_dialog

    laid_out: list[str] = []

    class CountedDocument(QTextDocument):
        def setHtml(self, text: str) -> None:
            laid_out.append(text)
            super().setHtml(text)

    monkeypatch.setattr(find_dialog, "QTextDocument", CountedDocument)
    dialog = open_find(qtbot, desk)
    search(qtbot, desk, dialog, "the")
    rows = dialog.results.rowCount()
    assert rows >= 1
    dialog.table.grab()
    first = len(laid_out)
    assert first >= rows  # each row's snippet, once
    for _ in range(3):
        dialog.table.viewport().grab()
    assert len(laid_out) == first
    dialog.table.selectRow(0)
    dialog.table.viewport().grab()
    dialog.table.viewport().grab()
    assert len(laid_out) == first + 1  # the selected row's, in the highlighted colour
