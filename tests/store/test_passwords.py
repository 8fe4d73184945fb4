"""Passwords on the way to a server: never in a message, told apart by libpq's code when the
server asks for one, taken from the system keychain when remembered there, and services
named by the server they point at.

The server asking for passwords is a second PostgreSQL cluster with scram-sha-256
(tests/support/password_server.py); the keychain is gnome-keyring on a private D-Bus
(tests/support/keyring_session.py).
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest

from desktop.store import secrets
from desktop.store.connection import connect, open_database
from desktop.store.errors import ConnectionFailedError, PasswordNeededError, PasswordRefusedError
from desktop.store.urls import DatabaseUrl, parse_url
from tests.support import keyring_session as keychains
from tests.support import password_server as servers
from tests.support.keyring_session import KeychainSession, files_holding
from tests.support.password_server import PASSWORD, PasswordServer

# Each holds a character an address must carry with care: % @ : / ? # space ' and letters
# beyond ASCII.
AWKWARD = ["p%zz w@rd", "a:b/c?d#e", "it's mine", "Pässwörd ü€ 鍵", "% @ : / ? # '"]


@pytest.fixture(scope="session")
def password_server() -> Iterator[PasswordServer]:
    yield from servers.serve()


@pytest.fixture
def keychain(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[KeychainSession]:
    yield from keychains.keychain_for(tmp_path, monkeypatch)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def assert_hidden(password: str, text: str) -> None:
    for form in {password, quote(password, safe=""), quote(password)}:
        assert form not in text, (password, text)


def written_forms(server: PasswordServer, password: str) -> list[str]:
    """The ways a person writes this password into an address: encoded and raw in a URL,
    quoted and bare in key=value pairs."""
    base = f"{server.host}:{server.port}/{server.dbname}"
    return [
        server.url(password),
        f"postgresql://{server.role}:{password}@{base}",  # as typed, not encoded
        server.conninfo(password),
        f"host={server.host} port={server.port} user={server.role} password={password}",
    ]


@pytest.mark.parametrize("password", AWKWARD)
def test_a_refused_or_malformed_password_never_reaches_the_message(
    password_server: PasswordServer, password: str
) -> None:
    for text in written_forms(password_server, password):
        with pytest.raises(ConnectionFailedError) as failed:
            connect(parse_url(text))
        assert_hidden(password, str(failed.value))
        assert "localhost" not in str(failed.value)


def test_the_right_password_in_every_form_opens_the_database(
    password_server: PasswordServer,
) -> None:
    for text in written_forms(password_server, PASSWORD)[::2]:  # the well-formed ones
        with connect(parse_url(text)) as backend:
            assert backend.execute("SELECT current_user") == [(password_server.role,)]


def test_a_server_asking_for_a_password_is_told_by_libpqs_code(
    password_server: PasswordServer,
) -> None:
    with pytest.raises(PasswordNeededError) as needed:
        connect(parse_url(password_server.conninfo()))
    assert type(needed.value) is PasswordNeededError
    assert needed.value.server == password_server.server
    assert needed.value.role == password_server.role
    assert str(needed.value) == f"The server at {password_server.server} asks for a password."

    with pytest.raises(PasswordRefusedError) as refused:
        connect(parse_url(password_server.conninfo("not it")))
    assert refused.value.remembered is False
    assert refused.value.server == password_server.server


def test_a_remembered_password_is_used_and_never_written_to_a_file(
    password_server: PasswordServer, keychain: KeychainSession
) -> None:
    url = parse_url(password_server.url())
    assert secrets.unavailable_reason() is None
    assert secrets.remember(url, PASSWORD)

    with open_database(url) as backend:  # migrates, as the role that owns the database
        assert backend.execute("SELECT current_user") == [(password_server.role,)]
    assert secrets.account(url) == f"{password_server.role}@{password_server.server}"
    # The same role on the same server, written the other way, finds it too.
    with connect(parse_url(password_server.conninfo())) as backend:
        assert backend.execute("SELECT 1") == [(1,)]
    assert files_holding(keychain.home, PASSWORD) == [], keychain.kind


def test_a_wrong_remembered_password_is_refused_as_remembered(
    password_server: PasswordServer, keychain: KeychainSession
) -> None:
    url = parse_url(password_server.url())
    assert secrets.remember(url, "an old password")
    with pytest.raises(PasswordRefusedError) as refused:
        connect(url)
    assert refused.value.remembered is True
    assert "an old password" not in str(refused.value)
    assert "remembered in the system keychain" in str(refused.value)
    assert secrets.forget(url)
    with pytest.raises(PasswordNeededError) as needed:
        connect(url)
    assert type(needed.value) is PasswordNeededError


def test_a_password_in_the_address_is_not_replaced_by_a_remembered_one(
    password_server: PasswordServer, keychain: KeychainSession
) -> None:
    url = parse_url(password_server.url())
    assert secrets.remember(url, PASSWORD)
    with pytest.raises(PasswordRefusedError) as refused:
        connect(parse_url(password_server.url("typed wrongly")))
    assert refused.value.remembered is False


# -- services -----------------------------------------------------------------------------------


def service_file(folder: Path, name: str, **values: str | int) -> Path:
    path = folder / "pg_service.conf"
    lines = [f"[{name}]", *(f"{key}={value}" for key, value in values.items())]
    path.write_text("# a comment, as libpq allows\n" + "\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_errors_of_a_service_name_the_services_server(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    port = free_port()
    monkeypatch.setenv(
        "PGSERVICEFILE", str(service_file(tmp_path, "team", host="127.0.0.1", port=port))
    )
    with pytest.raises(ConnectionFailedError) as failed:
        connect(parse_url("service=team dbname=app"))
    message = str(failed.value)
    assert message.startswith(f"Nothing answers at 127.0.0.1:{port}"), message
    assert "localhost" not in message and "5432" not in message

    # What the address gives itself wins over the service file, as in libpq.
    other = free_port()
    with pytest.raises(ConnectionFailedError) as failed:
        connect(parse_url(f"postgresql:///app?service=team&port={other}"))
    assert str(failed.value).startswith(f"Nothing answers at 127.0.0.1:{other}")


def test_a_service_asking_for_a_password_names_its_server_and_role(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, password_server: PasswordServer
) -> None:
    path = service_file(
        tmp_path, "team", host="127.0.0.1", port=password_server.port,
        user=password_server.role, dbname=password_server.dbname,
    )  # fmt: skip
    monkeypatch.setenv("PGSERVICEFILE", str(path))
    url = DatabaseUrl("postgresql", "service=team")
    with pytest.raises(PasswordNeededError) as needed:
        connect(url)
    assert (needed.value.server, needed.value.role) == (
        password_server.server,
        password_server.role,
    )
    assert secrets.account(url) == f"{password_server.role}@{password_server.server}"


def test_a_server_that_asks_nothing_never_loads_the_keychain(pg_admin_url: str) -> None:
    """keyring costs a tenth of a second to import: only a password prompt pays for it."""
    import subprocess
    import sys

    probe = (
        "import sys; from desktop.store.connection import connect; "
        "connect(sys.argv[1]).close(); print('keyring' in sys.modules)"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe, pg_admin_url], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"
