"""The window-less commands: migrate, seed, copy, merge, export, import and search,
printing what they did or found."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from desktop import paths
from desktop.store.adoption import ADOPTED_VERSION, adopt, plan_adoption
from desktop.store.backend import HISTORY_TABLE
from desktop.store.connection import connect, open_database
from desktop.store.copying import TableProgress
from desktop.store.exporting import ListSpec, export_list, user_id_by_email
from desktop.store.importing import ImportPlan, preview_import, run_import
from desktop.store.migrations import LockWait, MigrationRunner, lock_wait_message
from desktop.store.privileges import read_only_reason
from desktop.store.repository import Repository
from desktop.store.seeding import GeneratePlan, generate, load_demo
from desktop.store.urls import DatabaseUrl


def _ensure_folder(url: DatabaseUrl) -> None:
    """The default database's folder is ours to create; any other must already exist."""
    if url.dialect == "sqlite" and url.path == paths.default_database_path():
        url.path.parent.mkdir(parents=True, exist_ok=True)


def migrate_command(url: DatabaseUrl, *, status_only: bool, adopt: bool = False) -> int:
    if adopt and adopt_command(url):
        return 0
    if status_only:
        with open_database(url, create=False, migrate=False) as backend:
            status = MigrationRunner(backend).status()
            reason = read_only_reason(backend)
        for row in status.applied:
            print(f"applied  {row.version}  {row.name}  ({row.applied_at}, {row.duration_ms} ms)")
        for migration in status.pending:
            print(f"pending  {migration.version}  {migration.name}")
        version = status.current_version or "none"
        print(f"{url.display()}: schema version {version}, {len(status.pending)} pending")
        if reason is not None:
            print(reason)
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


def adopt_command(url: DatabaseUrl) -> bool:
    """Adopt a database built from the specification, printing what was done; False (and
    nothing done) when it is empty or already Postdesk's, for the usual migrate to go on."""
    with connect(url, create=False) as backend:
        with backend.reading():
            tables = backend.table_names()
        if not tables or HISTORY_TABLE in tables:
            print(f"{url.display()} needs no adopting: it is empty or already Postdesk's.")
            return False
        plan = plan_adoption(backend)
        print(f"Adopting {url.display()}: {plan.summary()}")
        waited = _WaitReport()
        try:
            done = adopt(backend, lock=LockWait(report=waited))
        finally:
            waited.end()
    with open_database(url, create=False) as backend:  # the settings of a database of ours
        status = MigrationRunner(backend).status()
    applied = {migration.version for migration in done.applied}
    for row in status.applied:
        if row.version == ADOPTED_VERSION:
            print(f"recorded {row.version}  {row.name}  (built from the specification)")
        elif row.version in applied:
            print(f"applied  {row.version}  {row.name}  ({row.duration_ms} ms)")
    if done.timestamps:
        plural = "" if done.timestamps == 1 else "s"
        print(f"converted {done.timestamps:,} timestamp{plural} to UTC")
    print(f"{url.display()} is now at schema version {status.current_version}.")
    return True


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


def export_command(url: DatabaseUrl, args: argparse.Namespace) -> int:
    if args.list == "comments" and args.filter:
        print("postdesk: a post's comments have no filter; leave out --filter.", file=sys.stderr)
        return 1
    with open_database(url, create=False) as backend:
        repo = Repository(backend)
        user_id = None
        if args.list == "posts":
            if not args.user_email:
                print("postdesk: say whose posts with --user-email.", file=sys.stderr)
                return 1
            user_id = user_id_by_email(repo, args.user_email)
        if args.list == "comments" and args.post_id is None:
            print("postdesk: say which post's comments with --post-id.", file=sys.stderr)
            return 1
        spec = ListSpec(args.list, args.filter or "", user_id, args.post_id)
        report = export_list(repo, spec, args.format, Path(args.output), _print_progress)
    print(file=sys.stderr)
    print(
        f"Exported {report.rows:,} {spec.describe()} to {report.path} "
        f"in {report.seconds:.2f} s: {report.rows_per_second:,.0f} rows/s."
    )
    return 0


