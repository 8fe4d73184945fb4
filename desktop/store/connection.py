"""Open a database address as a Backend, checked and migrated."""

from __future__ import annotations

from pathlib import Path

from desktop.store.backend import HISTORY_TABLE, Backend
from desktop.store.migrations import LockWait, MigrationRunner, Progress
from desktop.store.urls import DatabaseUrl, parse_url


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


def open_database(
    url: DatabaseUrl | str,
    *,
    create: bool = True,
    migrate: bool = True,
    migrations_dir: Path | None = None,
    progress: Progress | None = None,
    lock: LockWait | None = None,
) -> Backend:
    """Open a database for the app: refuse another program's database, then migrate it.

    Everything that can refuse the database (another program's tables, a schema from a
    newer Postdesk, a changed migration, a damaged file) is checked by reading alone,
    before prepare() writes anything (SQLite's switch to WAL rewrites the file header).
    """
    backend = connect(url, create=create)
    try:
        refuse_foreign(backend)
        runner = MigrationRunner(backend, migrations_dir)
        runner.status()
        backend.prepare()
        if migrate:
            runner.migrate(progress, lock=lock)
    except BaseException:
        backend.close()
        raise
    return backend


def refuse_foreign(backend: Backend) -> None:
    """A database holding tables but no migration history belongs to some other program,
    unless it is the specification's schema: then adopting it is offered (AdoptionOffered)."""
    with backend.reading():
        tables = backend.table_names()
    if tables and HISTORY_TABLE not in tables:
        # Imported only here: adoption's schema tables and queries are a fifth of what
        # opening a database imports, and almost every database has its history.
        from desktop.store.adoption import check_unknown_tables

        check_unknown_tables(backend)
