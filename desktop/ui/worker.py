"""The one thread that talks to the open database.

Widgets hand it operations (`fn(repo) -> T`, delivered to `on_done(T)`); each runs on the
worker thread, in the order given, and its result or error comes back on the GUI thread
through a queued signal. An operation's body never touches a widget. The GUI thread never
waits on the database.

When the server connection breaks, the worker reconnects. A read is then tried again; a
write never is: whether it reached the server is unknown, so the caller hears that the
connection was lost and the person decides (their text stays in the form). A read undone
by the server for colliding with another transaction (a deadlock, a serialization failure)
is asked once more; a write undone so goes back to its caller as it is. Every other error
(a timeout, a refused value) goes to the caller alone: the connection is kept.
"""

from __future__ import annotations

import itertools
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Generic, TypeVar

from PySide6.QtCore import QObject, QThread, Signal, Slot

from desktop.store.backend import Backend
from desktop.store.errors import (
    ConnectionFailedError,
    ConnectionLostError,
    StoreError,
    TransientConflictError,
)
from desktop.store.repository import Repository

log = logging.getLogger(__name__)

T = TypeVar("T")
Operation = Callable[[Repository], T]
Done = Callable[[T], None]
Failed = Callable[[StoreError], None]
Delivery = Callable[[], None]  # hands a finished operation's result to its callback
Runnable = Callable[[Repository], Delivery]  # a job as the database thread sees it
RECONNECT_PAUSES_S = (0.0, 0.5, 2.0)
# How long a thread runs Python before another that asks for the interpreter gets it: the
# window and this thread share it (desktop.ui.app, desktop.ui.switching); Python's own is 5 ms.
INTERPRETER_TURN_S = 0.0005


@dataclass(frozen=True)
class _Job(Generic[T]):
    """An operation and its success callback, kept together so its result stays typed
    from the database thread back to the GUI thread."""

    operation: Operation[T]
    on_done: Done[T] | None

    def __call__(self, repo: Repository) -> Delivery:
        return partial(self._deliver, self.operation(repo))

    def _deliver(self, result: T) -> None:
        if self.on_done is not None:
            self.on_done(result)


@dataclass
class _Pending:
    on_error: Failed | None
    owner: QObject | None


def _nothing() -> None:
    return None


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
    def run(self, request: int, job: Runnable, write: bool) -> None:
        try:
            delivery = self._attempt(job, write)
        except StoreError as exc:
            self.failed.emit(request, exc)
        except Exception as exc:  # a bug, not a database answer: report it, keep the thread
            log.exception("operation %s failed", request)
            self.failed.emit(request, exc)
        else:
            self.finished.emit(request, delivery)

    def _attempt(self, job: Runnable, write: bool) -> Delivery:
        """Run a job; a read that met a broken connection or a collision runs once more."""
        try:
            return job(self._repo())
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
        except TransientConflictError as conflict:
            # The server undid the whole transaction, so nothing of it is stored: a read is
            # simply asked again; a write goes back to the person, who saves again.
            if write:
                raise
            log.info("a read collided with another transaction; asking again: %s", conflict)
        return job(self._repo())

    def _repo(self) -> Repository:
        if self.repo is None:
            raise StoreError("No database is open.")
        return self.repo

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

    @Slot(int, object, object)
    def swap(self, request: int, backend: Backend | None, delivery: Delivery) -> None:
        old = self.backend
        self.backend = backend
        self.repo = Repository(backend) if backend is not None else None
        if old is not None:
            try:
                old.close()
            except Exception:  # closing a broken connection must not stop the switch
                log.warning("closing the previous database failed", exc_info=True)
        self.finished.emit(request, delivery)

    @Slot()
    def quit(self) -> None:
        """End the thread's event loop. Queued like every other call, so whatever was asked
        before it (the last swap, which closes the database) has run by then."""
        self.thread().quit()


class Worker(QObject):
    """GUI-side handle on the database thread."""

    busy_changed = Signal(bool)
    unhandled_error = Signal(object)  # a StoreError nobody asked to handle
    connection_lost = Signal(str)
    connection_restored = Signal()
    _run = Signal(int, object, bool)
    _swap = Signal(int, object, object)
    _quit = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._thread = QThread()
        self._thread.setObjectName("database")
        self._runner = _Runner()
        self._runner.moveToThread(self._thread)
        self._run.connect(self._runner.run)
        self._swap.connect(self._runner.swap)
        self._quit.connect(self._runner.quit)
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
        operation: Operation[T],
        on_done: Done[T] | None = None,
        on_error: Failed | None = None,
        owner: QObject | None = None,
        *,
        write: bool = False,
    ) -> int:
        """Queue an operation; what it returns is handed to `on_done`. Callbacks run on the
        GUI thread, unless `owner` is gone. `write` marks an operation that changes data: it
        is never repeated on its own."""
        request = self._enqueue(on_error, owner)
        self._run.emit(request, _Job(operation, on_done), write)
        return request

    def set_backend(
        self, backend: Backend | None, on_done: Done[Backend | None] | None = None
    ) -> None:
        """Make `backend` the open database (after queued work); the previous one closes."""
        self.backend = backend
        request = self._enqueue(None, None)
        delivery = _nothing if on_done is None else partial(on_done, backend)
        self._swap.emit(request, backend, delivery)

    def stop(self) -> None:
        """Close the database and end the thread (after queued work, however long the
        running operation takes: the close is queued ahead of the end)."""
        if self._thread.isRunning():
            self.set_backend(None)
            self._quit.emit()
            self._thread.wait()

    def _enqueue(self, on_error: Failed | None, owner: QObject | None) -> int:
        request = next(self._ids)
        was_busy = self.busy
        self._pending[request] = _Pending(on_error, owner)
        if not was_busy:
            self.busy_changed.emit(True)
        return request

    @Slot(int, object)
    def _finished(self, request: int, delivery: Delivery) -> None:
        pending = self._settle(request)
        try:
            if pending is not None and _alive(pending.owner):
                delivery()
        finally:
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
