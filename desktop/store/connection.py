"""Open a database address as a Backend, checked and migrated."""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from desktop.store.backend import HISTORY_TABLE, Backend, Look, T
from desktop.store.errors import StoreError
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

log = logging.getLogger(__name__)


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
    # What the open's `look` read, where its answer holds: the schema was current and
    # nothing was migrated. None otherwise (the app then reads it as any read).
    looked: Any = None


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
    look: Look[Any] | None = None,
) -> OpenedDatabase:
    """Open a database for the app: refuse another program's database, then migrate it.

    Everything that can refuse the database (another program's tables, a schema from a
    newer Postdesk, a changed migration, a damaged file) is checked by reading alone,
    before prepare() writes anything (SQLite's switch to WAL rewrites the file header).
    The checks are read together (Backend.survey: one round trip to a server after
    connecting); only pending migrations, or a database without a history, take more.
    `look` starts reads that travel with the checks (Backend.survey_with): the first rows
    the app shows, in the same round trip; their answer is kept (`looked`) where the
    schema was current and nothing was migrated.
    """
    backend = connect(url, create=create)
    try:
        survey, seen = backend.survey_with(look) if look is not None else (backend.survey(), None)
        refuse_foreign(backend, survey.tables)
        runner = MigrationRunner(backend, migrations_dir)
        status = runner.status(survey)
        backend.prepare()
        applied = runner.migrate(progress, lock=lock, survey=survey, rows=rows) if migrate else []
        if applied:  # the schema changed: read the checks again
            survey = backend.survey()
            status = runner.status(survey)
        reason = read_only_reason(backend, survey)
        looked = _answer(seen) if seen is not None and not applied and not status.pending else None
    except BaseException:
        backend.close()
        raise
    return OpenedDatabase(backend, status, applied, reason, looked)


def _answer(seen: Callable[[], T]) -> T | None:
    """The look's answer, or None where reading it failed: the open stands, and the app
    reads those rows again as any read (which reports the failure if it lasts)."""
    try:
        return seen()
    except StoreError as exc:
        log.info("the first rows read with the checks could not be used: %s", exc)
        return None


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
