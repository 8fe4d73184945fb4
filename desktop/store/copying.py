"""Copy a whole database into an empty one, between any two backends, and prove it arrived.

The source is only read, inside one read-only snapshot: it is never migrated or written.
The destination is migrated first, must hold no users, posts or comments, and receives
everything in one transaction through its bulk path (PostgreSQL COPY, SQLite multi-row
INSERTs, indexes and foreign keys set aside and rebuilt once). Before that transaction
commits, each table's row count and checksum are computed on both sides and compared; any
failure, a cancel included, rolls the whole copy back.

Ids are copied as they are, so every reference stays right; the identity sequences (and
SQLite's sqlite_sequence) are moved past the largest copied id.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from desktop.store.backend import LONG_WORK, Backend
from desktop.store.connection import connect, open_database, refuse_foreign
from desktop.store.errors import MigrationError, SchemaTooNewError, StoreError
from desktop.store.migrations import MigrationRunner
from desktop.store.query_types import Queries, TableChecksum
from desktop.store.seeding import _collector_paused
from desktop.store.urls import DatabaseUrl, parse_url

BATCH_ROWS = 20_000  # rows read from the source at a time: memory stays flat
_FIRST_ID = -(2**63)  # keyset start below any id


class CopyRefusedError(StoreError):
    """The copy did not start: the source or destination is not fit; nothing was written."""


class CopyCancelledError(StoreError):
    """The person stopped the copy; the destination got none of it."""


class CopyMismatchError(StoreError):
    """What arrived differs from the source; the copy was undone."""


@dataclass(frozen=True)
class _Table:
    name: str
    columns: tuple[str, ...]
    batch: Callable[[Queries, object, int, int], Sequence[Sequence[Any]]]
    checksum: Callable[[Queries, object], TableChecksum]


TABLES = (  # parents before children
    _Table(
        "users",
        ("id", "name", "email", "created_at"),
        lambda q, c, after, limit: q.copy_users_batch(c, after=after, limit=limit),
        lambda q, c: q.copy_users_checksum(c),
    ),
    _Table(
        "posts",
        ("id", "user_id", "title", "content", "created_at"),
        lambda q, c, after, limit: q.copy_posts_batch(c, after=after, limit=limit),
        lambda q, c: q.copy_posts_checksum(c),
    ),
    _Table(
        "comments",
        ("id", "post_id", "body"),
        lambda q, c, after, limit: q.copy_comments_batch(c, after=after, limit=limit),
        lambda q, c: q.copy_comments_checksum(c),
    ),
)
TABLE_NAMES = tuple(table.name for table in TABLES)


@dataclass(frozen=True)
class TableProgress:
    """How far the copy of one table is."""

    table: str
    rows: int
    total: int
    seconds: float  # since this table's copy began
    all_rows: int = 0  # of every table, so far
    all_total: int = 0
    all_seconds: float = 0.0  # since the copy began

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds > 0 else 0.0

    @property
    def seconds_left(self) -> float | None:
        """Until every row is written, at the pace so far (checking comes after)."""
        if self.all_rows <= 0 or self.all_seconds <= 0:
            return None
        return (self.all_total - self.all_rows) * self.all_seconds / self.all_rows


Progress = Callable[[TableProgress], None]


@dataclass
class CopyReport:
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    verified: bool = False

    @property
    def rows(self) -> int:
        return sum(self.counts.values())

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds > 0 else 0.0

    def summary(self) -> str:
        counts = " ".join(f"{name}={self.counts.get(name, 0)}" for name in TABLE_NAMES)
        check = "verified" if self.verified else "NOT verified"
        return (
            f"copied: {counts} in {self.seconds:.1f} s "
            f"({self.rows_per_second:,.0f} rows/s), {check}"
        )


def copy_database(
    source_url: DatabaseUrl | str,
    destination_url: DatabaseUrl | str,
    *,
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
    batch_rows: int = BATCH_ROWS,
) -> CopyReport:
    """Copy everything of `source_url` into `destination_url` (created if it is a new file)."""
    started = time.monotonic()
    source_url, destination_url = two_databases(source_url, destination_url, CopyRefusedError)
    with open_source(source_url) as source, open_destination(destination_url) as destination:
        report = copy_between(
            source, destination, progress=progress, cancel=cancel, batch_rows=batch_rows
        )
    report.seconds = time.monotonic() - started
    return report


def two_databases(
    source: DatabaseUrl | str, destination: DatabaseUrl | str, refused: type[StoreError]
) -> tuple[DatabaseUrl, DatabaseUrl]:
    """Both addresses parsed; the same database twice is refused (as `refused`)."""
    source = parse_url(source) if isinstance(source, str) else source
    destination = parse_url(destination) if isinstance(destination, str) else destination
    if source.dialect == destination.dialect and source.target == destination.target:
        raise refused("The source and the destination are the same database.")
    return source, destination


def open_source(
    url: DatabaseUrl,
    *,
    verb: str = "copy",
    refused: type[StoreError] = CopyRefusedError,
) -> Backend:
    """Open a database to copy (or, as `verb` says, merge) from, by reading alone: never
    created, migrated or switched to WAL. Refused (as `refused`) unless its schema is
    exactly this Postdesk's."""
    backend = connect(url, create=False)
    try:
        refuse_foreign(backend)
        runner = MigrationRunner(backend)
        ours = runner.known()[-1].version
        try:
            status = runner.status()
        except SchemaTooNewError as exc:
            raise refused(
                f"{url.display()} is at schema version {exc.version}, newer than this "
                f"Postdesk's {ours}; {verb} it with a newer Postdesk."
            ) from exc
        except MigrationError as exc:
            raise refused(f"{url.display()} cannot be the source of a {verb}: {exc}") from exc
        if status.pending:
            theirs = status.current_version or "none (no Postdesk tables)"
            raise refused(
                f"{url.display()} is at schema version {theirs}, older than this Postdesk's "
                f"{ours}; open it once in Postdesk to update it, then {verb} it."
            )
    except BaseException:
        backend.close()
        raise
    return backend


