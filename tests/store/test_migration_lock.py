"""The migration lock on a PostgreSQL server: held for one transaction at a time (so a
transaction-pooling PgBouncer cannot strand it), waited for with a limit, a word to the
person and a way out, and not taken at all when nothing is pending."""

from __future__ import annotations

import shutil
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from desktop import paths
from desktop.store.connection import open_database
from desktop.store.errors import MigrationCancelledError, MigrationLockTimeoutError
from desktop.store.migrations import (
    LockWait,
    Migration,
    MigrationRunner,
    discover,
    lock_wait_message,
)
from desktop.store.postgres import MIGRATION_LOCK_KEY
from tests.support.dbtools import run

SHIPPED = [m.version for m in discover(paths.migrations_dir(), "postgresql")]

pytestmark = pytest.mark.postgres

WAIT_S = 15
HISTORY = "SELECT version, checksum FROM schema_migrations ORDER BY version"


@pytest.fixture
def url(make_database: Any, pg_admin_url: str) -> str:
    """A PostgreSQL database at the shipped schema version."""
    made: str = make_database("postgresql")
    open_database(made).close()
    return made


@pytest.fixture
def migrations(tmp_path: Path) -> Path:
    """db/migrations/ and one more, pending, migration."""
    folder = Path(shutil.copytree(paths.migrations_dir(), tmp_path / "migrations"))
    (folder / "903_notes.sql").write_text("CREATE TABLE notes (body TEXT NOT NULL);\n")
    return folder


class LockHolder:
    """Another Postdesk in the middle of a migration: a transaction holding the lock."""

    def __init__(self, url: str) -> None:
        self.conn = psycopg.connect(url)  # not autocommit: the transaction stays open
        self.conn.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK_KEY,))

    def release(self) -> None:
        self.conn.commit()

    def close(self) -> None:
        self.conn.close()


@pytest.fixture
def holder(url: str) -> Iterator[LockHolder]:
    held = LockHolder(url)
    yield held
    held.close()


