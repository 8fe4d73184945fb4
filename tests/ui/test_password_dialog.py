"""When the server asks for a password, the window asks the person: a dialog naming the
server and the role, with "Remember in the system keychain". A remembered password is used
without asking; a wrong remembered one is asked for again, with a way to forget it; without
a keychain the box is disabled and says why. The password never reaches the settings, a
file under HOME or the log.

Against a real server that asks for passwords (a scram-sha-256 cluster of the test's own)
and a real Secret Service (gnome-keyring on a private D-Bus), see tests/support/.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from keyring.backends import fail
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QCheckBox, QDialog, QLabel, QLineEdit, QPushButton

from desktop import paths
from desktop.store import secrets
from desktop.store.urls import DatabaseUrl, parse_url
from desktop.ui.app import open_first_database
from desktop.ui.dialogs.password_dialog import CHECKING, PasswordDialog
from desktop.ui.main_window import MainWindow
from desktop.ui.settings import Settings
from tests.conftest import MakeDatabase
from tests.support import keyring_session as keychains
from tests.support import password_server as servers
from tests.support.app_log import app_logging
from tests.support.keyring_session import KeychainSession, files_holding
from tests.support.password_server import PASSWORD, PasswordServer
from tests.ui import test_switching
from tests.ui.conftest import (
    WAIT_MS,
    Bot,
    MakeDesk,
    seed,
    type_into,
    wait_idle,
    wait_not_switching,
)
from tests.ui.test_main_window import child

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="session")
def password_server() -> Iterator[PasswordServer]:
    yield from servers.serve()


@pytest.fixture
def keychain(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[KeychainSession]:
    yield from keychains.keychain_for(tmp_path, monkeypatch)


@pytest.fixture
def app_log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The app's own logging (with its password filter), under the test HOME."""
    yield from app_logging(tmp_path / "home" / "log", monkeypatch)


def type_password(qtbot: Bot, edit: QLineEdit, text: str) -> None:
    """Key by key; letters beyond ASCII arrive as a keyboard layout sends them, as key
    events carrying their text (QTest's own key clicks take ASCII only)."""
    type_into(qtbot, edit, "")
    for letter in text:
        if letter.isascii():
            qtbot.keyClicks(edit, letter)
            continue
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            QApplication.sendEvent(edit, QKeyEvent(kind, 0, Qt.KeyboardModifier.NoModifier, letter))
    assert edit.text() == text


def seeded(make_database: MakeDatabase) -> str:
    url = make_database("sqlite")
    seed(url)
    return url


def wait_for_dialog(qtbot: Bot, window: MainWindow) -> PasswordDialog:
    def shown() -> bool:
        dialog = window.findChild(QDialog, "passwordDialog")
        return isinstance(dialog, PasswordDialog) and dialog.isVisible()

    qtbot.waitUntil(shown, timeout=WAIT_MS)
    dialog = window.findChild(QDialog, "passwordDialog")
    assert isinstance(dialog, PasswordDialog)
    return dialog


def wait_keychain_checked(qtbot: Bot, dialog: PasswordDialog) -> QCheckBox:
    note = child(dialog, QLabel, "keychainNote")
    qtbot.waitUntil(lambda: note.text() != CHECKING, timeout=WAIT_MS)
    return child(dialog, QCheckBox, "remember")


def answer(qtbot: Bot, window: MainWindow, dialog: PasswordDialog, password: str) -> None:
    """Type the password and press Connect; wait until the window has that database open."""
    type_password(qtbot, child(dialog, QLineEdit, "password"), password)
    connect = [b for b in dialog.findChildren(QPushButton) if b.accessibleName() == "Connect"]
    with qtbot.waitSignal(window.switcher.opened, timeout=WAIT_MS):
        connect[0].click()
    wait_idle(qtbot, window.worker)


def no_password_on_disk(home: Path, *more: Path) -> None:
    for folder in (home, *more):
        assert files_holding(folder, PASSWORD) == [], folder


