"""`postdesk --self-check`: what a support request needs, and whether every piece is there.

Prints one line per piece (versions, libraries, data files, fonts, where the person's data
lives) and exits 1 when one is missing, so a bundle that would start but not work (no pq
wrapper for psycopg, no fonts, data files not collected) says so in one command. The lines
that need no window come first and are flushed one by one: if Qt cannot start at all it
aborts the process, and what was printed up to then still reaches the person.
"""

from __future__ import annotations

import os
import platform
import sqlite3
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from desktop import __version__, paths
from desktop.display import missing_display, use_offscreen_without_display

# Distinct letters: drawn with a real font they give distinct images; with no font Qt draws
# each as the same empty box.
GLYPH_PROBE = "AHWagx"


@dataclass(frozen=True)
class Check:
    name: str
    value: str
    ok: bool = True


def check_app() -> Check:
    where = (
        f"bundle in {Path(sys.executable).parent}"
        if paths.is_frozen()
        else (f"source checkout in {paths.bundle_root()}")
    )
    return Check("Postdesk", f"{__version__} ({where})")


def check_python() -> Check:
    return Check("Python", f"{platform.python_version()} ({platform.platform(terse=True)})")


def check_sqlite() -> Check:
    return Check("SQLite library", sqlite3.sqlite_version)


def check_psycopg() -> Check:
    """psycopg and the libpq it loads: the binary package's C modules and libraries must be
    there (a bundle without them fails with "no pq wrapper available")."""
    try:
        import psycopg
        from psycopg import pq

        libpq = pq.version()
    except Exception as exc:  # ImportError, or psycopg's own "no pq wrapper available"
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return Check("psycopg / libpq", f"not loadable: {first}", ok=False)
    major, minor = divmod(libpq, 10000)
    return Check(
        "psycopg / libpq",
        f"psycopg {psycopg.__version__} ({pq.__impl__} wrapper), libpq {major}.{minor}",
    )


def check_keychain() -> Check:
    """Where remembered passwords go. No keychain is no failure (the person types the
    password each time); a keychain library missing from the bundle is one."""
    from desktop.store import secrets

    try:
        return Check("System keychain", secrets.describe())
    except Exception as exc:  # an ImportError in a bundle, or the keychain's own fault
        return Check("System keychain", f"not usable: {type(exc).__name__}: {exc}", ok=False)


def check_data_files() -> Check:
    """db/ as the app reads it: beside the code in a checkout, under _internal/ in a bundle."""
    migrations = sorted(paths.migrations_dir().glob("*.sql"))
    queries = sorted(paths.queries_dir().glob("*.sql"))
    seeds = sorted(paths.seeds_dir().glob("*.json"))
    value = (
        f"{paths.db_dir()} (migrations: {len(migrations)}, queries: {len(queries)}, "
        f"seeds: {len(seeds)})"
    )
    return Check("Data files", value, ok=bool(migrations and queries and seeds))


def check_icon() -> Check:
    icons = sorted((paths.resources_dir() / "icons").glob("postdesk-*.png"))
    folder = paths.resources_dir() / "icons"
    return Check("Icon", f"{folder} (sizes: {len(icons)})", ok=bool(icons))


def check_local_database() -> Check:
    """Where the local database lives; a folder the person cannot write to is a problem."""
    database = paths.default_database_path()
    folder = database.parent
    existing = next((p for p in (folder, *folder.parents) if p.exists()), folder)
    writable = os.access(existing, os.W_OK)
    state = "exists" if database.exists() else "created at first start"
    note = "" if writable else f"; {existing} is not writable"
    return Check("Local database", f"{database} ({state}{note})", ok=writable)


def check_log_file() -> Check:
    return Check("Log file", str(paths.log_path()))


def check_display() -> Check:
    """Which display Qt will use; without one the checks that need Qt run offscreen."""
    reason = missing_display()
    if reason is not None:
        return Check("Display", f"none found ({reason}); the checks below run offscreen")
    for name in ("QT_QPA_PLATFORM", "WAYLAND_DISPLAY", "DISPLAY"):
        if os.environ.get(name):
            return Check("Display", f"{name}={os.environ[name]}")
    return Check("Display", "the system's own")


