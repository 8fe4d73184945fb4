"""The SQLite backend: stdlib sqlite3, WAL, foreign keys, explicit transactions."""

from __future__ import annotations

import logging
import os
import re
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from itertools import chain, islice
from typing import Any
from urllib.parse import quote

from desktop.store.backend import SAVE_LIMITS, Backend, Limits
from desktop.store.errors import (
    BusyError,
    ConflictError,
    ConnectionFailedError,
    StorageError,
    StoreError,
    ValidationError,
)
from desktop.store.urls import DatabaseUrl

log = logging.getLogger(__name__)

# A trigger that copies each new row into an FTS5 table, as migration 006 writes them:
# `CREATE TRIGGER x AFTER INSERT ON t BEGIN INSERT INTO fts (cols) VALUES (new....); END`.
_FTS_INSERT_TRIGGER = re.compile(
    r"^CREATE\s+TRIGGER\s+\w+\s+AFTER\s+INSERT\s+ON\s+\w+\s+BEGIN\s+"
    r"INSERT\s+INTO\s+(?P<target>\w+)\s*\((?P<columns>[^)]*)\)\s*"
    r"VALUES\s*\((?P<values>[^;]*)\)\s*;\s*END$",
    re.IGNORECASE | re.DOTALL,
)
_FTS5_TABLE = re.compile(
    r"^CREATE\s+VIRTUAL\s+TABLE\s.*\sUSING\s+fts5\s*\(", re.IGNORECASE | re.DOTALL
)
BUSY_TIMEOUT_S = 5.0
_WAL_ATTEMPTS = 50
_BULK_ROWS = 50  # rows per INSERT statement in bulk_insert
_BULK_PARAMETERS = 999  # SQLite before 3.32 allows no more parameters in one statement
_BULK_CHUNK = 20_000  # rows taken from the iterable at a time
FTS5_HASHSIZE = 1024 * 1024  # FTS5's own default
FILL_HASHSIZE = 16 * 1024 * 1024  # as migration 009 fills its tables
_BULK_CACHE_KIB = 256 * 1024  # page cache while bulk loading
_LEAN_CACHE_KIB = 64 * 1024  # the same for a lean one


