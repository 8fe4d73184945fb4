"""Real collisions on the PostgreSQL test server: a row lock held by another session, and a
deadlock between the backend under test and another session, synchronised through pg_locks
(never by sleeping).

A deadlock is set up so that the backend under test is the one the server picks to undo:
its deadlock_timeout is short (for its own transaction only), the other session's is long.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from types import TracebackType
from typing import Any

import psycopg

from desktop.store.backend import Backend

WAIT_S = 15.0


@contextmanager
def row_locked(url: str, user_id: int) -> Iterator[psycopg.Connection[Any]]:
    """Another session holding a lock on one user's row until the block ends."""
    with psycopg.connect(url) as other:
        other.execute("SELECT id FROM users WHERE id = %s FOR UPDATE", (user_id,))
        try:
            yield other
        finally:
            other.rollback()


@contextmanager
def post_locked(url: str, post_id: int, *, watchdog_s: float = 20.0) -> Iterator[None]:
    """Another session holds a post's row, as a psql user in an open transaction does.
    After `watchdog_s` that session is ended: a save that never gives up fails its test
    instead of hanging it."""
    with psycopg.connect(url) as other:
        other.execute("SELECT id FROM posts WHERE id = %s FOR UPDATE", (post_id,))
        watchdog = threading.Timer(watchdog_s, _terminate, (url, other.info.backend_pid))
        watchdog.start()
        try:
            yield
        finally:
            watchdog.cancel()
            with contextlib.suppress(psycopg.Error):  # ended by the watchdog
                other.rollback()


def _terminate(url: str, pid: int) -> None:
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (pid,))


def wait_until_blocked(backend: Backend, waiting_pid: int, holder_pid: int) -> None:
    """Until the server says `waiting_pid` waits for a lock that `holder_pid` holds."""
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        ((blocked,),) = backend.execute(
            "SELECT %s = ANY(pg_blocking_pids(%s))", (holder_pid, waiting_pid)
        )
        if blocked:
            return
    raise AssertionError(f"session {waiting_pid} never waited for {holder_pid}")


class Opponent:
    """Another session, on its own thread, that locks user `first` and then waits for user
    `second`: half of a deadlock. `deadlock(backend)` plays the other half."""

    def __init__(self, url: str, first: int, second: int) -> None:
        self.url = url
        self.first = first
        self.second = second
        self.pid = 0
        self.holds_first = threading.Event()
        self.go = threading.Event()
        self.failure: BaseException | None = None
        self._thread = threading.Thread(target=self._play, name="opponent", daemon=True)

    def __enter__(self) -> Opponent:
        self._thread.start()
        assert self.holds_first.wait(WAIT_S), "the other session never took its first lock"
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.go.set()  # never leave it waiting, whatever happened in the test
        self._thread.join(WAIT_S)
        assert not self._thread.is_alive(), "the other session is still waiting"
        if self.failure is not None and kind is None:
            raise self.failure

    def _play(self) -> None:
        try:
            with psycopg.connect(self.url) as conn:
                self.pid = conn.info.backend_pid
                conn.execute("SET deadlock_timeout = '60s'")  # the other side is the victim
                conn.execute("UPDATE users SET name = name WHERE id = %s", (self.first,))
                self.holds_first.set()
                self.go.wait(WAIT_S)
                conn.execute("UPDATE users SET name = name WHERE id = %s", (self.second,))
                conn.rollback()
        except BaseException as exc:  # reported by __exit__ on the test's thread
            self.failure = exc
            self.holds_first.set()

    def deadlock(self, backend: Backend) -> None:
        """Inside a transaction of `backend`: lock `second`, let the opponent wait for it,
        then wait for `first`. The server undoes this transaction (40P01)."""
        backend.execute("SELECT set_config('deadlock_timeout', '50ms', true)")
        backend.execute("UPDATE users SET name = name WHERE id = %s", (self.second,))
        self.go.set()
        pid: int = backend.conn.info.backend_pid
        wait_until_blocked(backend, self.pid, pid)
        backend.execute("UPDATE users SET name = name WHERE id = %s", (self.first,))
