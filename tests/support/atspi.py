"""What a screen reader sees: the AT-SPI tree of a running app, read over D-Bus.

`AccessibilityBus` starts a private D-Bus session bus; the AT-SPI bus launcher and registry
(Debian's `at-spi2-core`) are started on it by D-Bus activation, exactly as on a desktop.
An app started with `env()` (under a virtual X screen: Qt's offscreen platform has no
accessibility bridge) registers with that registry, and `Reader` walks its tree through the
same calls Orca makes: names, descriptions, states, text, table headers, and the
`Object:Announcement` events that ask for something to be spoken.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from types import TracebackType
from typing import Any

from jeepney import DBusAddress, MatchRule, MessageType, new_method_call
from jeepney.io.blocking import DBusConnection, open_dbus_connection

LAUNCHER = "/usr/libexec/at-spi-bus-launcher"
REGISTRY = "/usr/libexec/at-spi2-registryd"
ACCESSIBLE = "org.a11y.atspi.Accessible"
ROOT = ("org.a11y.atspi.Registry", "/org/a11y/atspi/accessible/root")
CALL_TIMEOUT = 10.0

# AtspiStateType: the bit numbers of GetState's two words.
EDITABLE = 7
FOCUSABLE = 11
FOCUSED = 12
READ_ONLY = 43
LABELLED_BY = 2  # AtspiRelationType


def missing_programs() -> list[str]:
    """What this machine lacks to run the accessibility tests (empty: nothing)."""
    wanted = {"dbus-daemon": shutil.which("dbus-daemon"), "Xvfb": shutil.which("Xvfb")}
    missing = [name for name, found in wanted.items() if not found]
    return missing + [path for path in (LAUNCHER, REGISTRY) if not os.path.exists(path)]


class AccessibilityBus:
    """A private session bus (and through it the AT-SPI bus) for one test module."""

    def __init__(self) -> None:
        self.folder = tempfile.mkdtemp(prefix="postdesk-atspi-")
        self.daemon: subprocess.Popen[str] | None = None
        self.address = ""
        self._launcher_pid: int | None = None

    def __enter__(self) -> AccessibilityBus:
        # The launcher is started by the daemon: it inherits this environment, so its bus
        # socket goes to the private folder, not to the person's own runtime folder.
        env = {**os.environ, "XDG_RUNTIME_DIR": self.folder, "HOME": self.folder}
        self.daemon = subprocess.Popen(
            ["dbus-daemon", "--session", "--nofork", "--print-address=1",
             f"--address=unix:dir={self.folder}"],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        )
        assert self.daemon.stdout is not None
        self.address = self.daemon.stdout.readline().strip()  # written once it listens
        if not self.address:
            self.__exit__(None, None, None)
            raise RuntimeError("dbus-daemon did not start")
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # The launcher takes its own bus and the registry down with it.
        if self._launcher_pid is not None:
            _terminate_pid(self._launcher_pid)
        if self.daemon is not None:
            self.daemon.terminate()
            self.daemon.wait(timeout=10)
            assert self.daemon.stdout is not None
            self.daemon.stdout.close()
        shutil.rmtree(self.folder, ignore_errors=True)

    def env(self, base: dict[str, str]) -> dict[str, str]:
        """What an app needs to expose its tree on this bus."""
        return {
            **base,
            "DBUS_SESSION_BUS_ADDRESS": self.address,
            "XDG_RUNTIME_DIR": self.folder,
            "QT_LINUX_ACCESSIBILITY_ALWAYS_ON": "1",
        }

    def reader(self) -> Reader:
        """Start the AT-SPI bus (by asking for its address) and connect to it."""
        with open_dbus_connection(self.address) as session:
            bus = DBusAddress("/org/a11y/bus", "org.a11y.Bus", "org.a11y.Bus")
            a11y_address = _body(session, new_method_call(bus, "GetAddress"))[0]
            dbus = DBusAddress("/org/freedesktop/DBus", "org.freedesktop.DBus",
                               "org.freedesktop.DBus")
            pid_call = new_method_call(dbus, "GetConnectionUnixProcessID", "s", ("org.a11y.Bus",))
            self._launcher_pid = int(_body(session, pid_call)[0])
        return Reader(open_dbus_connection(a11y_address))


def _terminate_pid(pid: int) -> None:
    try:
        os.kill(pid, 15)
    except ProcessLookupError:
        return


def _body(connection: DBusConnection, message: Any) -> tuple[Any, ...]:
    reply = connection.send_and_get_reply(message, timeout=CALL_TIMEOUT)
    if reply.header.message_type == MessageType.error:
        raise RuntimeError(f"D-Bus error: {reply.header.fields} {reply.body}")
    return tuple(reply.body)


@dataclass(frozen=True)
class Node:
    """One accessible object, read afresh on every call."""

    reader: Reader
    bus_name: str
    path: str

    def _call(self, interface: str, method: str, signature: str | None = None,
              body: tuple[Any, ...] = ()) -> tuple[Any, ...]:
        return self.reader.call(self.bus_name, self.path, interface, method, signature, body)

    def _property(self, name: str) -> Any:
        return self._call("org.freedesktop.DBus.Properties", "Get", "ss", (ACCESSIBLE, name))[0][1]

    @property
    def name(self) -> str:
        return str(self._property("Name"))

    @property
    def description(self) -> str:
        return str(self._property("Description"))

    @property
    def role(self) -> str:
        return str(self._call(ACCESSIBLE, "GetRoleName")[0])

    @property
    def states(self) -> set[int]:
        words = self._call(ACCESSIBLE, "GetState")[0]
        bits = range(32)
        return {32 * i + bit for i, word in enumerate(words) for bit in bits if word >> bit & 1}

    @property
    def interfaces(self) -> list[str]:
        return [str(name) for name in self._call(ACCESSIBLE, "GetInterfaces")[0]]

    @property
    def children(self) -> list[Node]:
        # An empty Qt table lists a child with no bus name (a cell it cannot find): not
        # an object anyone can ask anything, so it is left out as a screen reader leaves it.
        children = self._call(ACCESSIBLE, "GetChildren")[0]
        return [self.reader.node(bus, path) for bus, path in children if bus]

    @property
    def text(self) -> str:
        return str(self._call("org.a11y.atspi.Text", "GetText", "ii", (0, -1))[0])

    def labels(self) -> list[str]:
        """The names of the labels this object is labelled by."""
        relations = self._call(ACCESSIBLE, "GetRelationSet")[0]
        return [self.reader.node(bus, path).name
                for kind, targets in relations if kind == LABELLED_BY for bus, path in targets]

    def column_headers(self) -> list[str]:
        """A table's column headers, as the Table interface gives them to a screen reader."""
        table = "org.a11y.atspi.Table"
        count = int(self._call("org.freedesktop.DBus.Properties", "Get", "ss",
                               (table, "NColumns"))[0][1])
        headers = []
        for column in range(count):
            bus, path = self._call(table, "GetColumnHeader", "i", (column,))[0]
            headers.append(self.reader.node(bus, path).name)
        return headers

    def cell_headers(self) -> list[str]:
        """The column headers of a table cell (AT-SPI's TableCell interface)."""
        cells = self._call("org.a11y.atspi.TableCell", "GetColumnHeaderCells")[0]
        return [self.reader.node(bus, path).name for bus, path in cells]

    def walk(self, depth: int = 40) -> Iterator[Node]:
        yield self
        if depth:
            for child in self.children:
                yield from child.walk(depth - 1)

    def find(self, condition: Callable[[Node], bool]) -> Node:
        for node in self.walk():
            if condition(node):
                return node
        raise LookupError("no such accessible object")