class SqliteBackend(Backend):
    dialect = "sqlite"
    paramstyle = "named"

    conn: sqlite3.Connection

    @contextmanager
    def transaction(self, limits: Limits = SAVE_LIMITS) -> Iterator[None]:
        # `limits` asks nothing of SQLite: its busy timeout bounds every wait for the file.
        if self.conn.in_transaction:
            with self._savepoint():
                yield
            return
        with self.reading():
            # IMMEDIATE takes the write lock up front: a read-then-write transaction never
            # fails half-way because another connection wrote in between.
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield
                # COMMIT itself can fail (busy readers, a full disk, a deferred foreign key)
                # and SQLite then leaves the transaction open: it is undone below with the rest.
                self.conn.commit()
            except BaseException:
                self._roll_back()
                raise

    def _roll_back(self) -> None:
        try:
            self.conn.rollback()  # a no-op when SQLite already rolled back itself
        except sqlite3.Error:  # the error that led here is the one worth reporting
            log.warning("rolling back failed", exc_info=True)

    @contextmanager
    def _savepoint(self) -> Iterator[None]:
        # A transaction inside a transaction, as psycopg nests them: undone alone on error.
        self.conn.execute("SAVEPOINT nested")
        try:
            yield
        except BaseException:
            self.conn.execute("ROLLBACK TO nested")
            self.conn.execute("RELEASE nested")
            raise
        self.conn.execute("RELEASE nested")

    @contextmanager
    def reading(self) -> Iterator[None]:
        try:
            yield
        except sqlite3.Error as exc:
            raise translate_error(exc, self.url) from exc

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        # A deferred BEGIN takes no write lock, and in WAL mode the transaction keeps seeing
        # the file as it was at its first read; query_only refuses any write meanwhile.
        with self.reading():
            self.conn.execute("PRAGMA query_only = ON")
            try:
                self.conn.execute("BEGIN")
                try:
                    yield
                finally:
                    self._roll_back()
            finally:
                self.conn.execute("PRAGMA query_only = OFF")

    def try_migration_lock(self) -> bool:
        # Each migration runs in BEGIN IMMEDIATE and re-reads the history inside it: the
        # write lock serialises migrating processes, so no separate lock is needed.
        return True

    def prepare(self) -> None:
        # Only now, once the file is known to be ours: WAL rewrites the file header.
        conn = self.conn
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
        if self.read_only:  # the journal mode is the file's to keep
            return
        with self.reading():
            _retry_when_busy(lambda: conn.execute("PRAGMA journal_mode = WAL").fetchone())
        conn.execute("PRAGMA synchronous = NORMAL")

    def execute(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return self.conn.execute(sql, tuple(params)).fetchall()

    def run_script(self, sql: str) -> None:
        # executescript() would COMMIT the open transaction first; run statement by statement.
        for statement in split_statements(sql):
            self.conn.execute(statement)

    def script_statements(self, sql: str) -> list[str]:
        return split_statements(sql)

    def bulk_insert(
        self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]
    ) -> None:
        # One statement per row spends most of its time starting and finishing statements:
        # INSERTs of _BULK_ROWS rows each take three times as many rows per second.
        width = len(columns)
        per_statement = max(1, min(_BULK_ROWS, _BULK_PARAMETERS // width))
        head = f"INSERT INTO {_quote(table)} ({', '.join(map(_quote, columns))}) VALUES "
        one = "(" + ", ".join("?" * width) + ")"
        many = head + ", ".join([one] * per_statement)
        step = per_statement * width
        source = iter(rows)
        while chunk := list(islice(source, _BULK_CHUNK)):
            if set(map(len, chunk)) != {width}:
                raise ValueError(f"every row for {table} must have {width} values")
            whole = len(chunk) - len(chunk) % per_statement
            flat = list(chain.from_iterable(chunk[:whole]))
            self.conn.executemany(many, [flat[i : i + step] for i in range(0, len(flat), step)])
            if whole < len(chunk):
                self.conn.executemany(head + one, chunk[whole:])

    def lock_for_bulk_load(self, tables: Sequence[str]) -> None:
        # The transaction's BEGIN IMMEDIATE already keeps every other writer out.
        return None

    @contextmanager
    def bulk_load(
        self, tables: Sequence[str], *, set_indexes_aside: bool, lean: bool = False
    ) -> Iterator[None]:
        # A page cache large enough for the indexes being filled: the default 2 MB makes
        # every index insert of a large load go to the disk and back. A lean load (indexes
        # set aside, rows only appended) needs less: the cache also bounds the sorter that
        # rebuilds the indexes, which spills to temporary files beyond it.
        (previous,) = self.conn.execute("PRAGMA cache_size").fetchone()
        cache_kib = _LEAN_CACHE_KIB if lean else _BULK_CACHE_KIB
        self.conn.execute(f"PRAGMA cache_size = {-cache_kib}")
        try:
            if not set_indexes_aside:
                yield
                return
            names = ", ".join("?" * len(tables))
            indexes = self.conn.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
                f" AND tbl_name IN ({names}) ORDER BY rowid",
                tuple(tables),
            ).fetchall()
            for name, _sql in indexes:
                self.conn.execute(f"DROP INDEX {_quote(name)}")
            fills = self._full_text_fills_aside(tables)
            yield
            for _name, sql in indexes:  # the very text they were made with: the same schema
                self.conn.execute(sql)
            for target, fill, trigger in fills:
                with _gathering_more(self.conn, target):
                    self.conn.execute(fill)
                self.conn.execute(trigger)
        finally:
            self.conn.execute(f"PRAGMA cache_size = {int(previous)}")

    def _full_text_fills_aside(self, tables: Sequence[str]) -> list[tuple[str, str, str]]:
        """Drop the triggers that copy each new row of `tables` into an FTS5 index (006's
        `*_search_insert`); for each, the one statement that does the same for the rows
        loaded meanwhile, and the trigger's own text to make it again (with the FTS5
        table's name). Fed a row at a time, FTS5 made a large load three times slower than
        without it; fed once, in id order, it builds its index in one pass. Only a trigger
        that is one INSERT ... VALUES of the new row into an FTS5 table is set aside: the
        fill is its VALUES as a SELECT over the rows after the largest id held now (a
        load's ids come after it)."""
        names = ", ".join("?" * len(tables))
        triggers = self.conn.execute(
            "SELECT t.name, t.tbl_name, t.sql FROM sqlite_master t WHERE t.type = 'trigger'"
            f" AND t.tbl_name IN ({names}) ORDER BY t.rowid",
            tuple(tables),
        ).fetchall()
        fts5 = {
            name.lower()
            for (name, sql) in self.conn.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND sql IS NOT NULL"
            )
            if _FTS5_TABLE.match(sql)
        }
        fills: list[tuple[str, str, str]] = []
        for name, table, sql in triggers:
            found = _FTS_INSERT_TRIGGER.match(sql)
            if found is None or found["target"].lower() not in fts5:
                continue
            source = _quote(table)
            (last,) = self.conn.execute(f"SELECT coalesce(max(id), 0) FROM {source}").fetchone()
            target, columns, values = found.group("target", "columns", "values")
            fill = (
                f"INSERT INTO {target} ({columns}) SELECT {values}"
                f" FROM {source} AS new WHERE new.id > {int(last)} ORDER BY new.id"
            )
            self.conn.execute(f"DROP TRIGGER {_quote(name)}")
            fills.append((target, fill, sql))
        return fills

    def after_bulk_insert(self, table: str) -> None:
        # AUTOINCREMENT's sqlite_sequence already follows explicit ids.
        return None

    def server_version(self) -> str:
        return f"SQLite {sqlite3.sqlite_version}"

    def time_to_db(self, value: datetime) -> str:
        return format_time(value)

    def time_from_db(self, value: Any) -> datetime | None:
        if value is None:
            return None
        parsed = datetime.fromisoformat(str(value))
        return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


