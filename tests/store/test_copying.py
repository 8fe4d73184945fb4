"""Copying a whole database between any two backends: everything arrives exactly, the ids
continue after the copy, unfit sources and destinations are refused before anything is
written, and a copy that differs from its source is undone and names the table."""

from __future__ import annotations

import hashlib
import subprocess
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from desktop.store.backend import Backend
from desktop.store.connection import connect, open_database
from desktop.store.copying import (
    CopyMismatchError,
    CopyRefusedError,
    TableProgress,
    copy_between,
    copy_database,
    open_destination,
    open_source,
)
from desktop.store.errors import StoreError
from desktop.store.repository import Repository
from desktop.store.seeding import GeneratePlan, generate
from desktop.store.urls import parse_url
from tests.conftest import MakeDatabase

DIRECTIONS = [
    pytest.param(("sqlite", "postgresql"), id="sqlite-to-postgresql", marks=pytest.mark.postgres),
    pytest.param(("postgresql", "sqlite"), id="postgresql-to-sqlite", marks=pytest.mark.postgres),
]
ALL_PAIRS = [
    *DIRECTIONS,
    pytest.param(("sqlite", "sqlite"), id="sqlite-to-sqlite"),
    pytest.param(
        ("postgresql", "postgresql"), id="postgresql-to-postgresql", marks=pytest.mark.postgres
    ),
]

MEGABYTE = ("Große Daten ✓ 数据 🚀 — \t tab \\ backslash \r\n line\n" * 25_000)[:1_000_000]
HOSTILE = [
    "Zoë Ñúñez",
    "emoji 👩‍👩‍👧‍👦 and flags 🇺🇦",
    "right-to-left שלום عليكم",
    "combining e\u0301 and NBSP\u00a0and ZWJ\u200d",
    "tab\there, newline\nthere, CR\r, backslash \\ and \\N and \\t literally",
    "\U0010fffd plane 16, \ufeff BOM, \u2028 line separator",
    "'; DROP TABLE users; --",
]
TIMES = [
    "2026-12-04T04:35:00.123Z",
    "1999-12-31T23:59:59.999Z",
    "2038-01-19T03:14:08.001Z",
    "0001-01-01T00:00:00.000Z",
    None,
]


def make_pair(make_database: MakeDatabase, pair: tuple[str, str]) -> tuple[str, str]:
    return make_database(pair[0]), make_database(pair[1])


def fill_hostile(url: str) -> None:
    """Rows with gaps in their ids, every kind of text, edge timestamps and a 1 MB post."""
    with open_database(url) as backend, backend.transaction():
        backend.bulk_insert(
            "users",
            ("id", "name", "email", "created_at"),
            [
                (7 + 10 * i, text, f"user{i}@example.com", TIMES[i % len(TIMES)])
                for i, text in enumerate(HOSTILE)
            ],
        )
        posts = [
            (3 + 5 * i, 7 + 10 * (i % len(HOSTILE)), HOSTILE[i % len(HOSTILE)], text, TIMES[i % 5])
            for i, text in enumerate([*HOSTILE, MEGABYTE])
        ]
        backend.bulk_insert("posts", ("id", "user_id", "title", "content", "created_at"), posts)
        comments = [(100 + i, post[0], HOSTILE[i % len(HOSTILE)]) for i, post in enumerate(posts)]
        backend.bulk_insert("comments", ("id", "post_id", "body"), comments)
        for table in ("users", "posts", "comments"):
            backend.after_bulk_insert(table)


