"""A merge stopped half-way, for real and in both directions: cancelled, its server
connection dropped, the merging process killed with SIGKILL. Each time the destination is
exactly as it was (its rows and its receipts), and the merge run again afterwards adds
everything once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from typing import Any

import pytest

from desktop.store.connection import connect, open_database
from desktop.store.copying import TableProgress, open_source
from desktop.store.errors import ConnectionLostError
from desktop.store.merging import (
    MergeCancelledError,
    MergeRefusedError,
    merge_between,
    merge_databases,
    open_destination,
)
from desktop.store.repository import Repository
from desktop.store.urls import parse_url
from tests.conftest import MakeDatabase
from tests.faults.conftest import Ledger
from tests.faults.test_copy_faults import (
    PLAN,
    SMALL_BATCHES,
    _reaped,
    seeded_pair,
    terminate_sessions,
    when_posts_begin,
)
from tests.store.test_copying import DIRECTIONS, everything

pytestmark = pytest.mark.fault


def merge_pair(make_database: MakeDatabase, pair: tuple[str, str]) -> tuple[str, str]:
    """The copy faults' source, and a destination holding work of its own."""
    source, destination = seeded_pair(make_database, pair)
    with open_database(destination) as backend:
        repo = Repository(backend)
        post = repo.create_post(repo.create_user("Here", "here@example.com").id, "Mine", "here")
        repo.create_comment(post.id, "mine")
    return source, destination


def state(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the destination that a merge writes, receipts included."""
    rows = everything(url)
    with connect(url, create=False) as backend:
        rows["merge_receipts"] = sorted(backend.execute("SELECT * FROM merge_receipts"))
    return rows


def merge_in_small_batches(
    source: str,
    destination: str,
    progress: Callable[[TableProgress], None],
    cancel: threading.Event | None = None,
) -> None:
    with (
        open_source(parse_url(source), verb="merge", refused=MergeRefusedError) as reading,
        open_destination(parse_url(destination), dry_run=False) as writing,
    ):
        merge_between(reading, writing, progress=progress, cancel=cancel, batch_rows=SMALL_BATCHES)


def check_unchanged_then_merge_again(
    ledger: Ledger, before: dict[str, list[tuple[Any, ...]]], source: str, destination: str
) -> None:
    after = state(destination)
    for table, rows in before.items():
        ledger.check_rows(len(rows), len(after[table]), f"{table} after the fault")
        assert after[table] == rows, f"{table} changed"
    report = merge_databases(source, destination)
    ledger.check_rows(PLAN.total_posts, report.posts_added, "posts merged afterwards")
    ledger.check_rows(PLAN.total_comments, report.comments_added, "comments merged afterwards")
    again = merge_databases(source, destination)
    ledger.check_rows(0, again.posts_added + again.comments_added, "rows merged twice")


@pytest.mark.parametrize("pair", DIRECTIONS)
def test_a_cancelled_merge_leaves_the_destination_unchanged(
    make_database: MakeDatabase, ledger: Ledger, pair: tuple[str, str]
) -> None:
    source, destination = merge_pair(make_database, pair)
    before = state(destination)
    cancel = threading.Event()
    with pytest.raises(MergeCancelledError):
        merge_in_small_batches(source, destination, when_posts_begin(cancel.set), cancel)
    check_unchanged_then_merge_again(ledger, before, source, destination)


@pytest.mark.parametrize("pair", DIRECTIONS)
def test_a_dropped_server_connection_leaves_the_destination_unchanged(
    make_database: MakeDatabase, pg_admin_url: str, ledger: Ledger, pair: tuple[str, str]
) -> None:
    source, destination = merge_pair(make_database, pair)
    before = state(destination)
    server_side = source if pair[0] == "postgresql" else destination
    drop = when_posts_begin(lambda: terminate_sessions(pg_admin_url, server_side))
    with pytest.raises(ConnectionLostError):
        merge_in_small_batches(source, destination, drop)
    check_unchanged_then_merge_again(ledger, before, source, destination)


@pytest.mark.parametrize("pair", DIRECTIONS)
def test_a_killed_merging_process_leaves_the_destination_unchanged(
    make_database: MakeDatabase, ledger: Ledger, pair: tuple[str, str]
) -> None:
    source, destination = merge_pair(make_database, pair)
    before = state(destination)
    command = [sys.executable, "-m", "desktop", "merge", "--from", source, "--to", destination]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    with _reaped(process):
        assert process.stderr is not None
        for line in process.stderr:  # progress lines: the users are merged by then
            if line.startswith("  posts:"):
                os.kill(process.pid, signal.SIGKILL)
                break
        assert process.wait(timeout=60) == -signal.SIGKILL
    check_unchanged_then_merge_again(ledger, before, source, destination)
