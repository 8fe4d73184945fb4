"""Hostile local files opened through File ▸ Open Local Database…, with a database (SQLite or
PostgreSQL) already open in the window.

Each gives a plain-words message; the previous database stays open and its lists still
load; the file is byte-for-byte unchanged and no -wal/-shm file is left beside it that was
not there before. The store-level refusals are in tests/store/test_open_errors.py; here
they are driven end to end through the window.
"""

from __future__ import annotations

import random
import shutil
import sqlite3
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from pathlib import Path

import pytest

from desktop import paths
from desktop.store.connection import open_database
from desktop.store.migrations import discover
from desktop.store.repository import Repository
from desktop.ui.editing import Kind
from tests.faults.conftest import Ledger
from tests.store.test_open_errors import fingerprint, read_only
from tests.ui.conftest import USER_NAMES, WAIT_MS, Bot, Desk, Prompts, cells, peek, wait_idle
from tests.ui.test_main_window import menu_action, select_user

pytestmark = pytest.mark.fault

NOISE = ("Traceback", "psycopg", "sqlite3.", "Error:", "OperationalError", "DatabaseError")


@dataclass
class Hostile:
    """A file (or a place) to open, what the message must say, and how to hold it."""

    path: Path
    says: str
    holding: Callable[[], AbstractContextManager[object]] = nullcontext