def import_command(url: DatabaseUrl, args: argparse.Namespace) -> int:
    with open_database(url, create=False) as backend:
        plan = preview_import(backend, Path(args.input), args.kind, _print_progress)
        print(file=sys.stderr)
        _print_preview(plan)
        if not plan.ready:
            return 1
        if args.dry_run:
            print("Dry run: nothing was added.")
            return 0
        if not args.yes and not _confirmed(f"Add these {plan.rows:,} {plan.kind}? [y/N] "):
            print("Nothing was added.")
            return 1
        report = run_import(backend, plan, _print_progress)
    print(file=sys.stderr)
    print(
        f"Imported {report.rows:,} {report.kind} in {report.seconds:.2f} s: "
        f"{report.rows_per_second:,.0f} rows/s (checked in {plan.seconds:.2f} s)."
    )
    return 0


PREVIEW_SHOWN = 5


def _print_preview(plan: ImportPlan) -> None:
    print(plan.summary())
    if plan.first_rows:
        print("  " + " | ".join(plan.header))
        for row in plan.first_rows[:PREVIEW_SHOWN]:
            print("  " + " | ".join(_short(value) for value in row))
        if plan.rows > PREVIEW_SHOWN:
            print(f"  … and {plan.rows - PREVIEW_SHOWN:,} more rows")
    for problem in plan.problems:
        print(problem, file=sys.stderr)


def _short(value: str, width: int = 40) -> str:
    flat = " ".join(value.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def _confirmed(question: str) -> bool:
    """Ask on the terminal; with no terminal to ask on, the answer is no (see --yes)."""
    if not sys.stdin.isatty():
        print("Nothing was added: no terminal to confirm on; add --yes to import.")
        return False
    return input(question).strip().lower() in ("y", "yes")


def search_command(url: DatabaseUrl, text: str, limit: int) -> int:
    """The posts found, newest first: id, author email and title, tab-separated, one a line."""
    with open_database(url, create=False) as backend:
        page = Repository(backend).search_posts(text, limit=limit)
    for hit in page.items:
        print(f"{hit.post_id}\t{_one_line(hit.author_email)}\t{_one_line(hit.title)}")
    if not page.items:
        print("No posts match.", file=sys.stderr)
    return 0


def _one_line(text: str) -> str:
    """Tabs and line breaks as spaces: one post stays one line of three fields."""
    return "".join(" " if char in "\t\n\r\v\f\x85\u2028\u2029" else char for char in text)


def copy_command(source: DatabaseUrl, destination: DatabaseUrl) -> int:
    from desktop.store.copying import copy_database

    _ensure_folder(destination)
    report = copy_database(source, destination, progress=_CopyProgress())
    print(report.summary())
    return 0


def merge_command(source: DatabaseUrl, destination: DatabaseUrl, args: argparse.Namespace) -> int:
    """Merge, printing each name conflict and then one line of counts (merged: ... or, for a
    dry run, would merge: ...)."""
    from desktop.store.merging import NameChoices, merge_databases

    names = (
        NameChoices(every=True)
        if args.take_source_names
        else NameChoices.of(args.take_names.split(","))
    )
    report = merge_databases(
        source, destination, dry_run=args.dry_run, names=names, progress=_CopyProgress()
    )
    for conflict in report.conflicts:
        taken = names.takes(conflict)
        if report.dry_run:
            kept = "would take the source's" if taken else "would keep this"
        else:
            kept = "took the source's" if taken else "kept this"
        print(
            f"name differs: {conflict.email}: here {conflict.destination_name!r}, in the "
            f"source {conflict.source_name!r}; {kept} name"
        )
    if report.dry_run:
        print("Dry run: nothing was written.")
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
