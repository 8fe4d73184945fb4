"""Opening what is not (or not yet) a Postdesk database: a plain-words refusal, nothing touched."""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from desktop.store.connection import connect, open_database
from desktop.store.errors import ConnectionFailedError
from tests.support.dbtools import snapshot


def fingerprint(folder: Path) -> dict[str, str]:
    """sha256 of every file in the folder: the refused file, and no new journal or WAL."""
    return {
        path.name: hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.iterdir())
        if path.is_file()
    }


def assert_plain(message: str, *, mentions: str) -> None:
    assert mentions in message
    assert message.endswith((".", "?"))
    assert "Traceback" not in message
    assert "Error" not in message  # no exception class names such as sqlite3.DatabaseError


def refused(url: str, *, create: bool = True) -> str:
    """Open as the app does, expecting a refusal; its message."""
    with pytest.raises(ConnectionFailedError) as failure:
        open_database(url, create=create)
    return str(failure.value)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    path = tmp_path / "my files"
    path.mkdir()
    return path


# -- files that are not Postdesk databases -------------------------------------------------------


@pytest.mark.parametrize(
    "content",
    [
        b"hello\n",
        b"Dear diary,\n" + b"today I wrote a long text file. " * 400,
        b"\x00" * 50 + b"binary junk" + bytes(range(256)) * 20,
        b"SQLite format 3\x00" + b"\xff" * 5000,
    ],
    ids=["short text", "long text", "binary", "fake header"],
)
def test_a_file_that_is_not_sqlite(folder, content):
    path = folder / "notes.txt"
    path.write_bytes(content)
    before = fingerprint(folder)

    message = refused(str(path))

    assert_plain(message, mentions=str(path))
    assert "not a SQLite database" in message
    assert fingerprint(folder) == before


def make_postdesk_file(path: Path) -> None:
    backend = open_database(str(path))
    backend.close()
    for suffix in ("-wal", "-shm"):
        assert not Path(f"{path}{suffix}").exists()


@pytest.mark.parametrize("offset", [100, 4096], ids=["schema page", "second page"])
def test_a_damaged_database(folder, offset):
    path = folder / "app.sqlite3"
    make_postdesk_file(path)
    data = bytearray(path.read_bytes())
    data[offset : offset + 200] = b"\xff" * 200
    path.write_bytes(bytes(data))
    before = fingerprint(folder)

    message = refused(str(path))

    assert_plain(message, mentions=str(path))
    assert "damaged" in message
    assert fingerprint(folder) == before


def test_another_programs_sqlite_database(folder):
    path = folder / "other.db"
    raw = sqlite3.connect(path)
    raw.executescript(
        "CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT);"
        "INSERT INTO notes (text) VALUES ('keep me');"
        "CREATE TABLE users (id INTEGER PRIMARY KEY, login TEXT);"
    )
    raw.close()
    before = fingerprint(folder)

    message = refused(str(path))

    assert_plain(message, mentions=str(path))
    assert "another program (notes, users)" in message
    assert fingerprint(folder) == before
    assert sqlite3.connect(path).execute("SELECT text FROM notes").fetchall() == [("keep me",)]


def test_another_programs_database_on_either_backend(empty_url, dialect):
    """The same refusal on a PostgreSQL database that holds someone else's tables."""
    raw = connect(empty_url)
    raw.execute("CREATE TABLE inventory (id INTEGER PRIMARY KEY, item TEXT NOT NULL)")
    raw.execute("INSERT INTO inventory (id, item) VALUES (1, 'lamp')")
    before = snapshot(raw)

    message = refused(empty_url)

    assert "another program (inventory)" in message
    assert "Postdesk leaves it untouched" in message
    assert snapshot(raw) == before
    raw.close()


def test_an_empty_file_is_an_empty_database(folder):
    """Zero bytes is how SQLite itself starts a database: Postdesk takes it and migrates it."""
    path = folder / "new.sqlite3"
    path.touch()
    backend = open_database(str(path))
    try:
        assert {"users", "posts", "comments"} <= backend.table_names()
    finally:
        backend.close()


