"""The shared database fixtures themselves: every test starts from a database of its own."""

from __future__ import annotations

import pytest

from desktop.store.connection import connect, open_database
from desktop.store.migrations import MigrationRunner
from tests.support.dbtools import refuse_deletes, run, snapshot


def test_empty_url_is_an_empty_database(empty_url):
    backend = connect(empty_url)
    try:
        assert backend.table_names() == set()
    finally:
        backend.close()


def test_backend_is_migrated_and_empty(backend, dialect):
    assert backend.dialect == dialect
    status = MigrationRunner(backend).status()
    assert status.pending == []
    assert status.current_version is not None
    assert run(backend, "SELECT count(*) FROM users") == [(0,)]


def test_make_database_gives_a_new_database_each_time(make_database, dialect):
    first, second = make_database(dialect), make_database(dialect)
    assert first != second
    with open_database(first) as one, connect(second) as other:
        assert "users" in one.table_names()
        assert other.table_names() == set()


@pytest.mark.postgres
def test_a_pooled_database_comes_back_as_new(_databases, pg_admin_url):
    """A migrated PostgreSQL database is reused only when emptying it restores it exactly."""
    url = _databases.take_migrated()
    with open_database(url) as backend:
        fresh = snapshot(backend)
        backend.execute("SET TIME ZONE 'Asia/Kolkata'")
        user = run(backend, "INSERT INTO users (name, email) VALUES ('A', 'a@x.org') RETURNING id")
        post = run(
            backend,
            "INSERT INTO posts (user_id, title, content) VALUES (?, 'T', 'C') RETURNING id",
            (user[0][0],),
        )
        run(backend, "INSERT INTO comments (post_id, body) VALUES (?, 'B')", (post[0][0],))
    _databases.give_back(url)

    again = _databases.take_migrated()
    assert again == url  # reused...
    with open_database(again) as backend:
        assert snapshot(backend) == fresh  # ...and as freshly migrated, ids starting at 1
        ids = run(backend, "INSERT INTO users (name, email) VALUES ('B', 'b@x.org') RETURNING id")
        assert ids == [(1,)]
        refuse_deletes(backend, "users")  # a schema change no DELETE can undo
    _databases.give_back(again)

    other = _databases.take_migrated()
    assert other != url  # the changed one was dropped, not reused
    _databases.give_back(other)
