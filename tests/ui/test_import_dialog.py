"""File ▸ Import Users… and Export List…: the preview names every problem with its line and
adds nothing; Import adds every row or none; the long work runs off the GUI thread and stops
on Cancel; every control can be reached and is named for a screen reader."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QDialog,
    QLabel,
    QWidget,
)

from desktop.store.urls import parse_url
from desktop.ui.dialogs import export_dialog
from desktop.ui.dialogs.export_dialog import ExportDialog
from desktop.ui.dialogs.import_dialog import ImportDialog
from desktop.ui.editing import Kind
from tests.ui.conftest import WAIT_MS, Bot, Desk, click_row, peek, type_into, wait_idle

PROBLEM_FILE = (
    "name,email\n"
    "Zoë Núñez,zoe@example.com\n"
    "Grace Again,grace@example.com\n"
    "Bad Address,not-an-email\n"
    "Twin,ZOE@example.com\n"
    ",nobody@example.com\n"
    "李小龍,li@example.com\n"
)


def write(tmp_path: Path, text: str, name: str = "people.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def import_dialog(qtbot: Bot, desk: Desk, tmp_path: Path) -> ImportDialog:
    dialog = ImportDialog(desk.database_url, tmp_path, desk.window)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def preview(qtbot: Bot, dialog: ImportDialog, path: Path) -> None:
    """Type the file's path and press Enter, as a person would."""
    type_into(qtbot, dialog.path_edit, str(path))
    qtbot.keyClick(dialog.path_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.plan is not None and dialog.task is None, timeout=WAIT_MS)


def user_count(desk: Desk) -> int:
    with peek(desk.url) as repo:
        return repo.table_counts()["users"]


def test_the_preview_names_every_problem_and_adds_nothing(qtbot, desk, tmp_path):
    before = user_count(desk)
    dialog = import_dialog(qtbot, desk, tmp_path)
    preview(qtbot, dialog, write(tmp_path, PROBLEM_FILE))
    problems = [dialog.problems.item(i).text() for i in range(dialog.problems.count())]
    assert problems == [
        "Line 3: A user with the email grace@example.com already exists.",
        "Line 4: “not-an-email” is not an email address; write it like name@example.com.",
        "Line 5: The email ZOE@example.com is already on line 2.",
        "Line 6: The name cannot be empty.",
    ]
    assert dialog.rows_table.rowCount() == 6
    first = dialog.rows_table.item(0, 0)
    assert first is not None and first.text() == "Zoë Núñez"
    assert dialog.rows_table.verticalHeaderItem(0).text() == "2"  # the line in the file
    assert "6 users, 4 problems" in dialog.status.text()
    assert not dialog.import_button.isEnabled()
    assert user_count(desk) == before


def test_import_adds_every_row_once_confirmed_and_the_list_shows_them(qtbot, desk, tmp_path):
    before = user_count(desk)
    desk.window.list_files.import_rows("users")
    dialog = desk.window.findChild(ImportDialog, "importDialog")
    assert isinstance(dialog, ImportDialog)
    rows = "".join(f"Imported {i:03d},imported{i}@example.com\n" for i in range(250))
    preview(qtbot, dialog, write(tmp_path, "name,email\n" + rows))
    assert dialog.import_button.isEnabled() and dialog.import_button.text() == "&Import 250 users"
    assert user_count(desk) == before, "nothing before Import"
    with qtbot.waitSignal(dialog.accepted, timeout=WAIT_MS):
        qtbot.keyClick(dialog.import_button, Qt.Key.Key_Space)
    assert user_count(desk) == before + 250
    wait_idle(qtbot, desk.worker)
    qtbot.waitUntil(lambda: desk.window.users.total == before + 250, timeout=WAIT_MS)
    assert "Imported 250 users." in desk.window.statusBar().currentMessage()


