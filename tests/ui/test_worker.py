"""The database thread: what it does with each kind of error, and how it ends.

Only a lost connection makes it reconnect; a read the server undid for colliding with
another transaction is asked once more; a write undone so, or a timeout, goes back to the
caller with the connection kept. Stopping it while an operation runs still closes the
database. Every error is provoked for real on the server.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import pytest

from desktop.store.backend import Backend
from desktop.store.errors import (
    BusyError,
    StatementTimeoutError,
    StoreError,
    TransientConflictError,
)
from desktop.store.repository import Repository
from desktop.store.sqlite import SqliteBackend
from desktop.ui.worker import Worker
from tests.support.pg_conflicts import Opponent, row_locked
from tests.ui.conftest import WAIT_MS, Bot

T = TypeVar("T")

postgres_only = pytest.mark.parametrize(
    "dialect", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True
)


@pytest.fixture
def worker(backend: Backend) -> Iterator[Worker]:
    """A database thread over the test's own backend."""
    started = Worker()
    started.set_backend(backend)
    yield started
    started.stop()


@pytest.fixture
def reconnects(worker: Worker) -> list[str]:
    """What the worker said each time it found the connection lost."""
    said: list[str] = []
    worker.connection_lost.connect(said.append)
    return said


def outcome(
    qtbot: Bot, worker: Worker, operation: Callable[[Repository], T], *, write: bool = False
) -> T | StoreError:
    """What the operation's callbacks were handed: its result or its error."""
    answers: list[T | StoreError] = []
    worker.submit(operation, answers.append, answers.append, write=write)
    qtbot.waitUntil(lambda: bool(answers), timeout=WAIT_MS)
    return answers[0]


def two_users(backend: Backend) -> tuple[int, int]:
    repo = Repository(backend)
    return repo.create_user("Ann", "ann@example.com").id, repo.create_user("Bob", "b@x.org").id


def read(repo: Repository, sql: str) -> list[tuple[Any, ...]]:
    with repo.db.reading():
        return repo.db.execute(sql)


def backend_pid(repo: Repository) -> int:
    pid: int = repo.db.conn.info.backend_pid
    return pid


@postgres_only
@pytest.mark.parametrize("write", [False, True], ids=["read", "write"])
def test_a_deadlock_repeats_a_read_and_hands_a_write_back(
    qtbot: Bot,
    backend: Backend,
    empty_url: str,
    worker: Worker,
    reconnects: list[str],
    write: bool,
) -> None:
    ann, bob = two_users(backend)
    pid = outcome(qtbot, worker, backend_pid)
    tries: list[int] = []

    with Opponent(empty_url, first=ann, second=bob) as opponent:

        def rename(repo: Repository) -> str:
            tries.append(1)
            if len(tries) == 1:
                with repo.db.transaction():
                    opponent.deadlock(repo.db)
            return repo.get_user(ann).name

        answer = outcome(qtbot, worker, rename, write=write)

    if write:
        assert isinstance(answer, TransientConflictError)
        assert "unknown" not in str(answer) and "lost" not in str(answer)
        assert len(tries) == 1
    else:
        assert answer == "Ann"
        assert len(tries) == 2
    assert reconnects == []
    assert outcome(qtbot, worker, backend_pid) == pid


@postgres_only
def test_a_statement_timeout_is_reported_and_the_connection_kept(
    qtbot: Bot, backend: Backend, worker: Worker, reconnects: list[str]
) -> None:
    conn = backend.conn
    pid = outcome(qtbot, worker, backend_pid)
    outcome(qtbot, worker, lambda repo: repo.db.execute("SET statement_timeout = 50"))

    answer = outcome(qtbot, worker, lambda repo: read(repo, "SELECT pg_sleep(10)"))

    assert isinstance(answer, StatementTimeoutError)
    assert str(answer) == "The server took too long to answer; nothing was changed."
    assert reconnects == []
    assert backend.conn is conn
    assert outcome(qtbot, worker, backend_pid) == pid


@postgres_only
def test_a_lock_timeout_on_a_save_is_reported_and_the_connection_kept(
    qtbot: Bot, backend: Backend, empty_url: str, worker: Worker, reconnects: list[str]
) -> None:
    ann, _bob = two_users(backend)
    pid = outcome(qtbot, worker, backend_pid)

    def rename(repo: Repository) -> Any:
        with repo.db.transaction():
            repo.db.execute("SELECT set_config('lock_timeout', '100ms', true)")
            return repo.update_user(ann, "Ann Smith", "ann@example.com")

    with row_locked(empty_url, ann):
        answer = outcome(qtbot, worker, rename, write=True)

    assert isinstance(answer, BusyError)
    assert reconnects == []
    assert outcome(qtbot, worker, backend_pid) == pid


def test_stopping_while_an_operation_runs_still_closes_the_database(
    qtbot: Bot, backend: Backend, monkeypatch: pytest.MonkeyPatch
) -> None:
    worker = Worker()
    worker.set_backend(backend)
    running, release = threading.Event(), threading.Event()

    def slow(repo: Repository) -> int:
        running.set()
        assert release.wait(WAIT_MS / 1000), "stop() never got to wait for the thread"
        return repo.count_users()

    worker.submit(slow)
    assert running.wait(WAIT_MS / 1000)
    thread_wait = worker._thread.wait

    def wait_after_releasing(*args: Any) -> bool:
        # Everything stop() asks of the thread is queued by now: let the operation end.
        release.set()
        return bool(thread_wait(*args))

    monkeypatch.setattr(worker._thread, "wait", wait_after_releasing)
    worker.stop()

    assert release.is_set()
    assert not worker._thread.isRunning()
    assert is_closed(backend)


def is_closed(backend: Backend) -> bool:
    if isinstance(backend, SqliteBackend):
        import sqlite3

        try:
            backend.conn.execute("SELECT 1")
        except sqlite3.ProgrammingError:
            return True
        return False
    return bool(backend.conn.closed)
