"""The benchmark's data set: built once with the app's own generator, cached under var/bench/.

    .venv/bin/python benchmarks/dataset.py [--quick] [--scale F] [--rebuild]

Full size: 100,000 users; about 1,000,000 posts (9 for most users, 100,000 for the first
one, the "heavy" user); about 5,000,000 comments (5 for most posts, 20,000 for the first
one, the "heavy" post). `--quick` is a hundredth of that. Each set lives once in a SQLite
file (var/bench/bench[-quick].sqlite3) and once in a PostgreSQL database (postdesk_bench
[_quick]) on the server named by POSTDESK_BENCH_POSTGRES (else POSTDESK_TEST_POSTGRES, else
the local server). A set whose row counts and heavy rows are right is kept; anything else is
dropped and built again, printing the rows per second of the build.

After a build, PostgreSQL gets VACUUM ANALYZE and SQLite a WAL checkpoint, so that the
benchmark finds the steady state a server reaches on its own a minute after a load.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sqlite3
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from desktop.store.connection import open_database  # noqa: E402
from desktop.store.seeding import GeneratePlan, generate  # noqa: E402

BENCH_DIR = ROOT / "var" / "bench"
DEFAULT_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
FULL = GeneratePlan(
    users=100_000,
    posts_per_user=9,
    comments_per_post=5,
    heavy_user_posts=100_000,
    heavy_post_comments=20_000,
)


def plan_for(scale: float) -> GeneratePlan:
    """The full plan scaled (the per-user and per-post numbers stay)."""
    if scale == 1:
        return FULL
    return GeneratePlan(
        users=max(10, round(FULL.users * scale)),
        posts_per_user=FULL.posts_per_user,
        comments_per_post=FULL.comments_per_post,
        heavy_user_posts=max(20, round(FULL.heavy_user_posts * scale)),
        heavy_post_comments=max(20, round(FULL.heavy_post_comments * scale)),
    )


def database_tag() -> str:
    """POSTDESK_BENCH_TAG keeps one checkout's server databases apart from another's (a
    branch whose migrations are ahead would otherwise move a shared database beyond the
    others' reach)."""
    tag = re.sub(r"[^a-z0-9_]", "_", os.environ.get("POSTDESK_BENCH_TAG", "").lower())
    return f"_{tag}" if tag else ""


def admin_url() -> str:
    return (
        os.environ.get("POSTDESK_BENCH_POSTGRES")
        or os.environ.get("POSTDESK_TEST_POSTGRES")
        or DEFAULT_ADMIN
    )


def database_url(admin: str, name: str) -> str:
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    params = conninfo_to_dict(admin)
    params.pop("dbname", None)
    return make_conninfo("", dbname=name, **params)


@dataclass
class Build:
    backend: str
    rows: int
    seconds: float
    built_at: str

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0


@dataclass
class DataSet:
    """Where a data set lives and which rows the benchmark's steps use."""

    name: str
    plan: dict[str, int]
    sqlite_path: str
    pg_url: str | None
    heavy_user: int = 1
    heavy_post: int = 1
    builds: dict[str, dict[str, Any]] = field(default_factory=dict)  # backend -> Build
    built_now: list[str] = field(default_factory=list)  # backends built in this run

    def generate_plan(self) -> GeneratePlan:
        return GeneratePlan(**self.plan)

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2)

    @classmethod
    def from_json(cls, text: str) -> DataSet:
        return cls(**json.loads(text))


def expected_counts(plan: GeneratePlan) -> dict[str, int]:
    return {"users": plan.users, "posts": plan.total_posts, "comments": plan.total_comments}


def _has_the_right_rows(url: str, plan: GeneratePlan, *, create: bool) -> bool:
    from desktop.store.errors import StoreError
    from desktop.store.repository import Repository

    try:
        with open_database(url, create=create) as backend:
            repo = Repository(backend)
            return (
                repo.table_counts() == expected_counts(plan)
                and repo.count_posts(1) == plan.heavy_user_posts
                and repo.count_comments(1) == plan.heavy_post_comments
            )
    except StoreError:
        return False


def _progress(done: int, total: int) -> None:
    print(f"\r    {done:,} of {total:,} rows", end="", file=sys.stderr, flush=True)


