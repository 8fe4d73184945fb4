"""File ▸ Connect to Server…: where a PostgreSQL database is, and a way to try it first.

The dialog gathers a libpq conninfo and tries it on a background thread: Test Connection
says whether it works, and Connect closes the dialog only once a connection succeeded
(otherwise the reason shows inside the dialog, every field as typed). The caller opens the
database once the dialog is Accepted, from `url()`. The parent window remembers the last
attempt (without its password) for the next time the dialog opens.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from itertools import pairwise
from typing import Any

from PySide6.QtCore import Qt, QTimer, Slot
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from desktop.store.backend import Backend
from desktop.store.connection import connect
from desktop.store.errors import PasswordNeededError, StoreError
from desktop.store.urls import DatabaseUrl, conninfo_parts, login_name, quote_value
from desktop.ui.background import Task

log = logging.getLogger(__name__)

DEFAULT_HOST = "localhost"
DEFAULT_PORT = 5432
DEFAULT_SSLMODE = "prefer"
# libpq's sslmode values, the dialog's default first, each with what it means for a person.
SSL_MODES: tuple[tuple[str, str, str], ...] = (
    ("prefer", "encrypt if the server can", "Encrypt when the server supports it (default)."),
    ("require", "always encrypt", "Always encrypt; the server's certificate is not checked."),
    ("disable", "never encrypt", "Never encrypt the connection."),
    ("allow", "encrypt if the server insists", "Encrypt only when the server demands it."),
    (
        "verify-ca",
        "encrypt, check certificate",
        "Always encrypt, and check that a trusted authority signed the server's certificate.",
    ),
    (
        "verify-full",
        "encrypt, check certificate and host",
        "Always encrypt, check the server's certificate and that it names this host.",
    ),
)
_FIELD_KEYS = frozenset({"host", "port", "dbname", "user", "password", "sslmode", "service"})
_ERROR_STYLE = "color: #b3261e;"
# A dynamic property of the parent window: the last attempt's conninfo, never its password.
_LAST_ATTEMPT = "connectDialogLastAttempt"


def _close_late_connection(result: Any) -> None:
    if isinstance(result, Backend):
        log.debug("closing the late connection of an abandoned test")
        result.close()


class ConnectDialog(QDialog):
    """Host, port, database, user, password, SSL mode and an optional libpq service.

    Test Connection and Connect connect on a background thread. While one runs, the Cancel
    button reads "Stop Test" (or "Stop"): Cancel or Escape then only abandons it (at once;
    a connection that still arrives later is closed unseen) and the dialog stays open; the
    next Cancel closes the dialog. Closing the window abandons a running attempt too, and
    Connect abandons a running test. Connect accepts the dialog once its connection worked.

    The fields start from the parent window's last attempt when there is one (the
    password aside), else from `initial`.

    With a Service given, the service file decides what the fields leave open: an empty
    Host, the port 5432 (with no Host) and the SSL mode "prefer" are left out of the
    conninfo. Typing a service clears a Host still at its untouched default, "localhost".
    An empty password is left out, so ~/.pgpass and the service file still supply one.
    """

    def __init__(
        self, parent: QWidget | None = None, initial: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Connect to Server")
        self.setMinimumWidth(460)
        self._task: Task | None = None
        # Keys of `initial` the dialog has no field for (sslrootcert, options, ...): kept.
        self._extra: dict[str, str] = {}

        self._host = QLineEdit(DEFAULT_HOST)
        self._port = QSpinBox()
        self._port.setRange(1, 65535)
        self._port.setValue(DEFAULT_PORT)
        self._port.setMinimumWidth(100)
        self._port.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self._dbname = QLineEdit()
        self._dbname.setPlaceholderText("e.g. postdesk")
        self._user = QLineEdit()
        self._user.setPlaceholderText(f"empty: {_login_name()}")
        self._password = QLineEdit()
        self._password.setEchoMode(QLineEdit.EchoMode.Password)
        self._password.setPlaceholderText("empty: from ~/.pgpass, or none")
        self._sslmode = QComboBox()
        for value, short, description in SSL_MODES:
            self._sslmode.addItem(f"{value} — {short}", value)
            self._sslmode.setItemData(
                self._sslmode.count() - 1, description, Qt.ItemDataRole.ToolTipRole
            )
        self._service = QLineEdit()
        self._service.setPlaceholderText("optional: a name from pg_service.conf")
        self._host_placeholder()

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        # (label, field, accessible name, description); the object name is the libpq key.
        rows: tuple[tuple[str, QWidget, str, str, str], ...] = (
            ("&Host:", self._host, "host", "Host", "Name or address of the PostgreSQL server."),
            ("&Port:", self._port, "port", "Port", "TCP port the server listens on; usually 5432."),
            ("&Database:", self._dbname, "dbname", "Database", "Name of the database."),
            ("&User:", self._user, "user", "User", "User name; empty means your login name."),
            ("Pass&word:", self._password, "password", "Password", "Never saved by Postdesk."),
            ("&SSL mode:", self._sslmode, "sslmode", "SSL mode", "Whether to encrypt."),
            ("Ser&vice:", self._service, "service", "Service", "A service from pg_service.conf."),
        )
        for text, field, key, name, description in rows:
            label = QLabel(text)
            label.setBuddy(field)
            field.setObjectName(key)
            field.setAccessibleName(name)
            field.setAccessibleDescription(description)
            field.setToolTip(description)
            form.addRow(label, field)
        self._sslmode_tooltip()

        # The status label's accessible name is its text, so screen readers hear changes.
        self._status_icon = QLabel()
        self._status_icon.setFixedSize(20, 20)
        self._status = QLabel()
        self._status.setObjectName("status")
        self._status.setWordWrap(True)
        self._status.setAccessibleDescription("Result of Test Connection")
        self._status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._status.setMinimumHeight(self._status.fontMetrics().lineSpacing() * 2)
        status_row = QHBoxLayout()
        status_row.addWidget(self._status_icon, 0, Qt.AlignmentFlag.AlignTop)
        status_row.addWidget(self._status, 1)

        self._buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self._connect_button = self._buttons.button(QDialogButtonBox.StandardButton.Ok)
        self._connect_button.setText("&Connect")
        self._connect_button.setAccessibleName("Connect")
        self._connect_button.setDefault(True)
        self._cancel_button = self._buttons.button(QDialogButtonBox.StandardButton.Cancel)
        self._test_button = QPushButton("&Test Connection")
        self._test_button.setObjectName("test")
        self._test_button.setAccessibleName("Test Connection")
        self._test_button.setAutoDefault(False)
        self._buttons.accepted.connect(self.accept)
        self._buttons.rejected.connect(self.reject)
        self._test_button.clicked.connect(self._start_test)

        layout = self._layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addSpacing(4)
        layout.addLayout(status_row)
        button_row = QHBoxLayout()
        button_row.addWidget(self._test_button)
        button_row.addStretch(1)
        button_row.addWidget(self._buttons)
        layout.addLayout(button_row)

        order: list[QWidget] = [
            self._host, self._port, self._dbname, self._user, self._password,
            self._sslmode, self._service, self._test_button, self._connect_button,
            self._cancel_button,
        ]  # fmt: skip
        for before, after in pairwise(order):
            QWidget.setTabOrder(before, after)

        remembered = parent.property(_LAST_ATTEMPT) if parent is not None else None
        if isinstance(remembered, str) and remembered:
            initial = conninfo_parts(remembered)
        if initial:
            self._prefill(initial)
        for edit in (self._host, self._dbname, self._user, self._password, self._service):
            edit.textChanged.connect(self._fields_changed)
        self._port.valueChanged.connect(self._fields_changed)
        self._sslmode.currentIndexChanged.connect(self._fields_changed)
        self._sslmode.currentIndexChanged.connect(self._sslmode_tooltip)
        self._service.textEdited.connect(self._service_edited)
        self._fields_changed()

    # -- the address ---------------------------------------------------------------------
    def conninfo(self) -> str:
        """The fields as a libpq key=value string. It may hold the password: never log it."""
        return " ".join(f"{key}={quote_value(value)}" for key, value in self._params().items())

    def url(self) -> DatabaseUrl:
        return DatabaseUrl("postgresql", self.conninfo())

    def _params(self) -> dict[str, str]:
        service = self._service.text().strip()
        host = self._host.text().strip()
        port = self._port.value()
        sslmode = str(self._sslmode.currentData())
        params: dict[str, str] = {}
        if service:
            params["service"] = service
        if host:
            params["host"] = host
        if not service or host or port != DEFAULT_PORT:
            params["port"] = str(port)
        for key, edit in (("dbname", self._dbname), ("user", self._user)):
            if edit.text().strip():
                params[key] = edit.text().strip()
        if self._password.text():
            params["password"] = self._password.text()
        if not service or sslmode != DEFAULT_SSLMODE:
            params["sslmode"] = sslmode
        params.update(self._extra)
        return params

    def _prefill(self, initial: Mapping[str, str]) -> None:
        # A recent address without a host meant libpq's default (the local socket): keep it so.
        self._host.setText(initial.get("host", ""))
        port = initial.get("port", "")
        if port.isdigit() and 1 <= int(port) <= 65535:
            self._port.setValue(int(port))
        self._dbname.setText(initial.get("dbname", ""))
        self._user.setText(initial.get("user", ""))
        self._service.setText(initial.get("service", ""))
        index = self._sslmode.findData(initial.get("sslmode", DEFAULT_SSLMODE))
        self._sslmode.setCurrentIndex(max(index, 0))
        self._extra = {k: v for k, v in initial.items() if k not in _FIELD_KEYS}
        self._host_placeholder()

    # -- field reactions -----------------------------------------------------------------
    @Slot()
    def _fields_changed(self) -> None:
        connecting = self._task is not None and self._cancel_button.text() == "Stop"
        self._connect_button.setEnabled(self._enough() and not connecting)
        if self._task is None:
            self._show_status("", "")

    def _enough(self) -> bool:
        return bool(self._dbname.text().strip() or self._service.text().strip())

    @Slot(str)
    def _service_edited(self, text: str) -> None:
        if text.strip() and self._host.text() == DEFAULT_HOST and not self._host.isModified():
            self._host.setText("")
        elif not text.strip() and not self._host.text() and not self._host.isModified():
            self._host.setText(DEFAULT_HOST)
        self._host_placeholder()

    def _host_placeholder(self) -> None:
        from_service = bool(self._service.text().strip())
        self._host.setPlaceholderText(
            "empty: from the service" if from_service else "empty: the local socket"
        )

    @Slot()
    def _sslmode_tooltip(self) -> None:
        description = self._sslmode.currentData(Qt.ItemDataRole.ToolTipRole)
        self._sslmode.setToolTip(str(description))

    # -- Test Connection -----------------------------------------------------------------
    @property
    def testing(self) -> bool:
        """Whether a Test Connection is running (and not abandoned)."""
        return self._task is not None

    @Slot()
    def _start_test(self) -> None:
        self._start_attempt(then_accept=False)

    def _start_attempt(self, *, then_accept: bool) -> None:
        if self._task is not None:
            return
        url = self.url()
        log.info("testing the connection to %s", url.display())
        task = Task(lambda: connect(url), _close_late_connection)
        task.done.connect(lambda backend: self._attempt_succeeded(task, backend, then_accept))
        task.failed.connect(lambda error: self._attempt_failed(task, error))
        self._task = task
        self._set_testing(True, "Stop" if then_accept else "Stop Test")
        self._show_status(f"Connecting to {self._where()}…", "busy")
        task.start()

    def _attempt_succeeded(self, task: Task, backend: Backend, then_accept: bool) -> None:
        try:
            version = backend.server_version()
        finally:
            backend.close()
        if task is not self._task:
            return
        self._task = None
        self._set_testing(False)
        self._show_status(f"Connected: {version}", "ok")
        if then_accept:
            super().accept()

    def _attempt_failed(self, task: Task, error: StoreError) -> None:
        if task is not self._task:
            return
        self._task = None
        self._set_testing(False)
        self._show_status(str(error), "error")
        if isinstance(error, PasswordNeededError):
            # The server asked for one (or refused it): the field to fix is the password.
            self._password.setFocus(Qt.FocusReason.OtherFocusReason)
            self._password.selectAll()

    def _abandon_test(self) -> bool:
        """Stop waiting for a running test or connect; False when none runs. (Its late
        connection still reaches `_close_late_connection`: background tasks live on until
        their result is delivered.)"""
        task = self._task
        if task is None:
            return False
        task.cancel()
        stopped = "Test stopped." if self._cancel_button.text() == "Stop Test" else "Stopped."
        self._task = None
        self._set_testing(False)
        self._show_status(stopped, "")
        return True

    def _set_testing(self, testing: bool, stop: str = "Stop Test") -> None:
        self._test_button.setEnabled(not testing)
        # Connect overtakes a running test, but not itself.
        self._connect_button.setEnabled(self._enough() and not (testing and stop == "Stop"))
        self._cancel_button.setText(stop if testing else "Cancel")
        self._cancel_button.setAccessibleName(stop if testing else "Cancel")

    def _where(self) -> str:
        host = self._host.text().strip()
        service = self._service.text().strip()
        if service and not host:
            return f"service {service}"
        return f"{host or DEFAULT_HOST}:{self._port.value()}"

    def _show_status(self, text: str, kind: str) -> None:
        """kind: "" (plain), "busy", "ok" or "error"."""
        self._status.setText(text)
        self._status.setStyleSheet(_ERROR_STYLE if kind == "error" else "")
        icons = {
            "ok": QStyle.StandardPixmap.SP_DialogApplyButton,
            "error": QStyle.StandardPixmap.SP_MessageBoxCritical,
            "busy": QStyle.StandardPixmap.SP_BrowserReload,
        }
        if kind in icons:
            self._status_icon.setPixmap(self.style().standardIcon(icons[kind]).pixmap(16, 16))
        else:
            self._status_icon.clear()
        # A long message wraps onto more lines: grow rather than squeeze the form, once the
        # layout has taken in the new text.
        QTimer.singleShot(0, self, self._fit_height)

    @Slot()
    def _fit_height(self) -> None:
        needed = self._layout.totalHeightForWidth(self.width())
        if needed > self.height():
            self.resize(self.width(), needed)

    # -- closing -------------------------------------------------------------------------
    def reject(self) -> None:
        """While a test runs, Cancel/Escape stops the test and keeps the dialog open."""
        if self._abandon_test():
            return
        super().reject()

    def accept(self) -> None:
        """Connect: try the address first; the dialog closes only once it works."""
        self._abandon_test()
        self._remember_attempt()
        self._start_attempt(then_accept=True)

    def _remember_attempt(self) -> None:
        parent = self.parentWidget()
        if parent is not None:
            parent.setProperty(_LAST_ATTEMPT, self.url().redacted())

    def closeEvent(self, event: QCloseEvent) -> None:
        self._abandon_test()
        super().closeEvent(event)


def _login_name() -> str:
    """The user name libpq uses when none is given."""
    return login_name() or "your login name"
