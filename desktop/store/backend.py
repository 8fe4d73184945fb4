"""What the two backends share, and the little each must say for itself."""

from __future__ import annotations

import abc
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from desktop import paths
from desktop.store.errors import ConnectionFailedError
from desktop.store.queries import ParamStyle, load, typed
from desktop.store.query_types import HistoryRow, MissingPrivilegeRow, Queries
from desktop.store.urls import DatabaseUrl, Dialect

HISTORY_TABLE = "schema_migrations"

T = TypeVar("T")
# Reads an open starts with its checks (Backend.survey_with): given the backend, it starts
# them with desktop.store.queries.send and returns what reads their answers.
Look = Callable[["Backend"], Callable[[], T]]
# How long those reads may wait for a table lock (see limit_lock_wait in db/queries).
LOOK_LOCK_MS = 200


@dataclass(frozen=True)
class Limits:
    """How long the statements of one transaction may wait for a lock another session holds
    and run, in milliseconds. None leaves the server's own setting (its default, or what an
    administrator set for the role or the database)."""

    lock_ms: int | None
    statement_ms: int | None


# A person's save or delete. The lock wait is the one that happens: another session (a psql
# user, another Postdesk) holding the same row; 3 s outlasts any save of the app's own,
# which holds a row for milliseconds. The statement limit is a backstop for a stalled
# server; it must exceed the lock wait (else a lock wait ends as a "took too long" timeout
# instead of "someone else is changing it"), and leaves room for the largest write, the
# cascade delete of a user with 100,000 posts (0.8 s for its largest statement here).
SAVE_LIMITS = Limits(lock_ms=3_000, statement_ms=10_000)
# Migrations and bulk loads run for as long as the data needs: the server's settings hold.
LONG_WORK = Limits(lock_ms=None, statement_ms=None)


@dataclass(frozen=True)
class Survey:
    """What an open reads first, each a check of its own: the tables (another program's
    database is refused), the migration history (None: there is no history table; a schema
    from a newer Postdesk or a changed migration is refused) and the write privileges the
    role lacks on the app's tables (the database is then read-only). On PostgreSQL it is one
    round trip; it holds until a migration changes the schema."""

    tables: frozenset[str]
    history: list[HistoryRow] | None
    missing_privileges: list[MissingPrivilegeRow]


