"""Every kind of database error, provoked for real, becomes the StoreError class that says
what happened: sorted by the driver's codes (SQLSTATE, SQLite result codes), never by the
wording. Only a connection that is really gone counts as lost; a busy row, a timeout or a
collision with another transaction leaves the connection as it was.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from desktop.store import sqlite as sqlite_backend
from desktop.store.backend import Backend
from desktop.store.connection import open_database
from desktop.store.errors import (
    BusyError,
    ConflictError,
    ConnectionFailedError,
    ConnectionLostError,
    RecordLockedError,
    StatementTimeoutError,
    StorageError,
    StoreError,
    TimedOutError,
    TransientConflictError,
    ValidationError,
)
from desktop.store.repository import Repository
from desktop.store.sqlite import SqliteBackend
from desktop.store.urls import parse_url
from tests.support.pg_conflicts import Opponent, row_locked

postgres_only = pytest.mark.parametrize(
    "dialect", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True
)
sqlite_only = pytest.mark.parametrize("dialect", ["sqlite"], indirect=True)


def two_users(backend: Backend) -> tuple[int, int]:
    repo = Repository(backend)
    ann = repo.create_user("Ann", "ann@example.com")
    bob = repo.create_user("Bob", "bob@example.com")
    return ann.id, bob.id


def in_transaction(backend: Backend) -> bool:
    if isinstance(backend, SqliteBackend):
        return backend.conn.in_transaction
    import psycopg

    return bool(backend.conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE)


def failure_of(step: Callable[[], Any]) -> StoreError:
    with pytest.raises(StoreError) as caught:
        step()
    return caught.value


def written(backend: Backend, sql: str) -> Callable[[], None]:
    def step() -> None:
        with backend.transaction():
            backend.execute(sql)

    return step


# -- constraints, on both backends -------------------------------------------------------------

ADD_USER = "INSERT INTO users (name, email) VALUES "


@pytest.mark.parametrize(
    ("statement", "kind", "field"),
    [
        (ADD_USER + "('Ann 2', 'ann@example.com')", ValidationError, "email"),
        (ADD_USER + "('Ann 2', 'ANN@example.com')", ValidationError, "email"),
        (ADD_USER + "(NULL, 'nobody@example.com')", ValidationError, "name"),
        ("INSERT INTO users (id, name, email) VALUES (1, 'X', 'x@example.com')", ConflictError, ""),
        ("INSERT INTO posts (user_id, title, content) VALUES (999, 'T', 'C')", ConflictError, ""),
    ],
    ids=["same email", "same email in capitals", "no name", "same id", "no such author"],
)
def test_a_refused_value_says_which_field_or_what_conflicts(
    backend: Backend, statement: str, kind: type[StoreError], field: str
) -> None:
    two_users(backend)

    error = failure_of(written(backend, statement))

    assert type(error) is kind
    if isinstance(error, ValidationError):
        assert list(error.errors) == [field]
    assert not in_transaction(backend)
    assert Repository(backend).count_users() == 2


# -- SQLite ------------------------------------------------------------------------------------


@sqlite_only
def test_sqlite_a_read_only_file_refuses_the_write(backend: Backend, empty_url: str) -> None:
    two_users(backend)
    path = Path(empty_url).resolve()
    reader = SqliteBackend(
        parse_url(empty_url),
        sqlite3.connect(f"file:{path}?mode=ro", uri=True, isolation_level=None),
    )
    try:
        error = failure_of(written(reader, ADD_USER + "('Cy', 'cy@example.com')"))
        assert type(error) is StorageError
        assert "read-only" in str(error)
        assert not reader.conn.in_transaction
    finally:
        reader.close()


@sqlite_only
def test_sqlite_a_full_database_refuses_the_write(backend: Backend) -> None:
    two_users(backend)
    ((pages,),) = backend.execute("PRAGMA page_count")
    backend.execute(f"PRAGMA max_page_count = {pages}")
    big = "x" * 100_000

    error = failure_of(written(backend, ADD_USER + f"('{big}', 'big@example.com')"))

    assert type(error) is StorageError
    assert "disk is full" in str(error)
    assert not in_transaction(backend)
    assert Repository(backend).count_users() == 2


def test_sqlite_a_file_that_is_not_a_database(tmp_path: Path) -> None:
    path = tmp_path / "notes.sqlite3"
    path.write_bytes(b"These are my notes, not a database. " * 200)
    garbage = SqliteBackend(parse_url(str(path)), sqlite3.connect(path, isolation_level=None))
    try:
        with pytest.raises(StoreError) as caught, garbage.reading():
            garbage.execute("SELECT count(*) FROM sqlite_master")
        assert type(caught.value) is ConnectionFailedError
        assert "damaged" in str(caught.value)
    finally:
        garbage.close()


@sqlite_only
def test_sqlite_switching_to_wal_is_retried_on_busy_only(backend: Backend, empty_url: str) -> None:
    """The retry reads SQLite's code: a busy file is tried again, anything else is not."""
    other = sqlite3.connect(empty_url, isolation_level=None)
    backend.execute("PRAGMA busy_timeout = 0")
    other.execute("BEGIN IMMEDIATE")
    tries: list[int] = []

    def take_the_write_lock() -> None:
        tries.append(1)
        if len(tries) == 2:
            other.execute("ROLLBACK")  # the other program is done after the first refusal
        backend.conn.execute("BEGIN IMMEDIATE")

    try:
        sqlite_backend._retry_when_busy(take_the_write_lock)
        assert len(tries) == 2
        backend.conn.execute("ROLLBACK")

        misspelt: list[int] = []

        def misspelt_statement() -> None:
            misspelt.append(1)
            backend.conn.execute("SELEKT 1")

        with pytest.raises(sqlite3.OperationalError):
            sqlite_backend._retry_when_busy(misspelt_statement)
        assert misspelt == [1]
    finally:
        other.close()