def test_a_server_asking_for_a_password_asks_the_person_and_remembers_it(
    qtbot: Bot,
    make_desk: MakeDesk,
    make_database: MakeDatabase,
    password_server: PasswordServer,
    keychain: KeychainSession,
    app_log: Path,
    settings_path: Path,
    tmp_path: Path,
) -> None:
    desk = make_desk(seeded(make_database))
    window = desk.window
    url = parse_url(password_server.url())
    window.open_database(url)

    dialog = wait_for_dialog(qtbot, window)
    question = child(dialog, QLabel, "question").text()
    assert password_server.server in question and password_server.role in question
    remember = wait_keychain_checked(qtbot, dialog)
    assert remember.isEnabled(), child(dialog, QLabel, "keychainNote").text()
    assert not child(dialog, QPushButton, "forget").isVisible()  # nothing remembered yet
    remember.click()
    keep = os.environ.get("POSTDESK_KEEP_SCREENSHOT")
    type_password(qtbot, child(dialog, QLineEdit, "password"), PASSWORD)
    shot = Path(keep) if keep else tmp_path / "password-dialog.png"
    assert dialog.grab().save(str(shot))
    answer(qtbot, window, dialog, PASSWORD)

    backend = desk.worker.backend
    assert backend is not None and backend.execute("SELECT current_user") == [
        (password_server.role,)
    ]
    qtbot.waitUntil(lambda: secrets.recall(url) == PASSWORD, timeout=WAIT_MS)
    window.close()
    desk.settings.store.sync()
    assert "asks for a password" in app_log.read_text(encoding="utf-8")  # the log was written
    no_password_on_disk(keychain.home, settings_path.parent)  # the log lives under home


def test_a_remembered_password_is_used_at_the_next_launch_without_asking(
    make_database: MakeDatabase,
    password_server: PasswordServer,
    keychain: KeychainSession,
    tmp_path: Path,
) -> None:
    """A real launch (`python -m desktop --database URL`, without a password), finding
    the password in the keychain; unattended, so any question would fail the run."""
    if not keychain.kind.startswith("Secret Service"):
        pytest.skip(f"another process cannot reach the {keychain.kind}")
    url = parse_url(password_server.url())
    assert secrets.remember(url, PASSWORD)
    shot = tmp_path / "window.png"
    result = subprocess.run(
        [sys.executable, "-m", "desktop", "--database", url.target, "--screenshot", str(shot)],
        capture_output=True, text=True, timeout=120, env=dict(os.environ),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert shot.exists()
    assert PASSWORD not in result.stderr + result.stdout
    no_password_on_disk(keychain.home)


def test_a_wrong_remembered_password_asks_again_and_can_be_forgotten(
    qtbot: Bot,
    make_desk: MakeDesk,
    make_database: MakeDatabase,
    password_server: PasswordServer,
    keychain: KeychainSession,
) -> None:
    desk = make_desk(seeded(make_database))
    window = desk.window
    url = parse_url(password_server.url())
    assert secrets.remember(url, "last year's password")
    window.open_database(url)

    dialog = wait_for_dialog(qtbot, window)
    assert "refused the password remembered" in child(dialog, QLabel, "question").text()
    forget = child(dialog, QPushButton, "forget")
    assert forget.isVisible()
    forget.click()
    qtbot.waitUntil(lambda: forget.text() == "Forgotten", timeout=WAIT_MS)
    assert secrets.recall(url) is None
    wait_keychain_checked(qtbot, dialog)
    answer(qtbot, window, dialog, PASSWORD)  # not remembered this time
    assert window.url is not None and window.url.dialect == "postgresql"
    assert secrets.recall(url) is None


def test_a_wrong_typed_password_asks_again(
    qtbot: Bot,
    make_desk: MakeDesk,
    make_database: MakeDatabase,
    password_server: PasswordServer,
    keychain: KeychainSession,
) -> None:
    file_url = seeded(make_database)
    desk = make_desk(file_url)
    window = desk.window
    window.open_database(parse_url(password_server.conninfo()))
    dialog = wait_for_dialog(qtbot, window)
    wait_keychain_checked(qtbot, dialog).click()
    type_into(qtbot, child(dialog, QLineEdit, "password"), "wrong")
    dialog.accept()

    again = wait_for_dialog(qtbot, window)
    assert again is not dialog
    assert "refused the password for the role" in child(again, QLabel, "question").text()
    assert window.url == parse_url(file_url)  # the file stays open meanwhile
    assert secrets.recall(parse_url(password_server.conninfo())) is None  # never the wrong one
    wait_keychain_checked(qtbot, again)
    answer(qtbot, window, again, PASSWORD)


def test_without_a_keychain_the_box_is_disabled_and_says_so(
    qtbot: Bot,
    make_desk: MakeDesk,
    make_database: MakeDatabase,
    password_server: PasswordServer,
) -> None:
    no_keychain: Any = fail.Keyring
    previous = secrets.use_backend(no_keychain())
    try:
        desk = make_desk(seeded(make_database))
        window = desk.window
        window.open_database(DatabaseUrl("postgresql", password_server.conninfo()))
        dialog = wait_for_dialog(qtbot, window)
        remember = wait_keychain_checked(qtbot, dialog)
        assert not remember.isEnabled()
        assert "No system keychain" in child(dialog, QLabel, "keychainNote").text()
        assert not dialog.remember()
        answer(qtbot, window, dialog, PASSWORD)
    finally:
        secrets.use_backend(previous)


def test_cancel_keeps_the_database_that_was_open(
    qtbot: Bot,
    make_desk: MakeDesk,
    make_database: MakeDatabase,
    password_server: PasswordServer,
    keychain: KeychainSession,
) -> None:
    file_url = seeded(make_database)
    desk = make_desk(file_url)
    window = desk.window
    window.open_database(parse_url(password_server.url()))
    dialog = wait_for_dialog(qtbot, window)
    dialog.reject()
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=WAIT_MS)
    assert window.url == parse_url(file_url)
    assert not window.switcher.busy


