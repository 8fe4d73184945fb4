"""The migration runner: finds db/migrations/*.sql, applies what is pending, keeps a history.

Each migration and its history row commit in one transaction. The runner refuses, before
changing anything, a database that holds a version it does not know (a newer app migrated
it), an applied migration whose file has changed, and migration files that break the rules
of db/migrations/README.md.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from desktop import paths
from desktop.store.backend import HISTORY_TABLE, LONG_WORK, Backend, Survey
from desktop.store.errors import (
    ChecksumMismatchError,
    MigrationCancelledError,
    MigrationError,
    MigrationFilesError,
    MigrationLockTimeoutError,
    SchemaTooNewError,
    StoreError,
)
from desktop.store.privileges import check_can_migrate
from desktop.store.progress import time_left
from desktop.store.urls import Dialect

_FILE_NAME = re.compile(
    r"^(?P<version>\d+)_(?P<name>[a-z0-9_]+)(?:\.(?P<dialect>sqlite|postgresql))?\.sql$"
)
_STYLES = {3: "sequential (NNN_)", 14: "timestamp (YYYYMMDDHHMMSS_)"}


@dataclass(frozen=True, slots=True)
class Migration:
    version: str
    name: str
    path: Path
    checksum: str

    def sql(self) -> str:
        return self.path.read_text(encoding="utf-8")


@dataclass(frozen=True, slots=True)
class AppliedMigration:
    version: str
    name: str
    checksum: str
    applied_at: str
    duration_ms: int


@dataclass(frozen=True, slots=True)
class MigrationStatus:
    applied: list[AppliedMigration]
    pending: list[Migration]

    @property
    def current_version(self) -> str | None:
        return self.applied[-1].version if self.applied else None


Progress = Callable[[Migration, int, int], None]


@dataclass(frozen=True, slots=True)
class FillProgress:
    """Where a migration's fill of one table stands: rows read of `total` (about: counted
    by id ranges), and the time left at the pace so far (None before the first batch)."""

    migration: Migration
    table: str
    done: int
    total: int
    seconds_left: float | None


RowsProgress = Callable[[FillProgress], None]

# A statement that fills a table from every row of another (migration 006 builds its search
# index so): run in id ranges of this many, so that a large database shows its progress
# and Cancel is heard between batches. The statement's text, and so the file's checksum,
# stays as it is: each batch is the same statement with a WHERE on the ids appended.
FILL_BATCH_IDS = 50_000
_WHOLE_TABLE_FILL = re.compile(
    r"^\s*INSERT\s+INTO\s+\w+\s*\([^)]*\)\s*SELECT\s[^;]*?\sFROM\s+(?P<table>\w+)\s*;?\s*$",
    re.IGNORECASE | re.DOTALL,
)

LOCK_WAIT_LIMIT_S = 60.0
LOCK_POLL_S = 0.1


def lock_wait_message(seconds: float) -> str:
    """What the person reads while another Postdesk migrates the same database."""
    return f"Another Postdesk is updating this database… (waiting {int(seconds)} s)"


def fill_message(fill: FillProgress) -> str:
    """What the person reads while a migration fills a table (Cancel undoes it whole)."""
    left = "" if fill.seconds_left is None else f", {time_left(fill.seconds_left)}"
    return (
        f"Updating the database (migration {fill.migration.version}): "
        f"{fill.done:,} of {fill.total:,} {fill.table}{left}…"
    )


@dataclass(frozen=True, slots=True)
class LockWait:
    """How to wait for the migration lock while another process holds it.

    `report` hears the seconds waited so far, at the first refusal and about once a second;
    `cancelled` is asked between attempts. Both are called on the migrating thread.
    """

    limit_s: float = LOCK_WAIT_LIMIT_S
    report: Callable[[float], None] | None = None
    cancelled: Callable[[], bool] | None = None
    poll_s: float = LOCK_POLL_S

    def acquire(self, backend: Backend) -> None:
        """Inside the current transaction: take the lock, which its end releases."""
        started = time.monotonic()
        reported: int | None = None
        while True:
            self.check_cancelled()
            if backend.try_migration_lock():
                return
            waited = time.monotonic() - started
            if waited >= self.limit_s:
                raise MigrationLockTimeoutError(waited)
            if self.report is not None and reported != int(waited):
                reported = int(waited)
                self.report(waited)
            time.sleep(self.poll_s)

    def check_cancelled(self) -> None:
        """Raise MigrationCancelledError if the person has cancelled."""
        if self.cancelled is not None and self.cancelled():
            raise MigrationCancelledError(
                "The update was cancelled; the database stays at its previous version."
            )


def checksum_of(path: Path) -> str:
    """SHA-256 of the file with line endings normalised (a Windows checkout is no change)."""
    return hashlib.sha256(path.read_bytes().replace(b"\r\n", b"\n")).hexdigest()


def discover(directory: Path, dialect: Dialect) -> list[Migration]:
    """The migrations for one dialect, in order, after checking the files obey the rules."""
    by_version: dict[str, dict[str | None, Path]] = {}
    names: dict[str, str] = {}
    for path in sorted(directory.glob("*.sql")):
        match = _FILE_NAME.match(path.name)
        if match is None:
            raise MigrationFilesError(
                f"Migration file {path.name} is not named NNN_description.sql "
                "(lower-case letters, digits and underscores; optional .sqlite or .postgresql)."
            )
        version, name, file_dialect = match.group("version", "name", "dialect")
        if len(version) not in _STYLES:
            raise MigrationFilesError(
                f"Migration file {path.name}: a version has 3 digits (001_) or 14 (a timestamp)."
            )
        if names.setdefault(version, name) != name:
            raise MigrationFilesError(
                f"Version {version} is used twice: by {names[version]} and by {name}."
            )
        variants = by_version.setdefault(version, {})
        variants[file_dialect] = path
    _check_one_style(by_version)
    migrations = []
    for version in sorted(by_version):
        path = _pick_variant(version, by_version[version], dialect)
        migrations.append(Migration(version, names[version], path, checksum_of(path)))
    return migrations


def _check_one_style(by_version: dict[str, dict[str | None, Path]]) -> None:
    styles = {len(version) for version in by_version}
    if len(styles) > 1:
        examples = ", ".join(sorted(by_version)[:1] + sorted(by_version)[-1:])
        raise MigrationFilesError(
            "The migration files mix sequential (NNN_) and timestamp (YYYYMMDDHHMMSS_) "
            f"versions ({examples}); use one style."
        )


def _pick_variant(version: str, variants: dict[str | None, Path], dialect: Dialect) -> Path:
    if None in variants and len(variants) > 1:
        raise MigrationFilesError(
            f"Version {version} has both a shared .sql file and a dialect file; keep one form."
        )
    if None in variants:
        return variants[None]
    if set(variants) != {"sqlite", "postgresql"}:
        missing = ({"sqlite", "postgresql"} - set(variants)).pop()
        raise MigrationFilesError(f"Migration {version} has no .{missing}.sql file.")
    return variants[dialect]


class MigrationRunner:
    """Applies pending migrations to one open database."""

    def __init__(self, backend: Backend, directory: Path | None = None) -> None:
        self.backend = backend
        self.directory = directory or paths.migrations_dir()
        self._known: list[Migration] | None = None

    def known(self) -> list[Migration]:
        """The migration files, read and checksummed once per runner (one open)."""
        if self._known is None:
            self._known = discover(self.directory, self.backend.dialect)
        return self._known

    def status(self, survey: Survey | None = None) -> MigrationStatus:
        """What is applied and what is pending; changes nothing. With `survey` (read since
        the last migration), from its history, without reading."""
        known = self.known()
        _has_history, applied = self._read_history(survey)
        _check_history(applied, known)
        done = {row.version for row in applied}
        return MigrationStatus(applied, [m for m in known if m.version not in done])

    def migrate(
        self,
        progress: Progress | None = None,
        *,
        lock: LockWait | None = None,
        rows: RowsProgress | None = None,
        survey: Survey | None = None,
    ) -> list[Migration]:
        """Apply every pending migration in order; returns those this call applied.

        The usual launch, with nothing pending, reads the history and nothing more: no DDL
        and no lock, so a role that may only read and write rows can open the database.
        With migrations pending, a role (or a read-only file) that could not apply them is
        refused before the first one starts (MigrationNotAllowedError). With `survey`, its
        history stands for the first reading (pending ones are read again under the lock).
        `rows` hears how a migration that fills a table from another is getting on
        (FillProgress), between batches, where `lock.cancelled` is also asked: a cancel
        undoes the migration whole.
        """
        known = self.known()
        has_history, history = self._read_history(survey)
        _check_history(history, known)
        done = {row.version for row in history}
        # A role that could not apply them is told so now, before any is started.
        check_can_migrate(self.backend, [m.version for m in known if m.version not in done])
        applied_now: list[Migration] = []
        for index, migration in enumerate(known):
            if migration.version not in done:
                if self._apply_if_pending(
                    migration, known, lock or LockWait(), has_history, rows
                ):
                    applied_now.append(migration)
                has_history = True
            if progress is not None:
                progress(migration, index + 1, len(known))
        return applied_now

    def _apply_if_pending(
        self,
        migration: Migration,
        known: Sequence[Migration],
        lock: LockWait,
        has_history: bool,
        rows: RowsProgress | None = None,
    ) -> bool:
        # The lock lasts as long as the transaction (nothing depends on the session, so it
        # works through a transaction-pooling PgBouncer), and the history is read again
        # under it: another process may have just applied this very migration.
        try:
            with self.backend.transaction(LONG_WORK):
                lock.acquire(self.backend)
                if not has_history:
                    self.backend.queries.create_history_table(self.backend.conn)
                applied = self._history()
                _check_history(applied, known)
                if any(row.version == migration.version for row in applied):
                    return False
                started = time.monotonic()
                self._run(migration, lock, rows)
                self.backend.queries.record_migration(
                    self.backend.conn,
                    version=migration.version,
                    name=migration.name,
                    checksum=migration.checksum,
                    applied_at=datetime.now(UTC).isoformat(timespec="milliseconds"),
                    duration_ms=round((time.monotonic() - started) * 1000),
                )
                return True
        except MigrationError:
            raise
        except StoreError as exc:
            raise MigrationError(
                f"Migration {migration.version} ({migration.name}) failed and was undone; "
                f"the database stays at its previous version. {exc}"
            ) from exc

    def _run(self, migration: Migration, lock: LockWait, rows: RowsProgress | None) -> None:
        for statement in self.backend.script_statements(migration.sql()):
            fill = _WHOLE_TABLE_FILL.match(statement)
            if fill is None:
                self.backend.run_script(statement)
            else:
                self._fill_in_batches(migration, statement, fill["table"], lock, rows)

    def _fill_in_batches(
        self,
        migration: Migration,
        statement: str,
        table: str,
        lock: LockWait,
        rows: RowsProgress | None,
    ) -> None:
        """The statement once per id range of `table` (ids, counts: integers in the text)."""
        first, last, total = self.backend.execute(
            f"SELECT coalesce(min(id), 0), coalesce(max(id), 0), count(*) FROM {table}"
        )[0]
        head = statement.strip().rstrip(";")
        started = time.monotonic()
        low = int(first) - 1
        while low < int(last):
            lock.check_cancelled()
            high = low + FILL_BATCH_IDS
            self.backend.run_script(f"{head} WHERE id > {low} AND id <= {high}")
            low = high
            if rows is not None:
                share = min(1.0, (low - int(first) + 1) / (int(last) - int(first) + 1))
                spent = time.monotonic() - started
                rows(
                    FillProgress(
                        migration, table, round(share * int(total)), int(total),
                        spent * (1 - share) / share,
                    )
                )

    def _read_history(self, survey: Survey | None) -> tuple[bool, list[AppliedMigration]]:
        """Whether there is a history table, and what it holds."""
        if survey is None:
            with self.backend.reading():
                if HISTORY_TABLE not in self.backend.table_names():
                    return False, []
                return True, self._history()
        if survey.history is None:
            return False, []
        return True, [AppliedMigration(*row) for row in survey.history]

    def _history(self) -> list[AppliedMigration]:
        rows = self.backend.queries.applied_migrations(self.backend.conn)
        return [AppliedMigration(*row) for row in rows]


def _check_history(applied: Sequence[AppliedMigration], known: Sequence[Migration]) -> None:
    by_version = {m.version: m for m in known}
    for row in applied:
        migration = by_version.get(row.version)
        if migration is None:
            raise SchemaTooNewError(row.version)
        if migration.checksum != row.checksum:
            raise ChecksumMismatchError(row.version, row.name)
