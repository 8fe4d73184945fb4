"""What other people changed since we last looked: the change log that migration 003 keeps.

Every INSERT, UPDATE and DELETE on users, posts and comments, whoever makes it (another
Postdesk, psql, the sqlite3 shell), upserts one row of `change_log` for the record it
touched: (table_name, row_id, op) and a stamp. One row per record, never one per change, so
a burst of 10,000 changes to a few records is a few rows, and the log can never hold more
rows than records were ever made (deleted ones stay as a row each, a few dozen bytes). A
bulk load (seeding) logs each table once instead, as row 0: see logged_as_whole_tables.

The stamp is what makes "since" exact:

- SQLite has one writer at a time, so a counter row bumped inside each writing transaction
  grows in commit order; the cursor is the counter's value. `PRAGMA data_version` (which
  only other connections' commits bump) says for nothing whether there is anything to read.
- On PostgreSQL transactions commit in another order than they start, and a counter row
  would make every writer wait for every other. The stamp is the writing transaction's id;
  the cursor is the snapshot of the last look, and the next look asks for the rows whose
  transaction that snapshot did not see. Triggers also `NOTIFY postdesk_changes`, which
  NotificationListener turns into a prompt look (desktop/ui/live.py decides when to look).

ChangeFeed is used from one thread at a time (the UI's worker); NotificationListener runs a
thread and a connection of its own, because a connection that waits for notifications
cannot run the app's queries meanwhile.
"""

from __future__ import annotations

import logging
import select
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from desktop.store.backend import Backend
from desktop.store.queries import send
from desktop.store.urls import DatabaseUrl

if TYPE_CHECKING:
    import psycopg

log = logging.getLogger(__name__)

CHANNEL = "postdesk_changes"
TABLES = ("users", "posts", "comments")
PROBE_WAIT_S = 2.0
WAIT_STEP_S = 0.25
BURST_S = 0.05  # news is told at most this often


@dataclass(frozen=True)
class ChangeSet:
    """The records changed, by table: each id once, however often it changed."""

    users: frozenset[int] = field(default_factory=frozenset)
    posts: frozenset[int] = field(default_factory=frozenset)
    comments: frozenset[int] = field(default_factory=frozenset)

    def ids(self, table: str) -> frozenset[int]:
        found: frozenset[int] = getattr(self, table)
        return found

    def __bool__(self) -> bool:
        return bool(self.users or self.posts or self.comments)

    def __len__(self) -> int:
        return len(self.users) + len(self.posts) + len(self.comments)

    @staticmethod
    def of(rows: Mapping[str, Iterable[int]]) -> ChangeSet:
        return ChangeSet(**{table: frozenset(rows.get(table, ())) for table in TABLES})


@contextmanager
def logged_as_whole_tables(backend: Backend, tables: Sequence[str]) -> Iterator[None]:
    """Inside a transaction, around a bulk load: the triggers log nothing per row (a log
    row per loaded record tripled a large load's time); each table is logged once as row
    0 at the end, which makes open windows read their lists again. Nobody else sees the
    pause: it lasts for this transaction only."""
    queries, conn = backend.queries, backend.conn
    queries.pause_change_log(conn)
    yield
    queries.resume_change_log(conn)
    for table in tables:
        queries.log_whole_table(conn, table_name=table)


@dataclass(frozen=True)
class FeedStart:
    """Where a ChangeFeed starts: the database's state at one moment."""

    version: int | None
    cursor: str


def start_feed(backend: Backend) -> Callable[[], FeedStart]:
    """Read where a feed starts now (inside reading(); with other reads in a pipeline, or
    with an open's checks): a list read after this in the same round trip misses nothing,
    as the first poll reports every change made since."""
    queries, conn = backend.queries, backend.conn
    version = send(queries.data_version, conn)
    cursor = send(queries.change_cursor, conn)
    return lambda: FeedStart(version(), str(cursor()))


class ChangeFeed:
    """Reads the change log from where the last read stopped (at first: from `start`,
    else from now)."""

    def __init__(self, backend: Backend, start: FeedStart | None = None) -> None:
        self.backend = backend
        if start is None:
            with backend.reading():
                with backend.pipeline():  # one round trip for the two
                    started = start_feed(backend)
                start = started()
        self._seen_version = start.version
        self._cursor = start.cursor

    def poll(self) -> ChangeSet:
        """The records changed since the last poll; cheap when nothing was."""
        queries, conn = self.backend.queries, self.backend.conn
        with self.backend.reading():
            # Read before the log: a commit between the two is in the log now, and the
            # next poll sees the version move and reads again (finding nothing new).
            version = queries.data_version(conn)
            if version is not None and version == self._seen_version:
                return ChangeSet()
            rows = queries.changes_since(conn, after=self._cursor)
        self._seen_version = version
        self._cursor = rows[0][0]
        # The ids come joined in one text per table: splitting it runs in C, where a loop
        # over a row per record held the GIL long enough to stall the window's repaints.
        changed = {
            table: frozenset(map(int, ids.split(",")))
            for _cursor, table, ids in rows
            if table is not None and ids
        }
        return ChangeSet.of(changed)


