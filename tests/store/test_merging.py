"""Merging one database into another that holds data, in every direction: users matched by
email, posts and comments appended with new ids and their references remapped, times kept;
the same merge again adds nothing twice, nor does merging back what came from the other
side or from a copy; a name that differs is listed, not guessed; a dry run writes nothing."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from desktop.store.connection import connect, open_database
from desktop.store.copying import copy_database
from desktop.store.merging import (
    MergeRefusedError,
    MergeReport,
    NameChoices,
    NameConflict,
    merge_databases,
)
from desktop.store.repository import Repository
from tests.conftest import MakeDatabase
from tests.store.test_copying import ALL_PAIRS, DIRECTIONS, counts, everything, file_digest

STAMP = "2026-11-30T08:15:00.250Z"


def fill(url: str, people: list[tuple[str, str]], posts: int = 2, comments: int = 2) -> None:
    """Each person with `posts` posts (titled by their email), each with `comments` comments."""
    with open_database(url) as backend:
        repo = Repository(backend)
        for name, email in people:
            user = repo.create_user(name, email)
            for p in range(posts):
                post = repo.create_post(user.id, f"{email} post {p}", f"content {p}")
                for c in range(comments):
                    repo.create_comment(post.id, f"{email} post {p} comment {c}")
        backend.execute(f"UPDATE posts SET created_at = '{STAMP}'")


def to_the_millisecond(stamp: datetime | None) -> datetime | None:
    """Times travel as the copy reads them, to the millisecond (what SQLite keeps)."""
    return None if stamp is None else stamp.replace(microsecond=stamp.microsecond // 1000 * 1000)


def as_content(url: str) -> dict[str, Any]:
    """What a person sees, ids aside: users by email with their posts and comments."""
    with connect(url, create=False) as backend:
        users = {
            email.lower(): name for name, email in backend.execute("SELECT name, email FROM users")
        }
        posts = sorted(
            (email.lower(), title, content, to_the_millisecond(backend.time_from_db(at)))
            for email, title, content, at in backend.execute(
                "SELECT u.email, p.title, p.content, p.created_at "
                "FROM posts p JOIN users u ON u.id = p.user_id"
            )
        )
        comments = sorted(
            backend.execute(
                "SELECT p.title, c.body FROM comments c JOIN posts p ON p.id = c.post_id"
            )
        )
    return {"users": users, "posts": posts, "comments": comments}


def figures(report: MergeReport) -> tuple[int, ...]:
    return (
        report.users_added,
        report.users_matched,
        report.posts_added,
        report.posts_skipped,
        report.comments_added,
        report.comments_skipped,
    )


def a_pair(make_database: MakeDatabase, pair: tuple[str, str]) -> tuple[str, str]:
    """A source with Ann (also on the destination, in another case and name) and Bob; a
    destination with Ann and Cy and rows of its own, so that the ids overlap."""
    source, destination = make_database(pair[0]), make_database(pair[1])
    fill(destination, [("Ann Here", "ann@example.com"), ("Cy", "cy@example.com")])
    fill(source, [("Ann There", "ANN@example.com"), ("Bob", "bob@example.com")])
    return source, destination


@pytest.mark.parametrize("pair", ALL_PAIRS)
def test_a_merge_appends_remaps_and_keeps_times(
    make_database: MakeDatabase, pair: tuple[str, str]
) -> None:
    source, destination = a_pair(make_database, pair)
    before = as_content(destination)
    report = merge_databases(source, destination)
    assert figures(report) == (1, 1, 4, 0, 8, 0)
    assert report.conflicts == [NameConflict("ANN@example.com", "Ann There", "Ann Here")]
    after = as_content(destination)
    theirs = as_content(source)
    assert after["users"] == {**before["users"], "bob@example.com": "Bob"}  # Ann's name stays
    assert after["posts"] == sorted(before["posts"] + theirs["posts"])
    assert after["comments"] == sorted(before["comments"] + theirs["comments"])
    stamps = {row[3] for row in after["posts"]}
    assert stamps == {datetime(2026, 11, 30, 8, 15, 0, 250_000, tzinfo=UTC)}
    assert counts(destination) == {"users": 3, "posts": 8, "comments": 16}
    assert report.summary().startswith(
        "merged: users added=1 matched=1, posts added=4 skipped=0, comments added=8 skipped=0 in "
    )


@pytest.mark.parametrize("pair", ALL_PAIRS)
def test_merging_again_adds_only_what_is_new(
    make_database: MakeDatabase, pair: tuple[str, str]
) -> None:
    source, destination = a_pair(make_database, pair)
    merge_databases(source, destination)
    settled = everything(destination)
    again = merge_databases(source, destination)
    assert figures(again) == (0, 2, 0, 4, 0, 8)
    assert everything(destination) == settled
    with open_database(source) as backend:  # new work on an old post, and a new post
        repo = Repository(backend)
        old = backend.execute("SELECT min(id) FROM posts")[0][0]
        repo.create_comment(old, "a later comment")
        bob = backend.execute("SELECT id FROM users WHERE email = 'bob@example.com'")[0][0]
        repo.create_comment(repo.create_post(bob, "Later", "post").id, "on the later post")
    third = merge_databases(source, destination)
    assert figures(third) == (0, 2, 1, 4, 2, 8)
    comments = as_content(destination)["comments"]
    assert ("ann@example.com post 0", "a later comment") in [
        (title.lower(), body) for title, body in comments
    ]
    assert ("Later", "on the later post") in comments


@pytest.mark.parametrize("pair", ALL_PAIRS)
def test_a_dry_run_reports_the_same_and_writes_nothing(
    make_database: MakeDatabase, pair: tuple[str, str]
) -> None:
    source, destination = a_pair(make_database, pair)
    with connect(destination, create=False) as backend:
        receipts = backend.execute("SELECT count(*) FROM merge_receipts")
    before = everything(destination)
    if pair[1] == "sqlite":
        digest = file_digest(destination)
    preview = merge_databases(source, destination, dry_run=True, names=NameChoices(every=True))
    assert preview.dry_run and preview.names_taken == 1
    assert preview.summary().startswith("would merge: users added=1 matched=1, posts added=4 ")
    assert everything(destination) == before
    with connect(destination, create=False) as backend:
        assert backend.execute("SELECT count(*) FROM merge_receipts") == receipts
    if pair[1] == "sqlite":
        assert file_digest(destination) == digest
    done = merge_databases(source, destination)
    assert figures(done) == figures(preview)
    assert done.conflicts == preview.conflicts


@pytest.mark.parametrize("pair", DIRECTIONS)
def test_names_are_taken_only_where_chosen(
    make_database: MakeDatabase, pair: tuple[str, str]
) -> None:
    source, destination = make_database(pair[0]), make_database(pair[1])
    fill(destination, [("Ann", "ann@example.com"), ("Cy", "cy@example.com")], 0)
    fill(source, [("Anna", "Ann@Example.com"), ("Cyrus", "cy@example.com")], 0)
    report = merge_databases(source, destination, names=NameChoices.of([" ann@EXAMPLE.com"]))
    assert len(report.conflicts) == 2 and report.names_taken == 1
    users = as_content(destination)["users"]
    assert users == {"ann@example.com": "Anna", "cy@example.com": "Cy"}


@pytest.mark.parametrize("pair", DIRECTIONS)
def test_two_sources_with_the_same_ids_are_not_confused(
    make_database: MakeDatabase, pair: tuple[str, str]
) -> None:
    destination = make_database(pair[1])
    fill(destination, [("Cy", "cy@example.com")])
    first, second = make_database(pair[0]), make_database(pair[0])
    fill(first, [("Dee", "dee@example.com")])
    fill(second, [("Eve", "eve@example.com")])
    assert figures(merge_databases(first, destination))[2:] == (2, 0, 4, 0)
    assert figures(merge_databases(second, destination))[2:] == (2, 0, 4, 0)
    assert counts(destination) == {"users": 3, "posts": 6, "comments": 12}


@pytest.mark.parametrize("pair", DIRECTIONS)
def test_merging_back_sends_nothing_twice(
    make_database: MakeDatabase, pair: tuple[str, str]
) -> None:
    source, destination = a_pair(make_database, pair)
    merge_databases(source, destination)
    back = merge_databases(destination, source)  # the source's own rows stay where they are
    assert figures(back) == (1, 2, 4, 4, 8, 8)
    assert counts(source) == counts(destination) == {"users": 3, "posts": 8, "comments": 16}
    assert figures(merge_databases(source, destination))[2:] == (0, 8, 0, 16)


@pytest.mark.parametrize("pair", ALL_PAIRS)
def test_a_copy_merged_back_brings_only_the_new_work(
    make_database: MakeDatabase, pair: tuple[str, str]
) -> None:
    server, local = make_database(pair[1]), make_database(pair[0])
    fill(server, [("Ann", "ann@example.com"), ("Cy", "cy@example.com")])
    copy_database(server, local)
    with open_database(local) as backend:  # work done on the copy
        repo = Repository(backend)
        old = backend.execute("SELECT min(id) FROM posts")[0][0]
        repo.create_comment(old, "written on the copy")
        repo.create_post(repo.create_user("Dee", "dee@example.com").id, "New", "on the copy")
    with open_database(server) as backend:  # and meanwhile on the server
        Repository(backend).create_comment(old, "written on the server")
    report = merge_databases(local, server)
    assert figures(report) == (1, 2, 1, 4, 1, 8)
    assert counts(server) == {"users": 3, "posts": 5, "comments": 10}
    pulled = merge_databases(server, local)  # and the server's new comment comes the other way
    assert figures(pulled) == (0, 3, 0, 5, 1, 9)
    assert as_content(server) == as_content(local)


def test_a_file_copy_made_outside_postdesk_is_refused(
    make_database: MakeDatabase, tmp_path: Path
) -> None:
    source = make_database("sqlite")
    fill(source, [("Ann", "ann@example.com")])
    twin = tmp_path / "twin.sqlite3"
    with connect(source, create=False) as backend:
        backend.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    shutil.copyfile(source, twin)
    with pytest.raises(MergeRefusedError, match="same database"):
        merge_databases(source, str(twin))
    with pytest.raises(MergeRefusedError, match="same database"):
        merge_databases(source, source)


def older_database(make_database: MakeDatabase, tmp_path: Path) -> str:
    """A database at schema version 001."""
    url = make_database("sqlite")
    only_first = tmp_path / "migrations"
    only_first.mkdir()
    for path in (Path(__file__).parents[2] / "db" / "migrations").glob("001_*"):
        (only_first / path.name).write_bytes(path.read_bytes())
    open_database(url, migrations_dir=only_first).close()
    return url


def test_an_older_source_is_refused_unwritten(make_database: MakeDatabase, tmp_path: Path) -> None:
    older = older_database(make_database, tmp_path)
    digest = file_digest(older)
    with pytest.raises(
        MergeRefusedError, match=r"schema version 001, older than this Postdesk's 0\d\d; .* merge"
    ):
        merge_databases(older, make_database("sqlite"))
    assert file_digest(older) == digest


def test_an_older_destination_is_refused_by_a_dry_run_and_migrated_by_a_merge(
    make_database: MakeDatabase, tmp_path: Path
) -> None:
    source, older = make_database("sqlite"), older_database(make_database, tmp_path)
    fill(source, [("Ann", "ann@example.com")])
    digest = file_digest(older)
    with pytest.raises(MergeRefusedError, match=r"schema version 001, older than this Postdesk's"):
        merge_databases(source, older, dry_run=True)
    assert file_digest(older) == digest
    assert figures(merge_databases(source, older)) == (1, 0, 2, 0, 4, 0)


@pytest.mark.parametrize("pair", DIRECTIONS)
def test_a_copy_keeps_what_its_original_received(
    make_database: MakeDatabase, pair: tuple[str, str]
) -> None:
    source, server = a_pair(make_database, pair)
    merge_databases(source, server)
    copy = make_database(pair[0])
    copy_database(server, copy)
    assert figures(merge_databases(source, copy))[2:] == (0, 4, 0, 8)
    assert counts(copy) == counts(server)
