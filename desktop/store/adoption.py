"""Adopting a database built straight from the specification, without Postdesk's history.

Such a database holds the specification's three tables and two indexes, perhaps with the
types the specification names (TIMESTAMP without a time zone; on SQLite, CURRENT_TIMESTAMP's
`2026-12-04 04:35:00` text, which sorts below `2026-12-04T…Z` of the same day). It is
compared with what migration 001 makes; if it matches, adopting it records it as at version
001, turns every stored time into the instant it means (UTC, as CURRENT_TIMESTAMP writes
it), gives it 001's columns exactly, and applies the pending migrations: all in one
transaction, so that it is either adopted whole or left as it was. Anything else is refused
with its differences named, by reading alone.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from desktop import paths
from desktop.store.backend import HISTORY_TABLE, LONG_WORK, Backend
from desktop.store.errors import (
    ConnectionFailedError,
    MigrationCancelledError,
    MigrationError,
    MigrationLockTimeoutError,
    StoreError,
)
from desktop.store.migrations import LockWait, Migration, MigrationRunner
from desktop.store.queries import QueryFolder, load
from desktop.store.sqlite import format_time
from desktop.store.urls import DatabaseUrl

ADOPTED_VERSION = "001"
SHOWN_DIFFERENCES = 6


# -- what migration 001 makes, in terms both backends share ---------------------------------


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    kind: str  # "id" (integer primary key), "integer", "text" or "time"
    not_null: bool


EXPECTED_COLUMNS: dict[str, tuple[Column, ...]] = {
    "users": (
        Column("id", "id", True),
        Column("name", "text", True),
        Column("email", "text", True),
        Column("created_at", "time", False),
    ),
    "posts": (
        Column("id", "id", True),
        Column("user_id", "integer", True),
        Column("title", "text", True),
        Column("content", "text", True),
        Column("created_at", "time", False),
    ),
    "comments": (
        Column("id", "id", True),
        Column("post_id", "integer", True),
        Column("body", "text", True),
    ),
}
EXPECTED_UNIQUE: frozenset[tuple[str, tuple[str, ...]]] = frozenset({("users", ("email",))})
EXPECTED_FOREIGN_KEYS = frozenset(
    {("posts", "user_id", "users", "id"), ("comments", "post_id", "posts", "id")}
)
EXPECTED_INDEXES: dict[str, tuple[str, tuple[str, ...]]] = {
    "idx_users_email": ("users", ("email",)),
    "idx_posts_user": ("posts", ("user_id",)),
}
SPEC_TABLES = frozenset(EXPECTED_COLUMNS)

# The declared types each backend may show for a kind: 001's own and the specification's.
_TYPES = {
    "sqlite": {"id": {"INTEGER"}, "integer": {"INTEGER"}, "text": {"TEXT"},
               "time": {"TIMESTAMP", "DATETIME"}},
    "postgresql": {"id": {"integer"}, "integer": {"integer"}, "text": {"text"},
                   "time": {"timestamp without time zone", "timestamp with time zone"}},
}  # fmt: skip
_NOW_DEFAULTS = ("current_timestamp", "'now'", "now()", "localtimestamp", "_timestamp()")


@dataclass(frozen=True, slots=True)
class FoundColumn:
    type: str
    not_null: bool
    default: str | None
    primary_key: bool
    generated: bool  # an identity column, or a SERIAL's sequence default


@dataclass
class Found:
    """The catalogue's answers, in the terms of the EXPECTED_* above."""

    tables: set[str] = field(default_factory=set)
    others: list[str] = field(default_factory=list)
    columns: dict[str, dict[str, FoundColumn]] = field(default_factory=dict)
    unique: set[tuple[str, tuple[str, ...]]] = field(default_factory=set)
    foreign_keys: dict[tuple[str, str, str, str], bool] = field(default_factory=dict)
    indexes: dict[str, tuple[str, tuple[str, ...], bool]] = field(default_factory=dict)
    bad_times: dict[str, list[object]] = field(default_factory=dict)
    times_to_convert: int = 0


