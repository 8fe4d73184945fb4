"""The one place that knows where db/, resources/ and the person's own data live."""

from __future__ import annotations

import sys
from pathlib import Path

APP_NAME = "Postdesk"
ORGANIZATION = "Postdesk"


def is_frozen() -> bool:
    """True inside a PyInstaller bundle."""
    return bool(getattr(sys, "frozen", False))


def bundle_root() -> Path:
    """The folder holding db/ and resources/: the checkout, or the bundle's _internal/."""
    if is_frozen():
        return Path(getattr(sys, "_MEIPASS", Path(sys.executable).parent))
    return Path(__file__).resolve().parent.parent


def db_dir() -> Path:
    return bundle_root() / "db"


def migrations_dir() -> Path:
    return db_dir() / "migrations"


def queries_dir() -> Path:
    return db_dir() / "queries"


def seeds_dir() -> Path:
    return db_dir() / "seeds"


def resources_dir() -> Path:
    return bundle_root() / "resources"


def data_dir() -> Path:
    """Where the person's database and log live: var/ in a checkout, app data when bundled."""
    if not is_frozen():
        return bundle_root() / "var"
    # Qt is imported here only: the store never needs it, the bundle always has it.
    from PySide6.QtCore import QCoreApplication, QStandardPaths

    QCoreApplication.setOrganizationName(ORGANIZATION)
    QCoreApplication.setApplicationName(APP_NAME)
    location = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
    return Path(location)


def default_database_path() -> Path:
    return data_dir() / "app.sqlite3"


def log_path() -> Path:
    return data_dir() / "postdesk.log"