def open_destination(url: DatabaseUrl) -> Backend:
    """Open (or create) the database to copy into, migrated, and refuse one that holds
    users, posts or comments already."""
    backend = open_database(url)
    try:
        with backend.reading():
            refuse_nonempty(backend)
    except BaseException:
        backend.close()
        raise
    return backend


def refuse_nonempty(backend: Backend) -> None:
    users, posts, comments = backend.queries.table_counts(backend.conn)
    if users or posts or comments:
        raise CopyRefusedError(
            f"{backend.url.display()} already holds {users} users, {posts} posts and "
            f"{comments} comments; a copy goes only into an empty database. Nothing was written."
        )


def copy_between(
    source: Backend,
    destination: Backend,
    *,
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
    batch_rows: int = BATCH_ROWS,
) -> CopyReport:
    """Copy every row of `source` into `destination` (open_source / open_destination give
    them) in one destination transaction, verified before it commits."""
    started = time.monotonic()
    _register_checksum(source)
    _register_checksum(destination)
    report = CopyReport()

    def stop() -> None:
        _check_cancel(cancel)

    with _collector_paused(), source.snapshot(), source.snapshot_twin() as twin:
        refuse_unreadable_times(source)
        totals = dict(zip(TABLE_NAMES, source.queries.table_counts(source.conn), strict=True))
        # Where the source can (a server), its checksums are computed in the same snapshot
        # on a second session while the rows are copied; otherwise after them.
        theirs = _Checksums(twin or source)
        if twin is not None:
            theirs.start()
        try:
            # Millions of rows and rebuilt indexes: no per-save time limits apply.
            with destination.transaction(LONG_WORK):
                destination.lock_for_bulk_load(TABLE_NAMES)
                refuse_nonempty(destination)  # again, now that nobody else can add any
                with destination.bulk_load(TABLE_NAMES, set_indexes_aside=True, lean=True):
                    pace = Pace(progress, sum(totals.values()))
                    for table in TABLES:
                        rows = read_table(source, table, totals[table.name], batch_rows, pace, stop)
                        destination.bulk_insert(table.name, table.columns, rows)
                        _check_cancel(cancel)
                        pace.table_done(totals[table.name])
                for name in TABLE_NAMES:
                    destination.after_bulk_insert(name)
                _carry_merge_history(source, destination)
                report.counts = _verify(theirs.wait(), destination)
                report.verified = True
        finally:
            theirs.stop()
    report.seconds = time.monotonic() - started
    return report


def _carry_merge_history(source: Backend, destination: Backend) -> None:
    """What merges need to know of a copy (desktop.store.merging): the source's receipts and
    copied ranges hold for the copy too, since every id is kept; and the copy got the
    source's posts and comments up to their largest ids. The copy keeps the identity its
    own migration made: it is another database from now on."""
    with source.reading():
        origin = source.queries.database_identity(source.conn)
        receipts = source.queries.copy_merge_receipts(source.conn)
        ranges = source.queries.copy_copied_ranges(source.conn)
    _users, posts, comments = destination.queries.max_ids(destination.conn)
    if origin:
        ranges += [(origin, name, top) for name, top in (("posts", posts), ("comments", comments))]
    destination.bulk_insert(
        "merge_receipts", ("source", "table_name", "source_id", "destination_id"), receipts
    )
    destination.bulk_insert("copied_ranges", ("origin", "table_name", "last_id"), ranges)