# -- what adopting will do, and the two refusals ----------------------------------------------


@dataclass(frozen=True, slots=True)
class AdoptionPlan:
    """What adopting this database does; `summary()` says it to the person."""

    database: str
    timestamps: int
    updates: tuple[str, ...]

    def summary(self) -> str:
        steps = [f"record this database as at version {ADOPTED_VERSION}"]
        if self.timestamps:
            steps.append(f"convert {_count(self.timestamps, 'timestamp')} to UTC")
        if self.updates:
            steps.append(f"apply {_count(len(self.updates), 'update')}")
        return "Postdesk will " + _join(steps) + "."


class AdoptionOffered(ConnectionFailedError):
    """The database is the specification's schema without Postdesk's history: it may be
    adopted (`plan`), but only when the person asks for it."""

    def __init__(self, plan: AdoptionPlan) -> None:
        self.plan = plan
        super().__init__(
            f"{plan.database} was built from the specification but has no Postdesk history. "
            f"{plan.summary()} Nothing has changed yet: run `postdesk migrate --adopt` "
            "on it, or open it in Postdesk and choose Adopt."
        )


class ForeignDatabaseError(ConnectionFailedError):
    """Tables without Postdesk's history that are not the specification's schema."""

    def __init__(self, database: str, tables: Iterable[str], differences: Sequence[str]) -> None:
        self.differences = list(differences)
        shown = ", ".join(sorted(tables)[:3])
        text = (
            f"{database} already holds tables of another program ({shown}); "
            "Postdesk leaves it untouched. Choose an empty database or one made by Postdesk."
        )
        if differences:
            listed = "; ".join(differences[:SHOWN_DIFFERENCES])
            more = len(differences) - SHOWN_DIFFERENCES
            tail = f"; and {_count(more, 'more difference')}" if more > 0 else ""
            text += f" It is not the specification's schema either: {listed}{tail}."
        super().__init__(text)


def _count(number: int, noun: str) -> str:
    return f"{number:,} {noun}{'' if number == 1 else 's'}"