# A failed COMMIT: SQLite leaves the transaction open, and it must not stay open.


@sqlite_only
def test_sqlite_a_commit_refused_for_a_deferred_foreign_key_is_rolled_back(
    backend: Backend,
) -> None:
    ann, _bob = two_users(backend)

    def orphan_post() -> None:
        with backend.transaction():
            backend.execute("PRAGMA defer_foreign_keys = ON")  # checked at COMMIT only
            backend.execute(f"UPDATE users SET name = 'Ann Smith' WHERE id = {ann}")
            backend.execute("INSERT INTO posts (user_id, title, content) VALUES (999, 'T', 'C')")

    error = failure_of(orphan_post)

    assert type(error) is ConflictError
    assert not in_transaction(backend)
    assert backend.execute("SELECT count(*) FROM posts") == [(0,)]
    assert backend.execute(f"SELECT name FROM users WHERE id = {ann}") == [("Ann",)]


def test_sqlite_a_commit_refused_while_a_reader_holds_the_file_is_rolled_back(
    tmp_path: Path,
) -> None:
    url = str(tmp_path / "journal.sqlite3")
    backend = open_database(url)
    reader = sqlite3.connect(url, isolation_level=None)
    try:
        two_users(backend)
        # A rollback journal (not WAL): COMMIT needs every reader gone.
        assert backend.execute("PRAGMA journal_mode = DELETE") == [("delete",)]
        backend.execute("PRAGMA busy_timeout = 0")
        reader.execute("BEGIN")
        reader.execute("SELECT count(*) FROM users").fetchone()  # holds a SHARED lock

        error = failure_of(written(backend, ADD_USER + "('Cy', 'cy@example.com')"))

        assert type(error) is BusyError
        assert not in_transaction(backend)
        reader.execute("ROLLBACK")
        assert Repository(backend).count_users() == 2
        assert Repository(backend).create_user("Cy", "cy@example.com").name == "Cy"
    finally:
        reader.close()
        backend.close()


# -- PostgreSQL --------------------------------------------------------------------------------


def backend_pid(backend: Backend) -> int:
    pid: int = backend.conn.info.backend_pid
    return pid


@postgres_only
def test_postgres_a_row_another_session_holds_is_busy(backend: Backend, empty_url: str) -> None:
    ann, _bob = two_users(backend)
    pid = backend_pid(backend)

    def rename() -> None:
        with backend.transaction():
            backend.execute("SELECT set_config('lock_timeout', '100ms', true)")
            Repository(backend).update_user(ann, "Ann Smith", "ann@example.com")

    with row_locked(empty_url, ann):
        error = failure_of(rename)

    assert type(error) is RecordLockedError and isinstance(error, BusyError)
    assert str(error) == "Someone else is changing this record right now; try again in a moment."
    assert backend_pid(backend) == pid and not in_transaction(backend)
    assert Repository(backend).get_user(ann).name == "Ann"


@postgres_only
def test_postgres_a_statement_over_the_time_limit_times_out(backend: Backend) -> None:
    pid = backend_pid(backend)
    backend.execute("SET statement_timeout = 50")

    def slow_read() -> None:
        with backend.reading():
            backend.execute("SELECT pg_sleep(10)")

    error = failure_of(slow_read)

    assert type(error) is StatementTimeoutError and isinstance(error, TimedOutError)
    assert str(error) == "The server took too long to answer; nothing was changed."
    assert backend_pid(backend) == pid
    assert backend.execute("SELECT 1") == [(1,)]


@postgres_only
def test_postgres_a_deadlock_is_a_transient_conflict(backend: Backend, empty_url: str) -> None:
    ann, bob = two_users(backend)
    pid = backend_pid(backend)

    with Opponent(empty_url, first=ann, second=bob) as opponent:
        error = failure_of(lambda: _in_transaction(backend, opponent.deadlock))

    assert type(error) is TransientConflictError
    assert "nothing was changed" in str(error)
    assert backend_pid(backend) == pid and not in_transaction(backend)


def _in_transaction(backend: Backend, step: Callable[[Backend], None]) -> None:
    with backend.transaction():
        step(backend)


@postgres_only
def test_postgres_a_serialization_failure_is_a_transient_conflict(
    backend: Backend, empty_url: str
) -> None:
    import psycopg

    ann, _bob = two_users(backend)

    def rename_from_an_old_snapshot() -> None:
        with backend.transaction():
            backend.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            backend.execute("SELECT name FROM users WHERE id = %s", (ann,))  # the snapshot
            with psycopg.connect(empty_url, autocommit=True) as other:
                other.execute("UPDATE users SET name = 'Ann Jones' WHERE id = %s", (ann,))
            backend.execute("UPDATE users SET name = 'Ann Smith' WHERE id = %s", (ann,))

    error = failure_of(rename_from_an_old_snapshot)

    assert type(error) is TransientConflictError
    assert not in_transaction(backend)
    assert Repository(backend).get_user(ann).name == "Ann Jones"


@postgres_only
def test_postgres_a_closed_connection_is_lost(backend: Backend) -> None:
    backend.conn.close()  # no SQLSTATE: psycopg itself says the connection is gone

    error = failure_of(Repository(backend).count_users)

    assert type(error) is ConnectionLostError
