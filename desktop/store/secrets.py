"""Passwords kept in the system keychain through the `keyring` API: never in the settings,
a file or the log.

On Linux the backend is desktop/store/secret_service.py (the Secret Service over jeepney),
built here rather than found by keyring's autodetection, whose SecretService backend pulls
in SecretStorage and `cryptography`, left out of the bundle. Elsewhere keyring picks its
own (macOS Keychain, Windows Credential Locker), which need neither.

keyring is imported only when a server asks for a password (its autodetection reads
importlib.metadata, a tenth of a second that no other launch should pay). Every keychain
fault (no keychain, a locked one, a D-Bus error) is met as "not remembered"; what was
wrong is logged, without the password.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

from desktop.store.urls import DatabaseUrl, effective_parts, note_password, role_name, server_name

log = logging.getLogger(__name__)

KEYCHAIN_SERVICE = "Postdesk"

_in_use: Any = None  # the keyring backend; picked at the first call that needs one


def account(url: DatabaseUrl) -> str:
    """Whose password it is: the role on the server, as role@host:port. A role's password
    is the same for every database of a server, so the database plays no part."""
    parts = effective_parts(url.target)
    return f"{role_name(parts)}@{server_name(parts)}"


def unavailable_reason() -> str | None:
    """Why no password can be remembered here, in plain words; None when a keychain is
    there to keep them."""
    try:
        backend = _backend()
        if _is_secret_service(backend):
            from desktop.store.secret_service import unavailable_reason as secret_service_reason

            return secret_service_reason()
    except Exception as exc:  # keyring raises whatever its backends raise
        log.warning("the system keychain cannot be reached: %s", type(exc).__name__)
        return "No system keychain can be reached here."
    if _usable(backend):
        return None
    return "No system keychain is available here (no Secret Service, KWallet or Keychain)."


def describe() -> str:
    """For --self-check: where remembered passwords go and how many are there. A backend
    that cannot even be loaded (a module missing from a bundle) raises."""
    backend = _backend()
    reason = unavailable_reason()
    if reason is not None:
        return f"none: {reason} Passwords are asked for at each connection."
    if _is_secret_service(backend):
        from desktop.store.secret_service import remembered_count

        count = remembered_count(KEYCHAIN_SERVICE)
        plural = "" if count == 1 else "s"
        return f"Secret Service, default keyring ({count} remembered password{plural})"
    return str(getattr(backend, "name", type(backend).__name__))


def recall(url: DatabaseUrl) -> str | None:
    """The password remembered for the role and server of `url`, if any."""
    if unavailable_reason() is not None:
        return None
    try:
        password: str | None = _backend().get_password(KEYCHAIN_SERVICE, account(url))
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
        _backend().set_password(KEYCHAIN_SERVICE, account(url), password)
    except Exception as exc:
        log.warning("could not store a password in the system keychain: %s", type(exc).__name__)
        return False
    log.info("remembered the password of %s in the system keychain", account(url))
    return True


def forget(url: DatabaseUrl) -> bool:
    """Remove the password remembered for `url`'s role and server; True when none is left."""
    from keyring.errors import PasswordDeleteError

    try:
        _backend().delete_password(KEYCHAIN_SERVICE, account(url))
    except PasswordDeleteError:
        return True  # there was none
    except Exception as exc:
        log.warning("could not remove a password from the system keychain: %s", exc)
        return False
    log.info("forgot the password of %s in the system keychain", account(url))
    return True


def use_backend(backend: Any) -> Any:
    """Keep passwords with `backend` (a keyring.backend.KeyringBackend) from now on, or
    with the system's keychain again when None; returns the backend used until now."""
    global _in_use
    previous, _in_use = _in_use, backend
    return previous


def _backend() -> Any:
    global _in_use
    if _in_use is None:
        _in_use = _system_backend()
    return _in_use


def _on_linux() -> bool:
    """A function, not `sys.platform` inline, so that type checkers on one platform keep
    checking the other branch."""
    return sys.platform.startswith("linux")


def _system_backend() -> Any:
    if _on_linux():
        from desktop.store.secret_service import SecretServiceKeyring

        return SecretServiceKeyring()
    import keyring

    return keyring.get_keyring()


def _is_secret_service(backend: Any) -> bool:
    if not _on_linux():
        return False
    from desktop.store.secret_service import SecretServiceKeyring

    return isinstance(backend, SecretServiceKeyring)


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