def _join(parts: Sequence[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


# -- reading -----------------------------------------------------------------------------------


def _queries(backend: Backend) -> QueryFolder:
    return load(paths.db_dir() / "adoption", backend.paramstyle, backend.dialect)


def _step(backend: Backend, name: str) -> str:
    path: Path = paths.db_dir() / "adoption" / "steps" / f"{name}.{backend.dialect}.sql"
    return path.read_text(encoding="utf-8")


def examine(backend: Backend) -> Found:
    """Read what adoption compares; writes nothing."""
    queries = _queries(backend)
    conn = backend.conn
    found = Found()
    with backend.reading():
        found.tables = {name for (name,) in queries.tables(conn)} - {HISTORY_TABLE}
        found.others = [f"{kind} {name}" for kind, name in queries.other_objects(conn)]
        for table in sorted(found.tables & SPEC_TABLES):
            _examine_table(backend, queries, table, found)
        if not differences(backend, found):
            _examine_times(backend, queries, found)
    return found


def _examine_table(backend: Backend, queries: QueryFolder, table: str, found: Found) -> None:
    conn = backend.conn
    columns = {}
    for name, type_, not_null, default, flag, primary_key in _column_rows(backend, table):
        columns[name] = FoundColumn(type_, bool(not_null), default, bool(primary_key), flag)
    found.columns[table] = columns
    for column, ref_table, ref_column, on_delete in queries.foreign_keys(conn, table_name=table):
        # SQLite leaves `to` empty for REFERENCES users: the primary key is meant.
        key = (table, column, ref_table, ref_column or "id")
        found.foreign_keys[key] = on_delete in ("NO ACTION", "a")
    for name, unique, origin, partial, *rest in queries.indexes(conn, table_name=table):
        keys = tuple(rest[0]) if rest else _index_columns(queries, conn, name)
        if origin == "u":
            found.unique.add((table, keys))
        elif origin == "c":
            found.indexes[name] = (table, keys, bool(unique) or bool(partial))


def _column_rows(
    backend: Backend, table: str
) -> list[tuple[str, str, bool, str | None, bool, bool]]:
    rows = _queries(backend).columns(backend.conn, table_name=table)
    if backend.dialect == "postgresql":
        return [
            (name, type_, not_null, default, identity or "nextval(" in (default or ""), pk)
            for name, type_, not_null, default, identity, pk in rows
        ]
    # SQLite: an INTEGER PRIMARY KEY is the rowid, which always has a value.
    return [
        (name, type_.upper(), bool(not_null), default, bool(pk), bool(pk))
        for name, type_, not_null, default, pk in rows
    ]


def _index_columns(queries: QueryFolder, conn: Any, index: str) -> tuple[str, ...]:
    return tuple(
        name or "<expression>" for (name,) in queries.index_columns(conn, index_name=index)
    )


def _examine_times(backend: Backend, queries: QueryFolder, found: Found) -> None:
    conn = backend.conn
    if backend.dialect == "postgresql":
        for table in ("users", "posts"):
            if found.columns[table]["created_at"].type == "timestamp without time zone":
                found.times_to_convert += getattr(queries, f"count_{table}_times")(conn)
        return
    for table, rows in (
        ("users", queries.user_times_to_convert(conn)),
        ("posts", queries.post_times_to_convert(conn)),
    ):
        bad = [value for _id, value in rows if parse_time(value) is None]
        if bad:
            found.bad_times[table] = bad
        found.times_to_convert += len(rows)


def parse_time(value: object) -> str | None:
    """A stored SQLite time as the text the schema writes (UTC, ms, Z), or None when it is not
    a time. A time without an offset is UTC, as SQLite's CURRENT_TIMESTAMP writes it."""
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return format_time(parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed)


# -- comparing -------------------------------------------------------------------------------------


def differences(backend: Backend, found: Found) -> list[str]:
    """What keeps `found` from being migration 001's schema, in plain words; [] if nothing."""
    problems = [f"no table {name}" for name in sorted(SPEC_TABLES - found.tables)]
    problems += [f"an extra table {name}" for name in sorted(found.tables - SPEC_TABLES)]
    problems += [f"an extra {other}" for other in found.others]
    for table in sorted(found.tables & SPEC_TABLES):
        problems += _column_differences(backend.dialect, table, found.columns.get(table, {}))
    problems += _key_differences(found)
    problems += _index_differences(found)
    for table, values in sorted(found.bad_times.items()):
        problems.append(
            f"{table}.created_at holds {_count(len(values), 'value')} that "
            f"{'is' if len(values) == 1 else 'are'} not a time (such as {values[0]!r})"
        )
    return problems


def _column_differences(dialect: str, table: str, columns: dict[str, FoundColumn]) -> list[str]:
    expected = {column.name: column for column in EXPECTED_COLUMNS[table]}
    problems = [f"{table} has no column {name}" for name in expected if name not in columns]
    problems += [f"{table} has an extra column {name}" for name in columns if name not in expected]
    for name, want in expected.items():
        got = columns.get(name)
        if got is not None:
            problems += _column_difference(dialect, f"{table}.{name}", want, got)
    return problems


def _column_difference(dialect: str, where: str, want: Column, got: FoundColumn) -> list[str]:
    allowed = _TYPES[dialect][want.kind]
    if got.type not in allowed:
        return [f"{where} is {got.type or 'without a type'}, not {' or '.join(sorted(allowed))}"]
    if want.kind == "id":
        if not got.primary_key:
            return [f"{where} is not the primary key"]
        if not got.generated:
            return [f"{where} is not generated (AUTOINCREMENT, SERIAL or IDENTITY)"]
        return []
    if got.primary_key:
        return [f"{where} is a primary key"]
    if got.not_null != want.not_null:
        return [f"{where} {'is NOT NULL' if got.not_null else 'allows NULL'}"]
    if want.kind == "time" and not _is_now(got.default):
        return [f"{where} does not default to the current time"]
    if want.kind != "time" and got.default is not None:
        return [f"{where} has a default ({got.default})"]
    return []


def _is_now(default: str | None) -> bool:
    text = (default or "").lower().replace(" ", "")
    return any(marker in text for marker in _NOW_DEFAULTS)


def _key_differences(found: Found) -> list[str]:
    present = found.tables & SPEC_TABLES
    problems = []
    for table, columns in sorted(EXPECTED_UNIQUE - found.unique):
        if table in present:
            problems.append(f"{table}.{', '.join(columns)} is not UNIQUE")
    for table, columns in sorted(found.unique - EXPECTED_UNIQUE):
        problems.append(f"{table}.{', '.join(columns)} is UNIQUE")
    for table, column, ref_table, ref_column in sorted(EXPECTED_FOREIGN_KEYS):
        key = (table, column, ref_table, ref_column)
        if table not in present:
            continue
        if key not in found.foreign_keys:
            problems.append(f"{table}.{column} does not refer to {ref_table}.{ref_column}")
        elif not found.foreign_keys[key]:
            problems.append(f"{table}.{column} has an ON DELETE action")
    for table, column, ref_table, ref_column in sorted(set(found.foreign_keys)):
        if (table, column, ref_table, ref_column) not in EXPECTED_FOREIGN_KEYS:
            problems.append(f"{table}.{column} refers to {ref_table}.{ref_column}")
    return problems


def _index_differences(found: Found) -> list[str]:
    present = found.tables & SPEC_TABLES
    problems = []
    for name, (table, columns) in EXPECTED_INDEXES.items():
        got = found.indexes.get(name)
        wanted = f"{table} ({', '.join(columns)})"
        if got is None:
            if table in present:
                problems.append(f"no index {name} on {wanted}")
        elif got[:2] != (table, columns) or got[2]:
            extra = " (unique or partial)" if got[2] else ""
            problems.append(f"index {name} is on {got[0]} ({', '.join(got[1])}){extra}, "
                            f"not {wanted}")  # fmt: skip
    problems += [
        f"an extra index {name}" for name in sorted(set(found.indexes) - set(EXPECTED_INDEXES))
    ]
    return problems


# -- deciding ------------------------------------------------------------------------------------


def check_unknown_tables(backend: Backend) -> None:
    """For a database with tables but no history: offer adoption when it is the
    specification's schema (AdoptionOffered), refuse it with its differences otherwise
    (ForeignDatabaseError). Reads only."""
    raise AdoptionOffered(plan_adoption(backend))


def plan_adoption(backend: Backend, runner: MigrationRunner | None = None) -> AdoptionPlan:
    """What adopting would do; ForeignDatabaseError when the database is not adoptable."""
    found = examine(backend)
    problems = differences(backend, found)
    if problems:
        named = problems if found.tables & SPEC_TABLES else []
        raise ForeignDatabaseError(backend.url.display(), found.tables, named)
    known = (runner or MigrationRunner(backend)).known()
    return AdoptionPlan(
        backend.url.display(),
        found.times_to_convert,
        tuple(m.version for m in known if m.version != ADOPTED_VERSION),
    )


# -- adopting ----------------------------------------------------------------------------------


class AlreadyAdoptedError(MigrationError):
    """Another Postdesk adopted the database after this one looked at it."""


_PASSED_ON = (
    ForeignDatabaseError,
    AlreadyAdoptedError,
    MigrationCancelledError,
    MigrationLockTimeoutError,
)


@dataclass(frozen=True, slots=True)
class Adopted:
    """What adopting did: the times converted and the migrations applied after 001."""

    timestamps: int
    applied: list[Migration]


def adopt(backend: Backend, *, lock: LockWait | None = None) -> Adopted:
    """Adopt the database in one transaction: 001 recorded, times converted, the columns made
    001's, every pending migration applied. Call it on a backend from connect(), before
    prepare(); it raises ForeignDatabaseError (and changes nothing) when the database is not,
    or no longer, adoptable."""
    runner = MigrationRunner(backend)
    first = runner.known()[0]
    if first.version != ADOPTED_VERSION:
        raise MigrationError(f"The first migration is {first.version}, not {ADOPTED_VERSION}.")
    try:
        # Converting and rebuilding every table is long work: no per-save limits apply.
        with _foreign_keys_off(backend), backend.transaction(LONG_WORK):
            return _adopt_here(backend, runner, first, lock)
    except _PASSED_ON:
        raise
    except StoreError as exc:
        raise MigrationError(
            f"Adopting {backend.url.display()} failed, so nothing was changed: {exc}"
        ) from exc


def _adopt_here(
    backend: Backend, runner: MigrationRunner, first: Migration, lock: LockWait | None
) -> Adopted:
    """The adoption itself, inside the caller's transaction."""
    # Under the migration lock the database is looked at again: another Postdesk may have
    # adopted it (or something changed it) since the person was asked.
    (lock or LockWait()).acquire(backend)
    with backend.reading():
        if HISTORY_TABLE in backend.table_names():
            raise AlreadyAdoptedError(
                f"{backend.url.display()} was adopted meanwhile; open it as it is now."
            )
    started = time.monotonic()
    plan = plan_adoption(backend, runner)
    _rebuild(backend)
    backend.queries.create_history_table(backend.conn)
    backend.queries.record_migration(
        backend.conn,
        version=first.version,
        name=first.name,
        checksum=first.checksum,
        applied_at=datetime.now(UTC).isoformat(timespec="milliseconds"),
        duration_ms=round((time.monotonic() - started) * 1000),
    )
    # Inside this transaction each migration's own transaction is a savepoint: the adoption
    # and every update commit together, or none of them does.
    applied = runner.migrate(lock=lock)
    return Adopted(plan.timestamps, applied)


def _rebuild(backend: Backend) -> None:
    """Give the adopted tables migration 001's columns, with every stored time converted."""
    if backend.dialect == "sqlite":
        _rebuild_sqlite(backend)
    else:
        backend.run_script(_step(backend, "convert"))


def _rebuild_sqlite(backend: Backend) -> None:
    queries = _queries(backend)
    conn = backend.conn
    for rows, retime in (
        (queries.user_times_to_convert(conn), queries.retime_user),
        (queries.post_times_to_convert(conn), queries.retime_post),
    ):
        for row_id, value in rows:
            retime(conn, id=row_id, created_at=parse_time(value))
    sequences = dict(queries.sequences(conn)) if queries.has_sequences(conn) else {}
    backend.run_script(_step(backend, "set_aside"))
    backend.run_script(MigrationRunner(backend).known()[0].sql())
    backend.run_script(_step(backend, "bring_back"))
    for name, seq in sequences.items():
        if not queries.raise_sequence(conn, name=name, seq=seq):
            queries.add_sequence(conn, name=name, seq=seq)


@contextmanager
def _foreign_keys_off(backend: Backend) -> Iterator[None]:
    """SQLite: no foreign-key enforcement while the tables are dropped and built again (it
    can only be switched outside a transaction); as it was afterwards."""
    if backend.dialect != "sqlite":
        yield
        return
    queries = _queries(backend)
    with backend.reading():
        enforced = bool(queries.foreign_keys_enforced(backend.conn))
        queries.stop_enforcing_foreign_keys(backend.conn)
    try:
        yield
    finally:
        if enforced:
            with backend.reading():
                queries.enforce_foreign_keys(backend.conn)


def adopt_database(url: DatabaseUrl, *, lock: LockWait | None = None) -> Adopted:
    """Open `url`, adopt it (see adopt()) and close it again. Adopted by another Postdesk
    since it was looked at is as good: nothing is left to do here."""
    from desktop.store.connection import connect  # connection.py asks this module first

    with connect(url, create=False) as backend:
        try:
            return adopt(backend, lock=lock)
        except AlreadyAdoptedError:
            return Adopted(0, [])
