"""File ▸ Merge Into…: a preview first (what would be added, and the names that differ, each
with its own choice), then the merge off the GUI thread with progress; Cancel undoes it."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialogButtonBox

from desktop.store.connection import open_database
from desktop.store.copying import TableProgress
from desktop.store.merging import MergeCancelledError, MergeReport
from desktop.store.repository import Repository
from desktop.store.seeding import GeneratePlan, generate
from desktop.store.urls import DatabaseUrl, parse_url
from desktop.ui.dialogs import merge_dialog
from desktop.ui.dialogs.merge_dialog import TAKE, MergeDialog
from tests.conftest import MakeDatabase
from tests.store.test_copying import counts
from tests.store.test_merging import as_content, fill
from tests.ui.conftest import WAIT_MS, Bot, Desk, Prompts

PLAN = GeneratePlan(users=100, posts_per_user=5, comments_per_post=4)


def a_pair(make_database: MakeDatabase) -> tuple[DatabaseUrl, DatabaseUrl]:
    source, destination = make_database("sqlite"), make_database("sqlite")
    fill(destination, [("Ann Here", "ann@example.com"), ("Cy Here", "cy@example.com")], 1)
    fill(source, [("Ann There", "ANN@example.com"), ("Cy There", "cy@example.com")], 2)
    return parse_url(source), parse_url(destination)


def previewed(qtbot: Bot, dialog: MergeDialog) -> MergeReport:
    with qtbot.waitSignal(dialog.previewed, timeout=WAIT_MS) as shown:
        dialog.start()
    report = shown.args[0]
    assert isinstance(report, MergeReport)
    return report


def test_the_preview_lists_the_names_and_the_merge_takes_only_those_chosen(
    qtbot: Bot, make_database: MakeDatabase
) -> None:
    source, destination = a_pair(make_database)
    before = as_content(destination.target)
    dialog = MergeDialog(None, source, destination)
    qtbot.addWidget(dialog)
    preview = previewed(qtbot, dialog)
    assert preview.dry_run and as_content(destination.target) == before
    assert dialog.status.text().startswith("Would add 0 users, 4 posts and 8 comments.")
    assert dialog.table.rowCount() == 2
    names = [dialog.table.item(row, 1) for row in range(2)]
    assert [item.text() if item else None for item in names] == ["Ann Here", "Cy Here"]
    assert dialog.choices[1].accessibleName() == "Name to use for cy@example.com"
    assert dialog.merge_button.isEnabled()
    # From the keyboard: Tab goes from the list to each name's choice, then to Merge.
    dialog.activateWindow()
    dialog.table.setFocus()
    for expected in (*dialog.choices, dialog.merge_button):
        focused = QApplication.focusWidget()
        assert focused is not None
        qtbot.keyClick(focused, Qt.Key.Key_Tab)
        assert QApplication.focusWidget() is expected
    dialog.choices[1].setCurrentText(TAKE)
    with qtbot.waitSignal(dialog.merged, timeout=WAIT_MS) as done:
        dialog.merge_button.click()
    report = done.args[0]
    assert (report.posts_added, report.comments_added, report.names_taken) == (4, 8, 1)
    assert as_content(destination.target)["users"] == {
        "ann@example.com": "Ann Here",
        "cy@example.com": "Cy There",
    }
    assert dialog.status.text().startswith("The merge is complete. Added 0 users, 4 posts")
    assert dialog.bar.value() == dialog.bar.maximum()
    assert not dialog.merge_button.isVisible()


def test_cancel_undoes_the_merge(qtbot: Bot, make_database: MakeDatabase) -> None:
    source, destination = make_database("sqlite"), make_database("sqlite")
    with open_database(source) as backend:
        generate(backend, PLAN)
    fill(destination, [("Here", "here@example.com")])
    before = counts(destination)
    dialog = MergeDialog(None, parse_url(source), parse_url(destination), batch_rows=20)
    qtbot.addWidget(dialog)
    previewed(qtbot, dialog)
    cancel = dialog.buttons.button(QDialogButtonBox.StandardButton.Cancel)

    def press_cancel_once_posts_flow(step: TableProgress) -> None:
        if step.table == "posts" and step.rows > 0 and cancel.isEnabled():
            cancel.click()

    dialog.progressed.connect(press_cancel_once_posts_flow)
    with qtbot.waitSignal(dialog.stopped, timeout=WAIT_MS) as stopped:
        dialog.merge_button.click()
    assert isinstance(stopped.args[0], MergeCancelledError)
    assert counts(destination) == before
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=WAIT_MS)


def test_nothing_to_merge_says_so(qtbot: Bot, make_database: MakeDatabase) -> None:
    source, destination = a_pair(make_database)
    with open_database(source.target) as backend:
        backend.execute("UPDATE users SET name = 'Ann Here' WHERE email = 'ANN@example.com'")
        backend.execute("UPDATE users SET name = 'Cy Here' WHERE email = 'cy@example.com'")
        backend.execute("DELETE FROM comments")
        backend.execute("DELETE FROM posts")
    dialog = MergeDialog(None, source, destination)
    qtbot.addWidget(dialog)
    previewed(qtbot, dialog)
    assert dialog.status.text().endswith("Nothing to merge.")
    assert not dialog.merge_button.isVisible() and not dialog.table.isVisible()


def test_the_file_menu_merges_into_a_chosen_file(
    qtbot: Bot,
    desk: Desk,
    answers: Prompts,
    make_database: MakeDatabase,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    target = make_database("sqlite")
    with open_database(target) as backend:
        Repository(backend).create_user("Someone", "someone@example.com")
    monkeypatch.setattr(merge_dialog, "choose_destination", lambda _parent: "file")
    answers.existing_files.append(parse_url(target).path)
    source = desk.window.url
    assert source is not None
    desk.window.merge_database_into()
    dialog = desk.window.findChild(MergeDialog)
    assert dialog is not None
    qtbot.waitUntil(dialog.merge_button.isEnabled, timeout=WAIT_MS)
    with qtbot.waitSignal(dialog.merged, timeout=WAIT_MS):
        dialog.merge_button.click()
    theirs = counts(source.target)
    assert counts(target) == {
        "users": theirs["users"] + 1,
        "posts": theirs["posts"],
        "comments": theirs["comments"],
    }
    dialog.reject()
