"""Demo data from db/seeds/, and a fast generator of large synthetic data sets."""

from __future__ import annotations

import calendar
import gc
import json
import random
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cache
from itertools import chain, islice, repeat
from pathlib import Path
from typing import Any

from desktop import paths
from desktop.store.backend import LONG_WORK, Backend
from desktop.store.changes import logged_as_whole_tables
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


def generate(
    backend: Backend,
    plan: GeneratePlan,
    progress: Progress | None = None,
    *,
    set_indexes_aside: bool | None = None,
) -> SeedReport:
    """Add a synthetic data set in one transaction: all of it, or nothing on failure.

    Rows go in as fast as each backend takes them (COPY text on PostgreSQL, multi-row
    INSERTs on SQLite). When the load is large next to what the tables hold already
    (`set_indexes_aside` None: decided here), the backend drops the secondary indexes and
    foreign keys first and recreates them, exactly as they were, once the rows are in:
    building an index once is much cheaper than updating it row by row.
    """
    started = time.monotonic()
    counter = _Counter(plan.total_rows, progress)
    tables = ("users", "posts", "comments")
    with _collector_paused(), backend.transaction(LONG_WORK):
        backend.lock_for_bulk_load(tables)
        last_user, last_post, last_comment = (int(n) for n in backend.queries.max_ids(backend.conn))
        if set_indexes_aside is None:
            held = last_user + last_post + last_comment  # ids: a cheap upper bound of the rows
            set_indexes_aside = plan.total_rows >= max(SET_ASIDE_MIN_ROWS, held)
        rng = random.Random(plan.seed)
        now = datetime.now(UTC)
        loads = [
            (
                "users",
                ("id", "name", "email", "created_at"),
                _users(plan, last_user + 1, now, rng),
            ),
            (
                "posts",
                ("id", "user_id", "title", "content", "created_at"),
                _posts(plan, last_user + 1, last_post + 1, now, rng),
            ),
            (
                "comments",
                ("id", "post_id", "body"),
                _comments(plan, last_post + 1, last_comment + 1),
            ),
        ]
        with (
            logged_as_whole_tables(backend, tables),
            backend.bulk_load(tables, set_indexes_aside=set_indexes_aside),
        ):
            for table, columns, batches in loads:
                backend.bulk_insert(table, columns, chain.from_iterable(counter.counting(batches)))
        for table in tables:
            backend.after_bulk_insert(table)
    return SeedReport(plan.users, plan.total_posts, plan.total_comments, time.monotonic() - started)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cycle collector off: millions of fresh row tuples (which hold no cycles)
    would otherwise set it off every few hundred rows, a tenth of a large load's time."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


# A load this large (or larger than what the tables hold) rebuilds the indexes afterwards.
SET_ASIDE_MIN_ROWS = 200_000
_BATCH = 20_000
Rows = list[tuple[Any, ...]]


class _Counter:
    """Reports progress as batches of rows are handed to the database."""

    def __init__(self, total: int, progress: Progress | None) -> None:
        self.total = total
        self.done = 0
        self.progress = progress

    def counting(self, batches: Iterator[Rows]) -> Iterator[Rows]:
        for batch in batches:
            yield batch
            self.add(len(batch))

    def add(self, rows: int) -> None:
        self.done += rows
        if self.progress is not None:
            self.progress(self.done, self.total)


def _spans(total: int) -> Iterator[tuple[int, int]]:
    """[start, end) ranges of at most _BATCH covering 0..total."""
    for start in range(0, total, _BATCH):
        yield start, min(total, start + _BATCH)


def _owners(first_id: int, parents: int, children_of: Callable[[int], int]) -> Iterator[int]:
    """The parent id of every child in order: parent i (from first_id) has children_of(i)."""
    return chain.from_iterable(repeat(first_id + i, children_of(i)) for i in range(parents))


def _cycled(values: list[str], start: int, count: int) -> list[str]:
    """values[(start + k) % len(values)] for k in range(count), by slicing (no loop)."""
    size = len(values)
    offset = start % size
    laps = (offset + count) // size + 1
    return (values * laps)[offset : offset + count]


def _users(plan: GeneratePlan, first_id: int, now: datetime, rng: random.Random) -> Iterator[Rows]:
    start = now - timedelta(days=3 * 365)
    people = [
        (f"{first} {last}", f"{_ascii(first)}.{_ascii(last)}") for first in _FIRST for last in _LAST
    ]
    for begin, end in _spans(plan.users):
        ids = range(first_id + begin, first_id + end)
        picks = [people[int(rng.random() * len(people))] for _ in ids]
        created = time_texts(start, range(begin * 60, end * 60, 60))
        yield [
            (user_id, name, f"{local}.{user_id}@example.net", when)
            for user_id, (name, local), when in zip(ids, picks, created, strict=True)
        ]


def _posts(
    plan: GeneratePlan, first_user: int, first_id: int, now: datetime, rng: random.Random
) -> Iterator[Rows]:
    titles = [" ".join(rng.choice(_WORDS) for _ in range(3)).capitalize() for _ in range(997)]
    contents = [" ".join(rng.sample(_SENTENCES, 2)) for _ in range(101)]
    span = 3 * 365 * 24 * 3600
    owners = _owners(first_user, plan.users, plan.posts_of)
    for begin, end in _spans(plan.total_posts):
        ids = range(first_id + begin, first_id + end)
        created = time_texts(now, [-int(rng.random() * span) for _ in ids])
        yield list(
            zip(
                ids,
                islice(owners, end - begin),
                _cycled(titles, ids.start, len(ids)),
                _cycled(contents, ids.start, len(ids)),
                created,
                strict=True,
            )
        )


def _comments(plan: GeneratePlan, first_post: int, first_id: int) -> Iterator[Rows]:
    owners = _owners(first_post, plan.total_posts, plan.comments_of)
    for begin, end in _spans(plan.total_comments):
        ids = range(first_id + begin, first_id + end)
        bodies = _cycled(_COMMENTS, ids.start, len(ids))
        yield list(zip(ids, islice(owners, end - begin), bodies, strict=True))


def time_texts(moment: datetime, offsets: Iterable[int]) -> list[str]:
    """`moment` plus each offset (whole seconds), as UTC ISO-8601 text with milliseconds and
    a Z: what desktop.store.sqlite.format_time writes (SQLite's stored form), and what
    PostgreSQL reads as a timestamptz. Made from cached pieces, without a datetime each:
    a million of them take a fifth of the time."""
    utc = moment.astimezone(UTC)
    base = calendar.timegm(utc.utctimetuple())
    tail = f".{utc.microsecond // 1000:03d}Z"
    clock = _clock()
    days = _DayTexts()
    return [days[at // 86400] + clock[at % 86400] + tail for at in (base + o for o in offsets)]


class _DayTexts(dict[int, str]):
    """Days since 1970-01-01 -> 'YYYY-MM-DDT', made once per day."""

    def __missing__(self, day: int) -> str:
        text = date.fromordinal(_EPOCH_ORDINAL + day).isoformat() + "T"
        self[day] = text
        return text


_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


@cache
def _clock() -> list[str]:
    """'HH:MM:SS' for every second of a day."""
    return [f"{h:02d}:{m:02d}:{s:02d}" for h in range(24) for m in range(60) for s in range(60)]


def _ascii(text: str) -> str:
    return "".join(c for c in text.lower() if c.isascii() and c.isalnum()) or "user"
