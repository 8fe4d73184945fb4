"""A delete removes exactly what the person was asked about, or nothing.

The question comes from user_delete_report / post_delete_report; the delete gets that report
back as `expected` and, inside its own transaction, with the rows locked, checks that the
same posts and comments would go. Another client adding a post or a comment meanwhile, before
the check or during the delete, never makes a delete take more than it named, and never
leaves a post or a comment behind without its parent.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from desktop.store.connection import open_database
from desktop.store.errors import DeleteChangedError, StoreError
from desktop.store.records import DeleteReport, Post, User
from desktop.store.repository import Repository
from tests.support.dbtools import run

WAIT_S = 10.0


@pytest.fixture
def other(empty_url: str, backend: Any) -> Iterator[Repository]:
    """A second client on the same database (its own connection)."""
    with open_database(empty_url) as second:
        yield Repository(second)


@dataclass
class Family:
    ann: User
    bob: User
    posts: list[Post]  # Ann's two posts; the first has two comments, the second one


@pytest.fixture
def family(repo: Repository) -> Family:
    ann = repo.create_user("Ann", "ann@example.com")
    bob = repo.create_user("Bob", "bob@example.com")
    first = repo.create_post(ann.id, "First", "text")
    second = repo.create_post(ann.id, "Second", "text")
    repo.create_comment(first.id, "one")
    repo.create_comment(first.id, "two")
    repo.create_comment(second.id, "three")
    bobs = repo.create_post(bob.id, "Bob's", "text")
    repo.create_comment(bobs.id, "Bob's comment")
    return Family(ann, bob, [first, second])


def orphans(repo: Repository) -> list[tuple[Any, ...]]:
    """Posts without their user and comments without their post."""
    return run(
        repo.db,
        "SELECT 'post', id FROM posts WHERE user_id NOT IN (SELECT id FROM users) "
        "UNION ALL "
        "SELECT 'comment', id FROM comments WHERE post_id NOT IN (SELECT id FROM posts)",
    )


# -- the question's answer changed before the delete ----------------------------------------------


def test_a_post_added_since_the_question_stops_the_user_delete(repo, other, family):
    asked = repo.user_delete_report(family.ann.id)
    assert asked == DeleteReport(posts=2, comments=3)
    other.create_post(family.ann.id, "Added meanwhile", "text")
    before = repo.table_counts()

    with pytest.raises(DeleteChangedError) as changed:
        repo.delete_user(family.ann.id, cascade=True, expected=asked)

    assert changed.value.current == DeleteReport(posts=3, comments=3)
    assert str(changed.value) == (
        "Since you were asked, Ann now has 3 posts and 3 comments; nothing was deleted."
    )
    assert repo.table_counts() == before
    assert repo.get_user(family.ann.id).post_count == 3


def test_asked_again_the_user_delete_takes_exactly_the_new_answer(repo, other, family):
    asked = repo.user_delete_report(family.ann.id)
    other.create_post(family.ann.id, "Added meanwhile", "text")
    with pytest.raises(DeleteChangedError) as changed:
        repo.delete_user(family.ann.id, cascade=True, expected=asked)
    before = repo.table_counts()

    deleted = repo.delete_user(family.ann.id, cascade=True, expected=changed.value.current)

    assert deleted == DeleteReport(posts=3, comments=3)
    assert deleted.names_same(changed.value.current)
    assert repo.table_counts() == {
        "users": before["users"] - 1,
        "posts": before["posts"] - 3,
        "comments": before["comments"] - 3,
    }
    assert repo.user_delete_report(family.bob.id) == DeleteReport(posts=1, comments=1)
    assert orphans(repo) == []


def test_a_comment_added_to_one_of_the_posts_stops_the_user_delete(repo, other, family):
    asked = repo.user_delete_report(family.ann.id)
    other.create_comment(family.posts[1].id, "added meanwhile")
    before = repo.table_counts()

    with pytest.raises(DeleteChangedError) as changed:
        repo.delete_user(family.ann.id, cascade=True, expected=asked)

    assert changed.value.current == DeleteReport(posts=2, comments=4)
    assert "Ann now has 2 posts and 4 comments; nothing was deleted." in str(changed.value)
    assert repo.table_counts() == before


def test_a_post_put_in_the_place_of_another_stops_the_user_delete(repo, other, family):
    """The same counts, but not the same posts: not what the person was told."""
    asked = repo.user_delete_report(family.ann.id)
    other.delete_post(family.posts[1].id, cascade=True)
    replacement = other.create_post(family.ann.id, "Replacement", "text")
    other.create_comment(replacement.id, "a new comment")
    before = repo.table_counts()

    with pytest.raises(DeleteChangedError) as changed:
        repo.delete_user(family.ann.id, cascade=True, expected=asked)

    assert changed.value.current == asked  # as many as before ...
    assert not changed.value.current.names_same(asked)  # ... but others
    assert str(changed.value) == (
        "Since you were asked, someone else replaced posts or comments of Ann "
        "(there are still 2 posts and 3 comments); nothing was deleted."
    )
    assert repo.table_counts() == before


def test_an_unchanged_answer_deletes_and_reports_what_went(repo, family):
    asked = repo.user_delete_report(family.ann.id)
    before = repo.table_counts()

    deleted = repo.delete_user(family.ann.id, cascade=True, expected=asked)

    assert deleted.names_same(asked) and deleted == DeleteReport(posts=2, comments=3)
    after = repo.table_counts()
    assert (before["posts"] - after["posts"], before["comments"] - after["comments"]) == (2, 3)


def test_a_comment_added_since_the_question_stops_the_post_delete(repo, other, family):
    post = family.posts[0]
    asked = repo.post_delete_report(post.id)
    assert asked == DeleteReport(posts=0, comments=2)
    other.create_comment(post.id, "added meanwhile")
    before = repo.table_counts()

    with pytest.raises(DeleteChangedError) as changed:
        repo.delete_post(post.id, cascade=True, expected=asked)

    assert changed.value.current == DeleteReport(posts=0, comments=3)
    assert str(changed.value) == (
        "Since you were asked, the post “First” now has 3 comments; nothing was deleted."
    )
    assert repo.table_counts() == before

    deleted = repo.delete_post(post.id, cascade=True, expected=changed.value.current)

    assert deleted == DeleteReport(posts=0, comments=3)
    after = repo.table_counts()
    assert (before["posts"] - after["posts"], before["comments"] - after["comments"]) == (1, 3)
    assert orphans(repo) == []


def test_a_comment_put_in_the_place_of_another_stops_the_post_delete(repo, other, family):
    post = family.posts[0]
    asked = repo.post_delete_report(post.id)
    [first, _] = other.list_comments(post.id).items
    other.delete_comment(first.id)
    other.create_comment(post.id, "in its place")

    with pytest.raises(DeleteChangedError) as changed:
        repo.delete_post(post.id, cascade=True, expected=asked)

    assert changed.value.current == asked and not changed.value.current.names_same(asked)
    assert "replaced comments of the post “First”" in str(changed.value)
    assert repo.count_comments(post.id) == 2


# -- another client writing while the delete runs ------------------------------------------------


def wait_until(condition: Callable[[], bool], what: str) -> None:
    """Poll the database's own state (lock tables, thread results) until `condition` holds."""
    deadline = time.monotonic() + WAIT_S
    pause = threading.Event()
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {WAIT_S} s for {what}")
        pause.wait(0.005)