@pytest.mark.parametrize("dialect", ["sqlite"])
def test_cancel_during_the_import_adds_nothing_and_then_closes(qtbot, desk, tmp_path):
    """A writer holds the database while Import starts; Cancel is pressed; once the writer
    lets go the import sees the request at its first check and undoes everything."""
    from desktop.store.connection import connect

    before = user_count(desk)
    dialog = import_dialog(qtbot, desk, tmp_path)
    rows = "".join(f"Many {i},many{i}@example.com\n" for i in range(20_000))
    preview(qtbot, dialog, write(tmp_path, "name,email\n" + rows))
    assert dialog.plan is not None and dialog.plan.ready
    holder = connect(desk.url)
    holder.execute("BEGIN IMMEDIATE")  # the import's own BEGIN IMMEDIATE waits behind it
    try:
        dialog.start_import()
        assert dialog.task is not None and not dialog.import_button.isEnabled()
        qtbot.keyClick(dialog, Qt.Key.Key_Escape)
        assert dialog.isVisible(), "the dialog stays until the import has stopped"
        assert dialog.status.text() == "Stopping…"
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=WAIT_MS)
    assert dialog.result() == QDialog.DialogCode.Rejected and dialog.report is None
    assert user_count(desk) == before


def test_the_gui_thread_never_runs_the_import(qtbot, desk, tmp_path, monkeypatch):
    from desktop.store import importing
    from desktop.ui.dialogs import import_dialog as module

    threads: list[threading.Thread] = []
    real = importing.preview_import

    def spying(*args, **kwargs):
        threads.append(threading.current_thread())
        return real(*args, **kwargs)

    monkeypatch.setattr(module, "preview_import", spying)
    dialog = import_dialog(qtbot, desk, tmp_path)
    preview(qtbot, dialog, write(tmp_path, PROBLEM_FILE))
    assert threads and threads[0] is not threading.main_thread()


def spoken_name(widget: QWidget) -> str:
    """What a screen reader says for a control: its accessible name, its text, or the text
    of the label that names it (its buddy)."""
    if widget.accessibleName():
        return widget.accessibleName()
    if isinstance(widget, QAbstractButton) and widget.text():
        return widget.text()
    for label in widget.window().findChildren(QLabel):
        if label.buddy() is widget and label.text():
            return label.text()
    return ""


def test_every_control_is_named_and_reached_with_tab(qtbot, desk, tmp_path):
    for dialog in (
        import_dialog(qtbot, desk, tmp_path),
        ExportDialog(desk.database_url, desk.window.list_files.choices()[0], tmp_path),
    ):
        qtbot.addWidget(dialog)
        dialog.show()
        qtbot.waitExposed(dialog)
        dialog.activateWindow()
        qtbot.waitUntil(dialog.isActiveWindow)
        qtbot.waitUntil(lambda: QApplication.focusWidget() is not None)
        focused = QApplication.focusWidget()
        assert focused is not None and dialog.isAncestorOf(focused)
        controls = [
            w
            for w in dialog.findChildren(QWidget)
            if w.focusPolicy() & Qt.FocusPolicy.TabFocus and w.isVisible() and w.isEnabled()
        ]
        assert controls
        unnamed = [type(w).__name__ for w in controls if not spoken_name(w)]
        assert not unnamed, f"controls without a name: {unnamed}"
        reached: set[int] = set()
        first = QApplication.focusWidget()
        for _ in range(3 * len(controls)):
            widget = QApplication.focusWidget()
            assert widget is not None
            reached.add(id(widget))
            qtbot.keyClick(widget, Qt.Key.Key_Tab)
            if QApplication.focusWidget() is first:
                break
        missing = [type(w).__name__ for w in controls if id(w) not in reached]
        assert not missing, f"Tab never reaches: {missing}"
        dialog.close()