# -- places that do not exist ----------------------------------------------------------------------


def test_a_missing_file_is_not_created_unless_asked(folder):
    path = folder / "missing.sqlite3"

    message = refused(str(path), create=False)

    assert_plain(message, mentions=str(path))
    assert message == f"There is no database file at {path}."
    assert not path.exists()
    assert fingerprint(folder) == {}


def test_a_missing_folder(tmp_path):
    path = tmp_path / "no such folder" / "app.sqlite3"

    message = refused(str(path))

    assert message == f"The folder {path.parent} does not exist."
    assert not path.parent.exists()


def test_a_folder_instead_of_a_file(folder):
    message = refused(str(folder))
    assert message == f"{folder} is a folder, not a database file."


def test_unusual_characters_in_the_path(tmp_path):
    """The path reaches SQLite as a file: URI; ?, #, % and spaces must not change it."""
    folder = tmp_path / "a ?b #c %20d é"
    folder.mkdir()
    path = folder / "data?mode=ro#x.sqlite3"
    backend = open_database(str(path))
    backend.close()
    assert path.is_file()
    assert sorted(p.name for p in folder.iterdir()) == ["data?mode=ro#x.sqlite3"]


# -- read-only places ---------------------------------------------------------------------------


@contextmanager
def read_only(path: Path) -> Iterator[None]:
    """Make a file or folder read-only for this process, or skip the test saying why."""
    mode = path.stat().st_mode
    path.chmod(0o555 if path.is_dir() else 0o444)
    immutable = False
    try:
        if os.access(path, os.W_OK):
            # Root ignores permission bits; the immutable attribute binds root too.
            chattr = shutil.which("chattr")
            if chattr is None:
                pytest.skip("running as root and chattr is missing: cannot make a file read-only")
            result = subprocess.run([chattr, "+i", str(path)], capture_output=True, text=True)
            immutable = result.returncode == 0
            if not immutable or os.access(path, os.W_OK):
                pytest.skip(
                    "running as root, which may write anywhere, and chattr +i failed "
                    f"({result.stderr.strip() or 'no effect'}): read-only is unprovable here"
                )
        yield
    finally:
        if immutable:
            subprocess.run(["chattr", "-i", str(path)], check=True)
        path.chmod(mode)


def test_a_read_only_database_file_opens_for_reading(folder):
    """Refused before; a current database is now shown read-only (the refusal of one that
    needs an update is in tests/store/test_privileges.py)."""
    path = folder / "app.sqlite3"
    make_postdesk_file(path)
    before = fingerprint(folder)[path.name]

    with read_only(path), open_database(str(path)) as backend:
        assert backend.read_only
        assert backend.execute("SELECT count(*) FROM users") == [(0,)]

    assert fingerprint(folder)[path.name] == before


def test_a_read_only_folder(folder):
    path = folder / "app.sqlite3"

    with read_only(folder):
        message = refused(str(path))

    assert message == (
        f"The folder {folder} is read-only, so Postdesk cannot keep a database there."
    )
    assert not path.exists()


# -- PostgreSQL servers that cannot be reached --------------------------------------------------


@pytest.mark.postgres
def test_a_database_that_does_not_exist_on_the_server(pg_admin_url):
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    params = conninfo_to_dict(pg_admin_url)
    params["dbname"] = "postdesk_no_such_database"
    params["password"] = "s3cret-never-shown"
    message = refused(make_conninfo("", **params))

    assert message.startswith("There is no database named 'postdesk_no_such_database' on ")
    assert "s3cret" not in message


def test_a_server_that_does_not_answer():
    message = refused("postgresql://ann:s3cret@127.0.0.1:1/app?connect_timeout=3")
    assert message == "Nothing answers at 127.0.0.1:1: is the PostgreSQL server running there?"
