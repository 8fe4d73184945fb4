"""Merge one database's users, posts and comments into another that already holds data.

The source is only read, inside one read-only snapshot, as the copy reads it
(desktop.store.copying). The destination receives everything in one transaction, or
nothing: a cancel, a dropped connection or a killed process leaves it as it was.

- Users are matched by email under the destination's own case-blind rule (lower(email), as
  its unique index; SQLite's lower() folds only ASCII letters). A user it lacks is added
  with their creation time. A matched user whose name differs is a conflict: it is listed,
  and the destination's name stays unless the person chose to take the source's.
- Posts and comments are appended with new ids (from the destination's own counter, then
  through its bulk path), their authors and posts remapped, and their creation times kept
  (to the millisecond, as the copy reads them). Each one received is written down in the
  destination's merge_receipts (source identity, table, id there -> id here), so that
  merging the same source again adds nothing twice, while comments added to an old post
  since arrive. A received post deleted here stays away, and so do new comments on it.
- A source row that the source itself received from this destination (by an earlier merge
  the other way, or a copy: see copying) is the destination's own: it is not sent back.
- A dry run reads both sides and reports the same counts, writing nothing.

Every database knows itself by the random identity migration 007 made in it: a source is
only ever read, so it cannot be given one at merge time, and a file path or server address
is no identity (a file is moved, a server renamed; two files may once have had one path).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

from desktop.store.backend import LONG_WORK, Backend
from desktop.store.connection import open_database
from desktop.store.copying import (
    BATCH_ROWS,
    TABLES,
    Pace,
    Progress,
    open_source,
    read_table,
    refuse_unreadable_times,
    two_databases,
)
from desktop.store.errors import StoreError
from desktop.store.migrations import MigrationRunner
from desktop.store.urls import DatabaseUrl

RECEIPTS = "merge_receipts"
RECEIPT_COLUMNS = ("source", "table_name", "source_id", "destination_id")
POST_COLUMNS = ("id", "user_id", "title", "content", "created_at")
COMMENT_COLUMNS = ("id", "post_id", "body")


class MergeRefusedError(StoreError):
    """The merge did not start: the source or destination is not fit; nothing was written."""


class MergeCancelledError(StoreError):
    """The person stopped the merge; the destination is as it was."""


@dataclass(frozen=True)
class NameConflict:
    """A user both databases have (by email) under different names."""

    email: str  # as the source has it
    source_name: str
    destination_name: str


@dataclass(frozen=True)
class NameChoices:
    """Whose names the person chose to take from the source: by email (any case), or all."""

    emails: frozenset[str] = frozenset()
    every: bool = False

    @classmethod
    def of(cls, emails: Iterable[str]) -> NameChoices:
        return cls(frozenset(email.strip().lower() for email in emails if email.strip()))

    def takes(self, conflict: NameConflict) -> bool:
        return self.every or conflict.email.lower() in self.emails


@dataclass
class MergeReport:
    dry_run: bool = False
    users_added: int = 0
    users_matched: int = 0
    conflicts: list[NameConflict] = field(default_factory=list)
    names_taken: int = 0
    posts_added: int = 0
    posts_skipped: int = 0
    comments_added: int = 0
    comments_skipped: int = 0
    seconds: float = 0.0

    @property
    def added(self) -> int:
        return self.users_added + self.posts_added + self.comments_added

    def summary(self) -> str:
        verb = "would merge" if self.dry_run else "merged"
        return (
            f"{verb}: users added={self.users_added} matched={self.users_matched}, "
            f"posts added={self.posts_added} skipped={self.posts_skipped}, "
            f"comments added={self.comments_added} skipped={self.comments_skipped} "
            f"in {self.seconds:.1f} s"
        )


def merge_databases(
    source_url: DatabaseUrl | str,
    destination_url: DatabaseUrl | str,
    *,
    dry_run: bool = False,
    names: NameChoices = NameChoices(),
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
    batch_rows: int = BATCH_ROWS,
) -> MergeReport:
    """Merge everything of `source_url` into the existing database `destination_url`."""
    started = time.monotonic()
    source_url, destination_url = two_databases(source_url, destination_url, MergeRefusedError)
    with (
        open_source(source_url, verb="merge", refused=MergeRefusedError) as source,
        open_destination(destination_url, dry_run=dry_run) as destination,
    ):
        report = merge_between(
            source,
            destination,
            dry_run=dry_run,
            names=names,
            progress=progress,
            cancel=cancel,
            batch_rows=batch_rows,
        )
    report.seconds = time.monotonic() - started
    return report


def open_destination(url: DatabaseUrl, *, dry_run: bool) -> Backend:
    """Open the existing database to merge into, migrated first; a dry run writes nothing,
    so it refuses a destination that would need migrating instead."""
    if not dry_run:
        return open_database(url, create=False)
    backend = open_database(url, create=False, migrate=False)
    try:
        runner = MigrationRunner(backend)
        status = runner.status()
        if status.pending:
            raise MergeRefusedError(
                f"{url.display()} is at schema version {status.current_version or 'none'}, "
                f"older than this Postdesk's {runner.known()[-1].version}; a dry run writes "
                "nothing, so update it first (open it in Postdesk, or `postdesk migrate`)."
            )
    except BaseException:
        backend.close()
        raise
    return backend


def merge_between(
    source: Backend,
    destination: Backend,
    *,
    dry_run: bool = False,
    names: NameChoices = NameChoices(),
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
    batch_rows: int = BATCH_ROWS,
) -> MergeReport:
    """Merge `source` into `destination` (open_source / open_destination give them) in one
    destination transaction; a dry run reads both and writes nothing."""
    started = time.monotonic()

    def stop() -> None:
        if cancel is not None and cancel.is_set():
            raise MergeCancelledError("The merge was cancelled; the destination is unchanged.")

    report = MergeReport(dry_run=dry_run)
    with source.snapshot():
        refuse_unreadable_times(source, verb="merged", refused=MergeRefusedError)
        totals = dict(
            zip((t.name for t in TABLES), source.queries.table_counts(source.conn), strict=True)
        )
        with _writing(destination, dry_run):
            merger = _Merger(source, destination, report, names)
            pace = Pace(progress, sum(totals.values()))
            for table in TABLES:
                rows = read_table(source, table, totals[table.name], batch_rows, pace, stop)
                for batch in _batches(rows, batch_rows):
                    merger.merge(table.name, batch)
                    stop()
                pace.table_done(totals[table.name])
    report.seconds = time.monotonic() - started
    return report


@contextmanager
def _writing(destination: Backend, dry_run: bool) -> Iterator[None]:
    if dry_run:
        with destination.snapshot():
            yield
        return
    # As many rows as the source holds: no per-save time limits apply.
    with destination.transaction(LONG_WORK):
        # Two merges into one destination run one after the other: the second then reads
        # the receipts the first wrote, and adds nothing twice.
        destination.lock_for_bulk_load([RECEIPTS])
        yield


def identity_of(backend: Backend) -> str:
    with backend.reading():
        identity = backend.queries.database_identity(backend.conn)
    if not identity:
        raise MergeRefusedError(f"{backend.url.display()} has no database identity.")
    return identity


class _Merger:
    """Turns the source's rows, a batch at a time, into the destination's (or, in a dry run,
    into counts), remembering how the ids map."""

    def __init__(
        self, source: Backend, destination: Backend, report: MergeReport, names: NameChoices
    ) -> None:
        self.source = source
        self.destination = destination
        self.report = report
        self.names = names
        self.write = not report.dry_run
        self.identity = identity_of(source)
        if self.identity == identity_of(destination):
            raise MergeRefusedError(
                f"{source.url.display()} and {destination.url.display()} are the same "
                "database (one is a file copy of the other, made outside Postdesk): merging "
                "them would add nothing but duplicates. Nothing was written."
            )
        self.users: dict[int, int] = {}  # source id -> destination id
        self.added_keys: dict[str, int] = {}  # email key -> a user this merge added
        self.posts: dict[int, int | None] = {}  # None: the post is gone from the destination
        self.stand_in = 0  # ids handed out by a dry run, which inserts nothing
        q, conn = destination.queries, destination.conn
        with destination.reading():
            self.received_posts = dict(q.merge_received_posts(conn, source=self.identity))
            self.received_comments = {
                row[0] for row in q.merge_received_comments(conn, source=self.identity)
            }
        self._own_rows(identity_of(destination))
        # Rows a copy brought, either way (desktop.store.copying): the same ids on both sides.
        self.same_ids = {"posts": 0, "comments": 0}
        for side, origin in ((destination, self.identity), (source, identity_of(destination))):
            with side.reading():
                for copied_from, table, last_id in side.queries.copy_copied_ranges(side.conn):
                    if copied_from == origin and table in self.same_ids:
                        self.same_ids[table] = max(self.same_ids[table], int(last_id))

    def _own_rows(self, destination_identity: str) -> None:
        """The rows the source received from the destination: theirs already."""
        q, conn = self.source.queries, self.source.conn
        with self.source.reading():
            posts = q.merge_received_from(conn, source=destination_identity, table_name="posts")
            comments = q.merge_received_from(
                conn, source=destination_identity, table_name="comments"
            )
        existing = self._existing_posts([theirs for _ours, theirs in posts])
        for ours, theirs in posts:
            self.received_posts.setdefault(ours, theirs if theirs in existing else None)
        self.received_comments.update(ours for ours, _theirs in comments)

    def _existing_posts(self, ids: Sequence[int]) -> set[int]:
        """Those of `ids` that are posts of the destination."""
        existing: set[int] = set()
        with self.destination.reading():
            for start in range(0, len(ids), BATCH_ROWS):
                found = self.destination.queries.merge_existing_posts(
                    self.destination.conn, ids=json.dumps(list(ids[start : start + BATCH_ROWS]))
                )
                existing.update(row[0] for row in found)
        return existing

    def merge(self, table: str, rows: Sequence[Sequence[Any]]) -> None:
        with self.destination.reading():
            if table == "users":
                self._users(rows)
            elif table == "posts":
                self._posts(rows)
            else:
                self._comments(rows)

    def _users(self, rows: Sequence[Sequence[Any]]) -> None:
        q, conn, report = self.destination.queries, self.destination.conn, self.report
        emails = json.dumps([row[2] for row in rows])
        for (source_id, name, email, created_at), (_given, key, found, found_name) in zip(
            rows, q.merge_match_users(conn, emails=emails), strict=True
        ):
            if found is not None:
                report.users_matched += 1
                self.users[source_id] = found
                if found_name != name:
                    conflict = NameConflict(email, name, found_name or "")
                    report.conflicts.append(conflict)
                    if self.names.takes(conflict):
                        report.names_taken += 1
                        if self.write:
                            q.merge_take_name(conn, id=found, name=name)
            elif key in self.added_keys:
                # Two source users whose emails the destination's rule calls one: one user.
                report.users_matched += 1
                self.users[source_id] = self.added_keys[key]
            else:
                report.users_added += 1
                new = (
                    q.merge_insert_user(conn, name=name, email=email, created_at=created_at)
                    if self.write
                    else self._stand_in()
                )
                self.users[source_id] = self.added_keys[key] = new

    def _posts(self, rows: Sequence[Sequence[Any]]) -> None:
        copied = [
            row[0]
            for row in rows
            if row[0] <= self.same_ids["posts"] and row[0] not in self.received_posts
        ]
        if copied:  # there by a copy, unless deleted there since
            existing = self._existing_posts(copied)
            self.received_posts.update((id, id if id in existing else None) for id in copied)
        fresh = []
        for source_id, user_id, title, content, created_at in rows:
            if source_id in self.received_posts:
                self.report.posts_skipped += 1
                self.posts[source_id] = self.received_posts[source_id]
            else:
                fresh.append((source_id, self.users[user_id], title, content, created_at))
        ids = self._new_ids("posts", len(fresh))
        for (source_id, *_rest), new in zip(fresh, ids, strict=True):
            self.posts[source_id] = new
        self.report.posts_added += len(fresh)
        self._insert("posts", POST_COLUMNS, fresh, ids)

    def _comments(self, rows: Sequence[Sequence[Any]]) -> None:
        fresh = []
        for source_id, post_id, body in rows:
            post = self.posts.get(post_id)
            copied = source_id <= self.same_ids["comments"]
            if source_id in self.received_comments or copied or post is None:
                self.report.comments_skipped += 1
            else:
                fresh.append((source_id, post, body))
        ids = self._new_ids("comments", len(fresh))
        self.report.comments_added += len(fresh)
        self._insert("comments", COMMENT_COLUMNS, fresh, ids)

    def _new_ids(self, table: str, count: int) -> list[int]:
        """Ids for new rows, taken from the destination's own counter; a dry run's are
        negative, never a real one."""
        if not self.write:
            self.stand_in -= count
            return list(range(self.stand_in + count, self.stand_in, -1))
        q, conn = self.destination.queries, self.destination.conn
        new = q.merge_new_post_ids if table == "posts" else q.merge_new_comment_ids
        return [int(row[0]) for row in new(conn, count=count)] if count else []

    def _insert(
        self,
        table: str,
        columns: tuple[str, ...],
        fresh: list[tuple[Any, ...]],
        ids: list[int],
    ) -> None:
        """The new rows through the bulk path (COPY on a server: the change log's triggers
        fire once per batch, not per row), and their receipts."""
        if not self.write or not fresh:
            return
        self.destination.bulk_insert(
            table, columns, [(new, *row[1:]) for row, new in zip(fresh, ids, strict=True)]
        )
        receipts = [
            (self.identity, table, row[0], new) for row, new in zip(fresh, ids, strict=True)
        ]
        self.destination.bulk_insert(RECEIPTS, RECEIPT_COLUMNS, receipts)

    def _stand_in(self) -> int:
        """A dry run's id for a row it would add: negative, so never a real one."""
        self.stand_in -= 1
        return self.stand_in


def _batches(rows: Iterable[Sequence[Any]], size: int) -> Iterator[list[Sequence[Any]]]:
    source = iter(rows)
    while batch := list(islice(source, size)):
        yield batch
