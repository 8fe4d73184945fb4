"""File ▸ Connect to Server…: the conninfo it builds, its labels, and Test Connection
against real endpoints (the test server, a closed port, a server that never answers)."""

from __future__ import annotations

import socket
import threading
import time

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QDialog, QLabel, QLineEdit, QPushButton, QSpinBox, QWidget

from desktop.store.backend import Backend
from desktop.store.urls import conninfo_parts
from desktop.ui.dialogs.connect_dialog import ConnectDialog

INPUTS = ("host", "port", "dbname", "user", "password", "sslmode", "service")


class StallingServer:
    """A TCP listener on 127.0.0.1 that accepts and then says nothing, like a host that hangs.

    With `forward_to`, `release()` starts piping the held connection to that real server;
    `client_closed` is set once the client closes its side.
    """

    def __init__(self, forward_to: tuple[str, int] | None = None) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self.listener.getsockname()[1]
        self.forward_to = forward_to
        self.accepted = threading.Event()
        self.released = threading.Event()
        self.client_closed = threading.Event()
        self.closing = False
        self.sockets: list[socket.socket] = [self.listener]
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        try:
            client, _ = self.listener.accept()
        except OSError:
            return
        self.sockets.append(client)
        self.accepted.set()
        self.released.wait()
        if self.closing or self.forward_to is None:
            return
        upstream = socket.create_connection(self.forward_to)
        self.sockets.append(upstream)
        threading.Thread(target=_pipe, args=(upstream, client), daemon=True).start()
        _pipe(client, upstream)
        self.client_closed.set()

    def release(self) -> None:
        self.released.set()

    def close(self) -> None:
        self.closing = True
        self.released.set()
        for sock in self.sockets:
            sock.close()


def _pipe(source: socket.socket, sink: socket.socket) -> None:
    try:
        while data := source.recv(65536):
            sink.sendall(data)
        sink.shutdown(socket.SHUT_WR)
    except OSError:
        pass


@pytest.fixture
def stalling_server():
    servers: list[StallingServer] = []

    def make(forward_to: tuple[str, int] | None = None) -> StallingServer:
        servers.append(StallingServer(forward_to))
        return servers[-1]

    yield make
    for server in servers:
        server.close()


@pytest.fixture
def make_dialog(qtbot):
    def make(initial=None) -> ConnectDialog:
        dialog = ConnectDialog(initial=initial)
        qtbot.addWidget(dialog)
        dialog.show()
        return dialog

    return make


@pytest.fixture
def server_parts(pg_admin_url) -> dict[str, str]:
    """The test server's address as libpq keys (may hold a password)."""
    return conninfo_parts(pg_admin_url)


def edit(dialog: QDialog, key: str) -> QLineEdit:
    field = dialog.findChild(QLineEdit, key)
    assert field is not None, key
    return field


def port_box(dialog: QDialog) -> QSpinBox:
    box = dialog.findChild(QSpinBox, "port")
    assert box is not None
    return box


def status(dialog: QDialog) -> QLabel:
    label = dialog.findChild(QLabel, "status")
    assert label is not None
    return label


def try_button(dialog: QDialog) -> QPushButton:
    button = dialog.findChild(QPushButton, "test")
    assert button is not None
    return button


def button(dialog: QDialog, name: str) -> QPushButton:
    found = [b for b in dialog.findChildren(QPushButton) if b.accessibleName() == name]
    assert len(found) == 1, name
    return found[0]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def start_test(qtbot, dialog: ConnectDialog) -> None:
    qtbot.mouseClick(try_button(dialog), Qt.MouseButton.LeftButton)


