"""Opening databases in the background: another Postdesk migrating the same server, a
second open overtaking the first, a task nobody keeps, and the first open at launch."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from PySide6.QtWidgets import QProgressDialog, QPushButton

from desktop import paths
from desktop.store.backend import Backend
from desktop.store.connection import connect
from desktop.store.postgres import MIGRATION_LOCK_KEY
from desktop.store.urls import DatabaseUrl, parse_url
from desktop.ui import switching
from desktop.ui.app import open_first_database
from desktop.ui.background import Task
from desktop.ui.main_window import MainWindow
from desktop.ui.settings import Settings
from desktop.ui.worker import Worker
from tests.ui.conftest import (
    WAIT_MS,
    Bot,
    Desk,
    MakeDesk,
    Prompts,
    seed,
    wait_idle,
    wait_not_switching,
)


@pytest.fixture
def file_desk(make_database: Any, make_desk: MakeDesk) -> Desk:
    """The window open on a seeded SQLite file."""
    url: str = make_database("sqlite")
    seed(url)
    return make_desk(url)


# -- another Postdesk migrating the server database ---------------------------------------------


@pytest.fixture
def locked_server_database(make_database: Any, pg_admin_url: str) -> Iterator[tuple[str, Any]]:
    """A new, empty server database (so opening it migrates it) while another Postdesk holds
    the migration lock in an open transaction."""
    url: str = make_database("postgresql")
    holder = psycopg.connect(url)
    holder.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK_KEY,))
    yield url, holder
    holder.close()


def tables_of(url: str) -> list[str]:
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY 1"
        ).fetchall()
    return [name for (name,) in rows]


@pytest.mark.postgres
def test_waiting_for_another_migration_shows_and_cancel_keeps_the_open_database(
    file_desk: Desk, qtbot: Bot, locked_server_database: tuple[str, Any]
) -> None:
    url, holder = locked_server_database
    window, switcher = file_desk.window, file_desk.window.switcher
    before = window.url

    window.open_database(parse_url(url))
    qtbot.waitUntil(
        lambda: switcher.dialog is not None
        and switcher.dialog.isVisible()
        and "Another Postdesk is updating this database" in switcher.dialog.labelText(),
        timeout=WAIT_MS,
    )
    assert switcher.dialog is not None
    task = switcher.task
    assert task is not None
    cancel = switcher.dialog.findChild(QPushButton)
    assert cancel is not None and cancel.text() == "Cancel"
    cancel.click()

    assert not switcher.busy
    assert window.url == before
    qtbot.waitUntil(lambda: not task.running, timeout=WAIT_MS)  # its connection is closed
    assert tables_of(url) == []  # still at its old version: nothing at all

    holder.commit()  # the other Postdesk is done
    with qtbot.waitSignal(switcher.opened, timeout=WAIT_MS):
        window.open_database(parse_url(url))
    assert window.url == parse_url(url)
    assert "schema_migrations" in tables_of(url)
    wait_idle(qtbot, window.worker)


# -- a second open, and tasks nobody keeps ------------------------------------------------------


def test_an_open_that_is_over_within_the_delay_makes_no_progress_dialog(
    file_desk: Desk, qtbot: Bot, make_database: Any
) -> None:
    """The dialog is made only for an open still under way after PROGRESS_DELAY_MS: making
    it at every open cost the first open of a session 5 ms of the window's time."""
    window, switcher = file_desk.window, file_desk.window.switcher
    url = make_database("sqlite")
    seed(url)
    with qtbot.waitSignal(switcher.opened, timeout=WAIT_MS):
        window.open_database(parse_url(url))
        assert window.findChildren(QProgressDialog) == []
    assert switcher.dialog is None
    wait_idle(qtbot, window.worker)