class Outcome:
    """What a call run in another thread returned or raised."""

    def __init__(self, call: Callable[[], Any]) -> None:
        self.value: Any = None
        self.error: BaseException | None = None
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._run, args=(call,), daemon=True)
        self.thread.start()

    def _run(self, call: Callable[[], Any]) -> None:
        try:
            self.value = call()
        except BaseException as exc:
            self.error = exc
        finally:
            self.done.set()

    def result(self) -> Any:
        assert self.done.wait(WAIT_S), "the call did not finish"
        if self.error is not None:
            raise self.error
        return self.value


POSTGRES_ONLY = pytest.mark.parametrize(
    "dialect", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True
)
SQLITE_ONLY = pytest.mark.parametrize("dialect", ["sqlite"], indirect=True)


def waiting_for_a_lock(observer: Any, pid: int) -> bool:
    rows = observer.execute("SELECT count(*) FROM pg_locks WHERE pid = %s AND NOT granted", (pid,))
    return bool(rows.fetchone()[0])


@POSTGRES_ONLY
def test_postgres_a_post_inserted_while_the_delete_runs_waits_and_is_refused(
    empty_url, repo, family
):
    """Between the delete's check and its DELETE statements another client inserts a post:
    the insert waits for the user's row lock, then fails; the delete takes what it named."""
    import psycopg

    asked = repo.user_delete_report(family.ann.id)
    before = repo.table_counts()
    [held_comment, *_] = repo.list_comments(family.posts[0].id).items
    with (
        psycopg.connect(empty_url) as holder,
        psycopg.connect(empty_url, autocommit=True) as writer,
        psycopg.connect(empty_url, autocommit=True) as observer,
    ):
        # Holding one of the comments makes the delete stop at its first DELETE, after the check.
        holder.execute("SELECT id FROM comments WHERE id = %s FOR UPDATE", (held_comment.id,))
        deleter_pid = repo.db.conn.info.backend_pid
        deleting = Outcome(lambda: repo.delete_user(family.ann.id, cascade=True, expected=asked))
        wait_until(lambda: waiting_for_a_lock(observer, deleter_pid), "the delete to wait")
        writer_pid = writer.info.backend_pid
        inserting = Outcome(
            lambda: writer.execute(
                "INSERT INTO posts (user_id, title, content) VALUES (%s, 'Late', 'text')",
                (family.ann.id,),
            )
        )
        wait_until(
            lambda: inserting.done.is_set() or waiting_for_a_lock(observer, writer_pid),
            "the insert to finish or wait",
        )
        assert not inserting.done.is_set(), "the insert went in while the delete ran"
        holder.rollback()

        deleted = deleting.result()
        with pytest.raises(psycopg.errors.ForeignKeyViolation):
            inserting.result()

    assert deleted.names_same(asked)
    after = repo.table_counts()
    assert (before["posts"] - after["posts"], before["comments"] - after["comments"]) == (2, 3)
    assert orphans(repo) == []


