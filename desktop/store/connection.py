"""Open a database address as a Backend, checked and migrated."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

from desktop.store.backend import HISTORY_TABLE, Backend
from desktop.store.migrations import (
    LockWait,
    Migration,
    MigrationRunner,
    MigrationStatus,
    Progress,
    RowsProgress,
)
from desktop.store.privileges import read_only_reason
from desktop.store.urls import DatabaseUrl, parse_url


def load_driver(url: DatabaseUrl) -> None:
    """Import what connecting to `url` needs, ahead of time (a caller picks the moment):
    psycopg and libpq take a tenth of a second or more, which a SQLite file never pays."""
    if url.dialect == "postgresql":
        import desktop.store.postgres  # noqa: F401


def connect(url: DatabaseUrl | str, *, create: bool = True) -> Backend:
    """Open a connection, without checking or migrating the schema."""
    if isinstance(url, str):
        url = parse_url(url)
    if url.dialect == "sqlite":
        from desktop.store.sqlite import open_sqlite

        return open_sqlite(url, create)
    # psycopg takes a tenth of a second to import: only pay for it when a server is used.
    from desktop.store.postgres import open_postgres

    return open_postgres(url)


@dataclass(frozen=True)
class OpenedDatabase:
    """A database open for the app, and what opening it found out."""

    backend: Backend
    status: MigrationStatus  # after the migrations this open applied
    applied: list[Migration]
    # Why the database may only be read (a role without write privileges, a read-only
    # file), in one sentence; None when it may be changed.
    read_only_reason: str | None


def open_database(
    url: DatabaseUrl | str,
    *,
    create: bool = True,
    migrate: bool = True,
    migrations_dir: Path | None = None,
    progress: Progress | None = None,
    lock: LockWait | None = None,
) -> Backend:
    """Open a database for the app: refuse another program's database, then migrate it
    (see open_checked)."""
    return open_checked(
        url,
        create=create,
        migrate=migrate,
        migrations_dir=migrations_dir,
        progress=progress,
        lock=lock,
    ).backend


def open_checked(
    url: DatabaseUrl | str,
    *,
    create: bool = True,
    migrate: bool = True,
    migrations_dir: Path | None = None,
    progress: Progress | None = None,
    lock: LockWait | None = None,
    rows: RowsProgress | None = None,
) -> OpenedDatabase:
    """Open a database for the app: refuse another program's database, then migrate it.

    Everything that can refuse the database (another program's tables, a schema from a
    newer Postdesk, a changed migration, a damaged file) is checked by reading alone,
    before prepare() writes anything (SQLite's switch to WAL rewrites the file header).
    The checks are read together (Backend.survey: one round trip to a server after
    connecting); only pending migrations, or a database without a history, take more.
    """
    backend = connect(url, create=create)
    try:
        survey = backend.survey()
        refuse_foreign(backend, survey.tables)
        runner = MigrationRunner(backend, migrations_dir)
        status = runner.status(survey)
        backend.prepare()
        applied = (
            runner.migrate(progress, lock=lock, survey=survey, rows=rows) if migrate else []
        )
        if applied:  # the schema changed: read the checks again
            survey = backend.survey()
            status = runner.status(survey)
        reason = read_only_reason(backend, survey)
    except BaseException:
        backend.close()
        raise
    return OpenedDatabase(backend, status, applied, reason)


def refuse_foreign(backend: Backend, tables: Collection[str] | None = None) -> None:
    """A database holding tables but no migration history belongs to some other program,
    unless it is the specification's schema: then adopting it is offered (AdoptionOffered).
    `tables`: the database's tables, when already read."""
    if tables is None:
        with backend.reading():
            tables = backend.table_names()
    if tables and HISTORY_TABLE not in tables:
        # Imported only here: adoption's schema tables and queries are a fifth of what
        # opening a database imports, and almost every database has its history.
        from desktop.store.adoption import check_unknown_tables

        check_unknown_tables(backend)
