"""Secrets: after connecting through File ▸ Connect to Server… with a password, the password
is nowhere on disk (settings file, recent list, log) nor on screen; the SSL mode chosen in
the dialog reaches the connection.

The test server trusts local connections, so it ignores the password; libpq still holds
it (`conn.info.password`), which proves it travelled with the connection.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QComboBox, QDialog, QLabel, QLineEdit, QPushButton, QSpinBox

from desktop.store.urls import conninfo_parts
from desktop.ui.dialogs.connect_dialog import ConnectDialog
from desktop.ui.editing import Kind
from desktop.ui.main_window import MainWindow
from desktop.ui.settings import Settings
from tests.conftest import MakeDatabase
from tests.faults.conftest import Ledger
from tests.ui.conftest import (
    SEED,
    WAIT_MS,
    Bot,
    MakeDesk,
    Prompts,
    cells,
    peek,
    seed,
    type_into,
    wait_idle,
)
from tests.ui.test_main_window import child, menu_action

pytestmark = [pytest.mark.fault, pytest.mark.postgres]

PASSWORD = "s3cret-Pa55"
SEED_ROWS = {"users": 3, "posts": 5, "comments": 4}


@pytest.fixture
def log_file(tmp_path: Path) -> Iterator[Path]:
    """Everything logged while the test runs, at every level, in a file (as the app logs)."""
    path = tmp_path / "postdesk.log"
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield path
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
        handler.close()


def open_connect_dialog(qtbot: Bot, window: MainWindow) -> ConnectDialog:
    menu_action(window, "File", "Connect to Server…").trigger()
    qtbot.waitUntil(lambda: isinstance(window.findChild(QDialog, "connectDialog"), ConnectDialog))
    dialog = window.findChild(QDialog, "connectDialog")
    assert isinstance(dialog, ConnectDialog)
    return dialog


def fill_in(qtbot: Bot, dialog: QDialog, parts: dict[str, str], sslmode: str) -> None:
    type_into(qtbot, child(dialog, QLineEdit, "host"), parts["host"])
    type_into(qtbot, child(dialog, QSpinBox, "port"), parts["port"])
    type_into(qtbot, child(dialog, QLineEdit, "dbname"), parts["dbname"])
    type_into(qtbot, child(dialog, QLineEdit, "user"), parts["user"])
    type_into(qtbot, child(dialog, QLineEdit, "password"), PASSWORD)
    modes = child(dialog, QComboBox, "sslmode")
    modes.setCurrentIndex(modes.findData(sslmode))
    assert modes.currentData() == sslmode


def button(dialog: QDialog, name: str) -> QPushButton:
    [found] = [b for b in dialog.findChildren(QPushButton) if b.accessibleName() == name]
    return found


def test_a_password_is_never_written_and_sslmode_reaches_the_connection(
    make_database: MakeDatabase,
    make_desk: MakeDesk,
    settings: Settings,
    settings_path: Path,
    log_file: Path,
    tmp_path: Path,
    qtbot: Bot,
    answers: Prompts,
    ledger: Ledger,
) -> None:
    file_url = make_database("sqlite")
    seed(file_url)
    server_url = make_database("postgresql")
    seed(server_url)
    parts = conninfo_parts(server_url)
    desk = make_desk(file_url)
    window = desk.window

    # sslmode=disable, with a password: tested first, then connected.
    dialog = open_connect_dialog(qtbot, window)
    fill_in(qtbot, dialog, parts, "disable")
    button(dialog, "Test Connection").click()
    status = child(dialog, QLabel, "status")
    qtbot.waitUntil(lambda: status.text().startswith("Connected"), timeout=WAIT_MS)
    with qtbot.waitSignal(window.switcher.opened, timeout=WAIT_MS):
        button(dialog, "Connect").click()
    wait_idle(qtbot, desk.worker)
    backend = desk.worker.backend
    assert backend is not None and backend.dialect == "postgresql"
    info = backend.conn.info
    assert info.dbname == parts["dbname"]
    assert info.get_parameters()["sslmode"] == "disable"
    assert backend.conn.pgconn.ssl_in_use is False
    assert info.password == PASSWORD  # it went with the connection
    assert cells(desk.table(Kind.USER)) == [name for name, _email in SEED]
    on_screen = [
        window.windowTitle(),
        window.database_label.text(),
        window.about_text(),
        window.statusBar().currentMessage(),
    ]
    assert not [text for text in on_screen if PASSWORD in text]

    # sslmode=require: this server has no SSL, so libpq refuses, in plain words inside the
    # dialog, which stays open as typed; the database open until now stays open.
    dialog = open_connect_dialog(qtbot, window)
    assert child(dialog, QLineEdit, "password").text() == ""  # never prefilled
    fill_in(qtbot, dialog, parts, "require")
    button(dialog, "Connect").click()
    qtbot.waitUntil(lambda: not dialog.testing, timeout=WAIT_MS)
    message = child(dialog, QLabel, "status").text()
    assert dialog.isVisible()
    assert child(dialog, QLineEdit, "password").text() == PASSWORD  # as typed, on screen
    assert "secure connection" in message and "SSL was required" in message
    assert PASSWORD not in message
    assert window.url is not None and window.url.dialect == "postgresql"
    assert desk.worker.backend is backend and not backend.conn.closed

    window.close()
    settings.store.sync()
    stored = settings_path.read_text(encoding="utf-8")
    assert parts["dbname"] in stored  # the address is remembered ...
    assert PASSWORD not in stored  # ... without its password
    recent = settings.recent()
    assert recent and all(PASSWORD not in url.target for url in recent)
    logged = log_file.read_text(encoding="utf-8")
    assert "testing the connection to" in logged  # the log did record the flow
    assert PASSWORD not in logged
    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert PASSWORD.encode() not in path.read_bytes(), path

    for where, url in (("file", file_url), ("server", server_url)):
        with peek(url) as repo:
            counts = repo.table_counts()
        for table, count in SEED_ROWS.items():
            ledger.check_rows(count, counts[table], f"{table} ({where})")
