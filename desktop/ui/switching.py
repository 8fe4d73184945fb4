"""Opening another database while the current one stays usable: connect and migrate on a
short-lived thread with a progress dialog, then hand the new connection to the worker.
If anything fails, or the person cancels, the database they had stays open."""

from __future__ import annotations

import sys
from dataclasses import dataclass

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QProgressDialog, QWidget

from desktop.store.backend import Backend, Look
from desktop.store.changes import FeedStart, start_feed
from desktop.store.connection import load_driver, open_checked
from desktop.store.errors import StoreError
from desktop.store.migrations import (
    FillProgress,
    LockWait,
    Migration,
    fill_message,
    lock_wait_message,
)
from desktop.store.records import User
from desktop.store.repository import Repository
from desktop.store.sorting import Later
from desktop.store.urls import DatabaseUrl
from desktop.ui import prompts
from desktop.ui.background import Task
from desktop.ui.models import FirstRows, UsersModel
from desktop.ui.worker import INTERPRETER_TURN_S, Worker

PROGRESS_DELAY_MS = 400


@dataclass(frozen=True)
class FirstLook:
    """What an open reads with its checks, in their round trip, to show at once: where
    following other people's changes starts, and then the users list's first rows."""

    since: FeedStart
    users: FirstRows[User]


@dataclass(frozen=True)
class Opened:
    url: DatabaseUrl
    backend: Backend
    version: str | None
    applied: list[str]
    engine: str
    # Why the database may only be read (a role without write privileges, a read-only
    # file), in one sentence for the window; None when it may be changed.
    read_only_reason: str | None = None
    # Read with the checks, where the schema was current (else the window reads it).
    looked: FirstLook | None = None


def _open(
    url: DatabaseUrl,
    create: bool,
    task: Task,
    adopt: bool = False,
    look: Look[FirstLook] | None = None,
) -> Opened:
    def progress(migration: Migration, index: int, total: int) -> None:
        task.report(f"Checking the schema: migration {migration.version} ({index} of {total})…")

    def rows(fill: FillProgress) -> None:
        # A long one on a large database (006's search index): rows and time left.
        task.report(fill_message(fill))

    # Another Postdesk may be migrating the same server database: say so while waiting,
    # and let Cancel end the wait (the database then stays at its old version).
    lock = LockWait(
        report=lambda seconds: task.report(lock_wait_message(seconds)),
        cancelled=task.is_cancelled,
    )
    adopted = []
    if adopt:
        # Adoption is imported only when it is asked for or offered: it is a fifth of what
        # opening a database would import, for the rare database without Postdesk's history.
        from desktop.store.adoption import adopt_database

        task.report(f"Adopting {url.display()}…")
        adopted = [m.version for m in adopt_database(url, lock=lock).applied]
    task.report(f"Opening {url.display()}…")
    _load_driver_in_short_turns(url)
    opened = open_checked(url, create=create, progress=progress, lock=lock, rows=rows, look=look)
    backend = opened.backend
    applied = adopted + [m.version for m in opened.applied]
    return Opened(
        url,
        backend,
        opened.status.current_version,
        applied,
        backend.server_version(),
        opened.read_only_reason,
        opened.looked,
    )


def _load_driver_in_short_turns(url: DatabaseUrl) -> None:
    """Import psycopg (the first server opened since launch) on this thread while the
    window goes on. Its import holds the GIL in long stretches of Python code, each a
    stall of the GUI thread; shorter turns (instead of 5 ms) hand the GIL back between
    them. Loading libpq, in C, still holds it for a few milliseconds at a time. (The app's
    window takes such turns all along, desktop.ui.app.prepare_window; a window made
    without it takes them here.)"""
    interval = sys.getswitchinterval()
    sys.setswitchinterval(min(interval, INTERPRETER_TURN_S))
    try:
        load_driver(url)
    finally:
        sys.setswitchinterval(interval)