def _load(url: str, plan: GeneratePlan, label: str) -> Build:
    with open_database(url, create=True) as backend:
        report = generate(backend, plan, _progress)
    print(file=sys.stderr)
    build = Build(label, report.rows, report.seconds, time.strftime("%Y-%m-%d %H:%M"))
    print(
        f"  built {label}: {report.rows:,} rows in {report.seconds:.1f} s, "
        f"{build.rows_per_second:,.0f} rows/s",
        flush=True,
    )
    return build


def build_sqlite(path: Path, plan: GeneratePlan) -> Build:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    build = _load(str(path), plan, "SQLite")
    with sqlite3.connect(path) as conn:  # the WAL back into the file: a cold start reads less
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return build


def build_postgres(admin: str, name: str, plan: GeneratePlan) -> Build:
    import psycopg

    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    url = database_url(admin, name)
    build = _load(url, plan, "PostgreSQL")
    started = time.monotonic()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE)")
    print(f"  VACUUM ANALYZE: {time.monotonic() - started:.1f} s (not part of the build figure)")
    return build


def set_name(scale: float) -> str:
    """The data set's name: its files in the folder are NAME.json and NAME.sqlite3."""
    suffix = "" if scale == 1 else ("-quick" if scale == 0.01 else f"-{scale:g}")
    return f"bench{suffix}"


def ensure(
    *,
    scale: float = 1.0,
    folder: Path = BENCH_DIR,
    postgres: bool = True,
    rebuild: bool = False,
    admin: str | None = None,
) -> DataSet:
    """The data set of this scale, built now if it is missing or wrong."""
    plan = plan_for(scale)
    name = set_name(scale)
    folder.mkdir(parents=True, exist_ok=True)
    manifest_path = folder / f"{name}.json"
    sqlite_path = folder / f"{name}.sqlite3"
    pg_name = "postdesk_" + name.replace("-", "_").replace(".", "_") + database_tag()
    admin = admin or admin_url()
    previous = DataSet.from_json(manifest_path.read_text()) if manifest_path.exists() else None
    data = DataSet(
        name,
        asdict(plan),
        str(sqlite_path),
        database_url(admin, pg_name) if postgres else None,
        builds=dict(previous.builds) if previous and previous.plan == asdict(plan) else {},
    )
    print(
        f"Data set {name}: {plan.users:,} users, {plan.total_posts:,} posts, "
        f"{plan.total_comments:,} comments",
        flush=True,
    )
    if rebuild or not sqlite_path.exists() or not _has_the_right_rows(
        str(sqlite_path), plan, create=False
    ):
        data.builds["sqlite"] = asdict(build_sqlite(sqlite_path, plan))
        data.built_now.append("sqlite")
    if postgres:
        assert data.pg_url is not None
        if rebuild or not _has_the_right_rows(data.pg_url, plan, create=False):
            data.builds["postgresql"] = asdict(build_postgres(admin, pg_name, plan))
            data.built_now.append("postgresql")
    saved = DataSet(**{**asdict(data), "built_now": []})
    manifest_path.write_text(saved.to_json())
    return data


def describe_builds(data: DataSet) -> list[str]:
    lines = []
    for backend, build in sorted(data.builds.items()):
        record = Build(**build)
        when = "this run" if backend in data.built_now else f"cached, built {record.built_at}"
        lines.append(
            f"{record.backend}: {record.rows:,} rows in {record.seconds:.1f} s = "
            f"{record.rows_per_second:,.0f} rows/s ({when})"
        )
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build (or check) the benchmark's data set.")
    parser.add_argument("--quick", action="store_true", help="a hundredth of the full size")
    parser.add_argument("--scale", type=float, help="any other fraction of the full size")
    parser.add_argument("--rebuild", action="store_true", help="build even if it is there")
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    parser.add_argument("--dir", type=Path, default=BENCH_DIR)
    args = parser.parse_args(argv)
    scale = args.scale if args.scale is not None else (0.01 if args.quick else 1.0)
    started = time.monotonic()
    data = ensure(
        scale=scale, folder=args.dir, postgres=not args.no_postgres, rebuild=args.rebuild
    )
    for line in describe_builds(data):
        print(f"  {line}")
    print(f"Ready in {time.monotonic() - started:.1f} s.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