def check_qt_versions() -> Check:
    import PySide6
    from PySide6.QtCore import qVersion

    return Check("Qt / PySide6", f"Qt {qVersion()}, PySide6 {PySide6.__version__}")


def check_platform_plugin() -> Check:
    from PySide6.QtGui import QGuiApplication

    name = QGuiApplication.platformName()
    return Check("Qt platform plugin", name or "none", ok=bool(name))


def check_fonts() -> Check:
    from PySide6.QtGui import QFontDatabase

    families = QFontDatabase.families()
    config = os.environ.get("POSTDESK_FONTCONFIG") or os.environ.get("FONTCONFIG_FILE")
    where = f"; fontconfig: {config}" if config else ""
    return Check("Font families", f"{len(families)}{where}", ok=len(families) > 0)


def check_text_rendering() -> Check:
    """Draw a few different letters: a real font gives different images, boxes do not."""
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QColor, QFont, QImage, QPainter

    images = set()
    for letter in GLYPH_PROBE:
        image = QImage(32, 32, QImage.Format.Format_RGB32)
        image.fill(QColor("white"))
        painter = QPainter(image)
        font = QFont()
        font.setPixelSize(24)
        painter.setFont(font)
        painter.setPen(QColor("black"))
        painter.drawText(image.rect(), Qt.AlignmentFlag.AlignCenter, letter)
        painter.end()
        images.add(bytes(image.constBits()))
    distinct = len(images)
    ok = distinct == len(GLYPH_PROBE)
    value = (
        "letters drawn"
        if ok
        else (
            f"{distinct} distinct images for {len(GLYPH_PROBE)} letters: letters are drawn as boxes"
        )
    )
    return Check("Text rendering", value, ok=ok)


def check_collation() -> Check:
    """Qt's locale-aware sorting (ICU's collation data, trimmed in the bundle)."""
    from PySide6.QtCore import QCollator, QLocale

    words = ["b", "Ä", "a", "B", "z"]
    ordered = sorted(words, key=QCollator(QLocale(QLocale.Language.German)).sortKey)
    ok = ordered == ["a", "Ä", "b", "B", "z"]
    return Check("Collation (ICU)", " < ".join(ordered), ok=ok)


WITHOUT_WINDOW: tuple[Callable[[], Check], ...] = (
    check_app,
    check_python,
    check_sqlite,
    check_psycopg,
    check_keychain,
    check_data_files,
    check_icon,
    check_local_database,
    check_log_file,
    check_display,
    check_qt_versions,
)
WITH_APPLICATION: tuple[Callable[[], Check], ...] = (
    check_platform_plugin,
    check_fonts,
    check_text_rendering,
    check_collation,
)


def collect() -> Iterator[Check]:
    """Every check, in order; a QApplication is created for the last ones if none exists."""
    for check in WITHOUT_WINDOW:
        yield check()
    from PySide6.QtWidgets import QApplication

    use_offscreen_without_display()
    _app = QApplication.instance() or QApplication(sys.argv[:1])
    for check in WITH_APPLICATION:
        yield check()


def format_line(check: Check) -> str:
    mark = "ok  " if check.ok else "FAIL"
    return f"{mark} {check.name + ':':<20} {check.value}"


def run(stream: TextIO | None = None) -> int:
    """Print the report; 0 when every piece is there, 1 otherwise."""
    out = stream or sys.stdout
    if out is None:  # a windowed build on Windows has no console: write a file instead
        folder = paths.data_dir()
        folder.mkdir(parents=True, exist_ok=True)
        with (folder / "self-check.txt").open("w", encoding="utf-8") as handle:
            return run(handle)
    print(f"Postdesk {__version__} self-check", file=out, flush=True)
    failed = []
    for check in collect():
        print(format_line(check), file=out, flush=True)
        if not check.ok:
            failed.append(check.name)
    if failed:
        print(f"self-check FAILED: {', '.join(failed)}", file=out, flush=True)
        return 1
    print("self-check passed", file=out, flush=True)
    return 0