# -- the conninfo ------------------------------------------------------------------------------
def test_conninfo_quotes_spaces_quotes_and_backslashes(make_dialog):
    dialog = make_dialog()
    edit(dialog, "host").setText("db.example.com")
    port_box(dialog).setValue(6543)
    edit(dialog, "dbname").setText("my db")
    edit(dialog, "user").setText("o'brien")
    edit(dialog, "password").setText(r"pa\ss 'x'")
    sslmode = dialog.findChild(QComboBox, "sslmode")
    sslmode.setCurrentIndex(sslmode.findData("verify-full"))

    assert dialog.conninfo() == (
        "host=db.example.com port=6543 dbname='my db' user='o\\'brien' "
        "password='pa\\\\ss \\'x\\'' sslmode=verify-full"
    )
    assert conninfo_parts(dialog.conninfo()) == {
        "host": "db.example.com",
        "port": "6543",
        "dbname": "my db",
        "user": "o'brien",
        "password": r"pa\ss 'x'",
        "sslmode": "verify-full",
    }
    url = dialog.url()
    assert url.dialect == "postgresql"
    assert url.target == dialog.conninfo()
    assert "pa" not in url.redacted() and "pa" not in url.display()


def test_conninfo_round_trips_through_psycopg(make_dialog):
    from psycopg.conninfo import conninfo_to_dict

    dialog = make_dialog()
    edit(dialog, "dbname").setText(r"odd = 'name' \ here")
    edit(dialog, "password").setText("p w")
    parsed = conninfo_to_dict(dialog.conninfo())
    assert parsed["dbname"] == r"odd = 'name' \ here"
    assert parsed["password"] == "p w"


def test_empty_fields_and_empty_password_are_left_out(make_dialog):
    dialog = make_dialog()
    edit(dialog, "dbname").setText("postdesk")
    assert dialog.conninfo() == "host=localhost port=5432 dbname=postdesk sslmode=prefer"
    edit(dialog, "host").setText("")
    edit(dialog, "user").setText("  ")
    assert dialog.conninfo() == "port=5432 dbname=postdesk sslmode=prefer"


def test_service_leaves_defaults_to_the_service_file(qtbot, make_dialog):
    dialog = make_dialog()
    qtbot.keyClicks(edit(dialog, "service"), "prod")
    # The untouched default host gave way, so the service decides host, port and SSL mode.
    assert edit(dialog, "host").text() == ""
    assert dialog.conninfo() == "service=prod"
    port_box(dialog).setValue(6000)
    assert dialog.conninfo() == "service=prod port=6000"
    port_box(dialog).setValue(5432)
    qtbot.keyClicks(edit(dialog, "host"), "db2")
    assert dialog.conninfo() == "service=prod host=db2 port=5432"
    edit(dialog, "service").selectAll()
    qtbot.keyClick(edit(dialog, "service"), Qt.Key.Key_Delete)
    assert edit(dialog, "host").text() == "db2"  # typed by the person: kept


def test_clearing_the_service_brings_back_the_default_host(qtbot, make_dialog):
    dialog = make_dialog()
    qtbot.keyClicks(edit(dialog, "service"), "x")
    qtbot.keyClick(edit(dialog, "service"), Qt.Key.Key_Backspace)
    assert edit(dialog, "host").text() == "localhost"


def test_initial_prefills_the_fields_but_never_a_password(make_dialog):
    dialog = make_dialog(
        {
            "host": "db.example.com",
            "port": "6543",
            "dbname": "sales",
            "user": "ann",
            "sslmode": "require",
            "password": "leaked",
            "connect_timeout": "3",
        }
    )
    assert edit(dialog, "host").text() == "db.example.com"
    assert port_box(dialog).value() == 6543
    assert edit(dialog, "dbname").text() == "sales"
    assert edit(dialog, "user").text() == "ann"
    assert edit(dialog, "password").text() == ""
    assert dialog.findChild(QComboBox, "sslmode").currentData() == "require"
    assert dialog.conninfo() == (
        "host=db.example.com port=6543 dbname=sales user=ann sslmode=require connect_timeout=3"
    )


def test_initial_without_host_keeps_the_local_socket_and_service(make_dialog):
    assert make_dialog({"dbname": "x"}).conninfo() == "port=5432 dbname=x sslmode=prefer"
    assert make_dialog({"service": "prod"}).conninfo() == "service=prod"


