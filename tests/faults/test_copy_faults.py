"""A whole-database copy stopped half-way, for real and in both directions: cancelled, its
server connection dropped, the copying process killed with SIGKILL, the destination's disk
full. Each time the destination holds none of the copied rows, and a copy started again
afterwards succeeds."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict

from desktop.store.connection import open_database
from desktop.store.copying import (
    CopyCancelledError,
    TableProgress,
    copy_between,
    copy_database,
    open_destination,
    open_source,
)
from desktop.store.errors import ConnectionLostError, StorageError
from desktop.store.seeding import GeneratePlan, generate
from desktop.store.urls import parse_url
from tests.conftest import MakeDatabase
from tests.faults.conftest import Ledger
from tests.store.test_copying import DIRECTIONS, MEGABYTE, counts

pytestmark = pytest.mark.fault

PLAN = GeneratePlan(users=300, posts_per_user=10, comments_per_post=5)
NONE = {"users": 0, "posts": 0, "comments": 0}
SMALL_BATCHES = 100


def seeded_pair(
    make_database: MakeDatabase, pair: tuple[str, str], plan: GeneratePlan = PLAN
) -> tuple[str, str]:
    source, destination = make_database(pair[0]), make_database(pair[1])
    with open_database(source) as backend:
        generate(backend, plan)
    open_database(destination).close()
    return source, destination


def when_posts_begin(action: Callable[[], None]) -> Callable[[TableProgress], None]:
    """A progress callback that acts once, when the first batch of posts has been read:
    the users are in the destination's transaction by then."""
    done = threading.Event()

    def progress(step: TableProgress) -> None:
        if step.table == "posts" and step.rows > 0 and not done.is_set():
            done.set()
            action()

    return progress


def copy_in_small_batches(
    source: str,
    destination: str,
    progress: Callable[[TableProgress], None],
    cancel: threading.Event | None = None,
) -> None:
    with (
        open_source(parse_url(source)) as reading,
        open_destination(parse_url(destination)) as writing,
    ):
        copy_between(reading, writing, progress=progress, cancel=cancel, batch_rows=SMALL_BATCHES)


def check_nothing_then_copy_again(ledger: Ledger, source: str, destination: str) -> None:
    for table, found in counts(destination).items():
        ledger.check_rows(0, found, f"{table} copied before the fault")
    report = copy_database(source, destination)
    expected = {"users": PLAN.users, "posts": PLAN.total_posts, "comments": PLAN.total_comments}
    for table, found in counts(destination).items():
        ledger.check_rows(expected[table], found, f"{table} copied again afterwards")
    assert report.verified


@pytest.mark.parametrize("pair", DIRECTIONS)
def test_a_cancelled_copy_leaves_nothing(
    make_database: MakeDatabase, ledger: Ledger, pair: tuple[str, str]
) -> None:
    source, destination = seeded_pair(make_database, pair)
    cancel = threading.Event()
    with pytest.raises(CopyCancelledError):
        copy_in_small_batches(source, destination, when_posts_begin(cancel.set), cancel)
    check_nothing_then_copy_again(ledger, source, destination)


def terminate_sessions(admin_url: str, url: str) -> None:
    """End every server session on `url`'s database, as a restart or a dropped link would."""
    name = conninfo_to_dict(url)["dbname"]
    with psycopg.connect(admin_url, autocommit=True) as admin:
        ended = admin.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid()",
            (name,),
        ).fetchone()
    assert ended is not None and ended[0] >= 1


@pytest.mark.parametrize("pair", DIRECTIONS)
def test_a_dropped_server_connection_leaves_nothing(
    make_database: MakeDatabase, pg_admin_url: str, ledger: Ledger, pair: tuple[str, str]
) -> None:
    source, destination = seeded_pair(make_database, pair)
    server_side = source if pair[0] == "postgresql" else destination
    drop = when_posts_begin(lambda: terminate_sessions(pg_admin_url, server_side))
    with pytest.raises(ConnectionLostError):
        copy_in_small_batches(source, destination, drop)
    check_nothing_then_copy_again(ledger, source, destination)


@pytest.mark.parametrize("pair", DIRECTIONS)
def test_a_killed_copying_process_leaves_nothing(
    make_database: MakeDatabase, ledger: Ledger, pair: tuple[str, str]
) -> None:
    source, destination = seeded_pair(make_database, pair)
    command = [sys.executable, "-m", "desktop", "copy", "--from", source, "--to", destination]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    with _reaped(process):
        assert process.stderr is not None
        for line in process.stderr:  # progress lines, one per table at least
            if line.startswith("  posts:"):
                os.kill(process.pid, signal.SIGKILL)
                break
        assert process.wait(timeout=60) == -signal.SIGKILL
    check_nothing_then_copy_again(ledger, source, destination)


@contextlib.contextmanager
def _reaped(process: subprocess.Popen[str]) -> Iterator[None]:
    try:
        yield
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate(timeout=60)


@contextlib.contextmanager
def small_disk(folder: Path, size: str) -> Iterator[Path]:
    """A real file system of `size` bytes (tmpfs), mounted for the test: needs root."""
    folder.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
        capture_output=True,
        text=True,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small file system here: {mounted.stderr.strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


@pytest.mark.parametrize(
    "source_dialect",
    ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)],
)
def test_a_full_disk_under_the_destination_file_leaves_nothing(
    make_database: MakeDatabase, tmp_path: Path, ledger: Ledger, source_dialect: str
) -> None:
    source = make_database(source_dialect)
    with open_database(source) as backend:
        generate(backend, PLAN)
        user = backend.execute("SELECT min(id) FROM users")[0][0]
        with backend.transaction():
            backend.bulk_insert(
                "posts",
                ("user_id", "title", "content"),
                [(user, f"Long {n}", MEGABYTE) for n in range(4)],
            )
    with small_disk(tmp_path / "small", "3m") as disk:
        destination = str(disk / "copy.sqlite3")
        with pytest.raises(StorageError, match="disk is full"):
            copy_database(source, destination)
        for table, found in counts(destination).items():
            ledger.check_rows(0, found, f"{table} copied onto the full disk")
        with open_database(destination) as backend:
            assert backend.execute("PRAGMA integrity_check") == [("ok",)]