@contextmanager
def _gathering_more(conn: sqlite3.Connection, fts5_table: str) -> Iterator[None]:
    """FTS5 writes what it has gathered as a new segment every FTS5_HASHSIZE bytes and
    merges segments as it goes; a fill of a whole table gathers FILL_HASHSIZE instead,
    which halves it (1,000,000 posts with migration 009's prefix indexes: 10.5 s -> 6.6 s),
    and sets the default back for everyone's small writes after (a failed fill undoes the
    setting with the rest of its transaction)."""
    table = _quote(fts5_table)
    setting = f"INSERT INTO {table} ({table}, rank) VALUES ('hashsize', ?)"
    conn.execute(setting, (FILL_HASHSIZE,))
    yield
    conn.execute(setting, (FTS5_HASHSIZE,))


def format_time(value: datetime) -> str:
    """UTC, ISO-8601, milliseconds and a Z: the form the schema's default writes."""
    utc = value.astimezone(UTC)
    # %-formatting: four times faster than strftime (bulk loads format a million of these),
    # and the year has four digits always, as SQLite's own strftime('%Y') writes it.
    return "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ" % (  # noqa: UP031
        utc.year,
        utc.month,
        utc.day,
        utc.hour,
        utc.minute,
        utc.second,
        utc.microsecond // 1000,
    )


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def split_statements(sql: str) -> list[str]:
    """Cut a script into single statements, leaving semicolons inside literals and triggers."""
    statements: list[str] = []
    buffer = ""
    for piece in sql.split(";"):
        buffer += piece + ";"
        if sqlite3.complete_statement(buffer):
            statements.append(buffer)
            buffer = ""
    tail = buffer[:-1]  # the split added one ';' too many at the end
    if tail.strip():
        statements.append(tail)
    return statements


def open_sqlite(url: DatabaseUrl, create: bool) -> SqliteBackend:
    """Open (or create) a database file, refusing what is not a usable SQLite database."""
    path = url.path
    if not path.parent.is_dir():
        raise ConnectionFailedError(f"The folder {path.parent} does not exist.")
    if path.is_dir():
        raise ConnectionFailedError(f"{path} is a folder, not a database file.")
    exists = path.exists()
    if not exists and not create:
        raise ConnectionFailedError(f"There is no database file at {path}.")
    if exists and not os.access(path, os.R_OK):
        raise ConnectionFailedError(f"{path} may not be read: its permissions do not allow it.")
    if not os.access(path.parent, os.W_OK):
        raise ConnectionFailedError(
            f"The folder {path.parent} is read-only, so Postdesk cannot keep a database there."
        )
    # A file that may only be read is opened for reading: a current database is then shown
    # read-only, and one that needs migrating is refused (desktop.store.privileges).
    read_only = exists and not os.access(path, os.W_OK)
    mode = "ro" if read_only else "rwc" if create else "rw"
    try:
        conn = sqlite3.connect(
            f"file:{quote(str(path.resolve()))}?mode={mode}",
            uri=True,
            isolation_level=None,
            timeout=BUSY_TIMEOUT_S,
            check_same_thread=False,
        )
    except sqlite3.Error as exc:
        raise ConnectionFailedError(f"{path} could not be opened: {exc}.") from exc
    try:
        # Reading the schema proves the file is a database before anything is written to it.
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except (sqlite3.Error, UnicodeDecodeError) as exc:
        conn.close()
        raise ConnectionFailedError(
            f"{path} is not a SQLite database, or it is damaged ({exc})."
        ) from exc
    backend = SqliteBackend(url, conn)
    backend.read_only = read_only
    return backend


