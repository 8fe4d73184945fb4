"""The PostgreSQL backend: psycopg 3, imported only when a server database is opened."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import psycopg
from psycopg import errors as pg_errors
from psycopg import sql

from desktop.store.backend import Backend
from desktop.store.errors import (
    ConflictError,
    ConnectionFailedError,
    ConnectionLostError,
    StorageError,
    StoreError,
    ValidationError,
)
from desktop.store.urls import DatabaseUrl, conninfo_parts

CONNECT_TIMEOUT_S = 10
MIGRATION_LOCK_KEY = 7_150_425_001  # any constant: one advisory lock for Postdesk migrations
OLDEST_SERVER = 120000  # PostgreSQL 12


class PostgresBackend(Backend):
    dialect = "postgresql"
    paramstyle = "pyformat"

    conn: psycopg.Connection[Any]

    @contextmanager
    def transaction(self) -> Iterator[None]:
        with self.reading(), self.conn.transaction():
            yield

    @contextmanager
    def reading(self) -> Iterator[None]:
        try:
            yield
        except psycopg.Error as exc:
            raise translate_error(exc, self) from exc

    @contextmanager
    def migration_lock(self) -> Iterator[None]:
        with self.reading():
            self.conn.execute("SELECT pg_advisory_lock(%s)", (MIGRATION_LOCK_KEY,))
        try:
            yield
        finally:
            if not self.conn.closed:
                self.conn.execute("SELECT pg_advisory_unlock(%s)", (MIGRATION_LOCK_KEY,))

    def execute(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        cursor = self.conn.execute(sql, tuple(params))
        return cursor.fetchall() if cursor.description else []

    def run_script(self, sql: str) -> None:
        # Without parameters psycopg sends the text as one simple query: all statements
        # run inside the surrounding transaction.
        self.conn.execute(sql.encode())

    def bulk_insert(
        self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]
    ) -> None:
        statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
            sql.Identifier(table), sql.SQL(", ").join(sql.Identifier(c) for c in columns)
        )
        with self.conn.cursor() as cursor, cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row(row)

    def lock_for_bulk_load(self, tables: Sequence[str]) -> None:
        # Ids are handed out by the loader; no other session may take one meanwhile.
        names = sql.SQL(", ").join(sql.Identifier(t) for t in tables)
        self.conn.execute(sql.SQL("LOCK TABLE {} IN SHARE ROW EXCLUSIVE MODE").format(names))

    def after_bulk_insert(self, table: str) -> None:
        statement = sql.SQL(
            "SELECT setval(pg_get_serial_sequence({name}, 'id'), coalesce(max(id), 0) + 1, false)"
            " FROM {table}"
        ).format(name=sql.Literal(table), table=sql.Identifier(table))
        self.conn.execute(statement)
        # Fresh statistics, or the planner guesses wrongly about a table that just grew.
        self.conn.execute(sql.SQL("ANALYZE {}").format(sql.Identifier(table)))

    def table_names(self) -> set[str]:
        rows = self.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
        return {name for (name,) in rows}

    def server_version(self) -> str:
        number = self.conn.info.server_version
        return f"PostgreSQL {number // 10000}.{number % 10000}"

    def reconnect(self) -> None:
        fresh = open_postgres(self.url)  # raises ConnectionFailedError in plain words
        with contextlib.suppress(psycopg.Error):  # it is broken; closing is a courtesy
            self.conn.close()
        self.conn = fresh.conn

    def time_to_db(self, value: datetime) -> datetime:
        return value.astimezone(UTC)

    def time_from_db(self, value: Any) -> datetime | None:
        return None if value is None else value.astimezone(UTC)


def open_postgres(url: DatabaseUrl) -> PostgresBackend:
    """Connect, giving up after CONNECT_TIMEOUT_S unless the address says otherwise."""
    options: dict[str, Any] = {"autocommit": True, "application_name": "Postdesk"}
    if "connect_timeout" not in conninfo_parts(url.target):
        options["connect_timeout"] = CONNECT_TIMEOUT_S
    try:
        conn = psycopg.connect(url.target, **options)
    except psycopg.Error as exc:
        raise ConnectionFailedError(describe_connect_error(exc, url)) from exc
    if conn.info.server_version < OLDEST_SERVER:
        version = conn.info.server_version
        conn.close()
        raise ConnectionFailedError(
            f"The server runs PostgreSQL {version // 10000}, which is too old: "
            "Postdesk needs PostgreSQL 12 or newer."
        )
    return PostgresBackend(url, conn)


def describe_connect_error(exc: Exception, url: DatabaseUrl) -> str:
    """libpq's connection failures in plain words."""
    text = str(exc)
    parts = conninfo_parts(url.target)
    where = f"{parts.get('host', 'localhost')}:{parts.get('port', '5432')}"
    lowered = text.lower()
    if "password authentication failed" in lowered:
        return f"The server at {where} refused the user name or password."
    if "no password supplied" in lowered or "fe_sendauth" in lowered:
        return f"The server at {where} asks for a password."
    if "database" in lowered and "does not exist" in lowered:
        return f"There is no database named {parts.get('dbname', '?')!r} on {where}."
    if "role" in lowered and "does not exist" in lowered:
        return f"There is no user named {parts.get('user', '?')!r} on {where}."
    if "timeout expired" in lowered:
        return f"The server at {where} did not answer in time; check the host and the network."
    if "could not translate host name" in lowered or "name or service not known" in lowered:
        return f"The host name {parts.get('host', '?')!r} is unknown."
    if "connection refused" in lowered:
        return f"Nothing answers at {where}: is the PostgreSQL server running there?"
    if "ssl" in lowered:
        return f"The secure connection to {where} failed: {first_line(text)}"
    return f"Could not connect to {where}: {first_line(text)}"


def first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else "unknown error"


def translate_error(exc: psycopg.Error, backend: PostgresBackend) -> StoreError:
    """Say what a psycopg error means for the person."""
    if isinstance(exc, pg_errors.UniqueViolation):
        constraint = exc.diag.constraint_name or ""
        if "email" in constraint:
            return ValidationError.single("email", "Another user already has this email address.")
        return ConflictError(f"The database refused a duplicate: {first_line(str(exc))}")
    if isinstance(exc, pg_errors.ForeignKeyViolation):
        return ConflictError(
            "A record this change refers to was deleted meanwhile, "
            "or other records still refer to it."
        )
    if isinstance(exc, pg_errors.NotNullViolation):
        column = exc.diag.column_name or "value"
        return ValidationError.single(column, "This field cannot be empty.")
    if isinstance(exc, pg_errors.DiskFull):
        return StorageError("The server's disk is full, so nothing was saved.")
    if isinstance(exc, pg_errors.ReadOnlySqlTransaction):
        return StorageError("The server only allows reading here, so nothing was saved.")
    if isinstance(exc, psycopg.OperationalError) or backend.conn.broken:
        return ConnectionLostError(
            f"The connection to {backend.url.display()} was lost: {first_line(str(exc))}"
        )
    return StoreError(f"The server reported an error: {first_line(str(exc))}")
