"""Python's full garbage collections, at moments when nobody is using the window.

A full collection walks every object: with 100,000 rows loaded it holds the window for
tens of milliseconds (63 ms measured in the middle of a click), at moments Python's
counters choose. What start-up made is frozen (never walked again); the young generations
are collected as usual; a full collection is due shortly after a database is opened (the
old lists are garbage then) and every few minutes, and it runs once the database thread has
had nothing to do for a while: a person clicking, scrolling or typing a filter keeps it
busy, so the collection waits for them to pause.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer

from desktop.ui.worker import Worker

FULL_COLLECTION_EVERY_MS = 300_000
QUIET_BEFORE_COLLECTING_MS = 2_000


class QuietCollector(QObject):
    """Runs the full collections that are due once `worker` has been idle for a while."""

    def __init__(self, worker: Worker, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.worker = worker
        self.collections = 0
        self._due = False
        self._quiet = QTimer(self)
        self._quiet.setSingleShot(True)
        self._quiet.setInterval(QUIET_BEFORE_COLLECTING_MS)
        self._quiet.timeout.connect(self._collect_if_quiet)
        self._every = QTimer(self)
        self._every.setInterval(FULL_COLLECTION_EVERY_MS)
        self._every.timeout.connect(self.due)
        self._every.start()
        worker.busy_changed.connect(self._activity)

    @staticmethod
    def take_over() -> None:
        """Freeze what exists now and stop Python's own full collections."""
        gc.freeze()
        young, middle, _full = gc.get_threshold()
        gc.set_threshold(young, middle, 1_000_000)

    def due(self) -> None:
        """A full collection is due: it runs after the next quiet while."""
        self._due = True
        self._quiet.start()

    def _activity(self, _busy: bool) -> None:
        if self._due:
            self._quiet.start()  # from now on, the whole quiet while again

    def _collect_if_quiet(self) -> None:
        if self.worker.busy:
            return  # its end restarts the wait (busy_changed)
        self._due = False
        gc.collect()
        self.collections += 1