def postdesk_file(
    path: Path,
    *,
    journal: str = "wal",
    future_version: str | None = None,
    migrations: Path | None = None,
) -> Path:
    """A real Postdesk database with a little data, in WAL mode (as the app leaves it) or in
    rollback-journal mode (as other tools, and copies made by them, leave it); migrated
    with `migrations` (a folder) when given, to make one an update behind."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open_database(str(path), migrations_dir=migrations) as backend:
        if migrations is not None:  # an older schema: rows as a Postdesk of its day wrote them
            for n in range(40):
                backend.execute(
                    "INSERT INTO users (name, email) VALUES (?, ?)",
                    (f"Someone {n}", f"someone{n}@example.com"),
                )
                backend.execute(
                    "INSERT INTO posts (user_id, title, content) VALUES (?, ?, ?)",
                    (n + 1, f"Thoughts {n}", "Some words. " * 40),
                )
        else:
            repo = Repository(backend)
            for n in range(40):
                user = repo.create_user(f"Someone {n}", f"someone{n}@example.com")
                repo.create_post(user.id, f"Thoughts {n}", "Some words. " * 40)
    raw = sqlite3.connect(path)
    try:
        if future_version is not None:
            raw.execute(
                "INSERT INTO schema_migrations VALUES (?, 'from_the_future', 'x', "
                "'2031-01-01T00:00:00.000+00:00', 1)",
                (future_version,),
            )
            raw.commit()
        if journal != "wal":
            raw.execute(f"PRAGMA journal_mode = {journal}")
    finally:
        raw.close()
    assert not Path(f"{path}-wal").exists() and not Path(f"{path}-shm").exists()
    return path


def make_hostile(case: str, folder: Path) -> Hostile:
    folder.mkdir()
    if case == "text file":
        path = folder / "notes.sqlite3"
        path.write_text("Shopping: milk, bread, a new database.\n" * 200, encoding="utf-8")
        return Hostile(path, f"{path} is not a SQLite database")
    if case == "truncated":
        source = postdesk_file(folder / "source" / "app.sqlite3")
        path = folder / "cut.sqlite3"
        path.write_bytes(source.read_bytes()[:1000])
        return Hostile(path, f"{path} is not a SQLite database, or it is damaged")
    if case.startswith("corrupt page 2"):
        journal = "delete" if "journal" in case else "wal"
        path = postdesk_file(folder / "app.sqlite3", journal=journal)
        data = bytearray(path.read_bytes())
        size = int.from_bytes(data[16:18], "big")
        noise = random.Random(2).randbytes(size)
        data[size : 2 * size] = noise
        path.write_bytes(bytes(data))
        return Hostile(path, f"{path} is damaged")
    if case == "read-only file needing an update":
        # A current one opens read-only (tests/ui/test_read_only.py). In rollback-journal
        # mode: reading a WAL file, SQLite makes its -wal and -shm beside it.
        older = folder / "first-migration-only"
        older.mkdir()
        for first in paths.migrations_dir().glob("001_*.sql"):
            shutil.copy(first, older)
        path = postdesk_file(folder / "app.sqlite3", journal="delete", migrations=older)
        shutil.rmtree(older)
        says = f", and the file {path} is read-only; make it writable"
        return Hostile(path, says, lambda: read_only(path))
    if case == "read-only folder":
        path = postdesk_file(folder / "app.sqlite3")
        return Hostile(path, f"The folder {folder} is read-only", lambda: read_only(folder))
    if case == "missing":
        path = folder / "gone.sqlite3"
        return Hostile(path, f"There is no database file at {path}.")
    if case == "another program's":
        path = folder / "inventory.db"
        raw = sqlite3.connect(path)
        raw.executescript(
            "CREATE TABLE items (id INTEGER PRIMARY KEY, label TEXT);"
            "INSERT INTO items (label) VALUES ('lamp'), ('desk');"
            "CREATE TABLE users (id INTEGER PRIMARY KEY, login TEXT);"
        )
        raw.close()
        return Hostile(path, "already holds tables of another program (items, users)")
    if case.startswith("newer app"):
        journal = "delete" if "journal" in case else "wal"
        path = postdesk_file(folder / "app.sqlite3", journal=journal, future_version="999")
        return Hostile(path, "This database has schema version 999")
    raise AssertionError(case)


CASES = [
    "text file",
    "truncated",
    "corrupt page 2",
    "corrupt page 2, rollback journal",
    "read-only file needing an update",
    "read-only folder",
    "missing",
    "another program's",
    "newer app",
    "newer app, rollback journal",
]


@pytest.mark.parametrize("case", CASES)
def test_opening_a_hostile_file(
    desk: Desk, qtbot: Bot, answers: Prompts, tmp_path: Path, ledger: Ledger, case: str
) -> None:
    window = desk.window
    previous, label = window.url, window.database_label.text()
    assert previous is not None
    with peek(desk.url) as repo:
        kept = repo.table_counts()
    hostile = make_hostile(case, tmp_path / "hostile")
    before = fingerprint(hostile.path.parent)

    with hostile.holding():
        answers.existing_files.append(hostile.path)
        with qtbot.waitSignal(window.switcher.failed, timeout=WAIT_MS):
            menu_action(window, "File", "Open Local Database…").trigger()
        [(title, message)] = answers.take_errors()

    assert title == "Could Not Open Database"
    assert hostile.says in message
    assert message.endswith(f"\n\n{previous.display()} is still open.")
    words = message.replace(str(hostile.path), "<path>").replace(str(tmp_path), "<folder>")
    for noise in NOISE:
        assert noise not in words
    assert fingerprint(hostile.path.parent) == before  # not a byte written, no -wal/-shm left
    if case == "missing":
        assert not hostile.path.exists()

    # The previous database is still the one open, and its lists still load.
    assert window.url == previous
    assert window.database_label.text() == label
    window.editing.refresh()
    wait_idle(qtbot, desk.worker)
    assert cells(desk.table(Kind.USER)) == USER_NAMES
    select_user(qtbot, desk, "Alan Turing")
    assert len(cells(desk.table(Kind.POST))) == 3
    with peek(desk.url) as repo:
        now = repo.table_counts()
    for table, count in kept.items():
        ledger.check_rows(count, now[table], table)


def test_the_newer_version_is_named_and_never_written(
    desk: Desk, qtbot: Bot, answers: Prompts, tmp_path: Path, ledger: Ledger
) -> None:
    """The version is named, and the file is not even switched to WAL: it stays as it was,
    so the newer app that made it finds it untouched."""
    folder = tmp_path / "future"
    path = postdesk_file(folder / "app.sqlite3", journal="delete", future_version="999")
    before = fingerprint(path.parent)
    mtime = path.stat().st_mtime_ns
    answers.existing_files.append(path)
    with qtbot.waitSignal(desk.window.switcher.failed, timeout=WAIT_MS):
        menu_action(desk.window, "File", "Open Local Database…").trigger()
    [(_title, message)] = answers.take_errors()
    assert "schema version 999" in message and "newer Postdesk" in message
    assert fingerprint(path.parent) == before
    assert path.stat().st_mtime_ns == mtime
    raw = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        assert raw.execute("PRAGMA journal_mode").fetchone() == ("delete",)
        versions = [v for (v,) in raw.execute("SELECT version FROM schema_migrations")]
        users = raw.execute("SELECT count(*) FROM users").fetchone()[0]
    finally:
        raw.close()
    shipped = [m.version for m in discover(paths.migrations_dir(), "sqlite")]
    assert versions == [*shipped, "999"]
    ledger.check_rows(40, users, "users of the newer database")
