"""One-off work on a short-lived thread, for what must not wait behind the database worker:
connecting to a server (up to 10 s when the host does not answer) and migrating it.
The person can abandon such a task; its late result is then cleaned up, never delivered."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal, Slot

from desktop.store.errors import StoreError

log = logging.getLogger(__name__)

# Tasks between start() and the delivery of their result. Without this, a task nobody else
# keeps (cancelled, its dialog gone) is freed when its thread ends, before its result is
# delivered: a late connection would never be closed.
_running: set[Task] = set()


class Task(QObject):
    """Runs `work` on its own thread; `done`/`failed` arrive on the GUI thread."""

    done = Signal(object)
    failed = Signal(object)
    progress = Signal(str)
    _finished = Signal(object, object)

    def __init__(
        self,
        work: Callable[[], Any],
        discard: Callable[[Any], None] | None = None,
    ) -> None:
        super().__init__()
        self._work = work
        self._discard = discard
        self.cancelled = False
        self.running = False
        self._finished.connect(self._deliver)

    def start(self) -> None:
        self.running = True
        _running.add(self)
        threading.Thread(target=self._run, name="postdesk-task", daemon=True).start()

    def report(self, text: str) -> None:
        """Tell the GUI how the work is going; safe to call from the work itself."""
        self.progress.emit(text)

    def cancel(self) -> None:
        """Stop waiting for the result; a result that still arrives is discarded. The work
        may ask `is_cancelled` to stop early."""
        self.cancelled = True

    def is_cancelled(self) -> bool:
        return self.cancelled

    def _run(self) -> None:
        try:
            result = self._work()
        except StoreError as exc:
            self._finished.emit(None, exc)
        except Exception as exc:
            log.exception("background task failed")
            self._finished.emit(None, StoreError(f"Something unexpected went wrong: {exc}"))
        else:
            self._finished.emit(result, None)

    @Slot(object, object)
    def _deliver(self, result: Any, error: StoreError | None) -> None:
        self.running = False
        _running.discard(self)
        if self.cancelled:
            if error is None and self._discard is not None:
                self._discard(result)
            return
        if error is not None:
            self.failed.emit(error)
        else:
            self.done.emit(result)
