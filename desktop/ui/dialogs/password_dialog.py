"""The question a server's password prompt becomes: which server and role, the password,
and whether the system keychain should keep it.

The password goes only into the address being opened and, when the person asks for it
and the address opened, into the system keychain (desktop/store/secrets.py); never into
the settings, a file or the log. The keychain is looked at on a background thread: the
first look loads keyring and may wait on D-Bus.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, TypeVar

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.store import secrets
from desktop.store.errors import PasswordNeededError, PasswordRefusedError
from desktop.store.urls import DatabaseUrl
from desktop.ui.background import Task

T = TypeVar("T")

CHECKING = "Looking for the system keychain…"
KEPT_THERE = "The system keychain keeps it, locked with your login; Postdesk never writes it down."


def question(error: PasswordNeededError) -> str:
    """What the dialog asks, naming the server and the role."""
    if isinstance(error, PasswordRefusedError) and error.remembered:
        return (
            f"The server {error.server} refused the password remembered in the system "
            f"keychain for the role “{error.role}”. Type its password:"
        )
    if isinstance(error, PasswordRefusedError):
        return (
            f"The server {error.server} refused the password for the role “{error.role}”. "
            "Try again:"
        )
    return f"The server {error.server} asks for the password of the role “{error.role}”:"


class PasswordDialog(QDialog):
    """Password, "Remember in the system keychain" (disabled, saying why, where there is no
    keychain) and, after a remembered password was refused, a way to forget it."""

    keychain_checked = Signal(object)  # str | None: why no keychain, or None when there is one

    def __init__(
        self, parent: QWidget | None, url: DatabaseUrl, error: PasswordNeededError
    ) -> None:
        super().__init__(parent)
        self.setObjectName("passwordDialog")
        self.setWindowTitle("Password Needed")
        self.setMinimumWidth(440)
        self._url = url
        self._tasks: list[Task] = []  # kept until they report

        self._question = QLabel(question(error))
        self._question.setObjectName("question")
        self._question.setWordWrap(True)
        self._password = QLineEdit()
        self._password.setObjectName("password")
        self._password.setEchoMode(QLineEdit.EchoMode.Password)
        self._password.setAccessibleName("Password")
        self._password.setAccessibleDescription(f"Password of {error.role} on {error.server}")
        label = QLabel("&Password:")
        label.setBuddy(self._password)
        self._remember = QCheckBox("&Remember in the system keychain")
        self._remember.setObjectName("remember")
        self._remember.setEnabled(False)
        self._note = QLabel(CHECKING)
        self._note.setObjectName("keychainNote")
        self._note.setWordWrap(True)
        self._note.setStyleSheet("color: palette(placeholder-text);")
        self._forget = QPushButton("&Forget Remembered Password")
        self._forget.setObjectName("forget")
        self._forget.setAccessibleName("Forget Remembered Password")
        self._forget.setAutoDefault(False)
        self._forget.setVisible(isinstance(error, PasswordRefusedError) and error.remembered)
        self._forget.clicked.connect(self._forget_remembered)

        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self._connect = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self._connect.setText("&Connect")
        self._connect.setAccessibleName("Connect")
        self._connect.setEnabled(False)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self._password.textChanged.connect(lambda text: self._connect.setEnabled(bool(text)))

        form = QFormLayout()
        form.addRow(label, self._password)
        form.addRow("", self._remember)
        form.addRow("", self._note)
        layout = QVBoxLayout(self)
        layout.addWidget(self._question)
        layout.addLayout(form)
        layout.addWidget(self._forget, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(buttons)
        self._password.setFocus(Qt.FocusReason.OtherFocusReason)
        self._run(secrets.unavailable_reason, self._keychain_found)

    def password(self) -> str:
        return self._password.text()

    def remember(self) -> bool:
        return self._remember.isEnabled() and self._remember.isChecked()

    def _keychain_found(self, reason: str | None) -> None:
        self._remember.setEnabled(reason is None)
        self._note.setText(KEPT_THERE if reason is None else f"{reason} Postdesk will ask again.")
        self._remember.setAccessibleDescription(self._note.text())
        self.keychain_checked.emit(reason)

    def _forget_remembered(self) -> None:
        self._forget.setEnabled(False)
        url = self._url
        self._run(lambda: secrets.forget(url), self._forgotten)

    def _forgotten(self, forgotten: bool) -> None:
        self._forget.setText("Forgotten" if forgotten else "Could Not Forget It")
        self._forget.setAccessibleName(self._forget.text())

    def _run(self, work: Callable[[], T], then: Callable[[T], None]) -> None:
        """`work` on a background thread (the keychain may wait on D-Bus), `then` here."""
        task = Task(work)
        task.done.connect(then)
        task.done.connect(lambda _result: self._tasks.remove(task))
        task.failed.connect(lambda _error: self._tasks.remove(task))
        self._tasks.append(task)
        task.start()


class Opener(Protocol):
    """What the password question needs of the main window."""

    switcher: Any  # DatabaseSwitcher: opened(Opened), failed(url, error), cancelled(url)

    def open_database(self, url: DatabaseUrl, *, create: bool = False) -> None: ...
    def say(self, text: str) -> None: ...


def ask_password(window: QWidget, url: DatabaseUrl, error: PasswordNeededError) -> PasswordDialog:
    """Ask for the password `url`'s server wants; open `url` with it once given (and keep
    it in the keychain once it worked, if asked to). A refused one brings the question
    back through the window's failure path."""
    dialog = PasswordDialog(window, url, error)
    dialog.accepted.connect(lambda: _open_with(window, url, dialog))
    dialog.finished.connect(lambda _result: dialog.deleteLater())
    dialog.open()
    return dialog


def _open_with(window: Any, url: DatabaseUrl, dialog: PasswordDialog) -> None:
    password = dialog.password()
    target = url.with_password(password)
    if dialog.remember():
        RememberWhenOpened(window, target, password).setParent(window)
    window.open_database(target)


class RememberWhenOpened(QObject):
    """Keeps a password in the keychain once the address holding it opened; never for an
    address that failed or was cancelled."""

    def __init__(self, window: Opener, target: DatabaseUrl, password: str) -> None:
        super().__init__()
        self.window = window
        self.target = target
        self.password = password
        self.task: Task | None = None
        window.switcher.opened.connect(self._opened)
        window.switcher.failed.connect(self._given_up)
        window.switcher.cancelled.connect(self._given_up)

    def _opened(self, opened: Any) -> None:
        if opened.url != self.target:
            return
        self._stop()
        target, password = self.target, self.password
        task = self.task = Task(lambda: secrets.remember(target, password))
        task.done.connect(self._remembered)
        task.start()

    def _remembered(self, kept: bool) -> None:
        if not kept:
            self.window.say("The password could not be kept in the system keychain.")
        self.deleteLater()

    def _given_up(self, url: DatabaseUrl, *_error: object) -> None:
        if url == self.target:
            self._stop()
            self.deleteLater()

    def _stop(self) -> None:
        switcher = self.window.switcher
        switcher.opened.disconnect(self._opened)
        switcher.failed.disconnect(self._given_up)
        switcher.cancelled.disconnect(self._given_up)
