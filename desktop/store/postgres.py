"""The PostgreSQL backend: psycopg 3, imported only when a server database is opened."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from itertools import islice, starmap
from typing import Any

import psycopg
from psycopg import errors as pg_errors
from psycopg import sql
from psycopg.pq import TransactionStatus

from desktop.store.backend import (
    HISTORY_TABLE,
    LOOK_LOCK_MS,
    SAVE_LIMITS,
    Backend,
    Limits,
    Look,
    Survey,
    T,
)
from desktop.store.errors import (
    ConflictError,
    ConnectionFailedError,
    ConnectionLostError,
    PasswordNeededError,
    PasswordRefusedError,
    RecordLockedError,
    StatementTimeoutError,
    StorageError,
    StoreError,
    TransientConflictError,
    ValidationError,
)
from desktop.store.queries import send
from desktop.store.urls import (
    INVALID_ADDRESS,
    DatabaseUrl,
    address_problem,
    conninfo_parts,
    effective_parts,
    hide_password,
    passwords_in,
    role_name,
    server_name,
)

log = logging.getLogger(__name__)

CONNECT_TIMEOUT_S = 10
# A link that silently stops forwarding (a dropped VPN, a sleeping laptop's Wi-Fi, a
# firewall that forgets the connection) is noticed within about 10 s and ends the
# connection like any other loss: data sent and not acknowledged for 10 s
# (tcp_user_timeout), or, while waiting for an answer, keepalive probes from 4 s of silence
# on, every 2 s, given up at the same 10 s on Linux (4 + 3 x 2 s where tcp_user_timeout is
# unknown). A server that is only slow still answers probes, so a long statement is not
# cut. Where the address sets any of these, it wins.
_DEAD_LINK_OPTIONS: dict[str, int] = {
    "keepalives": 1,
    "keepalives_idle": 4,
    "keepalives_interval": 2,
    "keepalives_count": 3,
    "tcp_user_timeout": 10_000,  # milliseconds
}
MIGRATION_LOCK_KEY = 7_150_425_001  # any constant: one advisory lock for Postdesk migrations
OLDEST_SERVER = 120000  # PostgreSQL 12
_COPY_CHUNK = 20_000  # rows formatted and sent at a time by bulk_insert
_BULK_SORT_MEMORY = "256MB"  # maintenance_work_mem while bulk loading, if it is lower

# What bulk_load sets aside: (recreation order, drop statement, create statement), in the
# order to drop. Only what the catalogue's definitions recreate exactly qualifies.
_SET_ASIDE = """
WITH tables AS (
    SELECT to_regclass(name) AS oid FROM unnest(%s::text[]) AS name
), kept AS (  -- indexes whose extras a CREATE statement would not bring back
    SELECT i.indexrelid AS oid FROM pg_index i
    WHERE i.indisclustered OR i.indisreplident OR NOT i.indisvalid
       OR EXISTS (SELECT FROM pg_description d
                  WHERE d.objoid = i.indexrelid AND d.classoid = 'pg_class'::regclass)
), constraints AS (
    SELECT c.oid, c.contype, c.conrelid, c.confrelid, c.conname, c.conindid FROM pg_constraint c
    WHERE NOT EXISTS (SELECT FROM pg_description d
                      WHERE d.objoid = c.oid AND d.classoid = 'pg_constraint'::regclass)
)
SELECT recreate, drop_statement, create_statement FROM (
    SELECT 3 AS recreate, 1 AS drop_order, c.oid::bigint AS id,
           format('ALTER TABLE %%s DROP CONSTRAINT %%I', c.conrelid::regclass, c.conname),
           format('ALTER TABLE %%s ADD CONSTRAINT %%I %%s', c.conrelid::regclass, c.conname,
                  pg_get_constraintdef(c.oid))
    FROM constraints c
    WHERE c.contype = 'f'
      AND (c.conrelid IN (SELECT oid FROM tables) OR c.confrelid IN (SELECT oid FROM tables))
  UNION ALL
    SELECT 1, 2, c.oid::bigint,
           format('ALTER TABLE %%s DROP CONSTRAINT %%I', c.conrelid::regclass, c.conname),
           format('ALTER TABLE %%s ADD CONSTRAINT %%I %%s', c.conrelid::regclass, c.conname,
                  pg_get_constraintdef(c.oid))
    FROM constraints c
    WHERE c.contype IN ('p', 'u') AND c.conrelid IN (SELECT oid FROM tables)
      AND c.conindid NOT IN (SELECT oid FROM kept)
  UNION ALL
    SELECT 2, 3, i.indexrelid::bigint,
           format('DROP INDEX %%s', i.indexrelid::regclass),
           pg_get_indexdef(i.indexrelid)
    FROM pg_index i
    WHERE i.indrelid IN (SELECT oid FROM tables)
      AND i.indexrelid NOT IN (SELECT oid FROM kept)
      AND NOT EXISTS (SELECT FROM pg_constraint c WHERE c.conindid = i.indexrelid)
) AS aside (recreate, drop_order, id, drop_statement, create_statement)
ORDER BY drop_order, id
"""


class PostgresBackend(Backend):
    dialect = "postgresql"
    paramstyle = "pyformat"

    conn: psycopg.Connection[Any]

    @contextmanager
    def transaction(self, limits: Limits = SAVE_LIMITS) -> Iterator[None]:
        if self.conn.info.transaction_status != TransactionStatus.IDLE:
            # Inside another transaction: a savepoint, undone alone on error.
            with self.reading(), self.conn.transaction():
                yield
            return
        with self.reading():
            # The limits travel with BEGIN in one message (no extra round trip) and end with
            # the transaction: a transaction-pooling PgBouncer runs each transaction on
            # whichever server connection is free, so a session SET would not stick.
            self.conn.execute(begin_statement(limits))
            try:
                yield
                self.conn.execute(b"COMMIT")
            except BaseException:
                self._roll_back()
                raise

    def _roll_back(self) -> None:
        if self.conn.broken:  # the server ended the transaction with the connection
            return
        try:
            self.conn.rollback()  # nothing to do when the server already ended it
        except psycopg.Error:  # the error that led here is the one worth reporting
            log.warning("rolling back failed", exc_info=True)

    @contextmanager
    def reading(self) -> Iterator[None]:
        # Reads run outside a transaction and get no statement limit of the app's: through
        # a pooler one needs a transaction around each read, three round trips a page
        # instead of one (two in pipeline mode). A read waits for no row lock (only for
        # the table lock of a migration while it runs); a dead link ends it through the
        # connection's TCP limits (_DEAD_LINK_OPTIONS); and a limit an administrator sets
        # for the role or the database applies to reads as it is.
        try:
            yield
        except psycopg.Error as exc:
            raise translate_error(exc, self) from exc

    def pipeline(self) -> contextlib.AbstractContextManager[Any]:
        # Works with prepare_threshold=None and through a transaction-pooling PgBouncer:
        # the statements up to the pipeline's end run as one implicit transaction. Its end
        # (a Sync) fetches every answer, in the same round trip as the statements.
        return self.conn.pipeline()

    def survey(self) -> Survey:
        found, _ = self._survey(None)
        return found

    def survey_with(self, look: Look[T]) -> tuple[Survey, Callable[[], T] | None]:
        return self._survey(look)

    def _survey(self, look: Look[T] | None) -> tuple[Survey, Callable[[], T] | None]:
        # The three reads, and the look's, in one round trip. The history is asked for
        # after the other checks, as if its table were there: where it is not (a new
        # database, another program's), that read fails with what follows it, and the
        # checks are read again one by one, knowing the tables. The look comes last: its
        # failure (an older schema's tables, a lock a migration holds) leaves the checks'
        # answers whole, and the open reads its rows later, as without a look.
        queries, conn = self.queries, self.conn
        started: list[Callable[[], Any]] = []
        seen: Callable[[], T] | None = None
        failure: psycopg.Error | None = None
        try:
            with self.pipeline():
                started += (
                    send(queries.table_names, conn),
                    send(queries.missing_write_privileges, conn),
                    send(queries.applied_migrations, conn),
                )
                if look is not None:
                    send(queries.limit_lock_wait, conn, ms=LOOK_LOCK_MS)
                    seen = look(self)
        except psycopg.Error as exc:
            failure = exc
        try:
            if failure is not None and len(started) < 3:  # it failed while they were sent
                raise failure
            tables, missing, history = (read() for read in started)
        except psycopg.Error as exc:  # the checks' own reads failed
            error = failure or exc
            if isinstance(error, pg_errors.UndefinedTable):
                return Backend.survey(self), None
            raise translate_error(error, self) from error
        names = frozenset(name for (name,) in tables)
        # (A history table of that name elsewhere on the search path: unused.)
        found = Survey(names, history if HISTORY_TABLE in names else None, missing)
        if failure is not None:
            log.debug("the reads started with the checks failed: %s", failure.sqlstate)
            seen = None
        return found, seen

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        with self.reading(), self.conn.transaction():
            self.conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            yield

    @contextmanager
    def snapshot_twin(self) -> Iterator[Backend | None]:
        # A second session importing this transaction's snapshot: the server reads for both
        # at once, and both see exactly the same rows.
        name = self.conn.execute("SELECT pg_export_snapshot()").fetchone()
        twin = open_postgres(self.url)
        try:
            with twin.snapshot():
                with twin.reading():
                    twin.conn.execute(
                        sql.SQL("SET TRANSACTION SNAPSHOT {}").format(
                            sql.Literal(name[0] if name else "")
                        )
                    )
                yield twin
        finally:
            twin.close()

    def interrupt(self) -> None:
        self.conn.cancel_safe()

    def try_migration_lock(self) -> bool:
        # Transaction-level: a session lock taken through a transaction-pooling PgBouncer
        # is released on another server connection, or never, and then blocks everyone.
        row = self.conn.execute(
            "SELECT pg_try_advisory_xact_lock(%s)", (MIGRATION_LOCK_KEY,)
        ).fetchone()
        return bool(row and row[0])

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
        width = len(columns)
        source = iter(rows)
        with self.conn.cursor() as cursor, cursor.copy(statement) as copy:
            while chunk := list(islice(source, _COPY_CHUNK)):
                if set(map(len, chunk)) != {width}:
                    raise ValueError(f"every row for {table} must have {width} values")
                text = copy_text(chunk, width)
                if text is not None:
                    copy.write(text)
                else:
                    for row in chunk:
                        copy.write_row(row)

    def lock_for_bulk_load(self, tables: Sequence[str]) -> None:
        # Ids are handed out by the loader; no other session may take one meanwhile.
        names = sql.SQL(", ").join(sql.Identifier(t) for t in tables)
        self.conn.execute(sql.SQL("LOCK TABLE {} IN SHARE ROW EXCLUSIVE MODE").format(names))

    @contextmanager
    def bulk_load(
        self, tables: Sequence[str], *, set_indexes_aside: bool, lean: bool = False
    ) -> Iterator[None]:
        # `lean` changes nothing here: the memory below is the server's, not this process's.
        # Memory to sort in when (re)building an index, for this transaction only.
        self.conn.execute(
            "SELECT set_config('maintenance_work_mem', %s, true)"
            " WHERE pg_size_bytes(current_setting('maintenance_work_mem')) < pg_size_bytes(%s)",
            (_BULK_SORT_MEMORY, _BULK_SORT_MEMORY),
        )
        if not set_indexes_aside:
            yield
            return
        # Each COPY row would otherwise fire a foreign-key check and update every index.
        # Dropped: foreign keys on or to these tables, their primary-key and unique
        # constraints, their other indexes; recreated from the catalogue's own definitions
        # (keys first, then indexes, then foreign keys, which need the keys). Anything the
        # definitions would not carry (a comment, CLUSTER, REPLICA IDENTITY) stays put.
        aside = self.execute(_SET_ASIDE, (list(tables),))
        for _group, drop, _create in aside:
            self.conn.execute(drop)
        yield
        for _group, _drop, create in sorted(aside, key=lambda item: int(item[0])):
            self.conn.execute(create)

    def after_bulk_insert(self, table: str) -> None:
        statement = sql.SQL(
            "SELECT setval(pg_get_serial_sequence({name}, 'id'), coalesce(max(id), 0) + 1, false)"
            " FROM {table}"
        ).format(name=sql.Literal(table), table=sql.Identifier(table))
        self.conn.execute(statement)
        # Fresh statistics, or the planner guesses wrongly about a table that just grew.
        self.conn.execute(sql.SQL("ANALYZE {}").format(sql.Identifier(table)))

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


def begin_statement(limits: Limits) -> bytes:
    """BEGIN, and the transaction's limits set for it alone, as one simple query. SET LOCAL
    rather than SELECT set_config(): it takes no snapshot, so the transaction may still
    choose its isolation level."""
    wanted = {"lock_timeout": limits.lock_ms, "statement_timeout": limits.statement_ms}
    statements = ["BEGIN"] + [
        f"SET LOCAL {name} = '{int(ms)}ms'" for name, ms in wanted.items() if ms is not None
    ]
    return "; ".join(statements).encode()


def copy_text(rows: Sequence[Sequence[Any]], width: int) -> str | None:
    """Rows of ints and strings in COPY's text format, made by C-level formatting alone;
    None when that would not give COPY's form of every value: a column whose first value
    is of another type, a value of another type than its column's first (the format
    codes refuse it: None, bytes, a float in an int column), or text holding a tab,
    newline, carriage return or backslash (escapes). Callers then write row by row."""
    specs = []
    for value in rows[0]:
        if type(value) is int:
            specs.append("{:d}")
        elif type(value) is str:
            specs.append("{:s}")
        else:
            return None
    line = "\t".join(specs) + "\n"
    try:
        text = "".join(starmap(line.format, rows))
    except (TypeError, ValueError):
        return None
    if (
        text.count("\n") != len(rows)
        or text.count("\t") != len(rows) * (width - 1)
        or "\\" in text
        or "\r" in text
    ):
        return None
    return text


def open_postgres(url: DatabaseUrl) -> PostgresBackend:
    """Connect, giving up after CONNECT_TIMEOUT_S unless the address says otherwise."""
    options: dict[str, Any] = {
        "autocommit": True,
        "application_name": "Postdesk",
        # No server-side prepared statements: psycopg prepares a query on its fifth run, and
        # PostgreSQL then settles on a generic plan made for an average user. For the user
        # with 100,000 posts that plan sorts them all: 70 ms a page instead of 1 ms.
        "prepare_threshold": None,
    }
    problem = address_problem(url.target)
    if problem is not None:
        raise ConnectionFailedError(f"{INVALID_ADDRESS}: {problem}")
    given = conninfo_parts(url.target)
    if "connect_timeout" not in given:
        options["connect_timeout"] = CONNECT_TIMEOUT_S
    options.update({k: v for k, v in _DEAD_LINK_OPTIONS.items() if k not in given})
    try:
        conn = _connect(url, options)
    except PasswordNeededError:
        # A password remembered in the system keychain, tried only once the server asks.
        from desktop.store import secrets

        remembered = None if passwords_in(url.target) else secrets.recall(url)
        if remembered is None:
            raise
        url = url.with_password(remembered)
        try:
            conn = _connect(url, options)
        except PasswordRefusedError as refused:
            raise PasswordRefusedError(
                f"The server at {refused.server} refused the password remembered in the "
                f"system keychain for {refused.role}.",
                refused.server,
                refused.role,
                remembered=True,
            ) from refused
    if conn.info.server_version < OLDEST_SERVER:
        version = conn.info.server_version
        conn.close()
        raise ConnectionFailedError(
            f"The server runs PostgreSQL {version // 10000}, which is too old: "
            "Postdesk needs PostgreSQL 12 or newer."
        )
    return PostgresBackend(url, conn)


def _connect(url: DatabaseUrl, options: dict[str, Any]) -> psycopg.Connection[Any]:
    try:
        return psycopg.connect(url.target, **options)
    except psycopg.Error as exc:
        raise connect_error(exc, url) from exc


def connect_error(exc: psycopg.Error, url: DatabaseUrl) -> ConnectionFailedError:
    """The failure as the error class the app acts on: a password asked for or refused
    (so the person can be asked for one), or any other failure."""
    message = describe_connect_error(exc, url)
    parts = effective_parts(url.target)
    role = role_name(parts)
    where = server_name(parts)
    pgconn = exc.pgconn
    if pgconn is not None and pgconn.needs_password:  # libpq's PQconnectionNeedsPassword
        return PasswordNeededError(message, where, role)
    # libpq has no code for a refused password (a connection failure carries no SQLSTATE):
    # it used one, and the server's words say so.
    if (
        pgconn is not None
        and pgconn.used_password
        and "password authentication failed" in str(exc).lower()
    ):
        return PasswordRefusedError(message, where, role, remembered=False)
    return ConnectionFailedError(message)


def describe_connect_error(exc: Exception, url: DatabaseUrl) -> str:
    """libpq's connection failures in plain words, never holding the password."""
    if isinstance(exc, psycopg.ProgrammingError):
        # libpq could not read the address; its message quotes the part it choked on,
        # which may be the password.
        return f"{INVALID_ADDRESS}; check how it is written."
    # Read libpq's own words (a connection failure carries no SQLSTATE), show them only
    # without the password.
    lowered = str(exc).lower()
    text = hide_password(str(exc), url.target)
    parts = effective_parts(url.target)
    where = server_name(parts)
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


