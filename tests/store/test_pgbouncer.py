"""The app's data layer through a transaction-pooling PgBouncer, as a team's server is run."""

from __future__ import annotations

from collections.abc import Callable

import psycopg
import pytest

from desktop.store.backend import Backend
from desktop.store.changes import ChangeFeed, ChangeSet, FeedStart, start_feed
from desktop.store.connection import open_checked, open_database
from desktop.store.records import User, UserCursor
from desktop.store.repository import Counted, Repository

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


def test_the_checks_and_first_pages_read_together_work_through_the_pooler(
    pgbouncer: Callable[[str], str], make_database: Callable[[str], str]
) -> None:
    """Pipeline mode through a transaction-pooling PgBouncer: the open's checks (the first
    open finds no history table: its read fails inside the pipeline and is read again),
    a first page with its count, and the change feed's position."""
    url = pgbouncer(make_database("postgresql"))
    first = open_checked(url)  # an empty database: migrated
    with first.backend as backend:
        assert first.applied and first.read_only_reason is None
        repo = Repository(backend)
        ada = repo.create_user("Ada", "ada@example.com")
        repo.create_post(ada.id, "Notes", "On the engine")
    again = open_checked(url)
    with again.backend as backend:
        assert not again.applied and again.status.current_version == first.status.current_version
        assert again.read_only_reason is None
        repo = Repository(backend)
        for _ in range(3):  # each on whichever server connection is free
            page, total = repo.first_users()
            assert ([user.name for user in page.items], total) == (["Ada"], 1)
            posts, count = repo.first_posts(page.items[0].id)
            assert ([post.title for post in posts.items], count) == (["Notes"], 1)
        ChangeFeed(backend).poll()


def test_the_first_rows_read_with_the_checks_work_through_the_pooler(
    pgbouncer: Callable[[str], str], make_database: Callable[[str], str]
) -> None:
    """The open's look: where the change log stands and the first users, in the checks'
    pipeline; its lock limit lasts for that pipeline's transaction only, whichever server
    connection ran it."""
    url = pgbouncer(make_database("postgresql"))
    open_database(url).close()

    def look(backend: Backend) -> Callable[[], tuple[FeedStart, Counted[User, UserCursor]]]:
        since, users = start_feed(backend), Repository(backend).start_counted_users(10)
        return lambda: (since(), users())

    for _ in range(2):  # the second open finds the pooled connections the first used
        opened = open_checked(url, look=look)
        with opened.backend as backend:
            assert opened.looked is not None
            since, (page, total) = opened.looked
            assert (page.items, total) == ([], 0)
            assert ChangeFeed(backend, since).poll() == ChangeSet()
            with psycopg.connect(url, autocommit=True) as other:
                for _ in range(3):  # whichever server connection it gets
                    shown = other.execute("SHOW lock_timeout").fetchone()
                    assert shown is not None and shown[0] == "0"