def test_connect_needs_a_database_or_a_service(make_dialog):
    dialog = make_dialog()
    connect = button(dialog, "Connect")
    assert connect.isDefault()
    assert not connect.isEnabled()
    edit(dialog, "user").setText("ann")
    assert not connect.isEnabled()
    edit(dialog, "dbname").setText("postdesk")
    assert connect.isEnabled()
    edit(dialog, "dbname").setText("   ")
    assert not connect.isEnabled()
    edit(dialog, "service").setText("prod")
    assert connect.isEnabled()


def test_every_input_has_a_label_with_a_mnemonic_and_an_accessible_name(make_dialog):
    dialog = make_dialog()
    buddies = {label.buddy(): label for label in dialog.findChildren(QLabel) if label.buddy()}
    mnemonics = set()
    for key in INPUTS:
        field = dialog.findChild(QWidget, key)
        assert isinstance(field, (QLineEdit, QSpinBox, QComboBox)), key
        assert field.accessibleName(), key
        assert field in buddies, f"{key} has no label"
        text = buddies[field].text()
        assert "&" in text, text
        mnemonics.add(text[text.index("&") + 1].lower())
    assert len(mnemonics) == len(INPUTS)
    assert dialog.windowTitle() == "Connect to Server"
    assert dialog.minimumWidth() >= 420
    assert edit(dialog, "password").echoMode() == QLineEdit.EchoMode.Password
    assert try_button(dialog).accessibleName() == "Test Connection"
    assert status(dialog).wordWrap()


def test_tab_goes_through_the_fields_in_reading_order(qtbot, make_dialog):
    dialog = make_dialog()
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    edit(dialog, "host").setFocus()
    order = [*INPUTS[1:], "test"]
    for key in order:
        qtbot.keyClick(dialog.focusWidget(), Qt.Key.Key_Tab)
        assert dialog.focusWidget() is dialog.findChild(QWidget, key), key


# -- Test Connection against real endpoints ---------------------------------------------------
@pytest.mark.postgres
def test_test_connection_reaches_the_real_server(qtbot, make_dialog, server_parts):
    dialog = make_dialog(server_parts)
    edit(dialog, "password").setText(server_parts.get("password", ""))
    start_test(qtbot, dialog)
    opened: list[Backend] = []
    dialog._task.done.connect(opened.append)
    assert status(dialog).text().startswith("Connecting to ")
    assert not try_button(dialog).isEnabled()
    qtbot.waitUntil(lambda: status(dialog).text().startswith("Connected: PostgreSQL "))
    assert opened[0].conn.closed  # the test connection is not left open
    assert try_button(dialog).isEnabled()
    assert not dialog.testing
    assert dialog.isVisible()


def test_a_closed_port_is_reported_in_plain_words(qtbot, make_dialog, caplog):
    caplog.set_level("DEBUG")
    port = free_port()
    dialog = make_dialog({"host": "127.0.0.1", "port": str(port), "dbname": "postdesk"})
    edit(dialog, "password").setText("s3cret-pw")
    start_test(qtbot, dialog)
    assert status(dialog).text() == f"Connecting to 127.0.0.1:{port}…"
    qtbot.waitUntil(lambda: not dialog.testing)
    assert status(dialog).text().startswith(f"Nothing answers at 127.0.0.1:{port}")
    assert "color" in status(dialog).styleSheet()
    assert try_button(dialog).isEnabled()
    assert "s3cret-pw" not in caplog.text


@pytest.mark.postgres
def test_a_missing_database_is_reported_in_plain_words(qtbot, make_dialog, server_parts):
    dialog = make_dialog({**server_parts, "dbname": "postdesk_no_such_database"})
    edit(dialog, "password").setText(server_parts.get("password", ""))
    start_test(qtbot, dialog)
    qtbot.waitUntil(lambda: not dialog.testing)
    assert status(dialog).text().startswith(
        "There is no database named 'postdesk_no_such_database'"
    )


def test_editing_a_field_clears_an_old_result(qtbot, make_dialog):
    dialog = make_dialog({"host": "127.0.0.1", "port": str(free_port()), "dbname": "x"})
    start_test(qtbot, dialog)
    qtbot.waitUntil(lambda: not dialog.testing)
    assert status(dialog).text()
    qtbot.keyClicks(edit(dialog, "dbname"), "y")
    assert status(dialog).text() == ""
    assert status(dialog).styleSheet() == ""