@POSTGRES_ONLY
def test_postgres_a_post_being_inserted_when_the_delete_starts_is_counted(empty_url, repo, family):
    """Another client's insert, not yet committed when the delete begins: the delete waits
    for it, sees the new post and deletes nothing."""
    import psycopg

    asked = repo.user_delete_report(family.ann.id)
    with (
        psycopg.connect(empty_url) as writer,
        psycopg.connect(empty_url, autocommit=True) as observer,
    ):
        writer.execute(
            "INSERT INTO posts (user_id, title, content) VALUES (%s, 'Late', 'text')",
            (family.ann.id,),
        )
        deleter_pid = repo.db.conn.info.backend_pid
        deleting = Outcome(lambda: repo.delete_user(family.ann.id, cascade=True, expected=asked))
        wait_until(lambda: waiting_for_a_lock(observer, deleter_pid), "the delete to wait")
        writer.commit()

        with pytest.raises(DeleteChangedError) as changed:
            deleting.result()

    assert changed.value.current == DeleteReport(posts=3, comments=3)
    assert repo.get_user(family.ann.id).post_count == 3
    assert orphans(repo) == []


SQLITE_BUSY = 5
SQLITE_CONSTRAINT_FOREIGNKEY = 787


@SQLITE_ONLY
def test_sqlite_no_post_can_be_inserted_while_the_delete_runs(empty_url, repo, family):
    """The delete's BEGIN IMMEDIATE keeps every other writer out from its check to its
    commit: an insert tried in between is told the database is busy, and tried again after
    the delete, it fails because the user is gone."""
    asked = repo.user_delete_report(family.ann.id)
    before = repo.table_counts()
    checked = threading.Event()
    tried = threading.Event()

    def at_each_statement(sql: str) -> None:
        if sql.startswith("DELETE FROM comments") and not checked.is_set():
            checked.set()  # the check is done; the deleting begins
            tried.wait(WAIT_S)

    writer = sqlite3.connect(empty_url, timeout=0, isolation_level=None)
    writer.execute("PRAGMA foreign_keys = ON")
    insert = "INSERT INTO posts (user_id, title, content) VALUES (?, 'Late', 'text')"
    repo.db.conn.set_trace_callback(at_each_statement)
    try:
        deleting = Outcome(lambda: repo.delete_user(family.ann.id, cascade=True, expected=asked))
        assert checked.wait(WAIT_S), "the delete never reached its DELETE statements"
        with pytest.raises(sqlite3.OperationalError) as busy:
            writer.execute(insert, (family.ann.id,))
        tried.set()
        deleted = deleting.result()
    finally:
        tried.set()
        repo.db.conn.set_trace_callback(None)

    assert busy.value.sqlite_errorcode == SQLITE_BUSY
    with pytest.raises(sqlite3.IntegrityError) as refused:
        writer.execute(insert, (family.ann.id,))
    assert refused.value.sqlite_errorcode == SQLITE_CONSTRAINT_FOREIGNKEY
    writer.close()
    assert deleted.names_same(asked)
    after = repo.table_counts()
    assert (before["posts"] - after["posts"], before["comments"] - after["comments"]) == (2, 3)
    assert orphans(repo) == []


def test_a_missing_user_or_post_is_not_found_with_or_without_expected(repo, family):
    asked = repo.user_delete_report(family.ann.id)
    repo.delete_user(family.ann.id, cascade=True)
    with pytest.raises(StoreError, match="does not exist"):
        repo.delete_user(family.ann.id, cascade=True, expected=asked)
    with pytest.raises(StoreError, match="does not exist"):
        repo.delete_post(family.posts[0].id, cascade=True, expected=DeleteReport(0, 2))
