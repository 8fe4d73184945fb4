"""The one thread that talks to the open database.

Widgets hand it operations (`fn(repo) -> result`); each runs on the worker thread, in the
order given, and its result or error comes back on the GUI thread through a queued signal.
An operation's body never touches a widget. The GUI thread never waits on the database.

When the server connection breaks, the worker reconnects. A read is then tried again; a
write never is: whether it reached the server is unknown, so the caller hears that the
connection was lost and the person decides (their text stays in the form).
"""

from __future__ import annotations

import itertools
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal, Slot

from desktop.store.backend import Backend
from desktop.store.errors import ConnectionFailedError, ConnectionLostError, StoreError
from desktop.store.repository import Repository

log = logging.getLogger(__name__)

Operation = Callable[[Repository], Any]
Done = Callable[[Any], None]
Failed = Callable[[StoreError], None]
RECONNECT_PAUSES_S = (0.0, 0.5, 2.0)


@dataclass
class _Pending:
    on_done: Done | None
    on_error: Failed | None
    owner: QObject | None


class _Runner(QObject):
    """Lives on the worker thread; holds the connection."""

    finished = Signal(int, object)
    failed = Signal(int, object)
    connection_lost = Signal(str)
    connection_restored = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.backend: Backend | None = None
        self.repo: Repository | None = None

    @Slot(int, object, bool)
    def run(self, request: int, operation: Operation, write: bool) -> None:
        try:
            result = self._attempt(operation, write)
        except StoreError as exc:
            self.failed.emit(request, exc)
        except Exception as exc:  # a bug, not a database answer: report it, keep the thread
            log.exception("operation %s failed", request)
            self.failed.emit(request, exc)
        else:
            self.finished.emit(request, result)

    def _attempt(self, operation: Operation, write: bool) -> Any:
        if self.repo is None:
            raise StoreError("No database is open.")
        try:
            return operation(self.repo)
        except ConnectionLostError as lost:
            log.warning("connection lost: %s", lost)
            self.connection_lost.emit(str(lost))
            self._reconnect()
            if write:
                raise ConnectionLostError(
                    "The connection to the server was lost while saving, so it is not known "
                    "whether the change arrived. The connection is back and your text is still "
                    "in the form: save again (it will not be stored twice)."
                ) from lost
            return operation(self.repo)

    def _reconnect(self) -> None:
        assert self.backend is not None
        failure: StoreError | None = None
        for pause in RECONNECT_PAUSES_S:
            time.sleep(pause)
            try:
                self.backend.reconnect()
            except ConnectionFailedError as exc:
                failure = exc
                continue
            log.info("reconnected to %s", self.backend.url.display())
            self.connection_restored.emit()
            return
        raise ConnectionLostError(
            f"The connection to the server was lost and could not be restored: {failure}"
        )

    @Slot(int, object)
    def swap(self, request: int, backend: Backend | None) -> None:
        old = self.backend
        self.backend = backend
        self.repo = Repository(backend) if backend is not None else None
        if old is not None:
            try:
                old.close()
            except Exception:  # closing a broken connection must not stop the switch
                log.warning("closing the previous database failed", exc_info=True)
        self.finished.emit(request, backend)


class Worker(QObject):
    """GUI-side handle on the database thread."""

    busy_changed = Signal(bool)
    unhandled_error = Signal(object)  # a StoreError nobody asked to handle
    connection_lost = Signal(str)
    connection_restored = Signal()
    _run = Signal(int, object, bool)
    _swap = Signal(int, object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._thread = QThread()
        self._thread.setObjectName("database")
        self._runner = _Runner()
        self._runner.moveToThread(self._thread)
        self._run.connect(self._runner.run)
        self._swap.connect(self._runner.swap)
        self._runner.finished.connect(self._finished)
        self._runner.failed.connect(self._failed)
        self._runner.connection_lost.connect(self.connection_lost)
        self._runner.connection_restored.connect(self.connection_restored)
        self._ids = itertools.count(1)
        self._pending: dict[int, _Pending] = {}
        self.backend: Backend | None = None
        self._thread.start()

    @property
    def busy(self) -> bool:
        return bool(self._pending)

    def submit(
        self,
        operation: Operation,
        on_done: Done | None = None,
        on_error: Failed | None = None,
        owner: QObject | None = None,
        *,
        write: bool = False,
    ) -> int:
        """Queue an operation. Callbacks run on the GUI thread, unless `owner` is gone.
        `write` marks an operation that changes data: it is never repeated on its own."""
        request = self._enqueue(on_done, on_error, owner)
        self._run.emit(request, operation, write)
        return request

    def set_backend(self, backend: Backend | None, on_done: Done | None = None) -> None:
        """Make `backend` the open database (after queued work); the previous one closes."""
        self.backend = backend
        request = self._enqueue(on_done, None, None)
        self._swap.emit(request, backend)

    def stop(self) -> None:
        """Close the database and end the thread (after queued work)."""
        if self._thread.isRunning():
            self.set_backend(None)
            self._thread.quit()
            self._thread.wait()

    def _enqueue(self, on_done: Done | None, on_error: Failed | None, owner: QObject | None) -> int:
        request = next(self._ids)
        was_busy = self.busy
        self._pending[request] = _Pending(on_done, on_error, owner)
        if not was_busy:
            self.busy_changed.emit(True)
        return request

    @Slot(int, object)
    def _finished(self, request: int, result: object) -> None:
        pending = self._settle(request)
        if pending is not None and pending.on_done is not None and _alive(pending.owner):
            pending.on_done(result)
        self._maybe_idle()

    @Slot(int, object)
    def _failed(self, request: int, error: Exception) -> None:
        pending = self._settle(request)
        try:
            if pending is None or not _alive(pending.owner):
                return
            if not isinstance(error, StoreError):
                raise error  # a bug: it reaches the uncaught-exception dialog and the log
            if pending.on_error is not None:
                pending.on_error(error)
            else:
                self.unhandled_error.emit(error)
        finally:
            self._maybe_idle()

    def _settle(self, request: int) -> _Pending | None:
        return self._pending.pop(request, None)

    def _maybe_idle(self) -> None:
        if not self.busy:
            self.busy_changed.emit(False)


def _alive(owner: QObject | None) -> bool:
    if owner is None:
        return True
    try:
        owner.objectName()  # raises once the C++ object is deleted
    except RuntimeError:
        return False
    return True