class Reader:
    """A client of the AT-SPI bus: what Orca asks, asked by a test."""

    def __init__(self, connection: DBusConnection) -> None:
        self.connection = connection

    def close(self) -> None:
        self.connection.close()

    def call(self, bus_name: str, path: str, interface: str, method: str,
             signature: str | None = None, body: tuple[Any, ...] = ()) -> tuple[Any, ...]:
        address = DBusAddress(path, bus_name, interface)
        return _body(self.connection, new_method_call(address, method, signature, body))

    def node(self, bus_name: str, path: str) -> Node:
        return Node(self, bus_name, path)

    def applications(self) -> list[Node]:
        return self.node(*ROOT).children

    def wait_for_application(self, timeout: float = 15.0) -> Node:
        """The first app registered with the registry (apps register as they start)."""
        deadline = time.monotonic() + timeout
        while True:
            apps = self.applications()
            if apps and apps[0].children:
                return apps[0]
            if time.monotonic() > deadline:
                raise TimeoutError("no application registered with the accessibility registry")
            time.sleep(0.05)  # polling the registry: it has no "registered" signal to wait on

    def listen_for(self, event: str, app: Node) -> None:
        """Ask `app` to send an event, such as "Object:Announcement": Qt sends only what
        a listener registered for, and tells the names apart by case."""
        registry = DBusAddress("/org/a11y/atspi/registry", "org.a11y.atspi.Registry",
                               "org.a11y.atspi.Registry")
        _body(self.connection, new_method_call(registry, "RegisterEvent", "s", (event,)))
        # The registry told the app before it answered us, and the bus keeps order: once the
        # app answers a call of ours, it has taken the news in.
        assert app.role

    def announcements(self, act: Callable[[], None], expected: str,
                      timeout: float = 10.0) -> list[str]:
        """Do `act`, then collect the announcements sent until `expected` is among them."""
        rule = MatchRule(type="signal", interface="org.a11y.atspi.Event.Object",
                         member="Announcement")
        dbus = DBusAddress("/org/freedesktop/DBus", "org.freedesktop.DBus", "org.freedesktop.DBus")
        _body(self.connection, new_method_call(dbus, "AddMatch", "s", (rule.serialise(),)))
        heard: list[str] = []
        with self.connection.filter(rule) as queue:
            act()
            deadline = time.monotonic() + timeout
            while expected not in heard:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"never announced: {expected!r}; heard {heard}")
                message = self.connection.recv_until_filtered(queue, timeout=left)
                # Announcement(kind, detail1 = politeness, detail2, any_data = the text, ...)
                heard.append(str(message.body[3][1]))
        return heard
