"""Passwords kept in the system keychain (Secret Service, KWallet, macOS Keychain, Windows
Credential Locker) through the `keyring` library: never in the settings, a file or the log.

keyring is imported only when a server asks for a password (it looks for its backends
through importlib.metadata, a tenth of a second that no other launch should pay). Every
keychain fault (no keychain, a locked one, a D-Bus error) is met as "not remembered";
what was wrong is logged, without the password.
"""

from __future__ import annotations

import logging
from typing import Any

from desktop.store.urls import DatabaseUrl, effective_parts, note_password, role_name, server_name

log = logging.getLogger(__name__)

KEYCHAIN_SERVICE = "Postdesk"


def account(url: DatabaseUrl) -> str:
    """Whose password it is: the role on the server, as role@host:port. A role's password
    is the same for every database of a server, so the database plays no part."""
    parts = effective_parts(url.target)
    return f"{role_name(parts)}@{server_name(parts)}"


def unavailable_reason() -> str | None:
    """Why no password can be remembered here, in plain words; None when a keychain is
    there to keep them."""
    try:
        backend = _keyring().get_keyring()
    except Exception as exc:  # keyring raises whatever its backends raise
        log.warning("the system keychain cannot be reached: %s", type(exc).__name__)
        return "No system keychain can be reached here."
    if _usable(backend):
        return None
    return "No system keychain is available here (no Secret Service, KWallet or Keychain)."


def recall(url: DatabaseUrl) -> str | None:
    """The password remembered for the role and server of `url`, if any."""
    if unavailable_reason() is not None:
        return None
    try:
        password: str | None = _keyring().get_password(KEYCHAIN_SERVICE, account(url))
    except Exception as exc:
        log.warning("could not read the system keychain: %s", type(exc).__name__)
        return None
    if password:
        note_password(password)
    return password or None


def remember(url: DatabaseUrl, password: str) -> bool:
    """Keep `password` for the role and server of `url`; False when it could not be kept."""
    note_password(password)
    try:
        _keyring().set_password(KEYCHAIN_SERVICE, account(url), password)
    except Exception as exc:
        log.warning("could not store a password in the system keychain: %s", type(exc).__name__)
        return False
    log.info("remembered the password of %s in the system keychain", account(url))
    return True


def forget(url: DatabaseUrl) -> bool:
    """Remove the password remembered for `url`'s role and server; True when none is left."""
    keyring = _keyring()
    try:
        keyring.delete_password(KEYCHAIN_SERVICE, account(url))
    except keyring.errors.PasswordDeleteError:
        return True  # there was none
    except Exception as exc:
        log.warning("could not remove a password from the system keychain: %s", exc)
        return False
    log.info("forgot the password of %s in the system keychain", account(url))
    return True


def _keyring() -> Any:
    import keyring
    import keyring.errors

    return keyring


def _usable(backend: Any) -> bool:
    """keyring's stand-ins for "no keychain" (fail, null) have a priority below 1; a
    chainer is as good as the backends it chains."""
    from keyring.backends import chainer, fail, null

    if isinstance(backend, fail.Keyring | null.Keyring):
        return False
    if isinstance(backend, chainer.ChainerBackend):
        return any(_usable(b) for b in backend.backends)
    try:
        priority = float(type(backend).priority)
    except Exception:
        return False
    return priority >= 1
