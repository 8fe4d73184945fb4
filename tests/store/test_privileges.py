"""Roles with fewer rights than the app would like, made for real on the server (see
tests/support/roles.py), and read-only SQLite files: a current database opens without DDL
or a lock; a role that cannot write gets it read-only, with the reason named; one that
cannot apply a pending migration is refused before anything changes."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from desktop.store.connection import open_database
from desktop.store.errors import MigrationNotAllowedError, StorageError
from desktop.store.merging import merge_databases
from desktop.store.migrations import LockWait, MigrationRunner
from desktop.store.postgres import MIGRATION_LOCK_KEY
from desktop.store.privileges import read_only_reason
from desktop.store.repository import Repository
from tests.conftest import MakeDatabase
from tests.store.test_open_errors import read_only
from tests.support.roles import Team, migrations_upto, shipped_after

READ_ONLY = "You can read this database but not change it"
postgres = pytest.mark.postgres


@pytest.fixture(scope="module")
def team(pg_admin_url: str) -> Iterator[Team]:
    made = Team(pg_admin_url)
    yield made
    made.close()


def updates(versions: list[str]) -> str:
    if len(versions) == 1:
        return f"update {versions[0]}"
    return f"updates {', '.join(versions[:-1])} and {versions[-1]}"


def schema_of(url: str) -> list[tuple[Any, ...]]:
    """Tables, indexes and history: what a half-done migration would change."""
    with psycopg.connect(url) as conn:
        return conn.execute(
            "SELECT 'relation', relname FROM pg_class "
            "WHERE relnamespace = 'public'::regnamespace "
            "UNION ALL SELECT 'history', version FROM schema_migrations ORDER BY 1, 2"
        ).fetchall()


# -- a current database -------------------------------------------------------------------------


@postgres
@pytest.mark.parametrize("role", ["reader", "app"])
def test_a_current_database_opens_without_ddl_or_a_lock(team: Team, role: str) -> None:
    """The roles have no CREATE on the schema, so any DDL would fail; the lock is held by
    another session for the whole open, so waiting for it would time out."""
    name = team.database()
    url = team.url(name, getattr(team, role))
    before = schema_of(team.url(name, team.owner))
    with psycopg.connect(team.url(name, team.owner)) as holder:
        holder.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK_KEY,))
        with open_database(url, lock=LockWait(limit_s=0.5)) as backend:
            assert Repository(backend).count_users() == 0
        holder.rollback()
    assert schema_of(team.url(name, team.owner)) == before


@postgres
def test_a_role_that_may_only_read_gets_the_database_read_only(team: Team) -> None:
    name = team.database()
    with open_database(team.url(name, team.reader)) as backend:
        reason = read_only_reason(backend)
    assert reason == f"{READ_ONLY}: role {team.reader} has no UPDATE permission."

    for role in (team.app, team.owner):
        with open_database(team.url(name, role)) as backend:
            assert read_only_reason(backend) is None


@postgres
def test_a_privilege_missing_on_some_tables_names_them(team: Team) -> None:
    name = team.database()
    team.as_owner(name, f'REVOKE DELETE ON posts, comments FROM "{team.app}"')
    with open_database(team.url(name, team.app)) as backend:
        reason = read_only_reason(backend)
    assert reason == f"{READ_ONLY}: role {team.app} has no DELETE permission on posts and comments."


@postgres
def test_the_app_role_saves_what_it_may(team: Team) -> None:
    name = team.database()
    with open_database(team.url(name, team.app)) as backend:
        repo = Repository(backend)
        user = repo.create_user("Ada Lovelace", "ada@example.com")
        post = repo.create_post(user.id, "Notes", "On the engine.")
        repo.create_comment(post.id, "Brilliant.")
        assert repo.table_counts() == {"users": 1, "posts": 1, "comments": 1}


@postgres
def test_the_app_role_merges_into_the_server_and_a_reader_merges_from_it(
    team: Team, make_database: MakeDatabase
) -> None:
    name = team.database()
    laptop = make_database("sqlite")
    with open_database(laptop) as backend:
        repo = Repository(backend)
        repo.create_comment(
            repo.create_post(repo.create_user("Ada", "ada@x.org").id, "A", "b").id, "c"
        )
    report = merge_databases(laptop, team.url(name, team.app))
    assert (report.users_added, report.posts_added, report.comments_added) == (1, 1, 1)
    back = merge_databases(team.url(name, team.reader), laptop)  # a source is only read
    assert (back.users_matched, back.posts_skipped, back.comments_skipped) == (1, 1, 1)


# -- pending migrations ---------------------------------------------------------------------


@postgres
def test_a_role_that_cannot_migrate_is_told_before_anything_starts(team: Team) -> None:
    name = team.database(upto="001")
    before = schema_of(team.url(name, team.owner))

    with pytest.raises(MigrationNotAllowedError) as refused:
        open_database(team.url(name, team.app))

    assert str(refused.value) == (
        f"This database needs {updates(shipped_after('001'))}, and role {team.app} cannot "
        "create tables in schema public and does not own its tables comments, posts, "
        "schema_migrations and users; ask its owner to run `postdesk migrate`."
    )
    assert schema_of(team.url(name, team.owner)) == before


@postgres
def test_creating_without_owning_the_tables_is_not_enough(team: Team) -> None:
    name = team.database(upto="001")
    team.as_owner(name, f'GRANT CREATE ON SCHEMA public TO "{team.app}"')
    before = schema_of(team.url(name, team.owner))

    with pytest.raises(MigrationNotAllowedError) as refused:
        open_database(team.url(name, team.app))

    assert f"role {team.app} does not own its tables comments, posts" in str(refused.value)
    assert "cannot create" not in str(refused.value)
    assert schema_of(team.url(name, team.owner)) == before


@postgres
def test_the_owner_applies_what_is_pending(team: Team) -> None:
    name = team.database(upto="001")
    with open_database(team.url(name, team.owner)) as backend:
        status = MigrationRunner(backend).status()
        assert status.pending == []
        assert read_only_reason(backend) is None


@postgres
def test_migrate_by_a_role_that_cannot_says_why_in_one_line(team: Team) -> None:
    name = team.database(upto="001")
    result = subprocess.run(
        [sys.executable, "-m", "desktop", "migrate", "--database", team.url(name, team.app)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    [line] = result.stderr.splitlines()
    assert line.startswith("postdesk: This database needs update")
    assert line.endswith("ask its owner to run `postdesk migrate`.")
    status = subprocess.run(
        [sys.executable, "-m", "desktop", "migrate", "--status", "--database",
         team.url(name, team.reader)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert status.returncode == 0, status.stderr
    assert "pending  002" in status.stdout
    assert f"{READ_ONLY}: role {team.reader} has no UPDATE permission." in status.stdout


@postgres
def test_an_empty_database_names_no_privilege_of_tables_not_made_yet(team: Team) -> None:
    name = team.database(upto="000")
    with open_database(team.url(name, team.reader), migrate=False) as backend:
        assert read_only_reason(backend) is None


# -- through a transaction-pooling PgBouncer ------------------------------------------------


@postgres
def test_the_app_role_opens_and_saves_through_pgbouncer(team: Team) -> None:
    """PgBouncer lets in only the users of its auth file: a bouncer of its own for the role."""
    from tests.support.pgbouncer import PgBouncerUnavailable, running_pgbouncer

    name = team.database()
    try:
        bouncer = running_pgbouncer(team.url(name, team.app))
        through = bouncer.__enter__()
    except PgBouncerUnavailable as exc:
        pytest.skip(f"PgBouncer cannot start: {exc}")
    try:
        with open_database(through) as backend:
            assert read_only_reason(backend) is None
            repo = Repository(backend)
            user = repo.create_user("Grace Hopper", "grace@example.com")
            post = repo.create_post(user.id, "Bugs", "A moth.")
            repo.update_post(post.id, "The first bug", post.content, expected=post)
            repo.create_comment(post.id, "Found it.")
    finally:
        bouncer.__exit__(None, None, None)
    with open_database(team.url(name, team.owner)) as backend:
        repo = Repository(backend)
        assert repo.table_counts() == {"users": 1, "posts": 1, "comments": 1}
        [post] = repo.list_posts(user.id, "", 10).items
        assert post.title == "The first bug"


# -- SQLite: a file that may only be read ------------------------------------------------------


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_read_only_current_file_opens_read_only(tmp_path: Path) -> None:
    path = tmp_path / "app.sqlite3"
    with open_database(str(path)) as backend:
        Repository(backend).create_user("Ada Lovelace", "ada@example.com")
    before = sha256(path)

    with read_only(path), open_database(str(path)) as backend:
        assert read_only_reason(backend) == f"{READ_ONLY}: the file {path} is read-only."
        repo = Repository(backend)
        assert [u.name for u in repo.list_users("", 10).items] == ["Ada Lovelace"]
        with pytest.raises(StorageError):
            repo.create_user("Alan Turing", "alan@example.com")

    assert sha256(path) == before


def test_a_read_only_file_that_needs_an_update_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    with migrations_upto("001") as folder:
        open_database(str(path), migrations_dir=folder).close()
    before = sha256(path)

    with read_only(path), pytest.raises(MigrationNotAllowedError) as refused:
        open_database(str(path))

    assert str(refused.value) == (
        f"This database needs {updates(shipped_after('001'))}, and the file {path} is "
        "read-only; make it writable, or ask its owner to run `postdesk migrate`."
    )
    assert sha256(path) == before