def test_cancel_while_hanging_stops_the_test_at_once_and_a_second_cancel_closes(
    qtbot, make_dialog, stalling_server
):
    server = stalling_server()
    dialog = make_dialog({"host": "127.0.0.1", "port": str(server.port), "dbname": "x"})
    start_test(qtbot, dialog)
    task = dialog._task
    assert server.accepted.wait(5)
    assert button(dialog, "Stop Test").isEnabled()

    started = time.monotonic()
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    # Not after the stalled connect's own 10 s limit: a loaded machine still leaves margin.
    assert time.monotonic() - started < 5
    assert try_button(dialog).isEnabled()
    assert not dialog.testing
    assert dialog.isVisible()
    assert status(dialog).text() == "Test stopped."

    # The server finally hangs up: the late failure is dropped, the status stays.
    server.close()
    qtbot.waitUntil(lambda: not task.running)
    assert status(dialog).text() == "Test stopped."

    qtbot.mouseClick(button(dialog, "Cancel"), Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    assert dialog.result() == QDialog.DialogCode.Rejected


@pytest.mark.postgres
def test_a_late_connection_after_cancel_is_closed_unseen(
    qtbot, make_dialog, stalling_server, server_parts
):
    target = (server_parts.get("host", "127.0.0.1"), int(server_parts.get("port", "5432")))
    if target[0].startswith("/"):
        pytest.skip("the test server is reached through a Unix socket")
    server = stalling_server(forward_to=target)
    dialog = make_dialog({**server_parts, "host": "127.0.0.1", "port": str(server.port)})
    edit(dialog, "password").setText(server_parts.get("password", ""))
    start_test(qtbot, dialog)
    task = dialog._task
    # Keep the late result alive, so a close seen below is the dialog's, not the GC's.
    late: list[Backend] = []
    close_late = task._discard

    def keep_and_discard(result):
        late.append(result)
        close_late(result)

    task._discard = keep_and_discard
    assert server.accepted.wait(5)
    qtbot.mouseClick(button(dialog, "Stop Test"), Qt.MouseButton.LeftButton)
    assert try_button(dialog).isEnabled()

    server.release()  # the connection now completes, after nobody waits for it any more
    qtbot.waitUntil(lambda: not task.running)
    assert len(late) == 1 and late[0].conn.closed
    qtbot.waitUntil(server.client_closed.is_set)
    assert status(dialog).text() == "Test stopped."


def test_connect_while_testing_abandons_the_test_and_tries_the_address_itself(
    qtbot, make_dialog, stalling_server
):
    server = stalling_server()
    dialog = make_dialog({"host": "127.0.0.1", "port": str(server.port), "dbname": "x"})
    start_test(qtbot, dialog)
    assert server.accepted.wait(5)
    qtbot.mouseClick(button(dialog, "Connect"), Qt.MouseButton.LeftButton)
    assert dialog.isVisible()  # not before a connection worked
    assert status(dialog).text() == f"Connecting to 127.0.0.1:{server.port}…"
    assert not button(dialog, "Connect").isEnabled()

    qtbot.mouseClick(button(dialog, "Stop"), Qt.MouseButton.LeftButton)
    assert dialog.isVisible() and not dialog.testing
    assert status(dialog).text() == "Stopped."
    assert conninfo_parts(dialog.url().target)["port"] == str(server.port)


# -- Connect: the dialog closes only on success, and keeps what was typed --------------------------


def fill(qtbot, dialog: ConnectDialog, values: dict[str, str]) -> None:
    for key, value in values.items():
        if key == "port":
            port_box(dialog).setValue(int(value))
        else:
            field = edit(dialog, key)
            field.clear()
            qtbot.keyClicks(field, value)


@pytest.fixture
def window(qtbot) -> QWidget:
    """The dialog's parent, which remembers the last attempt."""
    parent = QWidget()
    qtbot.addWidget(parent)
    return parent


def connect_and_wait(qtbot, dialog: ConnectDialog) -> None:
    qtbot.mouseClick(button(dialog, "Connect"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.testing, timeout=15_000)


def test_a_failed_connect_keeps_the_dialog_open_with_every_field_as_typed(qtbot, window):
    port = free_port()
    dialog = ConnectDialog(window)
    qtbot.addWidget(dialog)
    dialog.show()
    typed = {"host": "127.0.0.1", "port": str(port), "dbname": "sales", "user": "ann"}
    fill(qtbot, dialog, typed)
    fill(qtbot, dialog, {"password": "pw with % and space"})

    connect_and_wait(qtbot, dialog)

    assert dialog.isVisible()
    assert dialog.result() != QDialog.DialogCode.Accepted
    assert status(dialog).text().startswith(f"Nothing answers at 127.0.0.1:{port}")
    for key, value in typed.items():
        shown = str(port_box(dialog).value()) if key == "port" else edit(dialog, key).text()
        assert shown == value, key
    assert edit(dialog, "password").text() == "pw with % and space"
    assert button(dialog, "Connect").isEnabled()

    # Closed, and opened again later: the last attempt, without its password.
    qtbot.mouseClick(button(dialog, "Cancel"), Qt.MouseButton.LeftButton)
    again = ConnectDialog(window, {"host": "elsewhere", "dbname": "other"})
    qtbot.addWidget(again)
    assert edit(again, "host").text() == "127.0.0.1"
    assert port_box(again).value() == port
    assert edit(again, "dbname").text() == "sales"
    assert edit(again, "user").text() == "ann"
    assert edit(again, "password").text() == ""
    assert "pw with" not in str(window.property("connectDialogLastAttempt"))


@pytest.mark.postgres
def test_a_database_missing_on_the_real_server_keeps_the_dialog_open(
    qtbot, window, server_parts
):
    dialog = ConnectDialog(window, {**server_parts, "dbname": "postdesk_no_such_database"})
    qtbot.addWidget(dialog)
    dialog.show()
    edit(dialog, "password").setText(server_parts.get("password", ""))

    connect_and_wait(qtbot, dialog)

    assert dialog.isVisible()
    assert status(dialog).text().startswith(
        "There is no database named 'postdesk_no_such_database'"
    )
    assert edit(dialog, "dbname").text() == "postdesk_no_such_database"

    fill(qtbot, dialog, {"dbname": server_parts.get("dbname", "postgres")})
    with qtbot.waitSignal(dialog.accepted, timeout=15_000):
        qtbot.mouseClick(button(dialog, "Connect"), Qt.MouseButton.LeftButton)
    assert dialog.result() == QDialog.DialogCode.Accepted


@pytest.mark.slow
def test_a_server_that_never_answers_is_given_up_within_ten_seconds(
    qtbot, make_dialog, stalling_server
):
    server = stalling_server()
    dialog = make_dialog({"host": "127.0.0.1", "port": str(server.port), "dbname": "x"})
    started = time.monotonic()
    start_test(qtbot, dialog)
    qtbot.waitUntil(lambda: not dialog.testing, timeout=12_000)
    assert time.monotonic() - started < 11.5
    assert "did not answer in time" in status(dialog).text()


def test_screenshot_of_the_filled_in_dialog(qtbot, make_dialog, tmp_path):
    dialog = make_dialog(
        {"host": "127.0.0.1", "port": "5432", "dbname": "postdesk", "user": "postgres"}
    )
    edit(dialog, "password").setText("secret")
    qtbot.waitExposed(dialog)
    shot = tmp_path / "connect_dialog.png"
    assert dialog.grab().save(str(shot))
    image = dialog.grab().toImage()
    assert image.width() >= 420 and image.height() >= 200


def test_a_long_message_grows_the_dialog_instead_of_squeezing_the_form(qtbot, make_dialog):
    dialog = make_dialog({"dbname": "x"})
    qtbot.waitExposed(dialog)
    height = dialog.height()
    dialog._show_status("Could not connect to somewhere: " + "a long reason " * 30, "error")
    qtbot.waitUntil(lambda: dialog.height() > height)
    assert status(dialog).height() >= status(dialog).heightForWidth(status(dialog).width())
