"""Other people's changes, noticed while the window is open (see desktop/store/changes.py).

The change log is read through the worker, like every other query, never on the GUI
thread: on a timer, and on PostgreSQL also as soon as a notification arrives. At most one
read is on its way at a time, and reads are at least MIN_GAP_MS apart; news that comes
meanwhile makes one more read afterwards, so a burst of any size is a few reads a second.
What a read finds goes out as `changed` (a ChangeSet).

- SQLite: every SQLITE_POLL_MS, `PRAGMA data_version` (nearly free) says whether another
  connection committed; only then is the log read.
- PostgreSQL: a NotificationListener thread LISTENs on a connection of its own. While its
  notifications are known to arrive, the timer only reads every SAFETY_POLL_MS in case one
  was missed; where they cannot arrive (through a transaction-pooling PgBouncer, or the
  listener's connection broke) the log is read every POLL_MS.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QElapsedTimer, QObject, QTimer, Signal

from desktop.store.changes import ChangeFeed, ChangeSet, FeedStart, NotificationListener
from desktop.store.errors import StoreError
from desktop.store.repository import Repository
from desktop.store.urls import DatabaseUrl
from desktop.ui.worker import Worker

log = logging.getLogger(__name__)

SQLITE_POLL_MS = 500
POLL_MS = 1000
SAFETY_POLL_MS = 10_000
# Reads follow each other at least this far apart: during a burst each read (and the
# lists it refreshes) then covers many changes, and the window keeps its frames.
MIN_GAP_MS = 250


class LiveChanges(QObject):
    changed = Signal(object)  # a ChangeSet, never empty
    hearing_changed = Signal(bool)  # PostgreSQL notifications arrive (True) or not
    _heard = Signal()
    _listening = Signal(int, bool)  # the generation of the listener that says it, and what

    # Off: read the log on the timer alone, as through a pooler.
    use_notifications = True

    def __init__(self, worker: Worker, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.worker = worker
        self.hearing = False
        self._feed: ChangeFeed | None = None
        self._url: DatabaseUrl | None = None
        self._listener: NotificationListener | None = None
        self._generation = 0
        self._reading = False
        self._again = False
        self._last_read = -MIN_GAP_MS
        self._clock = QElapsedTimer()
        self._clock.start()
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.read_now)
        self._later = QTimer(self)
        self._later.setSingleShot(True)
        self._later.timeout.connect(self.read_now)
        self._heard.connect(self.read_now)
        self._listening.connect(self._listener_state)

    @property
    def following(self) -> bool:
        """The change log of the open database is being read."""
        return self._feed is not None

    def start(self, url: DatabaseUrl, since: FeedStart | None = None) -> None:
        """Follow the database just opened (the worker holds it by now), from `since` (read
        by the open before the rows it shows) or else from now."""
        self.stop(wait=False)
        self._generation += 1
        generation = self._generation
        self.worker.submit(
            lambda repo: ChangeFeed(repo.db, since),
            lambda feed: self._feed_ready(generation, feed),
            self._failed,
            owner=self,
        )
        self._url = url
        if url.dialect == "postgresql":
            self._timer.start(POLL_MS)
        else:
            self._timer.start(SQLITE_POLL_MS)

    def stop(self, *, wait: bool = True) -> None:
        """Stop following (the database closes, or the window does). Without `wait`, the
        notification listener of a server ends on its own thread meanwhile, and what it
        says after this is not heard: another database is being followed by then."""
        self._generation += 1
        self._timer.stop()
        self._later.stop()
        self._feed = None
        self._reading = self._again = False
        listener, self._listener = self._listener, None
        if listener is not None:
            listener.stop(wait=wait)
        self._set_hearing(False)

    def read_now(self) -> None:
        """Read what changed (once the read on its way, if any, has answered)."""
        feed = self._feed
        if feed is None:
            return
        if self._reading:
            self._again = True
            return
        wait = self._last_read + MIN_GAP_MS - self._clock.elapsed()
        if wait > 0:
            if not self._later.isActive():
                self._later.start(int(wait))
            return
        self._last_read = self._clock.elapsed()
        self._reading = True
        generation = self._generation

        def read(repo: Repository) -> ChangeSet:
            if repo.db is not feed.backend:  # another database by now
                return ChangeSet()
            return feed.poll()

        self.worker.submit(
            read,
            lambda changes: self._read(generation, changes),
            lambda error: self._read_failed(generation, error),
            owner=self,
        )

    def _feed_ready(self, generation: int, feed: ChangeFeed) -> None:
        if generation != self._generation:
            return
        self._feed = feed
        # Only now (the worker has read the first pages before the feed): its connections
        # would otherwise share the link with the first rows the person is waiting for.
        url = self._url
        if url is not None and url.dialect == "postgresql" and self.use_notifications:

            def on_state(working: bool) -> None:  # on the listener's thread
                self._listening.emit(generation, working)

            self._listener = NotificationListener(url, self._heard.emit, on_state)
            self._listener.start()

    def _read(self, generation: int, changes: ChangeSet) -> None:
        if generation != self._generation:
            return
        self._reading = False
        if changes:
            self.changed.emit(changes)
        if self._again:
            self._again = False
            self.read_now()

    def _read_failed(self, generation: int, error: StoreError) -> None:
        if generation == self._generation:
            self._reading = False
        self._failed(error)

    def _failed(self, error: StoreError) -> None:
        # The next tick tries again; a lost connection is reported by the worker itself.
        log.info("could not read what others changed: %s", error)

    def _listener_state(self, generation: int, working: bool) -> None:
        if self._listener is None or generation != self._generation:
            return  # a listener already stopped says goodbye
        self._set_hearing(working)
        self._timer.setInterval(SAFETY_POLL_MS if working else POLL_MS)
        if working:
            # What was committed between the feed's starting position and the LISTEN was
            # announced to nobody: read it now rather than at the next safety poll.
            self.read_now()

    def _set_hearing(self, hearing: bool) -> None:
        if hearing != self.hearing:
            self.hearing = hearing
            self.hearing_changed.emit(hearing)
