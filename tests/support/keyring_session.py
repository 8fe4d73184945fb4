"""A real system keychain for a test: gnome-keyring's Secret Service on a private D-Bus
session bus, its files under the test's own HOME, never the person's keychain.

`dbus-daemon --session` gives the bus; `gnome-keyring-daemon --unlock --components=secrets`
reads the login keyring's password on stdin and creates that keyring, unlocked; the app's
own Secret Service backend (desktop/store/secret_service.py) then talks to it as it would
on a desktop. Debian's `gnome-keyring`
and `dbus-daemon` are installed by `.ci/system-packages keychain`.

Where they cannot start, `MemoryKeyring` stands in: a backend written the way keyring's
documentation shows (a KeyringBackend subclass with a priority), holding passwords in
memory only. `KeychainSession.kind` says which one ran.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import keyring.backend
import keyring.errors
import pytest
from jeepney import DBusAddress, new_method_call
from jeepney.io.blocking import open_dbus_connection

from desktop.store import secrets
from desktop.store.secret_service import SecretServiceKeyring

SECRET_SERVICE = "org.freedesktop.secrets"
START_TIMEOUT_S = 15.0
KEYRING_UNLOCK = "login-keyring-of-the-test\n"  # the keychain's own lock, not a server's


class MemoryKeyring(keyring.backend.KeyringBackend):
    """Passwords in this process's memory only."""

    priority = 1

    def __init__(self) -> None:
        self.passwords: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.passwords.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.passwords[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self.passwords.pop((service, username), None) is None:
            raise keyring.errors.PasswordDeleteError("no such password")


@dataclass
class KeychainSession:
    kind: str  # "Secret Service (gnome-keyring)" or "keyring test backend (memory)"
    home: Path


def _name_has_owner(address: str, name: str) -> bool:
    bus = DBusAddress("/org/freedesktop/DBus", bus_name="org.freedesktop.DBus",
                      interface="org.freedesktop.DBus")  # fmt: skip
    with open_dbus_connection(address) as conn:
        reply = conn.send_and_get_reply(new_method_call(bus, "NameHasOwner", "s", (name,)))
    return bool(reply.body[0])


def _wait_for_name(address: str, name: str, daemon: subprocess.Popen[bytes]) -> None:
    """Poll the bus until `name` has an owner (the daemon has no readiness signal)."""
    deadline = time.monotonic() + START_TIMEOUT_S
    while not _name_has_owner(address, name):
        if daemon.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"{name} did not appear on the test's D-Bus session bus")
        time.sleep(0.05)  # polling a condition, not waiting for one to be likely


@contextlib.contextmanager
def _gnome_keyring(home: Path) -> Iterator[dict[str, str]]:
    env = {
        **os.environ,
        "HOME": str(home),
        "XDG_DATA_HOME": str(home / ".local" / "share"),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_RUNTIME_DIR": str(home / "run"),
    }
    (home / "run").mkdir(mode=0o700, parents=True, exist_ok=True)
    bus = subprocess.Popen(
        ["dbus-daemon", "--session", "--nofork", "--nopidfile", "--print-address=1"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env,
    )  # fmt: skip
    daemon: subprocess.Popen[bytes] | None = None
    try:
        assert bus.stdout is not None
        address = bus.stdout.readline().decode().strip()
        if not address:
            raise RuntimeError("dbus-daemon gave no address")
        env["DBUS_SESSION_BUS_ADDRESS"] = address
        daemon = subprocess.Popen(
            ["gnome-keyring-daemon", "--foreground", "--unlock", "--components=secrets"],
            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            env=env,
        )  # fmt: skip
        assert daemon.stdin is not None
        daemon.stdin.write(KEYRING_UNLOCK.encode())
        daemon.stdin.close()
        _wait_for_name(address, SECRET_SERVICE, daemon)
        yield env
    finally:
        for process in (daemon, bus):
            if process is not None and process.poll() is None:
                process.terminate()
                process.wait(timeout=10)


def gnome_keyring_missing() -> str | None:
    for program in ("dbus-daemon", "gnome-keyring-daemon"):
        if shutil.which(program) is None:
            return f"{program} is not installed"
    return None


@contextlib.contextmanager
def keychain_session(home: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[KeychainSession]:
    """A keychain for one test, and the app pointed at it; the previous backend after."""
    previous = secrets.use_backend(None)
    missing = gnome_keyring_missing()
    try:
        if missing is None:
            with _gnome_keyring(home) as env:
                for key in ("HOME", "XDG_DATA_HOME", "XDG_RUNTIME_DIR", "DBUS_SESSION_BUS_ADDRESS"):
                    monkeypatch.setenv(key, env[key])
                secrets.use_backend(SecretServiceKeyring())
                yield KeychainSession("Secret Service (gnome-keyring)", home)
        else:
            if os.environ.get("CI"):
                raise RuntimeError(f"CI is set but gnome-keyring cannot start: {missing}")
            secrets.use_backend(MemoryKeyring())
            kind = f"keyring test backend (memory; {missing})"
            warnings.warn(f"the keychain tests ran on the {kind}", stacklevel=2)
            yield KeychainSession(kind, home)
    finally:
        secrets.use_backend(previous)


def files_holding(home: Path, secret: str) -> list[Path]:
    """Every file under `home` whose bytes hold `secret` (UTF-8), or its UTF-16 form."""
    needles = [secret.encode(), secret.encode("utf-16-le")]
    return [
        path
        for path in home.rglob("*")
        if path.is_file() and not path.is_symlink()
        and any(needle in path.read_bytes() for needle in needles)
    ]


def keychain_for(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[KeychainSession]:
    """For a fixture: a keychain of the test's own, its files under tmp_path/home."""
    home = tmp_path / "home"
    home.mkdir()
    with keychain_session(home, monkeypatch) as session:
        yield session
