"""Opening a database built straight from the specification in the window: the question
(Adopt / Cancel) with what adopting will do; Adopt adopts and opens it, Cancel leaves it
untouched and the database that was open stays open."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox

from desktop.store.connection import connect
from desktop.store.urls import DatabaseUrl, parse_url
from desktop.ui import prompts
from desktop.ui.app import open_first_database
from desktop.ui.editing import Kind
from desktop.ui.main_window import MainWindow
from desktop.ui.settings import Settings
from tests.support.dbtools import snapshot
from tests.support.spec_database import POSTS, SpecDatabase, build_spec_database
from tests.ui import test_switching
from tests.ui.conftest import WAIT_MS, Bot, Desk, Prompts, cells, peek, wait_idle

bare_window = test_switching.bare_window  # a window with no database yet, as at launch


@pytest.fixture
def spec(make_database: Callable[[str], str], dialect: str) -> SpecDatabase:
    return build_spec_database(make_database(dialect), dialect)


def state_of(spec: SpecDatabase) -> object:
    """The file's bytes (SQLite) or the schema and rows (PostgreSQL)."""
    if spec.dialect == "sqlite":
        folder, name = Path(spec.url).parent, Path(spec.url).name
        return {
            p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in folder.iterdir()
            if p.name.startswith(name)
        }
    with connect(spec.url) as backend:
        return snapshot(backend)


def test_adopt_opens_the_database_with_its_posts_in_time_order(
    desk: Desk, spec: SpecDatabase, qtbot: Bot
) -> None:
    desk.answers.adopt_answers.append(True)
    window = desk.window

    with qtbot.waitSignal(window.switcher.opened, timeout=WAIT_MS):
        window.open_database(parse_url(spec.url))
    wait_idle(qtbot, window.worker)

    assert len(desk.answers.adopt_questions) == 1
    database, summary = desk.answers.adopt_questions[0]
    assert database == parse_url(spec.url).display()
    assert summary.startswith("Postdesk will record this database as at version 001, convert ")
    assert window.url == parse_url(spec.url)
    assert "Ada Lovelace" in cells(desk.table(Kind.USER))
    with peek(spec.url) as repo:
        assert [post.title for post in repo.list_posts(1).items] == list(POSTS)


def test_cancel_leaves_it_untouched_and_the_open_database_open(
    desk: Desk, spec: SpecDatabase, qtbot: Bot
) -> None:
    desk.answers.adopt_answers.append(False)
    window = desk.window
    before_url, before = window.url, state_of(spec)

    with qtbot.waitSignal(window.switcher.cancelled, timeout=WAIT_MS):
        window.open_database(parse_url(spec.url))
    wait_idle(qtbot, window.worker)

    assert len(desk.answers.adopt_questions) == 1
    assert window.url == before_url
    assert state_of(spec) == before
    assert "Ada Lovelace" in cells(desk.table(Kind.USER))


def test_the_question_names_the_database_and_what_will_happen(qtbot: Bot) -> None:
    summary = (
        "Postdesk will record this database as at version 001, convert 1,234 timestamps "
        "to UTC and apply 2 updates."
    )
    box, adopt = prompts.adopt_question(None, "/home/ada/blog.sqlite3", summary)
    qtbot.addWidget(box)
    assert "/home/ada/blog.sqlite3" in box.text()
    assert summary in box.informativeText()
    assert adopt.text().replace("&", "") == "Adopt"
    cancel = box.button(QMessageBox.StandardButton.Cancel)
    assert cancel is not None and box.defaultButton() is cancel


def test_cancel_at_launch_opens_the_local_database_instead(
    bare_window: MainWindow, qtbot: Bot, answers: Prompts, settings: Settings, tmp_path: Path
) -> None:
    spec = build_spec_database(str(tmp_path / "blog.sqlite3"), "sqlite")
    before = state_of(spec)
    answers.adopt_answers.append(False)

    with qtbot.waitSignal(bare_window.switcher.opened, timeout=WAIT_MS):
        open_first_database(bare_window, parse_url(spec.url), settings)

    assert len(answers.adopt_questions) == 1
    assert bare_window.url == DatabaseUrl("sqlite", str(tmp_path / "local.sqlite3"))
    assert "was cancelled" in bare_window.statusBar().currentMessage()
    assert state_of(spec) == before


def test_adopt_at_launch_opens_it(
    bare_window: MainWindow, qtbot: Bot, answers: Prompts, settings: Settings, tmp_path: Path
) -> None:
    spec = build_spec_database(str(tmp_path / "blog.sqlite3"), "sqlite")
    answers.adopt_answers.append(True)

    with qtbot.waitSignal(bare_window.switcher.opened, timeout=WAIT_MS):
        open_first_database(bare_window, parse_url(spec.url), settings)

    assert bare_window.url == parse_url(spec.url)
    assert bare_window.statusBar().currentMessage().startswith("Opened the database and applied")
    assert not answers.take_errors()