class Backend(abc.ABC):
    """An open database. Subclasses hold what differs between SQLite and PostgreSQL.

    The connection runs in autocommit mode; `transaction()` groups statements. A Backend
    is used by one thread at a time (the UI's worker serialises every call).
    """

    dialect: Dialect
    paramstyle: ParamStyle
    # Opened for reading only (a file this process may not write): nothing may be written,
    # not even the settings prepare() makes. A role's privileges are another matter
    # (desktop.store.privileges).
    read_only = False

    def __init__(self, url: DatabaseUrl, conn: Any) -> None:
        self.url = url
        self.conn = conn
        self.queries: Queries = typed(load(paths.queries_dir(), self.paramstyle, self.dialect))

    # -- transactions -------------------------------------------------------------------
    @abc.abstractmethod
    def transaction(self, limits: Limits = SAVE_LIMITS) -> AbstractContextManager[None]:
        """Everything inside commits together or not at all; errors become StoreErrors.
        `limits` bounds its waits where the backend can (inside another transaction, the
        outer one's limits hold)."""

    @abc.abstractmethod
    def reading(self) -> AbstractContextManager[None]:
        """Translate driver errors of reads into StoreErrors."""

    @abc.abstractmethod
    def snapshot(self) -> AbstractContextManager[None]:
        """A read-only transaction: every read inside sees the database as it was at one
        moment, whatever others commit meanwhile, and nothing can be written."""

    def snapshot_twin(self) -> AbstractContextManager[Backend | None]:
        """Inside snapshot(): a Backend reading the very same snapshot, to be used from one
        other thread while the snapshot lasts; None where there is no such thing. (SQLite:
        a second connection cannot share the snapshot, and two threads on one connection
        deadlock when a Python function runs inside a statement: it waits for the GIL while
        holding the connection's mutex, which the other thread, holding the GIL, waits for.)"""
        return nullcontext(None)

    def interrupt(self) -> None:
        """From another thread: stop the statement this connection is running."""
        self.conn.interrupt()

    @abc.abstractmethod
    def try_migration_lock(self) -> bool:
        """Inside the current transaction, take the migration lock if it is free (never
        waiting); the transaction's end releases it. Two processes never apply the same
        migration, and nothing depends on session state (poolers hand a session's
        statements to different server connections)."""

    # -- statements ---------------------------------------------------------------------
    @abc.abstractmethod
    def execute(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Run one statement with positional parameters and return its rows."""

    @abc.abstractmethod
    def run_script(self, sql: str) -> None:
        """Run several statements inside the current transaction (never committing it)."""

    def script_statements(self, sql: str) -> list[str]:
        """A script cut into statements where the backend can tell them apart; else the
        whole script as one (run_script runs either)."""
        return [sql]

    @abc.abstractmethod
    def bulk_insert(
        self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]
    ) -> None:
        """Insert many rows fast, inside the current transaction. `rows` is read once, in
        chunks; values are ints, strings or None, and timestamps as time_to_db gives them or
        as the UTC ISO-8601 text desktop.store.sqlite.format_time writes (both read it)."""

    @abc.abstractmethod
    def lock_for_bulk_load(self, tables: Sequence[str]) -> None:
        """Keep other writers out of these tables until the transaction ends."""

    def bulk_load(
        self, tables: Sequence[str], *, set_indexes_aside: bool, lean: bool = False
    ) -> AbstractContextManager[None]:
        """Inside the current transaction, around the bulk_insert calls of a large load:
        settings that make it faster (with `lean`, only those that cost little memory) and,
        with `set_indexes_aside`, the secondary indexes and foreign keys of `tables` dropped
        first and recreated exactly as they were at the end (on an error nothing is
        recreated: the transaction's rollback restores them)."""
        return nullcontext()

    @abc.abstractmethod
    def after_bulk_insert(self, table: str) -> None:
        """Make the next generated id follow the largest inserted one."""

    def table_names(self) -> set[str]:
        """The names of the tables in the database (not system tables)."""
        return {name for (name,) in self.queries.table_names(self.conn)}

    def pipeline(self) -> AbstractContextManager[None]:
        """Inside a read: statements started with desktop.store.queries.send inside it
        travel to the server together and their answers come back at its end, one round
        trip for them all (PostgreSQL's pipeline mode); read the answers after the block
        (one read inside would cost a round trip of its own). Elsewhere each statement
        runs as it is started."""
        return nullcontext()

    def survey(self) -> Survey:
        """What opening the database reads before anything else (see Survey)."""
        with self.reading():
            tables = frozenset(self.table_names())
            history = None
            if HISTORY_TABLE in tables:
                history = self.queries.applied_migrations(self.conn)
            missing = self.queries.missing_write_privileges(self.conn)
        return Survey(tables, history, missing)

    def survey_with(self, look: Look[T]) -> tuple[Survey, Callable[[], T] | None]:
        """The survey, and the reads `look` starts (the first rows an open shows) with it:
        on a server in the survey's round trip, guessing that the schema is current; what
        the open learns from the survey says whether their answer may be used. The second
        item reads that answer; None when the reads failed (the tables of an older schema,
        a migration under way in another session holding them). Here they are read when
        that answer is asked for, after the checks, as any read."""

        def read() -> T:
            with self.reading():
                return look(self)()

        return self.survey(), read

    @abc.abstractmethod
    def server_version(self) -> str:
        """The database engine's own version, for the About box and support."""

    # -- values ----------------------------------------------------------------------------
    @abc.abstractmethod
    def time_to_db(self, value: datetime) -> Any:
        """A timezone-aware datetime as this backend stores and compares it."""

    @abc.abstractmethod
    def time_from_db(self, value: Any) -> datetime | None:
        """A stored timestamp as a UTC-aware datetime."""

    def prepare(self) -> None:  # noqa: B027 - most backends need nothing here
        """Settings applied once the database is known to be ours, before any migration."""

    def reconnect(self) -> None:
        """Replace a broken connection with a fresh one to the same database."""
        raise ConnectionFailedError(f"The connection to {self.url.display()} cannot be renewed.")

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Backend:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
