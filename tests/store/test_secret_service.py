"""The app's own Secret Service backend (desktop/store/secret_service.py) against a real
gnome-keyring on a private D-Bus (tests/support/keyring_session.py): what it stores is an
item of the login keyring that another Secret Service client finds, never a file in
plain text; a locked keyring or no session bus is "no keychain", in plain words.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from jeepney import new_method_call
from jeepney.io.blocking import open_dbus_connection
from jeepney.wrappers import unwrap_msg

from desktop.store import secrets
from desktop.store.secret_service import SERVICE, SecretServiceKeyring
from desktop.store.urls import parse_url
from tests.support import keyring_session as keychains
from tests.support.keyring_session import KeychainSession, files_holding

SERVICE_NAME = "Postdesk"
ROLE = "writer@db.example:5432"
PASSWORD = "Pässwörd ü€ 鍵 %@:/?#'"


@pytest.fixture
def gnome_keyring(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[KeychainSession]:
    missing = keychains.gnome_keyring_missing()
    if missing is not None:
        pytest.skip(missing)  # keyring_session fails instead where CI is set
    yield from keychains.keychain_for(tmp_path, monkeypatch)


def lock_default_keyring() -> None:
    with open_dbus_connection(bus="SESSION") as connection:
        reply = connection.send_and_get_reply(
            new_method_call(SERVICE, "ReadAlias", "s", ("default",))
        )
        (collection,) = unwrap_msg(reply)
        reply = connection.send_and_get_reply(
            new_method_call(SERVICE, "Lock", "ao", ([collection],))
        )
        locked, prompt = unwrap_msg(reply)
    assert (locked, prompt) == ([collection], "/"), "gnome-keyring locks without a prompt"


def item_count(service: str, username: str) -> int:
    attributes = {"service": service, "username": username}
    with open_dbus_connection(bus="SESSION") as connection:
        reply = connection.send_and_get_reply(
            new_method_call(SERVICE, "SearchItems", "a{ss}", (attributes,))
        )
        unlocked, locked = unwrap_msg(reply)
    return len(unlocked) + len(locked)


def test_a_password_is_an_item_of_the_login_keyring_and_never_a_plain_file(
    gnome_keyring: KeychainSession,
) -> None:
    SecretServiceKeyring().set_password(SERVICE_NAME, ROLE, PASSWORD)

    # A new connection, as at the next launch, reads it back.
    assert SecretServiceKeyring().get_password(SERVICE_NAME, ROLE) == PASSWORD
    assert SecretServiceKeyring().get_password(SERVICE_NAME, "someone@else:5432") is None
    assert item_count(SERVICE_NAME, ROLE) == 1
    assert files_holding(gnome_keyring.home, PASSWORD) == []

    SecretServiceKeyring().delete_password(SERVICE_NAME, ROLE)
    assert item_count(SERVICE_NAME, ROLE) == 0
    assert SecretServiceKeyring().get_password(SERVICE_NAME, ROLE) is None


def test_keyrings_own_secret_service_backend_reads_what_the_app_stored(
    gnome_keyring: KeychainSession,
) -> None:
    """The same attributes as keyring's SecretService backend: a password kept by either is
    found by the other (SecretStorage is a test-only dependency here, through keyring)."""
    pytest.importorskip("secretstorage")
    from keyring.backends import SecretService

    SecretServiceKeyring().set_password(SERVICE_NAME, ROLE, PASSWORD)
    keyrings_own: Any = SecretService.Keyring
    theirs = keyrings_own()
    assert theirs.get_password(SERVICE_NAME, ROLE) == PASSWORD


def test_storing_again_replaces_the_password(gnome_keyring: KeychainSession) -> None:
    backend = SecretServiceKeyring()
    backend.set_password(SERVICE_NAME, ROLE, "first")
    backend.set_password(SERVICE_NAME, ROLE, PASSWORD)
    assert item_count(SERVICE_NAME, ROLE) == 1
    assert backend.get_password(SERVICE_NAME, ROLE) == PASSWORD


def test_a_locked_keyring_is_no_keychain_and_nothing_is_remembered(
    gnome_keyring: KeychainSession,
) -> None:
    url = parse_url("postgresql://writer@db.example/app")
    assert secrets.remember(url, PASSWORD)
    lock_default_keyring()

    assert secrets.unavailable_reason() == "The system keychain is locked."
    assert secrets.recall(url) is None
    assert not secrets.remember(url, "another")


def test_without_a_session_bus_there_is_no_keychain(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))
    previous = secrets.use_backend(None)
    try:
        assert secrets.unavailable_reason() == "No D-Bus session bus is running here."
        assert secrets.recall(parse_url("postgresql://writer@db.example/app")) is None
    finally:
        secrets.use_backend(previous)