class Migrating:
    """migrate() on a thread of its own, reporting its waits to the test."""

    def __init__(self, url: str, folder: Path, limit_s: float = WAIT_S) -> None:
        self.backend = open_database(url, migrate=False, migrations_dir=folder)
        self.folder = folder
        self.waits: list[float] = []
        self.waiting = threading.Event()
        self.cancel = threading.Event()
        self.result: list[Migration] | None = None
        self.error: BaseException | None = None
        self.lock = LockWait(limit_s=limit_s, report=self._report, cancelled=self.cancel.is_set)
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _report(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.waiting.set()

    def _run(self) -> None:
        try:
            self.result = MigrationRunner(self.backend, self.folder).migrate(lock=self.lock)
        except BaseException as exc:
            self.error = exc

    def finish(self) -> None:
        self.thread.join(WAIT_S)
        assert not self.thread.is_alive(), "migrate() did not return"
        self.backend.close()


def history(url: str) -> list[tuple[Any, ...]]:
    with psycopg.connect(url) as conn:
        return conn.execute(HISTORY).fetchall()


def test_waiting_for_the_lock_is_reported_and_can_be_cancelled(url, migrations, holder):
    before = history(url)
    migrating = Migrating(url, migrations)

    assert migrating.waiting.wait(WAIT_S), "the wait for the lock was never reported"
    assert migrating.waits[0] < 1
    assert lock_wait_message(3.4).startswith("Another Postdesk is updating this database…")
    assert "3 s" in lock_wait_message(3.4)
    migrating.cancel.set()
    migrating.finish()

    assert isinstance(migrating.error, MigrationCancelledError), migrating.error
    assert "stays at its previous version" in str(migrating.error)
    assert history(url) == before
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT to_regclass('notes')").fetchone() == (None,)


def test_the_migration_goes_on_once_the_lock_is_released(url, migrations, holder):
    migrating = Migrating(url, migrations)
    assert migrating.waiting.wait(WAIT_S)

    holder.release()
    migrating.finish()

    assert migrating.error is None
    assert [m.version for m in migrating.result or []] == ["903"]
    assert [version for version, _ in history(url)] == [*SHIPPED, "903"]


def test_the_wait_has_a_limit(url, migrations, holder):
    before = history(url)
    migrating = Migrating(url, migrations, limit_s=0.3)
    migrating.finish()

    assert isinstance(migrating.error, MigrationLockTimeoutError), migrating.error
    message = str(migrating.error)
    assert message.startswith("Another Postdesk is updating this database")
    assert "Try again" in message
    assert history(url) == before


def advisory_locks_of(admin_url: str, pid: int) -> list[tuple[Any, ...]]:
    with psycopg.connect(admin_url, autocommit=True) as admin:
        return admin.execute(
            "SELECT objid FROM pg_locks WHERE locktype = 'advisory' AND pid = %s", (pid,)
        ).fetchall()


def test_the_lock_lasts_one_transaction_only(make_database, pg_admin_url):
    """A session-level lock outlives its transaction: through a transaction-pooling
    PgBouncer it would be released on another server connection, or never."""
    backend = open_database(make_database("postgresql"), migrate=False)
    pid = backend.conn.info.backend_pid
    held_between: list[list[tuple[Any, ...]]] = []
    try:
        applied = MigrationRunner(backend).migrate(
            lambda _m, _i, _n: held_between.append(advisory_locks_of(pg_admin_url, pid))
        )
    finally:
        backend.close()

    assert [m.version for m in applied] == SHIPPED
    assert held_between == [[] for _ in SHIPPED]


@pytest.fixture
def row_role(url: str, pg_admin_url: str) -> Iterator[str]:
    """A role that may read and write rows and nothing more: no CREATE on schema public
    (PostgreSQL 15's default), as a team gives its application."""
    role = f"postdesk_app_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(pg_admin_url, autocommit=True) as admin:
        admin.execute(f'CREATE ROLE "{role}" LOGIN')
    with psycopg.connect(url, autocommit=True) as owner:
        owner.execute("REVOKE CREATE ON SCHEMA public FROM PUBLIC")
        owner.execute(
            f'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO "{role}"'
        )
        owner.execute(f'GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO "{role}"')
    yield f"{url} user={role}"
    with psycopg.connect(url, autocommit=True) as owner:
        owner.execute(f'DROP OWNED BY "{role}"')
    with psycopg.connect(pg_admin_url, autocommit=True) as admin:
        admin.execute(f'DROP ROLE "{role}"')


def test_a_current_database_opens_without_ddl_or_lock(row_role, holder):
    """Nothing pending: no CREATE TABLE IF NOT EXISTS (refused to a role without CREATE on
    the schema) and no wait for a lock another Postdesk holds."""
    with open_database(row_role, lock=LockWait(limit_s=0.5)) as backend:
        assert backend.url.target.endswith("user=" + row_role.rsplit("=", 1)[1])
        assert run(backend, "SELECT count(*) FROM users") == [(0,)]


# -- through a transaction-pooling PgBouncer -----------------------------------------------------


def advisory_locks_on(admin_url: str, url: str) -> list[tuple[Any, ...]]:
    """Advisory locks held by any session on the database of `url`."""
    name = psycopg.conninfo.conninfo_to_dict(url)["dbname"]
    with psycopg.connect(admin_url, autocommit=True) as admin:
        return admin.execute(
            "SELECT l.pid FROM pg_locks l JOIN pg_database d ON d.oid = l.database "
            "WHERE l.locktype = 'advisory' AND d.datname = %s",
            (name,),
        ).fetchall()


def test_launches_at_once_through_the_pooler_migrate_once_and_leave_no_lock(
    pgbouncer, make_database, pg_admin_url, migrations
):
    """A session lock taken through the pooler is released on another server connection,
    or never, and then every later launch waits for it, direct ones too."""
    from tests.store.test_migrations import Workers

    workers = Workers(3)
    try:
        for _attempt in range(3):
            direct = make_database("postgresql")
            answers = workers.migrate(pgbouncer(direct), migrations)

            assert [a for a in answers if "error" in a] == []
            applied = sorted(version for a in answers for version in a["applied"])
            assert applied == [*SHIPPED, "903"]
            assert advisory_locks_on(pg_admin_url, direct) == []
            assert [version for version, _ in history(direct)] == [*SHIPPED, "903"]
    finally:
        workers.close()


def test_waiting_through_the_pooler_can_be_cancelled_and_then_goes_on(
    pgbouncer, url, migrations, holder
):
    before = history(url)
    migrating = Migrating(pgbouncer(url), migrations)
    assert migrating.waiting.wait(WAIT_S)
    migrating.cancel.set()
    migrating.finish()
    assert isinstance(migrating.error, MigrationCancelledError), migrating.error
    assert history(url) == before

    again = Migrating(pgbouncer(url), migrations)
    assert again.waiting.wait(WAIT_S)
    holder.release()
    again.finish()
    assert again.error is None
    assert [version for version, _ in history(url)] == [*SHIPPED, "903"]
