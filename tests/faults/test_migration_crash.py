"""kill -9 in the middle of a migration: the next open finds the previous version, with no
partial table or row, and migrates cleanly.

A process (tests/support/slow_migrate.py) applies the shipped migrations plus a test
migration 903 that creates a table, fills it (on SQLite with more than the page cache
holds, so uncommitted pages reach the WAL file), adds a user, and then waits: pg_sleep on
PostgreSQL, a long recursive query on SQLite. Once the process is really inside 903 it is
killed with SIGKILL.
"""

from __future__ import annotations

import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from desktop import paths
from desktop.store.backend import Backend
from desktop.store.connection import open_database
from desktop.store.migrations import MigrationRunner, checksum_of, discover
from desktop.store.repository import Repository
from tests.conftest import MakeDatabase
from tests.faults.conftest import Ledger
from tests.support.dbtools import run

pytestmark = pytest.mark.fault

REPO_ROOT = paths.bundle_root()
ROWS = 3000
WAIT_S = 30

# The same work on both backends, then the wait that the kill interrupts.
SLOW = {
    "sqlite": f"""\
CREATE TABLE slow_notes (n INTEGER NOT NULL, note TEXT NOT NULL);
INSERT INTO slow_notes (n, note)
  WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < {ROWS})
  SELECT n, hex(randomblob(500)) FROM seq;
INSERT INTO users (name, email) VALUES ('Half Way', 'half.way@example.com');
SELECT fault_marker('the wait');
WITH RECURSIVE spin(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM spin WHERE i < 100000000000)
  SELECT count(*) FROM spin;
""",
    "postgresql": f"""\
CREATE TABLE slow_notes (n INTEGER NOT NULL, note TEXT NOT NULL);
INSERT INTO slow_notes (n, note)
  SELECT n, repeat(md5(n::text), 32) FROM generate_series(1, {ROWS}) AS n;
INSERT INTO users (name, email) VALUES ('Half Way', 'half.way@example.com');
SELECT pg_sleep({WAIT_S});
""",
}


def without_the_wait(sql: str) -> str:
    """The same migration, minus the marker and the wait: what the next launch applies."""
    kept = []
    for statement in sql.split(";\n"):
        if not any(word in statement for word in ("fault_marker", "spin", "pg_sleep")):
            kept.append(statement)
    return ";\n".join(kept)


def write_migrations(folder: Path, *, slow: bool) -> Path:
    shutil.copytree(paths.migrations_dir(), folder)
    for dialect, sql in SLOW.items():
        text = sql if slow else without_the_wait(sql)
        (folder / f"903_slow_notes.{dialect}.sql").write_text(text, encoding="utf-8")
    return folder