def everything(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the three tables, timestamps as UTC datetimes, in id order."""
    with connect(url, create=False) as backend:
        return {
            "users": [
                (i, n, e, backend.time_from_db(t))
                for i, n, e, t in backend.execute(
                    "SELECT id, name, email, created_at FROM users ORDER BY id"
                )
            ],
            "posts": [
                (i, u, t, c, backend.time_from_db(at))
                for i, u, t, c, at in backend.execute(
                    "SELECT id, user_id, title, content, created_at FROM posts ORDER BY id"
                )
            ],
            "comments": backend.execute("SELECT id, post_id, body FROM comments ORDER BY id"),
        }


def counts(url: str) -> dict[str, int]:
    with connect(url, create=False) as backend:
        return Repository(backend).table_counts()


def file_digest(path: str) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


@pytest.mark.parametrize("pair", ALL_PAIRS)
def test_everything_arrives_exactly(make_database: MakeDatabase, pair: tuple[str, str]) -> None:
    source, destination = make_pair(make_database, pair)
    fill_hostile(source)
    seen: list[TableProgress] = []
    report = copy_database(source, destination, progress=seen.append)
    assert report.verified
    assert report.counts == {"users": len(HOSTILE), "posts": len(HOSTILE) + 1, "comments": 8}
    assert everything(destination) == everything(source)
    assert {step.table for step in seen} == {"users", "posts", "comments"}
    last = seen[-1]
    assert (last.table, last.rows, last.total, last.all_rows, last.all_total) == (
        "comments",
        8,
        8,
        23,
        23,
    )
    assert report.summary().startswith("copied: users=7 posts=8 comments=8 in ")
    assert report.summary().endswith(", verified")


@pytest.mark.parametrize("pair", DIRECTIONS)
def test_timestamps_are_the_same_instant(
    make_database: MakeDatabase, pair: tuple[str, str]
) -> None:
    source, destination = make_pair(make_database, pair)
    with open_database(source) as backend:
        user = Repository(backend).create_user("Now", "now@example.com")
        # A time written with an offset, and one in SQLite's CURRENT_TIMESTAMP form.
        backend.execute("UPDATE users SET created_at = '2026-12-04T10:35:00.250+06:00'")
    copy_database(source, destination)
    (stamp,) = [row[3] for row in everything(destination)["users"]]
    assert stamp == datetime(2026, 12, 4, 4, 35, 0, 250_000, tzinfo=UTC)
    assert everything(source)["users"][0][0] == user.id


@pytest.mark.parametrize("pair", ALL_PAIRS)
def test_new_rows_continue_after_the_copied_ids(
    make_database: MakeDatabase, pair: tuple[str, str]
) -> None:
    source, destination = make_pair(make_database, pair)
    fill_hostile(source)
    copy_database(source, destination)
    with open_database(destination) as backend:
        repo = Repository(backend)
        user = repo.create_user("After", "after@example.com")
        post = repo.create_post(user.id, "After", "the copy")
        comment = repo.create_comment(post.id, "next")
    top = {table: max(row[0] for row in rows) for table, rows in everything(source).items()}
    assert (user.id, post.id, comment.id) == (
        top["users"] + 1,
        top["posts"] + 1,
        top["comments"] + 1,
    )


@pytest.mark.parametrize("pair", DIRECTIONS)
def test_a_destination_holding_rows_is_refused_untouched(
    make_database: MakeDatabase, pair: tuple[str, str]
) -> None:
    source, destination = make_pair(make_database, pair)
    fill_hostile(source)
    with open_database(destination) as backend:
        Repository(backend).create_user("Already", "already@example.com")
    before = everything(destination)
    with pytest.raises(CopyRefusedError, match="already holds 1 users, 0 posts and 0 comments"):
        copy_database(source, destination)
    assert everything(destination) == before


def test_a_source_at_another_schema_version_is_refused_unwritten(
    make_database: MakeDatabase, tmp_path: Path
) -> None:
    older = make_database("sqlite")
    only_first = tmp_path / "migrations"
    only_first.mkdir()
    for path in (Path(__file__).parents[2] / "db" / "migrations").glob("001_*"):
        (only_first / path.name).write_bytes(path.read_bytes())
    open_database(older, migrations_dir=only_first).close()
    digest = file_digest(older)
    with pytest.raises(
        CopyRefusedError, match=r"schema version 001, older than this Postdesk's 0\d\d"
    ):
        copy_database(older, make_database("sqlite"))
    assert file_digest(older) == digest  # neither migrated nor switched to WAL

    newer = make_database("sqlite")
    with open_database(newer) as backend:
        backend.execute(
            "INSERT INTO schema_migrations VALUES ('999', 'future', 'x', '2030-01-01', 0)"
        )
    digest = file_digest(newer)
    with pytest.raises(
        CopyRefusedError, match=r"schema version 999, newer than this Postdesk's 0\d\d"
    ):
        copy_database(newer, make_database("sqlite"))
    assert file_digest(newer) == digest


def test_the_source_file_is_only_read(make_database: MakeDatabase) -> None:
    source = make_database("sqlite")
    fill_hostile(source)
    digest = file_digest(source)
    copy_database(source, make_database("sqlite"))
    assert file_digest(source) == digest


def test_a_missing_source_file_is_not_created(make_database: MakeDatabase) -> None:
    source = make_database("sqlite")
    with pytest.raises(CopyRefusedError.__mro__[1], match="no database file"):
        copy_database(source, make_database("sqlite"))
    assert not Path(source).exists()


def test_copying_a_database_onto_itself_is_refused(make_database: MakeDatabase) -> None:
    url = make_database("sqlite")
    fill_hostile(url)
    with pytest.raises(CopyRefusedError, match="same database"):
        copy_database(url, url)


def _spoil_names(backend: Backend) -> None:
    """A trigger that changes every user as they arrive: a copy that does not match. (Users:
    posts and comments carry the search index's own triggers, which must see each row as
    it was stored.)"""
    if backend.dialect == "sqlite":
        backend.run_script(
            "CREATE TRIGGER spoil AFTER INSERT ON users BEGIN "
            "UPDATE users SET name = name || '!' WHERE id = NEW.id; END"
        )
    else:
        backend.run_script(
            "CREATE FUNCTION spoil() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN NEW.name := NEW.name || '!'; RETURN NEW; END $$;"
            "CREATE TRIGGER spoil BEFORE INSERT ON users FOR EACH ROW EXECUTE FUNCTION spoil();"
        )


def _refuse_later_comments(backend: Backend) -> None:
    """A trigger that refuses comments past the first few: the destination fails half-way."""
    if backend.dialect == "sqlite":
        backend.run_script(
            "CREATE TRIGGER refuse BEFORE INSERT ON comments WHEN NEW.id > 100 BEGIN "
            "SELECT RAISE(ABORT, 'refused'); END"
        )
    else:
        backend.run_script(
            "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN IF NEW.id > 100 THEN RAISE 'refused'; END IF; RETURN NEW; END $$;"
            "CREATE TRIGGER refuse BEFORE INSERT ON comments"
            " FOR EACH ROW EXECUTE FUNCTION refuse();"
        )


@pytest.mark.parametrize("pair", DIRECTIONS)
def test_a_destination_failing_half_way_stops_the_reading_at_once(
    make_database: MakeDatabase, pair: tuple[str, str]
) -> None:
    source, destination = make_pair(make_database, pair)
    # More comments than a bulk insert takes at a time, so that the reading is still going.
    with open_database(source) as backend:
        generate(backend, GeneratePlan(users=100, posts_per_user=10, comments_per_post=25))
    with open_database(destination) as backend:
        _refuse_later_comments(backend)
    with (
        open_source(parse_url(source)) as reading,
        open_destination(parse_url(destination)) as writing,
    ):
        try:
            copy_between(reading, writing, batch_rows=500)
        except StoreError as exc:
            failure = exc  # held, as a caller's log would: the frames it passed stay alive
        else:
            pytest.fail("the copy went through")
        assert "refused" in str(failure)
        # The thread reading ahead has let go of the source's connection, which works on.
        assert not [t for t in threading.enumerate() if t.name.startswith("postdesk-copy-read")]
        assert tuple(reading.queries.table_counts(reading.conn)) == (100, 1000, 25000)
    assert counts(destination) == {"users": 0, "posts": 0, "comments": 0}


@pytest.mark.parametrize("pair", DIRECTIONS)
def test_a_copy_that_differs_is_undone_and_names_the_table(
    make_database: MakeDatabase, pair: tuple[str, str]
) -> None:
    source, destination = make_pair(make_database, pair)
    fill_hostile(source)
    with open_database(destination) as backend:
        _spoil_names(backend)
    with pytest.raises(CopyMismatchError, match="copy of users differs"):
        copy_database(source, destination)
    assert counts(destination) == {"users": 0, "posts": 0, "comments": 0}


def run_copy(source: str, destination: str) -> subprocess.CompletedProcess[str]:
    """`python -m desktop copy`, as a person runs it."""
    return subprocess.run(
        [sys.executable, "-m", "desktop", "copy", "--from", source, "--to", destination],
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("pair", DIRECTIONS)
def test_the_command_line_prints_progress_and_the_summary(
    make_database: MakeDatabase, pair: tuple[str, str]
) -> None:
    source, destination = make_pair(make_database, pair)
    with open_database(source) as backend:
        generate(backend, GeneratePlan(users=50, posts_per_user=4, comments_per_post=3))
    done = run_copy(source, destination)
    assert done.returncode == 0, done.stderr
    last = done.stdout.strip().splitlines()[-1]
    assert last.startswith("copied: users=50 posts=200 comments=600 in ")
    assert last.endswith(" rows/s), verified")
    assert "  comments: 600 of 600 rows, " in done.stderr
    again = run_copy(source, destination)
    assert again.returncode == 1
    assert "already holds 50 users, 200 posts and 600 comments" in again.stderr


@pytest.mark.parametrize("pair", DIRECTIONS)
def test_what_the_source_gains_meanwhile_is_left_out_and_the_copy_verifies(
    make_database: MakeDatabase, pair: tuple[str, str]
) -> None:
    source, destination = make_pair(make_database, pair)
    with open_database(source) as backend:
        generate(backend, GeneratePlan(users=50, posts_per_user=4, comments_per_post=3))
    with open_database(source) as writer:
        repo = Repository(writer)

        def write_to_the_source(step: TableProgress) -> None:
            if step.table == "posts" and step.rows == 0:
                user = repo.create_user("Meanwhile", "meanwhile@example.com")
                repo.create_comment(repo.create_post(user.id, "Meanwhile", "new").id, "new")

        with (
            open_source(parse_url(source)) as reading,
            open_destination(parse_url(destination)) as writing,
        ):
            report = copy_between(reading, writing, progress=write_to_the_source, batch_rows=40)
    assert report.verified
    assert report.counts == {"users": 50, "posts": 200, "comments": 600}
    assert counts(source) == {"users": 51, "posts": 201, "comments": 601}
    assert counts(destination) == report.counts