class Pace:
    """Turns each table's rows read into TableProgress with the whole copy's figures."""

    def __init__(self, progress: Progress | None, all_total: int) -> None:
        self.progress = progress
        self.all_total = all_total
        self.earlier = 0  # rows of the tables already copied
        self.started = time.monotonic()

    def __call__(self, table: str, rows: int, total: int, seconds: float) -> None:
        if self.progress is not None:
            all_seconds = time.monotonic() - self.started
            self.progress(
                TableProgress(
                    table, rows, total, seconds, self.earlier + rows, self.all_total, all_seconds
                )
            )

    def table_done(self, rows: int) -> None:
        self.earlier += rows


def read_table(
    source: Backend,
    table: _Table,
    total: int,
    batch_rows: int,
    pace: Pace,
    stop: Callable[[], None],
) -> Iterator[Sequence[Any]]:
    """The table's rows in id order, one keyset batch in memory at a time; `stop` is called
    before each batch and raises when the work is to end."""
    started = time.monotonic()
    after = _FIRST_ID
    done = 0
    pace(table.name, 0, total, 0.0)
    while True:
        stop()
        with source.reading():
            batch = table.batch(source.queries, source.conn, after, batch_rows)
        if not batch:
            return
        yield from batch
        after = int(batch[-1][0])
        done += len(batch)
        pace(table.name, done, total, time.monotonic() - started)


def _check_cancel(cancel: threading.Event | None) -> None:
    if cancel is not None and cancel.is_set():
        raise CopyCancelledError("The copy was cancelled; the destination got none of it.")


class _Checksums(threading.Thread):
    """Every table's (rows, checksum) on one Backend, computed on a thread of its own."""

    def __init__(self, backend: Backend) -> None:
        super().__init__(name="postdesk-copy-checksums", daemon=True)
        self.backend = backend
        self.sums: dict[str, TableChecksum] = {}
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            with self.backend.reading():
                for table in TABLES:
                    self.sums[table.name] = table.checksum(self.backend.queries, self.backend.conn)
        except BaseException as exc:  # handed to the copying thread by wait()
            self.error = exc

    def wait(self) -> dict[str, TableChecksum]:
        if self.ident is None:  # never started: compute them here and now
            self.run()
        else:
            self.join()
        if self.error is not None:
            raise self.error
        return self.sums

    def stop(self) -> None:
        """The copy ended early: stop the statement running, so the snapshot can end."""
        if self.ident is not None and self.is_alive():
            self.backend.interrupt()
            self.join()


def _verify(source_sums: dict[str, TableChecksum], destination: Backend) -> dict[str, int]:
    """Each table's count and checksum on both sides; the first difference is raised."""
    counts: dict[str, int] = {}
    for table in TABLES:
        theirs = source_sums[table.name]
        ours = table.checksum(destination.queries, destination.conn)
        if int(theirs[0]) != int(ours[0]):
            raise CopyMismatchError(
                f"The copy of {table.name} has {ours[0]} rows where the source has "
                f"{theirs[0]}; the copy was undone."
            )
        if str(theirs[1]) != str(ours[1]):
            raise CopyMismatchError(
                f"The copy of {table.name} differs from the source in its contents "
                f"(checksums {theirs[1]} and {ours[1]}); the copy was undone."
            )
        counts[table.name] = int(ours[0])
    return counts


def refuse_unreadable_times(
    source: Backend, *, verb: str = "copied", refused: type[StoreError] = CopyRefusedError
) -> None:
    users, posts = source.queries.copy_unreadable_times(source.conn)
    if users or posts:
        raise refused(
            f"{source.url.display()} holds creation times that are not dates "
            f"({users} users, {posts} posts); they would arrive empty, so nothing was {verb}."
        )


class _Md5Sum:
    """SQLite's side of the checksum (it has no MD5 of its own): the sums of each line's
    MD5 cut into two signed 64-bit halves, as copying.postgresql.sql computes them."""

    def __init__(self) -> None:
        self.first = 0
        self.second = 0

    def step(self, line: str) -> None:
        digest = hashlib.md5(line.encode("utf-8"), usedforsecurity=False).digest()
        self.first += int.from_bytes(digest[:8], "big", signed=True)
        self.second += int.from_bytes(digest[8:], "big", signed=True)

    def finalize(self) -> str:
        return f"{self.first} {self.second}"


def _register_checksum(backend: Backend) -> None:
    # The one dialect difference the query files cannot hold: a function written in Python.
    if backend.dialect == "sqlite":
        backend.conn.create_aggregate("postdesk_copy_checksum", 1, _Md5Sum)