class Lines:
    """A process's stdout, line by line, with a timeout."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.seen: list[str] = []
        stdout = process.stdout
        assert stdout is not None

        def read() -> None:
            for line in stdout:
                self.lines.put(line.rstrip("\n"))
            self.lines.put(None)

        threading.Thread(target=read, daemon=True).start()

    def wait_for(self, prefix: str, timeout: float = 30) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                break
            if line is None:
                break
            self.seen.append(line)
            if line.startswith(prefix):
                return line
        raise AssertionError(f"never printed {prefix!r}; printed {self.seen}")


@pytest.fixture
def migrating(dialect: str, make_database: MakeDatabase, tmp_path: Path) -> Iterator[Any]:
    """A seeded database at 002, and a way to start the slow migration in a process."""
    url = make_database(dialect)
    processes: list[subprocess.Popen[str]] = []

    def start() -> tuple[subprocess.Popen[str], Lines]:
        slow = write_migrations(tmp_path / "slow", slow=True)
        process = subprocess.Popen(
            [sys.executable, "-m", "tests.support.slow_migrate", url, str(slow)],
            cwd=REPO_ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        processes.append(process)
        return process, Lines(process)

    yield url, start
    for process in processes:
        if process.poll() is None:
            process.kill()
        process.wait(10)


def seed(url: str) -> dict[str, int]:
    with open_database(url) as backend:
        repo = Repository(backend)
        for n in range(3):
            user = repo.create_user(f"Writer {n}", f"writer{n}@example.com")
            for m in range(2):
                post = repo.create_post(user.id, f"Post {n}.{m}", "Kept whatever happens.")
                repo.create_comment(post.id, f"Comment on {n}.{m}")
        return repo.table_counts()


def users_named(backend: Backend, name: str) -> int:
    return int(run(backend, "SELECT count(*) FROM users WHERE name = ?", (name,))[0][0])


def wait_in_pg_sleep(admin_url: str, pid: int) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as admin:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            row = admin.execute(
                "SELECT wait_event FROM pg_stat_activity WHERE pid = %s", (pid,)
            ).fetchone()
            if row is not None and row[0] == "PgSleep":
                return
            time.sleep(0.02)
    raise AssertionError(f"the migrating session {pid} never reached pg_sleep")


def test_kill_9_during_a_migration(
    dialect: str, migrating: Any, tmp_path: Path, ledger: Ledger, request: pytest.FixtureRequest
) -> None:
    url, start = migrating
    before = seed(url)
    for table, count in before.items():
        ledger.expect_rows(count, table)

    process, lines = start()
    pid = int(lines.wait_for("pid").split()[1]) if dialect == "postgresql" else None
    if pid is None:
        lines.wait_for("reached the wait")
        wal = Path(f"{url}-wal")
        # Uncommitted pages of the half-done migration are on disk: recovery must drop them.
        assert wal.exists() and wal.stat().st_size > 1_000_000
    else:
        wait_in_pg_sleep(request.getfixturevalue("pg_admin_url"), pid)
    assert "applied 903" not in lines.seen
    os.kill(process.pid, signal.SIGKILL)
    assert process.wait(10) == -signal.SIGKILL

    fast = write_migrations(tmp_path / "fast", slow=False)
    # What the next launch finds, before it migrates: the shipped version, nothing of 903.
    with open_database(url, migrate=False, migrations_dir=fast) as looking:
        shipped = [m.version for m in discover(paths.migrations_dir(), looking.dialect)]
        status = MigrationRunner(looking, fast).status()
        assert status.current_version == shipped[-1]
        assert [m.version for m in status.pending] == ["903"]
        assert "slow_notes" not in looking.table_names()
        assert users_named(looking, "Half Way") == 0
        after_crash = Repository(looking).table_counts()
    for table, count in after_crash.items():
        ledger.found_rows(count, table)
    assert after_crash == before

    reopened = reopen(url, fast, pid, request)
    with reopened:
        history = run(reopened, "SELECT version, checksum FROM schema_migrations ORDER BY version")
        assert [version for version, _ in history] == [*shipped, "903"]
        assert history[-1][1] == checksum_of(fast / f"903_slow_notes.{dialect}.sql")
        notes = int(run(reopened, "SELECT count(*) FROM slow_notes")[0][0])
        ledger.check_rows(ROWS, notes, "slow_notes (written once, after the crash)")
        ledger.check_rows(1, users_named(reopened, "Half Way"), "the migration's user")
        counts = Repository(reopened).table_counts()
        assert counts == {**before, "users": before["users"] + 1}


def reopen(url: str, fast: Path, pid: int | None, request: pytest.FixtureRequest) -> Backend:
    """Open as the next launch does. On PostgreSQL the killed client's session lives on
    in pg_sleep holding the migration lock: the open waits for it rather than racing it,
    and goes on once the session is terminated."""
    if pid is None:
        return open_database(url, migrations_dir=fast)
    import psycopg

    opened: list[Backend] = []
    failed: list[BaseException] = []

    def open_it() -> None:
        try:
            opened.append(open_database(url, migrations_dir=fast))
        except BaseException as exc:
            failed.append(exc)

    opener = threading.Thread(target=open_it, daemon=True)
    opener.start()
    opener.join(0.5)
    assert opener.is_alive(), f"the open did not wait for the migration lock: {failed}"
    with psycopg.connect(request.getfixturevalue("pg_admin_url"), autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
    opener.join(15)
    assert not opener.is_alive(), "the open never went on after the lock was released"
    assert not failed, failed
    return opened[0]
