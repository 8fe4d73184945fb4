"""What the bundle keeps: pure functions over PyInstaller's table-of-contents entries.

PyInstaller has no switch to trim Qt: its PySide6 hooks collect every plugin type and
translation a module may use, and the libraries those pull in. postdesk.spec passes
`a.binaries` and `a.datas` through `keep()` (both: PyInstaller 6 keeps its top-level links
to libraries in `a.datas`, and a link whose target was dropped would dangle), then through
`drop_orphans()`, which removes the libraries that nothing left in the bundle needs.

An entry is (destination in the bundle, source file, kind).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterable, Mapping

Entry = tuple[str, str, str]

# The Qt Python modules the app imports; every other binding is excluded from the analysis.
QT_BINDINGS = ("PySide6.QtCore", "PySide6.QtGui", "PySide6.QtWidgets")
OTHER_QT_BINDINGS = ("PyQt5", "PyQt6", "PySide2", "shiboken2")
# Modules nothing in the app reaches; PyInstaller's analysis finds them through optional
# imports of the standard library and of the dependencies.
EXCLUDED_MODULES = (
    *OTHER_QT_BINDINGS,
    "tkinter",
    "_tkinter",
    "unittest",
    "pydoc",
    "pydoc_data",
    "doctest",
    "xmlrpc",
    "lib2to3",
    "multiprocessing",
    "numpy",
    "pg8000",
    "psycopg2",
    "pymysql",
    "IPython",
    # keyring's SecretService backend and what it needs (cryptography is 11.6 MB with its
    # OpenSSL): on Linux the app keeps passwords through desktop/store/secret_service.py,
    # over jeepney; keyring's own backend finds SecretStorage missing and stands aside.
    "secretstorage",
    "cryptography",
)
# Not excluded though it looks unused: `ssl` (with the system's libcrypto and libssl, 5 MB).
# psycopg_binary's pq module imports it; without it psycopg fails with "no pq wrapper
# available" (tried: `--self-check` reports exactly that).


def unused_pyside6_modules(extension_files: Iterable[str]) -> list[str]:
    """PySide6's extension modules other than QT_BINDINGS, from their file names
    (QtNetwork.abi3.so, QtNetwork.pyd): excluded, so their hooks collect nothing."""
    wanted = {name.split(".", 1)[1] for name in QT_BINDINGS}
    names = {_basename(path).split(".", 1)[0] for path in extension_files}
    unused = (name for name in names if name.startswith("Qt") and name not in wanted)
    return sorted(f"PySide6.{name}" for name in unused)


# Qt's own libraries (the part of the name after Qt6): Core, Gui and Widgets, DBus because
# Qt Gui links it on Linux, XcbQpa because the X11 platform plugin links it.
QT_LIBRARIES = frozenset({"Core", "Gui", "Widgets", "DBus", "XcbQpa"})
# Plugins by type, by name without "lib" and the file extension; a type not listed goes.
# - platforms: X11 (Wayland sessions run it through XWayland), offscreen (CI, screenshots),
#   and the native ones of Windows and macOS for the builds there.
# - platforminputcontexts: the compose key and IBus (accents, Chinese/Japanese/Korean input).
# - styles: the native looks of Windows and macOS.
# Left out: imageformats (PNG is built into Qt Gui), iconengines (SVG), platformthemes (the
# GTK one pulls in GTK, cairo and pango), xcbglintegrations and egl (the app draws no
# OpenGL), tls and networkinformation (no QtNetwork), wayland-*, generic input devices.
QT_PLUGINS: Mapping[str, frozenset[str]] = {
    "platforms": frozenset({"qxcb", "qoffscreen", "qwindows", "qcocoa"}),
    "platforminputcontexts": frozenset(
        {"composeplatforminputcontextplugin", "ibusplatforminputcontextplugin"}
    ),
    "styles": frozenset({"qmodernwindowsstyle", "qwindowsvistastyle", "qmacstyle"}),
}

# Libraries every Linux desktop has, which must match the running system (the X and OpenGL
# client libraries, fontconfig and FreeType with the system's font configuration, GLib and
# D-Bus): left to the system, as AppImage's exclude list does. The xcb extension libraries
# Qt 6 needs (xcb-cursor, xcb-icccm, ...) are often missing on a desktop, so they stay in.
# The C++ runtime too: the bundle's Python needs glibc 2.36 (it is built on Debian 12), and
# every system that new has a libstdc++ at least as new as Debian 12's; a bundled copy older
# than the system's would break system libraries loaded later (e.g. Mesa's drivers).
SYSTEM_LIBRARIES = (
    "libstdc++.so",
    "libgcc_s.so",
    "libGL.so",
    "libEGL.so",
    "libGLX.so",
    "libOpenGL.so",
    "libGLdispatch.so",
    "libX11.so",
    "libX11-xcb.so",
    "libXau.so",
    "libXdmcp.so",
    "libXext.so",
    "libXrender.so",
    "libxcb.so",
    "libxkbcommon.so",
    "libfontconfig.so",
    "libfreetype.so",
    "libexpat.so",
    "libpng16.so",
    "libbrotlicommon.so",
    "libbrotlidec.so",
    "libharfbuzz.so",
    "libgraphite2.so",
    "libglib-2.0.so",
    "libgthread-2.0.so",
    "libgobject-2.0.so",
    "libgio-2.0.so",
    "libgmodule-2.0.so",
    "libpcre2-8.so",
    "libdbus-1.so",
    "libsystemd.so",
    "libgcrypt.so",
    "libgpg-error.so",
    "liblz4.so",
    "libcap.so",
    "libbsd.so",
    "libmd.so",
    "libmount.so",
    "libblkid.so",
    "libselinux.so",
)

# Qt's folders inside PySide6: Qt/plugins, Qt/translations, Qt/lib on Linux and macOS;
# plugins and translations straight under PySide6/ on Windows.
_QT_DIR = r"(?:^|/)(?:Qt\d?|PySide6)/"
_QT_PLUGIN = re.compile(_QT_DIR + r"plugins/([^/]+)/(?:lib)?([^/]+?)\.(?:so|dll|dylib)$")
_QT_TRANSLATION = re.compile(_QT_DIR + r"translations/")
# libQt6Gui.so.6 (Linux), Qt6Gui.dll (Windows), QtGui.framework/ (macOS).
_QT_LIBRARY = re.compile(
    r"(?:^|/)(?:(?:lib)?Qt6([A-Za-z]+)(?:\.so\.6|\.dll)$|Qt([A-Za-z]+)\.framework(?:/|$))"
)


def _posix(dest: str) -> str:
    return dest.replace("\\", "/")


def _basename(dest: str) -> str:
    return _posix(dest).rsplit("/", 1)[-1]


def reason_to_drop(dest: str) -> str | None:
    """Why an entry does not belong in the bundle, or None to keep it."""
    path = _posix(dest)
    plugin = _QT_PLUGIN.search(path)
    if plugin:
        kind, name = plugin.groups()
        if name not in QT_PLUGINS.get(kind, frozenset()):
            return f"Qt plugin {kind}/{name}"
        return None
    if _QT_TRANSLATION.search(path):
        return "Qt translation"
    library = _QT_LIBRARY.search(path)
    if library:
        module = library.group(1) or library.group(2)
        if module not in QT_LIBRARIES:
            return f"Qt library Qt6{module}"
    if sys.platform.startswith("linux") and _basename(path).startswith(SYSTEM_LIBRARIES):
        return "left to the system"
    return None


def keep(entries: Iterable[Entry], log: Callable[[str], None] | None = None) -> list[Entry]:
    kept = []
    for entry in entries:
        why = reason_to_drop(entry[0])
        if why is None:
            kept.append(entry)
        elif log is not None:
            log(f"drop {entry[0]}: {why}")
    return kept


def is_shared_library(dest: str) -> bool:
    name = _basename(dest)
    return bool(re.search(r"\.so(\.\d+)*$|\.dll$|\.dylib$", name)) and not name.endswith(
        (".abi3.so", ".pyd")
    ) and ".cpython-" not in name


def drop_orphans(
    binaries: Iterable[Entry],
    needed: Callable[[Entry], Iterable[str]],
    is_root: Callable[[Entry], bool],
    log: Callable[[str], None] | None = None,
) -> list[Entry]:
    """Drop shared libraries that no kept binary links, repeatedly, until none is left.

    `needed(entry)` gives the library names an entry links (its ELF NEEDED entries);
    `is_root(entry)` says which entries are kept whatever links them (Python extension
    modules, Qt plugins, the Python library: loaded by name at run time, not linked).
    """
    kept = list(binaries)
    while True:
        linked: set[str] = set()
        for entry in kept:
            linked.update(needed(entry))
        orphans = [
            entry
            for entry in kept
            if is_shared_library(entry[0])
            and not is_root(entry)
            and _basename(entry[0]) not in linked
        ]
        if not orphans:
            return kept
        for entry in orphans:
            if log is not None:
                log(f"drop {entry[0]}: nothing left in the bundle links it")
            kept.remove(entry)


def drop_dangling_links(datas: Iterable[Entry], binaries: Iterable[Entry]) -> list[Entry]:
    """PyInstaller's SYMLINK entries whose target is no longer collected."""
    present = {_posix(dest) for dest, _src, _kind in binaries}
    kept = []
    for dest, src, kind in datas:
        if kind == "SYMLINK":
            directory = _posix(dest).rsplit("/", 1)[0] if "/" in _posix(dest) else ""
            target = _normalise(f"{directory}/{_posix(src)}" if directory else _posix(src))
            if target not in present:
                continue
        kept.append((dest, src, kind))
    return kept


def _normalise(path: str) -> str:
    parts: list[str] = []
    for part in path.split("/"):
        if part == "..":
            if parts:
                parts.pop()
        elif part not in ("", "."):
            parts.append(part)
    return "/".join(parts)
