"""An open reads the first rows the app shows with its checks (open_checked's `look`): the
answer is kept only where the schema was current and nothing was migrated, a look whose
reads fail leaves the open standing, and on a server it does not wait for a migration
that holds the tables."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest

from desktop import paths
from desktop.store.backend import Backend
from desktop.store.changes import FeedStart, start_feed
from desktop.store.connection import open_checked, open_database
from desktop.store.migrations import discover
from desktop.store.queries import send
from desktop.store.records import Page, User, UserCursor
from desktop.store.repository import Repository
from tests.support.dbtools import run

USERS = 12
LIMIT = 10


def first_users(backend: Backend) -> Callable[[], tuple[Page[User, UserCursor], int]]:
    return Repository(backend).start_counted_users(LIMIT)


def where_changes_start_then_users(
    backend: Backend,
) -> Callable[[], tuple[FeedStart, tuple[Page[User, UserCursor], int]]]:
    since, users = start_feed(backend), first_users(backend)
    return lambda: (since(), users())


def fill(url: str, migrations: Path | None = None) -> None:
    with open_database(url, migrations_dir=migrations) as backend:
        for n in range(USERS):
            run(
                backend,
                "INSERT INTO users (name, email) VALUES (?, ?)",
                (f"User {n:02}", f"user{n}@example.com"),
            )


def test_the_first_users_come_with_the_checks_of_a_current_database(empty_url: str) -> None:
    fill(empty_url)
    with open_database(empty_url) as backend:
        expected = Repository(backend).first_users(LIMIT)

    opened = open_checked(empty_url, look=first_users)
    with opened.backend:
        assert opened.looked == expected
        assert opened.looked[1] == USERS
        assert not opened.applied and not opened.status.pending


def test_a_database_the_open_migrates_keeps_no_look(
    empty_url: str, tmp_path: Path, dialect: str
) -> None:
    # A database of the first two migrations: it has no change log yet (003), which the
    # look reads first: on a server its reads fail, on SQLite they are never made.
    older = tmp_path / "migrations"
    shutil.copytree(paths.migrations_dir(), older)
    for path in older.glob("*.sql"):
        if not path.name.startswith(("001_", "002_")):
            path.unlink()
    fill(empty_url, older)

    opened = open_checked(empty_url, look=where_changes_start_then_users)
    with opened.backend:
        shipped = [m.version for m in discover(paths.migrations_dir(), dialect)]  # type: ignore[arg-type]
        assert [m.version for m in opened.applied] == shipped[2:]
        assert opened.looked is None
        assert not opened.status.pending
        assert Repository(opened.backend).first_users(LIMIT)[1] == USERS


@pytest.mark.postgres
def test_a_look_whose_reads_fail_leaves_the_checks_and_the_open_standing(
    make_database: Callable[[str], str],
) -> None:
    url = make_database("postgresql")
    fill(url)

    def refused(backend: Backend) -> Callable[[], User | None]:
        users = first_users(backend)  # sent before the failing read: dropped with it
        # A read the server refuses (22P02: not a number), after the checks in their pipeline.
        send(backend.queries.get_user, backend.conn, id="not a number")  # type: ignore[arg-type]
        return lambda: users()[0].items[0]

    opened = open_checked(url, look=refused)
    with opened.backend:
        assert opened.looked is None
        assert not opened.applied and not opened.status.pending
        assert opened.read_only_reason is None
        # The connection goes on as if nothing had happened.
        assert Repository(opened.backend).first_users(LIMIT)[1] == USERS


@pytest.mark.postgres
def test_a_look_does_not_wait_for_a_migration_holding_the_users_table(
    make_database: Callable[[str], str],
) -> None:
    url = make_database("postgresql")
    fill(url)
    with psycopg.connect(url) as locker:  # a transaction, as a migration's
        locker.execute("LOCK TABLE users IN ACCESS EXCLUSIVE MODE")
        # Should the look wait for the lock after all, it ends here (and the test fails).
        release = threading.Timer(20.0, locker.rollback)
        release.start()
        try:
            opened = open_checked(url, look=first_users)
        finally:
            release.cancel()
        with opened.backend:
            assert opened.looked is None
            assert not opened.status.pending
            locker.rollback()
            assert Repository(opened.backend).first_users(LIMIT)[1] == USERS
