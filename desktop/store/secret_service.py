"""A keyring backend for the freedesktop Secret Service (gnome-keyring, KeePassXC, KWallet
5.97+) spoken over D-Bus with jeepney.

keyring's own SecretService backend goes through SecretStorage, which needs `cryptography`
(11.6 MB in the bundle) for the encrypted "dh-ietf1024-sha256-aes128-cbc-pkcs7" session.
This one opens a "plain" session, which the Secret Service specification allows: the
session bus is local to the person, the same process boundary the daemon already trusts.

Only the default collection (the "login" keyring) is used. A locked collection is not
unlocked: that needs the daemon's Prompt, a window of its own; it is reported as
unavailable instead, and the person types the password.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from jeepney import DBusAddress, DBusErrorResponse, Properties, new_method_call
from jeepney.io.blocking import DBusConnection, open_dbus_connection
from jeepney.wrappers import unwrap_msg
from keyring.backend import KeyringBackend
from keyring.compat import properties
from keyring.errors import InitError, KeyringLocked, PasswordDeleteError, PasswordSetError

SECRETS = "org.freedesktop.secrets"
SERVICE = DBusAddress("/org/freedesktop/secrets", SECRETS, "org.freedesktop.Secret.Service")
BUS = DBusAddress("/org/freedesktop/DBus", "org.freedesktop.DBus", "org.freedesktop.DBus")
COLLECTION_INTERFACE = "org.freedesktop.Secret.Collection"
ITEM_INTERFACE = "org.freedesktop.Secret.Item"
NO_OBJECT = "/"
CONTENT_TYPE = "text/plain; charset=utf8"
APPLICATION = "Postdesk"
# A hung daemon must not hang the app: every call gives up after this long.
REPLY_TIMEOUT_S = 10.0


class SecretServiceUnavailable(InitError):
    """No Secret Service on the session bus, no default collection, or a locked one."""


class SecretServiceKeyring(KeyringBackend):
    """Passwords as items of the Secret Service's default collection, found by the
    attributes `service` and `username` (the ones keyring's own backend uses)."""

    def __init__(self) -> None:
        """keyring's own __init__ only reads KEYRING_PROPERTY_* settings: this has none."""

    @properties.classproperty
    def priority(cls) -> float:
        reason = unavailable_reason()
        if reason is not None:
            raise RuntimeError(reason)
        return 5.5  # above keyring's SecretService (5): same daemon, no cryptography

    def get_password(self, service: str, username: str) -> str | None:
        with _session() as session:
            items = session.find(service, username)
            if not items:
                return None
            return session.secret_of(items[0])

    def set_password(self, service: str, username: str, password: str) -> None:
        try:
            with _session() as session:
                session.store(service, username, password)
        except DBusErrorResponse as exc:
            raise PasswordSetError(exc.name) from exc

    def delete_password(self, service: str, username: str) -> None:
        with _session() as session:
            items = session.find(service, username)
            if not items:
                raise PasswordDeleteError("no such password in the system keychain")
            for item in items:
                session.delete(item)


def unavailable_reason() -> str | None:
    """Why the Secret Service cannot keep a password now, in plain words; None when it can."""
    try:
        with _session():
            return None
    except SecretServiceUnavailable as exc:
        return str(exc)
    except (OSError, KeyError, ValueError, DBusErrorResponse, TimeoutError):
        return "No system keychain (Secret Service) can be reached here."


def remembered_count(service: str) -> int:
    """How many passwords of `service` the default keyring holds, each read to prove it can
    be (and dropped at once)."""
    with _session() as session:
        items = session.find_all(service)
        for item in items:
            session.secret_of(item)
        return len(items)


class _Session:
    """One "plain" Secret Service session on an open connection, over the default collection."""

    def __init__(self, connection: DBusConnection) -> None:
        self.connection = connection
        output_and_path = self.call(SERVICE, "OpenSession", "sv", ("plain", ("s", "")))
        self.path: str = output_and_path[1]
        self.collection = self._default_collection()

    def call(self, address: DBusAddress, method: str, signature: str | None = None,
             body: tuple[Any, ...] = ()) -> tuple[Any, ...]:  # fmt: skip
        message = new_method_call(address, method, signature, body)
        reply = self.connection.send_and_get_reply(message, timeout=REPLY_TIMEOUT_S)
        result: tuple[Any, ...] = unwrap_msg(reply)
        return result

    def _default_collection(self) -> DBusAddress:
        (path,) = self.call(SERVICE, "ReadAlias", "s", ("default",))
        if path == NO_OBJECT:
            raise SecretServiceUnavailable("The system keychain has no default keyring.")
        collection = DBusAddress(path, SECRETS, COLLECTION_INTERFACE)
        ((_signature, locked),) = self._property(collection, "Locked")
        if locked:
            raise SecretServiceUnavailable("The system keychain is locked.")
        return collection

    def _property(self, address: DBusAddress, name: str) -> tuple[Any, ...]:
        reply = self.connection.send_and_get_reply(
            Properties(address).get(name), timeout=REPLY_TIMEOUT_S
        )
        result: tuple[Any, ...] = unwrap_msg(reply)
        return result

    def find(self, service: str, username: str) -> list[str]:
        return self.find_all(service, username=username)

    def find_all(self, service: str, **more: str) -> list[str]:
        attributes = {"service": service, **more}
        (items,) = self.call(self.collection, "SearchItems", "a{ss}", (attributes,))
        found: list[str] = list(items)
        return found

    def secret_of(self, item: str) -> str:
        address = DBusAddress(item, SECRETS, ITEM_INTERFACE)
        try:
            ((_session, _parameters, value, _content_type),) = self.call(
                address, "GetSecret", "o", (self.path,)
            )
        except DBusErrorResponse as exc:
            if exc.name == "org.freedesktop.Secret.Error.IsLocked":
                raise KeyringLocked("The system keychain is locked.") from exc
            raise
        return bytes(value).decode("utf-8")

    def store(self, service: str, username: str, password: str) -> None:
        attributes = {"service": service, "username": username, "application": APPLICATION}
        item_properties = {
            f"{ITEM_INTERFACE}.Label": ("s", f"Password for '{username}' on '{service}'"),
            f"{ITEM_INTERFACE}.Attributes": ("a{ss}", attributes),
        }
        secret = (self.path, b"", password.encode("utf-8"), CONTENT_TYPE)
        _item, prompt = self.call(
            self.collection, "CreateItem", "a{sv}(oayays)b", (item_properties, secret, True)
        )
        if prompt != NO_OBJECT:  # the collection locked itself meanwhile
            raise KeyringLocked("The system keychain is locked.")

    def delete(self, item: str) -> None:
        (prompt,) = self.call(DBusAddress(item, SECRETS, ITEM_INTERFACE), "Delete")
        if prompt != NO_OBJECT:
            raise KeyringLocked("The system keychain is locked.")

    def close(self) -> None:
        self.call(DBusAddress(self.path, SECRETS, "org.freedesktop.Secret.Session"), "Close")


@contextmanager
def _session() -> Iterator[_Session]:
    """A connection to the session bus and a plain session on it, both closed after."""
    address = _session_bus_address()
    if address is None:
        raise SecretServiceUnavailable("No D-Bus session bus is running here.")
    with open_dbus_connection(bus=address) as connection:
        if not _service_reachable(connection):
            raise SecretServiceUnavailable("No system keychain (Secret Service) is running here.")
        session = _Session(connection)
        try:
            yield session
        finally:
            session.close()


def _session_bus_address() -> str | None:
    """$DBUS_SESSION_BUS_ADDRESS, else $XDG_RUNTIME_DIR/bus as libdbus finds it (jeepney
    reads only the variable; systemd sessions may leave it unset)."""
    address = os.environ.get("DBUS_SESSION_BUS_ADDRESS")
    if address:
        return address
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    if runtime and os.path.exists(os.path.join(runtime, "bus")):
        return f"unix:path={os.path.join(runtime, 'bus')}"
    return None


def _service_reachable(connection: DBusConnection) -> bool:
    """The daemon is running, or D-Bus can start it on the first call."""
    reply = connection.send_and_get_reply(
        new_method_call(BUS, "NameHasOwner", "s", (SECRETS,)), timeout=REPLY_TIMEOUT_S
    )
    if unwrap_msg(reply)[0]:
        return True
    reply = connection.send_and_get_reply(
        new_method_call(BUS, "ListActivatableNames"), timeout=REPLY_TIMEOUT_S
    )
    return SECRETS in unwrap_msg(reply)[0]
