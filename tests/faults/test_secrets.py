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
from tests.support.app_log import app_logging
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


# -- passwords that libpq would quote back, the log, the recent list, screenshot runs -----------

# % @ : / ? # space ' and letters beyond ASCII: each breaks an address written carelessly.
AWKWARD = ["Qz%zz w@rd", "Qz:b/c?d#e", "Qz it's", "Qzäöü€鍵", "Qz% @ : / ? # '"]


@pytest.fixture
def app_log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The app's own logging, into HOME/log."""
    home = tmp_path / "home"
    monkeypatch.setenv("HOME", str(home))
    yield from app_logging(home / "log", monkeypatch)


def awkward_addresses(parts: dict[str, str], password: str) -> list[str]:
    """The address of the test server holding `password`, as people write it: raw and
    percent-encoded in a URL, bare and quoted in key=value pairs."""
    from urllib.parse import quote

    from desktop.store.urls import quote_value

    where = f"{parts['host']}:{parts['port']}/no_such_db_qz"
    bare = f"host={parts['host']} port={parts['port']} dbname=no_such_db_qz user={parts['user']}"
    return [
        f"postgresql://{parts['user']}:{password}@{where}",
        f"postgresql://{parts['user']}:{quote(password, safe='')}@{where}",
        f"{bare} password={password}",
        f"{bare} password={quote_value(password)}",
    ]


def test_no_password_reaches_the_screen_or_the_log_through_a_failed_open(
    make_database: MakeDatabase,
    make_desk: MakeDesk,
    pg_admin_url: str,
    app_log: Path,
    qtbot: Bot,
    answers: Prompts,
    ledger: Ledger,
) -> None:
    """Each awkward password, in each way of writing an address, through the real open of
    the window against the real server: refused, in words that hold none of it."""
    from desktop.store.urls import parse_url

    file_url = make_database("sqlite")
    seed(file_url)
    desk = make_desk(file_url)
    given = conninfo_parts(pg_admin_url)
    parts = {"host": "127.0.0.1", "port": "5432", "user": "postgres", **given}
    shown: list[str] = []
    for password in AWKWARD:
        for address in awkward_addresses(parts, password):
            url = parse_url(address)
            with qtbot.waitSignal(desk.window.switcher.failed, timeout=WAIT_MS):
                desk.window.open_database(url)
            shown += [message for _title, message in answers.take_errors()]
            shown += [desk.window.statusBar().currentMessage(), url.display(), url.redacted()]
            logging.getLogger("postdesk.test").warning("libpq said: %s", address)
            try:
                raise ValueError(f"an error quoting {address}")
            except ValueError:
                logging.getLogger("postdesk.test").exception("and a traceback")
    assert len(shown) >= len(AWKWARD) * 4
    assert all("no_such_db_qz" in text or "not valid" in text for text in shown[::4])
    logged = app_log.read_bytes()
    assert b"libpq said" in logged and b"ValueError" in logged
    for password in AWKWARD:
        leaks = [text for text in shown if password in text]
        assert not leaks, (password, leaks)
        for path in app_log.parent.rglob("*"):
            assert password.encode() not in path.read_bytes(), (password, path)
    with peek(file_url) as repo:
        counts = repo.table_counts()
    for table, count in SEED_ROWS.items():
        ledger.check_rows(count, counts[table], f"{table} (file)")