def test_the_connect_dialog_turns_to_the_password_when_the_server_asks(
    qtbot: Bot, password_server: PasswordServer, keychain: KeychainSession
) -> None:
    from desktop.ui.dialogs.connect_dialog import ConnectDialog

    dialog = ConnectDialog(None, {
        "host": password_server.host, "port": str(password_server.port),
        "dbname": password_server.dbname, "user": password_server.role, "sslmode": "disable",
    })  # fmt: skip
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    status = child(dialog, QLabel, "status")
    test = child(dialog, QPushButton, "test")
    test.click()
    qtbot.waitUntil(lambda: "asks for a password" in status.text(), timeout=WAIT_MS)
    password = child(dialog, QLineEdit, "password")
    assert password.hasFocus()
    assert password_server.server in status.text()
    type_password(qtbot, password, PASSWORD)
    test.click()
    qtbot.waitUntil(lambda: status.text().startswith("Connected"), timeout=WAIT_MS)
    assert PASSWORD not in status.text()


bare_window = test_switching.bare_window  # a window with no database yet, as at launch


def test_a_launch_on_a_server_asking_for_a_password_asks_then_remembers(
    qtbot: Bot,
    bare_window: MainWindow,
    settings: Settings,
    password_server: PasswordServer,
    keychain: KeychainSession,
) -> None:
    """The last database was a server that asks for a password: the launch asks (the local
    database opens behind the question, so the window works meanwhile), and the next
    launch opens it without a question."""
    url = parse_url(password_server.url())
    settings.remember_database(url.with_password(PASSWORD))
    open_first_database(bare_window, None, settings)

    dialog = wait_for_dialog(qtbot, bare_window)
    wait_keychain_checked(qtbot, dialog).click()
    type_password(qtbot, child(dialog, QLineEdit, "password"), PASSWORD)
    dialog.accept()

    def on_server() -> bool:
        return bare_window.url is not None and bare_window.url.dialect == "postgresql"

    qtbot.waitUntil(on_server, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: secrets.recall(url) == PASSWORD, timeout=WAIT_MS)

    bare_window.open_database(DatabaseUrl("sqlite", str(paths.default_database_path())))
    qtbot.waitUntil(lambda: not on_server(), timeout=WAIT_MS)
    wait_not_switching(qtbot, bare_window)
    settings.remember_database(url)
    open_first_database(bare_window, None, settings)  # the next launch
    qtbot.waitUntil(on_server, timeout=WAIT_MS)
    assert not [d for d in bare_window.findChildren(PasswordDialog) if d.isVisible()]