def first_look(users: UsersModel) -> Look[FirstLook]:
    """An open's look for a window listing `users`: where following changes starts, read
    before the users' first rows, so that a change made after those rows were read is
    told by the first look at the change log."""

    def look(backend: Backend) -> Later[FirstLook]:
        since = start_feed(backend)
        rows = users.start_first_rows(Repository(backend))
        return lambda: FirstLook(since(), rows())

    return look


class DatabaseSwitcher(QObject):
    """Opens one database at a time; `opened` fires once the worker is using it."""

    opened = Signal(object)  # Opened
    failed = Signal(object, object)  # DatabaseUrl, StoreError
    cancelled = Signal(object)  # DatabaseUrl: the person stopped this open

    def __init__(
        self, window: QWidget, worker: Worker, look: Look[FirstLook] | None = None
    ) -> None:
        """`look`: what each open reads with its checks (Opened.looked), on the thread
        that opens."""
        super().__init__(window)
        self.window = window
        self.worker = worker
        self.look = look
        self.task: Task | None = None
        self.dialog: QProgressDialog | None = None
        self._said = ""  # what the open under way last said of itself

    @property
    def busy(self) -> bool:
        return self.task is not None

    def open(self, url: DatabaseUrl, *, create: bool = False, adopt: bool = False) -> None:
        # A newer choice replaces an open still under way, and its progress dialog with it.
        self.cancel()
        task: Task = Task(
            lambda: _open(url, create, task, adopt, self.look),
            discard=lambda opened: opened.backend.close(),
        )
        self.task = task
        self._said = f"Opening {url.display()}…"
        task.progress.connect(lambda text: self._report(task, text))
        task.done.connect(lambda opened: self._done(task, opened))
        task.failed.connect(lambda error: self._failed(task, url, error))
        task.start()
        # Most opens are over well within the delay: the dialog is made only for one that
        # is not (making it cost the first open of a session 5 ms of the window's time).
        QTimer.singleShot(PROGRESS_DELAY_MS, self, lambda: self._show_progress(task, url))

    def cancel(self) -> None:
        if self.task is not None:
            self.task.cancel()
            self._finish(self.task)

    def _report(self, task: Task, text: str) -> None:
        if task is not self.task:
            return
        self._said = text
        if self.dialog is not None:
            self.dialog.setLabelText(text)

    def _show_progress(self, task: Task, url: DatabaseUrl) -> None:
        """The open is still under way after PROGRESS_DELAY_MS: say what it is doing, with
        Cancel."""
        if task is not self.task or self.dialog is not None:
            return
        dialog = QProgressDialog(self._said, "Cancel", 0, 0, self.window)
        dialog.setWindowTitle("Opening Database")
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.setAutoClose(False)
        dialog.setAutoReset(False)
        dialog.canceled.connect(lambda: self._cancelled(task, url))
        self.dialog = dialog
        dialog.show()

    def _cancelled(self, task: Task, url: DatabaseUrl) -> None:
        if task is self.task:
            task.cancel()
            self._finish(task)
            self.cancelled.emit(url)

    def _done(self, task: Task, opened: Opened) -> None:
        if task is not self.task:
            opened.backend.close()
            return
        self._finish(task)
        self.worker.set_backend(opened.backend, lambda _backend: self.opened.emit(opened))

    def _failed(self, task: Task, url: DatabaseUrl, error: StoreError) -> None:
        if task is not self.task:
            return
        self._finish(task)
        from desktop.store.adoption import AdoptionOffered

        if isinstance(error, AdoptionOffered) and getattr(self.window, "interactive", True):
            # Adopting changes the database: only when the person says so. Cancel leaves it
            # untouched, and the database they had stays open.
            if prompts.ask_adopt(self.window, error.plan.database, error.plan.summary()):
                self.open(url, adopt=True)
            else:
                self.cancelled.emit(url)
            return
        self.failed.emit(url, error)

    def _finish(self, task: Task) -> None:
        if task is self.task:
            self.task = None
        if self.dialog is not None:
            self.dialog.reset()
            self.dialog.hide()
            self.dialog.deleteLater()
            self.dialog = None
