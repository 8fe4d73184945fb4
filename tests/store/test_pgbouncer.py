"""The app's data layer through a transaction-pooling PgBouncer, as a team's server is run."""

from __future__ import annotations

from collections.abc import Callable

import psycopg
import pytest

from desktop.store.connection import open_database
from desktop.store.repository import Repository

pytestmark = pytest.mark.postgres


def test_the_pooler_really_pools_by_transaction(
    pgbouncer: Callable[[str], str], make_database: Callable[[str], str]
) -> None:
    """What the other tests rely on: a client's next transaction may run on another server
    connection, so session state (a session lock, SET) does not follow the client."""
    url = pgbouncer(make_database("postgresql"))
    with psycopg.connect(url, autocommit=True) as one, psycopg.connect(url, autocommit=True) as two:
        first = one.execute("SELECT pg_backend_pid()").fetchone()
        with two.transaction():  # takes the server connection `one` just gave back
            taken = two.execute("SELECT pg_backend_pid()").fetchone()
            again = one.execute("SELECT pg_backend_pid()").fetchone()
    assert taken == first
    assert again != first


def test_open_migrate_save_and_list_through_the_pooler(
    pgbouncer: Callable[[str], str], make_database: Callable[[str], str]
) -> None:
    url = pgbouncer(make_database("postgresql"))
    with open_database(url) as backend:
        repo = Repository(backend)
        ada = repo.create_user("Ada", "ada@example.com")
        repo.create_post(ada.id, "Notes", "On the engine")
        assert [user.name for user in repo.list_users().items] == ["Ada"]
    with open_database(url) as again:  # the second open finds nothing to migrate
        assert Repository(again).count_users() == 1
