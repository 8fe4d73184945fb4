"""The window-less commands: migrate and seed, printing what they did."""

from __future__ import annotations

import argparse
import sys
import time

from desktop import paths
from desktop.store.connection import open_database
from desktop.store.copying import TableProgress
from desktop.store.migrations import LockWait, MigrationRunner, lock_wait_message
from desktop.store.seeding import GeneratePlan, generate, load_demo
from desktop.store.urls import DatabaseUrl


def _ensure_folder(url: DatabaseUrl) -> None:
    """The default database's folder is ours to create; any other must already exist."""
    if url.dialect == "sqlite" and url.path == paths.default_database_path():
        url.path.parent.mkdir(parents=True, exist_ok=True)


def migrate_command(url: DatabaseUrl, *, status_only: bool) -> int:
    if status_only:
        with open_database(url, create=False, migrate=False) as backend:
            status = MigrationRunner(backend).status()
        for row in status.applied:
            print(f"applied  {row.version}  {row.name}  ({row.applied_at}, {row.duration_ms} ms)")
        for migration in status.pending:
            print(f"pending  {migration.version}  {migration.name}")
        version = status.current_version or "none"
        print(f"{url.display()}: schema version {version}, {len(status.pending)} pending")
        return 0

    _ensure_folder(url)
    with open_database(url, migrate=False) as backend:
        runner = MigrationRunner(backend)
        waited = _WaitReport()
        try:
            applied = {m.version for m in runner.migrate(lock=LockWait(report=waited))}
        finally:
            waited.end()
        status = runner.status()
    for row in status.applied:
        if row.version in applied:
            print(f"applied  {row.version}  {row.name}  ({row.duration_ms} ms)")
    if not applied:
        print(f"Nothing to migrate: {url.display()} is at schema version {status.current_version}.")
    else:
        print(f"{url.display()} is now at schema version {status.current_version}.")
    return 0


class _WaitReport:
    """While another Postdesk migrates: one line on stderr, its seconds counting up."""

    def __init__(self) -> None:
        self.shown = False

    def __call__(self, seconds: float) -> None:
        self.shown = True
        print(f"\r{lock_wait_message(seconds)}", end="", file=sys.stderr, flush=True)

    def end(self) -> None:
        if self.shown:
            print(file=sys.stderr)


def seed_command(url: DatabaseUrl, args: argparse.Namespace) -> int:
    _ensure_folder(url)
    with open_database(url) as backend:
        if args.users is None:
            report = load_demo(backend)
            print(
                f"Demo data: added {report.users} users, {report.posts} posts, "
                f"{report.comments} comments (what was already there was kept)."
            )
            return 0
        plan = GeneratePlan(
            users=args.users,
            posts_per_user=args.posts_per_user,
            comments_per_post=args.comments_per_post,
            heavy_user_posts=args.heavy_user_posts,
            heavy_post_comments=args.heavy_post_comments,
        )
        report = generate(backend, plan, _print_progress)
    print(file=sys.stderr)
    print(
        f"Generated {report.users:,} users, {report.posts:,} posts, {report.comments:,} comments "
        f"in {report.seconds:.1f} s: {report.rows_per_second:,.0f} rows/s."
    )
    return 0


def _print_progress(done: int, total: int) -> None:
    percent = 100 * done / total if total else 100
    print(f"\r  {done:,} of {total:,} rows ({percent:.0f}%)", end="", file=sys.stderr, flush=True)


def copy_command(source: DatabaseUrl, destination: DatabaseUrl) -> int:
    from desktop.store.copying import copy_database

    _ensure_folder(destination)
    report = copy_database(source, destination, progress=_CopyProgress())
    print(report.summary())
    return 0


class _CopyProgress:
    """Each table's rows and rows per second on stderr: one line redrawn on a terminal,
    otherwise at most a line a second (and each table's last), so a log stays short."""

    def __init__(self) -> None:
        self.redraw = sys.stderr.isatty()
        self.shown_at = 0.0

    def __call__(self, step: TableProgress) -> None:
        finished = step.rows >= step.total
        text = (
            f"  {step.table}: {step.rows:,} of {step.total:,} rows, "
            f"{step.rows_per_second:,.0f} rows/s"
        )
        if self.redraw:
            print(f"\r{text}", end="\n" if finished else "", file=sys.stderr, flush=True)
            return
        now = time.monotonic()
        if finished or step.rows == 0 or now - self.shown_at >= 1.0:
            self.shown_at = now
            print(text, file=sys.stderr, flush=True)
