"""File ▸ Copy This Database To…: the copy runs off the GUI thread with its progress shown,
Cancel undoes it, and the copy is offered to be opened afterwards."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QDialogButtonBox

from desktop.store.connection import open_database
from desktop.store.copying import CopyCancelledError, CopyReport, TableProgress
from desktop.store.seeding import GeneratePlan, generate
from desktop.store.urls import DatabaseUrl, parse_url
from desktop.ui.dialogs import copy_dialog
from desktop.ui.dialogs.copy_dialog import CopyDialog
from tests.conftest import MakeDatabase
from tests.store.test_copying import counts
from tests.ui.conftest import WAIT_MS, Bot, Desk, Prompts, wait_not_switching

PLAN = GeneratePlan(users=200, posts_per_user=10, comments_per_post=5)


def generated(make_database: MakeDatabase) -> str:
    url = make_database("sqlite")
    with open_database(url) as backend:
        generate(backend, PLAN)
    return url


def test_the_dialog_shows_progress_and_reports_the_copy(
    qtbot: Bot, make_database: MakeDatabase, tmp_path: Path
) -> None:
    source = parse_url(generated(make_database))
    destination = DatabaseUrl("sqlite", str(tmp_path / "copy.sqlite3"))
    dialog = CopyDialog(None, source, destination, batch_rows=500)
    qtbot.addWidget(dialog)
    steps: list[TableProgress] = []
    dialog.progressed.connect(steps.append)
    with qtbot.waitSignal(dialog.copied, timeout=WAIT_MS) as finished:
        dialog.start()
    report = finished.args[0]
    assert isinstance(report, CopyReport) and report.verified
    assert report.rows == PLAN.total_rows
    assert steps[-1].all_rows == steps[-1].all_total == PLAN.total_rows
    assert dialog.bar.value() == dialog.bar.maximum()
    assert "comments: 10,000 of 10,000 rows" in dialog.rows_label.text()
    assert "rows per second" in dialog.rate_label.text()
    assert not dialog.isVisible()


def test_cancel_undoes_the_copy(qtbot: Bot, make_database: MakeDatabase, tmp_path: Path) -> None:
    source = parse_url(generated(make_database))
    destination = DatabaseUrl("sqlite", str(tmp_path / "copy.sqlite3"))
    dialog = CopyDialog(None, source, destination, batch_rows=20)
    qtbot.addWidget(dialog)
    cancel = dialog.buttons.button(QDialogButtonBox.StandardButton.Cancel)

    def press_cancel_once_posts_flow(step: TableProgress) -> None:
        if step.table == "posts" and cancel.isEnabled():
            cancel.click()

    dialog.progressed.connect(press_cancel_once_posts_flow)
    with qtbot.waitSignal(dialog.stopped, timeout=WAIT_MS) as stopped:
        dialog.start()
    assert isinstance(stopped.args[0], CopyCancelledError)
    assert counts(destination.target) == {"users": 0, "posts": 0, "comments": 0}


def test_the_file_menu_copies_and_opens_the_copy(
    qtbot: Bot,
    desk: Desk,
    answers: Prompts,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(copy_dialog, "choose_destination", lambda _parent: "file")
    offered: list[CopyReport] = []

    def open_it(_parent: object, report: CopyReport, _where: DatabaseUrl) -> bool:
        offered.append(report)
        return True

    monkeypatch.setattr(copy_dialog, "ask_open_copy", open_it)
    answers.new_files.append(tmp_path / "taken-home")
    source = desk.window.url
    assert source is not None
    desk.window.copy_database_to()
    copied = tmp_path / "taken-home.sqlite3"
    qtbot.waitUntil(lambda: desk.window.url == DatabaseUrl("sqlite", str(copied)), timeout=WAIT_MS)
    wait_not_switching(qtbot, desk.window)
    assert offered and offered[0].verified
    assert counts(str(copied)) == counts(source.target)
