"""Demo data from db/seeds/, and a fast generator of large synthetic data sets."""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from desktop import paths
from desktop.store.backend import Backend
from desktop.store.repository import Repository

Progress = Callable[[int, int], None]

_FIRST = [
    "Ada",
    "Alan",
    "Grace",
    "Linus",
    "Margaret",
    "Dennis",
    "Barbara",
    "Ken",
    "Frances",
    "Edsger",
    "Hedy",
    "Niklaus",
    "Radia",
    "Donald",
    "Sophie",
    "Tim",
    "Karen",
    "John",
    "Anita",
    "Guido",
    "Zoë",
    "José",
    "Søren",
    "Ngozi",
    "Mei",
    "Priya",
    "Yusuf",
    "Olga",
]
_LAST = [
    "Lovelace",
    "Turing",
    "Hopper",
    "Torvalds",
    "Hamilton",
    "Ritchie",
    "Liskov",
    "Thompson",
    "Allen",
    "Dijkstra",
    "Lamarr",
    "Wirth",
    "Perlman",
    "Knuth",
    "Wilson",
    "Berners-Lee",
    "Spärck Jones",
    "Backus",
    "Borg",
    "van Rossum",
    "Núñez",
    "Kierkegaard",
    "Okafor",
    "Chen",
    "Raman",
    "Demir",
    "Ivanova",
    "Müller",
]
_WORDS = [
    "notes",
    "release",
    "draft",
    "review",
    "weekly",
    "plan",
    "idea",
    "question",
    "answer",
    "summary",
    "meeting",
    "design",
    "bug",
    "fix",
    "report",
    "update",
    "travel",
    "recipe",
    "garden",
    "book",
    "music",
]
_SENTENCES = [
    "This started as a quick note and grew into something longer.",
    "Thanks to everyone who read the last draft and wrote back.",
    "The numbers below come from last week's run; they may change.",
    "Nothing here is final, so please say what you think.",
    "Ich habe das gestern ausprobiert und es hat funktioniert.",
    "Merci pour vos retours, ils m'ont beaucoup aidé.",
]
_COMMENTS = [
    "Agreed.",
    "Nice write-up!",
    "Could you say more about the second point?",
    "I tried this and it worked for me too.",
    "Not sure I follow — example?",
    "👍",
    "Gracias por compartir.",
    "Interesting, thanks.",
]


@dataclass
class SeedReport:
    users: int = 0
    posts: int = 0
    comments: int = 0
    seconds: float = 0.0

    @property
    def rows(self) -> int:
        return self.users + self.posts + self.comments

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds > 0 else 0.0


def load_demo(backend: Backend, path: Path | None = None) -> SeedReport:
    """Load the demo data set; what is already there (same email, title, text) is skipped."""
    data = json.loads((path or paths.seeds_dir() / "demo.json").read_text(encoding="utf-8"))
    repo = Repository(backend)
    report = SeedReport()
    started = time.monotonic()
    with backend.transaction():
        for user_data in data["users"]:
            user_id = _demo_user(repo, user_data, report)
            for post_data in user_data.get("posts", []):
                post_id = _demo_post(repo, user_id, post_data, report)
                for body in post_data.get("comments", []):
                    if backend.queries.comment_id_by_body(backend.conn, post_id=post_id, body=body):
                        continue
                    repo.create_comment(post_id, body)
                    report.comments += 1
    report.seconds = time.monotonic() - started
    return report


def _demo_user(repo: Repository, data: dict[str, Any], report: SeedReport) -> int:
    existing = repo.q.user_id_by_email(repo.db.conn, email=data["email"])
    if existing is not None:
        return int(existing)
    report.users += 1
    return repo.create_user(data["name"], data["email"]).id


def _demo_post(repo: Repository, user_id: int, data: dict[str, Any], report: SeedReport) -> int:
    existing = repo.q.post_id_by_title(repo.db.conn, user_id=user_id, title=data["title"])
    if existing is not None:
        return int(existing)
    report.posts += 1
    return repo.create_post(user_id, data["title"], data["content"]).id


