"""Long work with a file and the open database (export, import) on a thread of its own.

The work gets its own connection to the database the window shows, so the window's lists
keep answering meanwhile, and the database worker's queue never waits behind a large file.
Progress arrives on the GUI thread as numbers; Cancel asks the work to stop, and the work's
own error (ExportCancelled, ImportCancelled) comes back once it has stopped and undone what
it did, so a dialog closes only when nothing is half done.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QDialog, QLabel, QProgressBar, QWidget

from desktop.store.backend import Backend
from desktop.store.connection import open_database
from desktop.store.errors import StoreError
from desktop.store.urls import DatabaseUrl
from desktop.ui.background import Task

Progress = Callable[[int, int], None]
Cancelled = Callable[[], bool]
Work = Callable[[Backend, Progress, Cancelled], Any]
ERROR_STYLE = "color: #b3261e;"


class FileTask(QObject):
    """One run of `work` on its own connection; `done`, `failed` and `progress` arrive on
    the GUI thread."""

    done = Signal(object)
    failed = Signal(object)  # StoreError
    progress = Signal(int, int)  # done, total

    def __init__(self, url: DatabaseUrl, work: Work, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._stop = threading.Event()
        self.running = True
        self._task = Task(lambda: self._run(url, work))
        self._task.done.connect(self._done)
        self._task.failed.connect(self._failed)
        self._task.start()

    def _run(self, url: DatabaseUrl, work: Work) -> Any:
        # migrate=False: the window opened (and migrated) this database already.
        with open_database(url, create=False, migrate=False) as backend:
            return work(backend, self.progress.emit, self._stop.is_set)

    def cancel(self) -> None:
        """Ask the work to stop; `failed` follows once it has."""
        self._stop.set()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def _done(self, result: Any) -> None:
        self.running = False
        self.done.emit(result)

    def _failed(self, error: StoreError) -> None:
        self.running = False
        self.failed.emit(error)


class FileTaskDialog(QDialog):
    """A dialog whose long work runs as a FileTask: a progress bar while it runs, a status
    line, and Cancel (Escape, closing the window) that stops the work before closing."""

    def __init__(self, url: DatabaseUrl, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.url = url
        self.task: FileTask | None = None
        self.closing = False  # Cancel was pressed while a task ran: close once it stops
        self.progress_bar = QProgressBar()
        self.progress_bar.setRange(0, 1)
        self.progress_bar.setValue(0)
        self.progress_bar.hide()  # shown while a task runs
        self.status = QLabel("")
        self.status.setWordWrap(True)

    def run_task(self, work: Work, on_done: Callable[[Any], None]) -> None:
        self.set_running(True)
        self.progress_bar.setRange(0, 0)  # busy until the first count arrives
        self.task = FileTask(self.url, work, self)
        self.task.progress.connect(self._progress)
        self.task.done.connect(self._ended)
        self.task.done.connect(on_done)
        self.task.failed.connect(self._ended)
        self.task.failed.connect(self._failed)

    def set_running(self, running: bool) -> None:
        """Subclasses also turn their own controls off while a task runs."""
        self.progress_bar.setVisible(running)

    def task_failed(self, error: StoreError) -> None:
        """What to show when the task failed or was stopped."""
        self.say(str(error), error=True)

    def say(self, text: str, *, error: bool = False) -> None:
        self.status.setStyleSheet(ERROR_STYLE if error else "")
        self.status.setText(text)

    @Slot(int, int)
    def _progress(self, done: int, total: int) -> None:
        self.progress_bar.setRange(0, max(total, 1))
        self.progress_bar.setValue(done)

    @Slot(object)
    def _ended(self, _result: object) -> None:
        self.task = None
        self.set_running(False)

    @Slot(object)
    def _failed(self, error: StoreError) -> None:
        self.task_failed(error)
        if self.closing:
            QDialog.reject(self)

    def reject(self) -> None:
        """Cancel (or Escape) stops a running task first; the dialog closes once it has
        (a task that finished before it saw the request is reported as done)."""
        if self.task is not None:
            self.say("Stopping…")
            self.closing = True
            self.task.cancel()
            return
        super().reject()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.task is not None:
            event.ignore()
            self.reject()
            return
        super().closeEvent(event)