class NotificationListener:
    """LISTENs for the triggers' notifications on a PostgreSQL connection of its own and
    calls `on_news` (from its own thread) for each burst of them.

    Through a transaction-pooling PgBouncer a LISTEN is forgotten as soon as its
    transaction ends, so it proves itself first: a notification sent from another
    connection must arrive within PROBE_WAIT_S. `on_state(True/False)` says whether it
    does; when it does not (or the connection breaks), the caller polls instead.
    """

    def __init__(
        self,
        url: DatabaseUrl,
        on_news: Callable[[], None],
        on_state: Callable[[bool], None],
    ) -> None:
        self.url = url
        self.on_news = on_news
        self.on_state = on_state
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="postdesk-listen", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, *, wait: bool = True) -> None:
        """End the thread and close its connection (within about WAIT_STEP_S). Without
        `wait` the thread ends on its own meanwhile: a window switching databases must not
        wait for it (it froze for the quarter second of a wait step)."""
        self._stop.set()
        if wait and self._thread.is_alive():
            self._thread.join(timeout=PROBE_WAIT_S + 5)

    def _run(self) -> None:
        import psycopg

        try:
            with _connect(self.url, "Postdesk live changes") as conn:
                conn.execute(f"LISTEN {CHANNEL}")
                working = self._probe(conn)
                self._tell(self.on_state, working)
                if working:
                    self._wait(conn)
        except psycopg.Error as exc:
            # Not the person's business: the caller polls instead. Never log the address.
            log.info("change notifications unavailable (%s)", type(exc).__name__)
        self._tell(self.on_state, False)

    @staticmethod
    def _tell(callback: Callable[..., None], *args: Any) -> None:
        """Call back from this thread. The receiver may be gone: a window that quit without
        stopping its listener leaves a Qt signal whose source was deleted, which raises
        RuntimeError; nobody is left to tell, and this thread ends quietly."""
        try:
            callback(*args)
        except RuntimeError:
            log.debug("the receiver of change notifications is gone")

    def _probe(self, conn: psycopg.Connection[Any]) -> bool:
        # Sent from another connection: through a pooler it lands on a server connection
        # that is not the one that ran LISTEN, as everyone else's would.
        import secrets  # here: its hmac and hashlib imports cost every launch otherwise

        token = f"probe {secrets.token_hex(8)}"
        with _connect(self.url, "Postdesk probe") as other:
            other.execute("SELECT pg_notify(%s, %s)", (CHANNEL, token))
        return any(notice.payload == token for notice in conn.notifies(timeout=PROBE_WAIT_S))

    def _wait(self, conn: psycopg.Connection[Any]) -> None:
        """Tell of news at most once per BURST_S, however many notifications come: a burst
        of 10,000 statements is 10,000 notifications, and psycopg's notifies() spends some
        40 µs of Python (holding the GIL the window needs) on each; read here at the
        driver's level, one costs under a microsecond, and none is looked at singly."""
        pgconn = conn.pgconn
        while not self._stop.is_set():
            if not _notified(pgconn, WAIT_STEP_S):
                continue
            self._tell(self.on_news)
            # The rest of a burst waits in the socket meanwhile and is drained in one go.
            self._stop.wait(BURST_S)


def _notified(pgconn: psycopg.pq.abc.PGconn, timeout: float) -> bool:
    """Whether notifications came within `timeout` (the wait holds no GIL); all those
    received are consumed. A broken connection raises psycopg.OperationalError."""
    if _drained(pgconn):  # read from the socket already (by the probe)
        return True
    readable, _, _ = select.select([pgconn.socket], [], [], timeout)
    if not readable:
        return False
    pgconn.consume_input()
    return _drained(pgconn)


def _drained(pgconn: psycopg.pq.abc.PGconn) -> bool:
    heard = False
    while pgconn.notifies() is not None:
        heard = True
    return heard


def _connect(url: DatabaseUrl, name: str) -> psycopg.Connection[Any]:
    import psycopg

    return psycopg.connect(url.target, autocommit=True, application_name=name, connect_timeout=10)
