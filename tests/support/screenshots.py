"""Make the README's screenshots: `python -m tests.support.screenshots [FOLDER]`.

Seeds a throw-away database with the demo data, drives the real window as a person would,
and saves PNGs of the main window, of a post being edited, of the bar a form shows when
someone else changes its record meanwhile, of search results and of the question asked on
opening a database built straight from the specification, and of a whole-database copy
in progress.
"""

from __future__ import annotations

import os
import sqlite3
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QCoreApplication, QEventLoop, QSettings, Qt, QTimer
from PySide6.QtWidgets import QApplication, QLineEdit, QPlainTextEdit

from desktop.store.adoption import AdoptionOffered
from desktop.store.connection import open_database
from desktop.store.seeding import GeneratePlan, generate, load_demo
from desktop.store.urls import DatabaseUrl
from desktop.ui import prompts
from desktop.ui.dialogs.copy_dialog import CopyDialog
from desktop.ui.editing import Kind
from desktop.ui.main_window import MainWindow
from desktop.ui.settings import Settings
from desktop.ui.worker import Worker
from tests.support.spec_database import build_spec_database


def wait_until(condition: Callable[[], bool], timeout_ms: int = 10_000) -> None:
    timer = QTimer()
    timer.start(timeout_ms)
    while not condition():
        if not timer.isActive():
            raise TimeoutError("the window did not get there in time")
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)


def settle(window: MainWindow) -> None:
    wait_until(lambda: not window.worker.busy and not window.switcher.busy)
    for _ in range(5):
        QCoreApplication.processEvents()


def main(folder: Path) -> int:
    folder.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix="postdesk-shots-"))
    url = DatabaseUrl("sqlite", str(scratch / "demo.sqlite3"))
    with open_database(url) as backend:
        load_demo(backend)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    settings = Settings(QSettings(str(scratch / "settings.ini"), QSettings.Format.IniFormat))
    worker = Worker()
    window = MainWindow(worker, settings)
    window.resize(1200, 760)
    window.show()
    window.open_database(url)
    wait_until(lambda: window.url is not None)
    settle(window)
    window.editing.select_first(Kind.USER)
    settle(window)
    window.editing.select_first(Kind.POST)
    settle(window)
    window.grab().save(str(folder / "main-window.png"))

    # A post being edited: the title changed (unsaved), then saved with an empty title.
    form = window.forms[Kind.POST]
    content, title = form.editor("content"), form.editor("title")
    assert isinstance(content, QPlainTextEdit) and isinstance(title, QLineEdit)
    content.setPlainText(
        form.values()["content"] + "\n\nEdited: the notes now cover the loom as well."
    )
    title.setText("   ")
    window.editing.save(Kind.POST)
    settle(window)
    window.grab().save(str(folder / "editing-post.png"))

    form.revert()
    settle(window)

    # Someone else changes the post while it holds unsaved edits: the bar, text untouched.
    post = window.editing.current_post
    assert post is not None
    title.setText(post.title + " — with my notes")
    outside = sqlite3.connect(url.target, isolation_level=None)
    try:
        outside.execute("UPDATE posts SET title = title || ' (2nd ed.)' WHERE id = ?", (post.id,))
    finally:
        outside.close()
    wait_until(lambda: not form.changed_bar.isHidden())
    settle(window)
    window.grab().save(str(folder / "live-change.png"))

    form.revert()
    find_results(window, folder)
    adopt_question(window, scratch, folder)
    sorted_lists(window, folder)
    copy_in_progress(window, scratch, folder)
    window.close()
    worker.stop()
    del app
    return 0


def sorted_lists(window: MainWindow, folder: Path) -> None:
    """Users by number of posts, most first; the first one's posts by title."""
    window.users.sort(2, Qt.SortOrder.DescendingOrder)
    settle(window)
    window.editing.select_first(Kind.USER)
    settle(window)
    window.posts.sort(0, Qt.SortOrder.AscendingOrder)
    settle(window)
    window.grab().save(str(folder / "sorted.png"))


def find_results(window: MainWindow, folder: Path) -> None:
    """Edit ▸ Find in Posts and Comments… with a search that matches posts and comments."""
    window.find_everywhere()
    dialog = window.find_dialog
    assert dialog is not None
    dialog.box.setText("the")
    dialog.search_now()
    wait_until(lambda: dialog.results.total is not None and not window.worker.busy)
    dialog.table.selectRow(0)
    for _ in range(5):
        QCoreApplication.processEvents()
    dialog.grab().save(str(folder / "find.png"))
    dialog.close()


def adopt_question(window: MainWindow, scratch: Path, folder: Path) -> None:
    """The question asked on opening a database built from the specification, with the
    summary of a real one."""
    spec = build_spec_database(str(scratch / "blog.sqlite3"), "sqlite")
    try:
        open_database(spec.url).close()
        raise AssertionError("a specification database was opened without asking")
    except AdoptionOffered as offer:
        plan = offer.plan
    box, _adopt = prompts.adopt_question(window, plan.database, plan.summary())
    box.show()
    wait_until(box.isVisible)
    for _ in range(5):
        QCoreApplication.processEvents()
    box.grab().save(str(folder / "adopt-question.png"))
    box.close()


def copy_in_progress(window: MainWindow, scratch: Path, folder: Path) -> None:
    """File ▸ Copy This Database To…, a new file, caught while the comments go across."""
    source = DatabaseUrl("sqlite", str(scratch / "large.sqlite3"))
    with open_database(source) as backend:
        generate(backend, GeneratePlan(2_000, 20, 10))
    dialog = CopyDialog(
        window, source, DatabaseUrl("sqlite", str(scratch / "copy.sqlite3")), batch_rows=2_000
    )
    shown: list[str] = []
    dialog.progressed.connect(
        lambda step: shown.append(step.table) if step.table == "comments" else None,
        type=Qt.ConnectionType.DirectConnection,
    )
    dialog.start()
    wait_until(lambda: len(shown) > 20)
    QCoreApplication.processEvents()
    dialog.grab().save(str(folder / "copy-progress.png"))
    wait_until(lambda: dialog.finished_copy or not dialog.isVisible(), 60_000)
    dialog.close()


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("resources/screenshots")
    sys.exit(main(target))