def test_export_writes_the_selected_users_posts_with_the_filter(qtbot, desk, tmp_path):
    window = desk.window
    click_row(qtbot, desk.table(Kind.USER), desk.row_of(Kind.USER, "Ada Lovelace"))
    wait_idle(qtbot, desk.worker)
    box = window.panes[Kind.POST].filter
    assert box is not None
    type_into(qtbot, box, "bernoulli")
    qtbot.keyClick(box, Qt.Key.Key_Return)
    wait_idle(qtbot, desk.worker)
    desk.table(Kind.POST).setFocus()
    window.list_files.folder = tmp_path
    window.export_action.trigger()
    dialog = window.findChild(ExportDialog, "exportDialog")
    assert isinstance(dialog, ExportDialog)
    assert dialog.list_box.currentText() == "Posts by Ada Lovelace with “bernoulli” in the title"
    dialog.format_box.setCurrentIndex(1)  # JSON
    assert dialog.path_edit.text() == str(tmp_path / "posts.json")
    with qtbot.waitSignal(dialog.accepted, timeout=WAIT_MS):
        qtbot.keyClick(dialog.export_button, Qt.Key.Key_Space)
    records = json.loads((tmp_path / "posts.json").read_text("utf-8"))
    assert [r["title"] for r in records] == ["On Bernoulli numbers"]
    assert records[0]["author_email"] == "ada@example.com"
    assert "Exported 1 row to" in window.statusBar().currentMessage()


def test_an_export_over_an_existing_file_asks_first(qtbot, desk, tmp_path, monkeypatch):
    asked: list[Path] = []

    def refuse(_parent: QWidget, path: Path) -> bool:
        asked.append(path)
        return False

    monkeypatch.setattr(export_dialog, "confirm_overwrite", refuse)
    target = tmp_path / "users.csv"
    target.write_text("keep me")
    choices, selected = desk.window.list_files.choices()
    dialog = ExportDialog(parse_url(desk.url), choices, tmp_path, desk.window, selected)
    qtbot.addWidget(dialog)
    assert dialog.path_edit.text() == str(target)
    dialog.start()
    assert asked == [target] and dialog.task is None
    assert target.read_text() == "keep me"


def preview_screenshot(qtbot: Bot, desk: Desk, tmp_path: Path, out: Path) -> None:
    dialog = import_dialog(qtbot, desk, tmp_path)
    dialog.resize(760, 560)
    preview(qtbot, dialog, write(tmp_path, PROBLEM_FILE))
    assert dialog.grab().save(str(out))


@pytest.mark.parametrize("dialect", ["sqlite"])
def test_the_preview_can_be_photographed(qtbot, desk, tmp_path):
    out = tmp_path / "import-preview.png"
    preview_screenshot(qtbot, desk, tmp_path, out)
    assert out.stat().st_size > 10_000


@pytest.mark.parametrize("dialect", ["postgresql"])
def test_cancel_during_an_export_writes_no_file(qtbot, desk, tmp_path):
    """Another session holds the users table while Export starts; Escape is pressed; once
    it lets go the export sees the request before its first page is written."""
    import psycopg

    folder = tmp_path / "exports"
    folder.mkdir()
    choices, selected = desk.window.list_files.choices()
    dialog = ExportDialog(desk.database_url, choices, folder, desk.window, selected)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    with psycopg.connect(desk.url) as holder:
        holder.execute("LOCK TABLE users IN ACCESS EXCLUSIVE MODE")
        dialog.start()
        assert dialog.task is not None and not dialog.export_button.isEnabled()
        # The export's own connection waits for the lock: a read blocked, not finished.
        qtbot.waitUntil(
            lambda: holder.execute(
                "SELECT count(*) FROM pg_locks WHERE NOT granted AND relation = 'users'::regclass"
            ).fetchone()
            == (1,),
            timeout=WAIT_MS,
        )
        qtbot.keyClick(dialog, Qt.Key.Key_Escape)
        assert dialog.isVisible() and dialog.status.text() == "Stopping…"
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=WAIT_MS)
    assert dialog.result() == QDialog.DialogCode.Rejected and dialog.report is None
    assert list(folder.iterdir()) == [], "no file, and no temporary file left"