def test_a_second_open_right_after_the_first_shows_no_dialog_for_the_first(
    file_desk: Desk, qtbot: Bot, make_database: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first open's delay ends while the second is under way (or after it): it shows
    nothing for an open that was replaced, and the second's dialog goes with it."""
    monkeypatch.setattr(switching, "PROGRESS_DELAY_MS", 0)  # each delay ends at once
    window, switcher = file_desk.window, file_desk.window.switcher
    first_url, second_url = make_database("sqlite"), make_database("sqlite")
    seed(first_url)
    seed(second_url)
    shown: list[str] = []
    show_progress = switcher._show_progress

    def showing(task: Task, url: DatabaseUrl) -> None:
        show_progress(task, url)
        if switcher.dialog is not None and url.display() not in shown:
            shown.append(url.display())

    monkeypatch.setattr(switcher, "_show_progress", showing)
    window.open_database(parse_url(first_url))
    with qtbot.waitSignal(switcher.opened, timeout=WAIT_MS):
        window.open_database(parse_url(second_url))

    assert window.url == parse_url(second_url)
    assert parse_url(first_url).display() not in shown
    assert switcher.dialog is None
    qtbot.waitUntil(
        lambda: not any(d.isVisible() for d in window.findChildren(QProgressDialog)),
        timeout=WAIT_MS,
    )
    wait_idle(qtbot, window.worker)


def test_a_cancelled_task_nobody_keeps_still_closes_its_late_connection(
    qtbot: Bot, make_database: Any
) -> None:
    url = make_database("sqlite")
    go_on = threading.Event()
    late: list[Backend] = []

    def work() -> Backend:
        go_on.wait(WAIT_MS / 1000)
        late.append(connect(url))
        return late[0]

    task = Task(work, discard=lambda backend: backend.close())
    task.start()
    task.cancel()
    del task
    gc.collect()
    go_on.set()

    qtbot.waitUntil(lambda: bool(late) and _closed(late[0]), timeout=WAIT_MS)


def _closed(backend: Backend) -> bool:
    try:
        backend.execute("SELECT 1")
    except Exception:
        return True
    return False


# -- the first database at launch ------------------------------------------------------------------


@pytest.fixture
def bare_window(
    qtbot: Bot, answers: Prompts, settings: Settings, tmp_path: Path, monkeypatch: Any
) -> Iterator[MainWindow]:
    """A window with no database yet, as at launch; the local database in a test folder."""
    monkeypatch.setattr(paths, "default_database_path", lambda: tmp_path / "local.sqlite3")
    worker = Worker()
    window = MainWindow(worker, settings)
    qtbot.addWidget(window, before_close_func=lambda _w: answers.stop_asking())
    window.show()
    qtbot.waitExposed(window)
    yield window
    answers.stop_asking()
    try:
        wait_idle(qtbot, worker)
        wait_not_switching(qtbot, window)
    finally:
        worker.stop()


def test_a_bad_database_at_launch_opens_the_last_good_one_and_says_why(
    bare_window: MainWindow,
    qtbot: Bot,
    answers: Prompts,
    settings: Settings,
    make_database: Any,
    tmp_path: Path,
) -> None:
    last_good = make_database("sqlite")
    seed(last_good)
    settings.remember_database(parse_url(last_good))
    missing = DatabaseUrl("sqlite", str(tmp_path / "no such folder" / "x.sqlite3"))

    with qtbot.waitSignal(bare_window.switcher.opened, timeout=WAIT_MS):
        open_first_database(bare_window, missing, settings)

    assert bare_window.url == parse_url(last_good)
    message = bare_window.statusBar().currentMessage()
    assert message.startswith(f"{missing.display()} could not be opened: The folder")
    assert message.endswith(f"Opened {last_good} instead.")
    [(title, text)] = answers.take_errors()
    assert title == "Could Not Open Database"
    assert "does not exist" in text
    wait_idle(qtbot, bare_window.worker)
    assert bare_window.users.rowCount() == 3  # a window where actions work


def test_a_bad_database_at_launch_with_nothing_remembered_opens_the_local_one(
    bare_window: MainWindow, qtbot: Bot, answers: Prompts, settings: Settings, tmp_path: Path
) -> None:
    missing = DatabaseUrl("sqlite", str(tmp_path / "gone" / "x.sqlite3"))

    with qtbot.waitSignal(bare_window.switcher.opened, timeout=WAIT_MS):
        open_first_database(bare_window, missing, settings)

    assert bare_window.url == DatabaseUrl("sqlite", str(tmp_path / "local.sqlite3"))
    assert "could not be opened" in bare_window.statusBar().currentMessage()
    assert len(answers.take_errors()) == 1


@pytest.mark.postgres
def test_cancelling_the_wait_at_launch_opens_the_local_database_instead(
    bare_window: MainWindow,
    qtbot: Bot,
    settings: Settings,
    tmp_path: Path,
    locked_server_database: tuple[str, Any],
) -> None:
    url, _holder = locked_server_database
    switcher = bare_window.switcher

    open_first_database(bare_window, parse_url(url), settings)
    qtbot.waitUntil(
        lambda: switcher.dialog is not None
        and "Another Postdesk is updating" in switcher.dialog.labelText(),
        timeout=WAIT_MS,
    )
    assert switcher.dialog is not None
    cancel = switcher.dialog.findChild(QPushButton)
    assert cancel is not None
    with qtbot.waitSignal(switcher.opened, timeout=WAIT_MS):
        cancel.click()

    assert bare_window.url == DatabaseUrl("sqlite", str(tmp_path / "local.sqlite3"))
    message = bare_window.statusBar().currentMessage()
    assert message.startswith("Opening ") and "was cancelled. Opened " in message
    assert tables_of(url) == []