@dataclass(frozen=True)
class GeneratePlan:
    """How much synthetic data to make. The heavy user and heavy post are the first ones."""

    users: int
    posts_per_user: int
    comments_per_post: int
    heavy_user_posts: int = 0
    heavy_post_comments: int = 0
    seed: int = 2026

    def posts_of(self, user_index: int) -> int:
        return (
            self.heavy_user_posts
            if user_index == 0 and self.heavy_user_posts
            else (self.posts_per_user)
        )

    def comments_of(self, post_index: int) -> int:
        return (
            self.heavy_post_comments
            if post_index == 0 and self.heavy_post_comments
            else (self.comments_per_post)
        )

    @property
    def total_posts(self) -> int:
        return (
            sum(self.posts_of(i) for i in range(min(self.users, 1)))
            + max(self.users - 1, 0) * self.posts_per_user
        )

    @property
    def total_comments(self) -> int:
        posts = self.total_posts
        if posts == 0:
            return 0
        return self.comments_of(0) + (posts - 1) * self.comments_per_post

    @property
    def total_rows(self) -> int:
        return self.users + self.total_posts + self.total_comments


def generate(backend: Backend, plan: GeneratePlan, progress: Progress | None = None) -> SeedReport:
    """Add a synthetic data set in one transaction (COPY on PostgreSQL, executemany on SQLite)."""
    started = time.monotonic()
    counter = _Counter(plan.total_rows, progress)
    with backend.transaction():
        backend.lock_for_bulk_load(["users", "posts", "comments"])
        first_user, first_post, first_comment = (
            int(n) + 1 for n in backend.queries.max_ids(backend.conn)
        )
        rng = random.Random(plan.seed)
        now = datetime.now(UTC)
        tables = [
            (
                "users",
                ["id", "name", "email", "created_at"],
                _users(backend, plan, first_user, now, rng),
            ),
            (
                "posts",
                ["id", "user_id", "title", "content", "created_at"],
                _posts(backend, plan, first_user, first_post, now, rng),
            ),
            ("comments", ["id", "post_id", "body"], _comments(plan, first_post, first_comment)),
        ]
        for table, columns, batches in tables:
            for batch in batches:
                backend.bulk_insert(table, columns, batch)
                counter.add(len(batch))
        for table, _columns, _rows in tables:
            backend.after_bulk_insert(table)
    return SeedReport(plan.users, plan.total_posts, plan.total_comments, time.monotonic() - started)


_BATCH = 20_000
Rows = list[tuple[Any, ...]]


class _Counter:
    """Reports progress as batches of rows reach the database."""

    def __init__(self, total: int, progress: Progress | None) -> None:
        self.total = total
        self.done = 0
        self.progress = progress

    def add(self, rows: int) -> None:
        self.done += rows
        if self.progress is not None:
            self.progress(self.done, self.total)


def _users(
    backend: Backend, plan: GeneratePlan, first_id: int, now: datetime, rng: random.Random
) -> Iterator[Rows]:
    start = now - timedelta(days=3 * 365)
    names = [(first, last) for first in _FIRST for last in _LAST]
    batch: Rows = []
    for index in range(plan.users):
        user_id = first_id + index
        first, last = names[int(rng.random() * len(names))]
        email = f"{_ascii(first)}.{_ascii(last)}.{user_id}@example.net"
        created = start + timedelta(seconds=index * 60)
        batch.append((user_id, f"{first} {last}", email, backend.time_to_db(created)))
        if len(batch) == _BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def _posts(
    backend: Backend,
    plan: GeneratePlan,
    first_user: int,
    first_id: int,
    now: datetime,
    rng: random.Random,
) -> Iterator[Rows]:
    titles = [" ".join(rng.choice(_WORDS) for _ in range(3)).capitalize() for _ in range(997)]
    contents = [" ".join(rng.sample(_SENTENCES, 2)) for _ in range(101)]
    span = 3 * 365 * 24 * 3600
    post_id = first_id
    batch: Rows = []
    for index in range(plan.users):
        user_id = first_user + index
        for _ in range(plan.posts_of(index)):
            created = now - timedelta(seconds=int(rng.random() * span))
            batch.append(
                (
                    post_id,
                    user_id,
                    titles[post_id % len(titles)],
                    contents[post_id % len(contents)],
                    backend.time_to_db(created),
                )
            )
            post_id += 1
            if len(batch) == _BATCH:
                yield batch
                batch = []
    if batch:
        yield batch


def _comments(plan: GeneratePlan, first_post: int, first_id: int) -> Iterator[Rows]:
    comment_id = first_id
    batch: Rows = []
    bodies = _COMMENTS
    for index in range(plan.total_posts):
        post_id = first_post + index
        for _ in range(plan.comments_of(index)):
            batch.append((comment_id, post_id, bodies[comment_id % len(bodies)]))
            comment_id += 1
            if len(batch) == _BATCH:
                yield batch
                batch = []
    if batch:
        yield batch


def _ascii(text: str) -> str:
    return "".join(c for c in text.lower() if c.isascii() and c.isalnum()) or "user"