# Errors after which the server has ended this session: the connection is gone whatever the
# socket still says (class 08 is matched by its prefix in _connection_is_gone).
_SESSION_ENDED = frozenset({"57P01", "57P02", "57P03"})  # admin/crash shutdown, cannot connect


def translate_error(exc: psycopg.Error, backend: PostgresBackend) -> StoreError:
    """Say what a psycopg error means for the person, sorted by SQLSTATE."""
    if _connection_is_gone(exc, backend):
        return ConnectionLostError(
            f"The connection to {backend.url.display()} was lost: {first_line(str(exc))}"
        )
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
    if isinstance(exc, pg_errors.LockNotAvailable):
        return RecordLockedError()
    if isinstance(exc, pg_errors.QueryCanceled):
        return StatementTimeoutError("The server took too long to answer; nothing was changed.")
    if isinstance(exc, pg_errors.DeadlockDetected | pg_errors.SerializationFailure):
        return TransientConflictError(
            "Someone else was changing the same records at the same moment, so the server "
            "undid this change; nothing was changed. Try again."
        )
    if isinstance(exc, pg_errors.DiskFull):
        return StorageError("The server's disk is full, so nothing was saved.")
    if isinstance(exc, pg_errors.ReadOnlySqlTransaction):
        return StorageError("The server only allows reading here, so nothing was saved.")
    return StoreError(f"The server reported an error: {first_line(str(exc))}")


def _connection_is_gone(exc: psycopg.Error, backend: PostgresBackend) -> bool:
    """A broken connection, as opposed to a statement the server refused on a good one."""
    if backend.conn.broken:
        return True
    sqlstate = exc.sqlstate
    if sqlstate is None:
        # No answer from the server at all: psycopg lost the socket (or it was closed).
        return isinstance(exc, psycopg.OperationalError)
    return sqlstate.startswith("08") or sqlstate in _SESSION_ENDED