def _retry_when_busy(step: Callable[[], object]) -> None:
    # Switching a fresh file to WAL while another process opens it fails at once with
    # SQLITE_BUSY, whatever the busy timeout says.
    for attempt in range(_WAL_ATTEMPTS):
        try:
            step()
            return
        except sqlite3.OperationalError as exc:
            if primary_code(exc) not in _BUSY or attempt == _WAL_ATTEMPTS - 1:
                raise
            time.sleep(0.02 * (attempt + 1))


_BUSY = frozenset({sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED})
_DAMAGED = frozenset({sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB})
_DUPLICATE = frozenset({sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY})


def error_code(exc: sqlite3.Error) -> int | None:
    """SQLite's extended result code; None for errors the module raises itself (a closed
    connection, a wrong parameter count)."""
    code = getattr(exc, "sqlite_errorcode", None)
    return code if isinstance(code, int) else None


def primary_code(exc: sqlite3.Error) -> int | None:
    """The primary result code: the low byte of the extended one (SQLITE_BUSY for
    SQLITE_BUSY_SNAPSHOT, SQLITE_CONSTRAINT for SQLITE_CONSTRAINT_UNIQUE, ...)."""
    code = error_code(exc)
    return None if code is None else code & 0xFF


def translate_error(exc: sqlite3.Error, url: DatabaseUrl) -> StoreError:
    """Say what a sqlite3 error means for the person, sorted by SQLite's result code."""
    primary = primary_code(exc)
    if primary == sqlite3.SQLITE_CONSTRAINT:
        return _constraint_error(exc)
    if primary in _BUSY:
        return BusyError(
            "The database file is busy: another program is writing to it. Try again in a moment."
        )
    if primary == sqlite3.SQLITE_FULL:
        return StorageError("The disk is full, so nothing was saved. Free some space and retry.")
    if primary == sqlite3.SQLITE_READONLY:
        return StorageError(f"{url.target} is read-only, so nothing was saved.")
    if primary == sqlite3.SQLITE_IOERR:
        return StorageError(f"The disk could not read or write {url.target}; nothing was changed.")
    if primary in _DAMAGED:
        return ConnectionFailedError(f"{url.target} is damaged: {exc}.")
    if primary == sqlite3.SQLITE_CANTOPEN:
        return ConnectionFailedError(f"{url.target} could not be opened any more: {exc}.")
    return StoreError(f"The database reported an error: {exc}.")


def _constraint_error(exc: sqlite3.Error) -> StoreError:
    code = error_code(exc)
    if code == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
        return ConflictError(
            "A record this change refers to was deleted meanwhile, "
            "or other records still refer to it."
        )
    subject = constraint_subject(exc)
    if code in _DUPLICATE and "email" in subject:
        return ValidationError.single("email", "Another user already has this email address.")
    if code == sqlite3.SQLITE_CONSTRAINT_NOTNULL:
        return ValidationError.single(subject.rsplit(".", 1)[-1], "This field cannot be empty.")
    return ConflictError(f"The database refused the change: {exc}.")


def constraint_subject(exc: sqlite3.Error) -> str:
    """What a constraint error is about: "users.email", "index 'idx_users_email_lower'".

    The code says which kind of constraint failed, but SQLite hands out no constraint or
    column name except inside its message ("UNIQUE constraint failed: users.email"), so this
    one function reads it from there; nothing else looks at an error's text.
    """
    _kind, _sep, subject = str(exc).partition(" constraint failed: ")
    return subject.strip()
