"""What the full-text index (migrations 006 and 009) costs and gives, on both backends:

    python benchmarks/search_index.py [--quick | --users N --posts-per-user M ...]

For each backend: the generated data set loaded without the index (migrations up to 005),
then migrations 006 to 008 applied to it (006 builds the index), then 009 (SQLite: the
index again, with prefix indexes), each with how long it took and how large the index is
after it; then searches for a common word, a rare word and two words (first page of 50,
median and p95 of repeated runs) beside `LIKE '%word%'` over titles, contents and comment
bodies, then the same bulk load into a database that has the index from the start. Prints
its figures; not a test.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from desktop import paths  # noqa: E402
from desktop.store.backend import Backend  # noqa: E402
from desktop.store.connection import open_database  # noqa: E402
from desktop.store.repository import Repository  # noqa: E402
from desktop.store.seeding import GeneratePlan, generate  # noqa: E402

# The migrations that build the search index: each is applied, with those before it, to the
# data loaded without them.
SEARCH_VERSIONS = ("006", "009")
COUNT_AT_MOST = 1000  # as desktop/ui/dialogs/find_dialog.py
RARE = "zanzibarine"
PG_DATABASES = ("postdesk_search_before", "postdesk_search_after")
SEARCHES = {"common word": "the", "rare word": RARE, "two words": "release notes"}
NAIVE_SQL = (
    "SELECT count(*) FROM (SELECT p.id FROM posts p WHERE p.title LIKE {m} OR p.content LIKE {m}"
    " UNION SELECT c.post_id FROM comments c WHERE c.body LIKE {m}) AS found"
)


def migrations_before(folder: Path, version: str) -> Path:
    """A copy of the migrations folder that stops before `version`."""
    copy = folder / f"migrations_before_{version}"
    shutil.copytree(paths.migrations_dir(), copy, dirs_exist_ok=True)
    for path in copy.glob("*.sql"):
        if path.name[:3] >= version:
            path.unlink()
    return copy


def index_bytes(backend: Backend) -> int:
    if backend.dialect == "sqlite":
        rows = backend.execute(
            "SELECT sum(pgsize) FROM dbstat WHERE name LIKE 'posts_search%' "
            "OR name LIKE 'comments_search%'"
        )
        return int(rows[0][0] or 0)
    rows = backend.execute(
        "SELECT pg_relation_size('idx_posts_search') + pg_relation_size('idx_comments_search')"
    )
    return int(rows[0][0])


def timed(action: Callable[[], object], runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        times.append((time.perf_counter() - started) * 1000)
    return times


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def add_rare_post(backend: Backend) -> None:
    repo = Repository(backend)
    author = repo.list_users(limit=1).items[0]
    repo.create_post(author.id, f"A {RARE} recipe", "Only one post holds this word.")


def measure(url: str, plan: GeneratePlan, scratch: Path, runs: int) -> None:
    unindexed = migrations_before(scratch, SEARCH_VERSIONS[0])
    with open_database(url, migrations_dir=unindexed) as backend:
        load = generate(backend, plan)
        add_rare_post(backend)
    print(
        f"  bulk load without the index: {load.seconds:.1f} s "
        f"({load.rows_per_second:,.0f} rows/s)"
    )
    for version, until in zip(SEARCH_VERSIONS, (*SEARCH_VERSIONS[1:], None), strict=True):
        folder = None if until is None else migrations_before(scratch, until)
        started = time.perf_counter()
        with open_database(url, migrations_dir=folder) as backend:
            took = time.perf_counter() - started
            size = index_bytes(backend)
        last = "the last" if until is None else f"{int(until) - 1:03d}"
        print(f"  migrations {version} to {last} on it: {took:.1f} s; index {size / 2**20:.1f} MiB")
    with open_database(url) as backend:
        repo = Repository(backend)
        like = "?" if backend.dialect == "sqlite" else "%s"
        for label, text in SEARCHES.items():
            found = repo.count_search(text)
            page = timed(_first_page(repo, text), runs)
            counted = timed(_count(repo, text), max(3, runs // 4))
            capped = timed(_count(repo, text, COUNT_AT_MOST), max(3, runs // 4))
            naive = timed(_naive(backend, like, text), 3)
            print(
                f"  {label} ({text!r}, {found:,} posts): first page median "
                f"{statistics.median(page):.1f} ms, p95 {p95(page):.1f} ms; count median "
                f"{statistics.median(counted):.1f} ms (up to {COUNT_AT_MOST:,}, as the Find dialog "
                f"counts: {statistics.median(capped):.1f} ms); LIKE '%word%' median "
                f"{statistics.median(naive):.0f} ms"
            )


def _first_page(repo: Repository, text: str) -> Callable[[], object]:
    return lambda: repo.search_posts(text, limit=50)


def _count(repo: Repository, text: str, at_most: int | None = None) -> Callable[[], object]:
    return lambda: repo.count_search(text, at_most=at_most)


def _naive(backend: Backend, mark: str, text: str) -> Callable[[], object]:
    return lambda: backend.execute(NAIVE_SQL.format(m=mark), (f"%{text}%",) * 3)


def load_with_index(url: str, plan: GeneratePlan) -> None:
    with open_database(url) as backend:
        load = generate(backend, plan)
    print(f"  bulk load with the index: {load.seconds:.1f} s ({load.rows_per_second:,.0f} rows/s)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="1,000 users, 10,000 posts, 50,000 comments"
    )
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    parser.add_argument("--posts-per-user", type=int, default=10)
    parser.add_argument("--comments-per-post", type=int, default=5)
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--postgres", default=os.environ.get("POSTDESK_BENCH_POSTGRES", ""))
    args = parser.parse_args()
    users = 1000 if args.quick else args.users
    if args.no_postgres:
        args.postgres = ""
    plan = GeneratePlan(users, args.posts_per_user, args.comments_per_post)
    print(
        f"Full-text search on {plan.users:,} users, {plan.total_posts:,} posts, "
        f"{plan.total_comments:,} comments"
    )
    scratch = Path(tempfile.mkdtemp(prefix="postdesk-search-"))
    try:
        print("SQLite")
        measure(str(scratch / "before.sqlite3"), plan, scratch, args.runs)
        load_with_index(str(scratch / "after.sqlite3"), plan)
        if args.postgres:
            print("PostgreSQL")
            try:
                for name in PG_DATABASES:
                    recreate(args.postgres, name)
                before, after = (database_url(args.postgres, name) for name in PG_DATABASES)
                measure(before, plan, scratch, args.runs)
                load_with_index(after, plan)
            finally:
                for name in PG_DATABASES:
                    drop(args.postgres, name)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return 0


def database_url(admin: str, name: str) -> str:
    return admin.rsplit("/", 1)[0] + "/" + name


def recreate(admin: str, name: str) -> None:
    drop(admin, name)
    import psycopg

    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')


def drop(admin: str, name: str) -> None:
    import psycopg

    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')


if __name__ == "__main__":
    sys.exit(main())
