"""Trouble after opening: a busy SQLite file, a dropped server connection. Plain-words errors."""

from __future__ import annotations

import sqlite3

import pytest

from desktop.store.connection import open_database
from desktop.store.errors import BusyError, ConnectionLostError
from desktop.store.repository import Repository


def test_a_file_another_program_is_writing_to(make_database):
    url = make_database("sqlite")
    backend = open_database(url)
    repo = Repository(backend)
    repo.create_user("Ann", "ann@example.com")
    other = sqlite3.connect(url, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")  # another program holds the write lock
        backend.execute("PRAGMA busy_timeout = 50")  # instead of waiting seconds

        with pytest.raises(BusyError) as busy:
            repo.create_user("Bob", "bob@example.com")
        assert str(busy.value) == (
            "The database file is busy: another program is writing to it. "
            "Try again in a moment."
        )
        assert not backend.conn.in_transaction
        assert repo.count_users() == 1  # reading still works meanwhile

        other.execute("ROLLBACK")
        assert repo.create_user("Bob", "bob@example.com").name == "Bob"
    finally:
        other.close()
        backend.close()


@pytest.mark.postgres
def test_a_server_connection_that_breaks(make_database, pg_admin_url):
    import psycopg

    backend = open_database(make_database("postgresql"))
    repo = Repository(backend)
    repo.create_user("Ann", "ann@example.com")
    with psycopg.connect(pg_admin_url, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (backend.conn.info.backend_pid,))

    for call in (repo.count_users, lambda: repo.create_user("Bob", "bob@example.com")):
        with pytest.raises(ConnectionLostError) as lost:
            call()
        message = str(lost.value)
        assert message.startswith(f"The connection to {backend.url.display()} was lost")
        assert "Traceback" not in message
    backend.close()
