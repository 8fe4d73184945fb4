"""Every change counts, whoever makes it: a row version that triggers bump on every UPDATE
(so the stale-save check is exact), and a change log that says what changed since a look.

Outside changes come through a second, raw driver connection (sqlite3 or psycopg), as
psql or the sqlite3 shell would make them."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest

from desktop.store.changes import ChangeFeed, ChangeSet, NotificationListener
from desktop.store.errors import StaleRecordError
from desktop.store.records import Post
from desktop.store.repository import Repository
from desktop.store.urls import parse_url
from tests.support.outside import Outside, outside_connection

ONLY_POSTGRESQL = pytest.mark.parametrize(
    "dialect", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True
)


@pytest.fixture
def outside(empty_url: str, backend: Any, dialect: str) -> Iterator[Outside]:
    """Statements committed by a raw connection of its own, as psql would."""
    with outside_connection(empty_url, dialect) as run:
        yield run


@pytest.fixture
def post(repo: Repository) -> Post:
    user = repo.create_user("Ada Lovelace", "ada@example.com")
    return repo.create_post(user.id, "Notes", "First draft")


# -- row versions ------------------------------------------------------------------------------


def test_every_update_bumps_the_version_even_one_that_changes_nothing(repo, outside, post):
    assert post.version == 1
    outside("UPDATE posts SET title = title WHERE id = ?", post.id)
    assert repo.get_post(post.id).version == 2
    saved = repo.update_post(post.id, "Mine", "Text", expected=repo.get_post(post.id))
    assert saved.version == 3


def test_a_change_put_back_by_someone_else_is_stale(repo, outside, post):
    outside("UPDATE posts SET title = 'Theirs' WHERE id = ?", post.id)
    outside("UPDATE posts SET title = 'Notes' WHERE id = ?", post.id)
    with pytest.raises(StaleRecordError) as caught:
        repo.update_post(post.id, "My title", "My text", expected=post)
    assert caught.value.current.version == 3
    assert repo.get_post(post.id).title == "Notes"


def test_a_change_to_created_at_only_is_stale(repo, outside, post, backend):
    outside("UPDATE posts SET created_at = NULL WHERE id = ?", post.id)
    with pytest.raises(StaleRecordError):
        repo.update_post(post.id, "My title", "My text", expected=post)


def test_users_and_comments_put_back_are_stale_too(repo, outside, post):
    user = repo.get_user(post.user_id)
    outside("UPDATE users SET name = 'Ada King' WHERE id = ?", user.id)
    outside("UPDATE users SET name = 'Ada Lovelace' WHERE id = ?", user.id)
    with pytest.raises(StaleRecordError):
        repo.update_user(user.id, "Ada L.", "ada@example.com", expected=user)
    comment = repo.create_comment(post.id, "Nice")
    outside("UPDATE comments SET body = body WHERE id = ?", comment.id)
    with pytest.raises(StaleRecordError):
        repo.update_comment(comment.id, "Nice!", expected=comment)


def test_saving_over_the_stored_version_overwrites(repo, outside, post):
    outside("UPDATE posts SET title = 'Theirs' WHERE id = ?", post.id)
    with pytest.raises(StaleRecordError) as caught:
        repo.update_post(post.id, "Mine", "Mine", expected=post)
    mine = repo.update_post(post.id, "Mine", "Mine", expected=caught.value.current)
    assert (mine.title, mine.version) == ("Mine", 3)


# -- what changed since ---------------------------------------------------------------------


def test_the_feed_reports_each_changed_record_once(repo, outside, post, backend):
    feed = ChangeFeed(backend)
    assert feed.poll() == ChangeSet()
    outside("INSERT INTO users (name, email) VALUES ('Grace', 'grace@example.com')")
    outside("UPDATE posts SET title = 'Theirs' WHERE id = ?", post.id)
    outside("UPDATE posts SET title = 'Again' WHERE id = ?", post.id)
    comment = repo.create_comment(post.id, "Mine")
    outside("DELETE FROM comments WHERE id = ?", comment.id)

    changes = feed.poll()

    grace = repo.list_users("Grace").items[0]
    assert changes == ChangeSet(
        users=frozenset({grace.id}),
        posts=frozenset({post.id}),
        comments=frozenset({comment.id}),
    )
    assert feed.poll() == ChangeSet()


def test_a_burst_of_changes_is_one_row_per_record(repo, outside, post, backend):
    feed = ChangeFeed(backend)
    for round_ in range(50):
        outside("UPDATE posts SET title = ? WHERE id = ?", f"Title {round_}", post.id)
    assert feed.poll() == ChangeSet(posts=frozenset({post.id}))
    rows = backend.execute("SELECT count(*) FROM change_log WHERE table_name = 'posts'")
    assert rows[0][0] == 1


def test_thousands_of_records_changed_in_several_tables_are_each_reported(
    repo, outside, post, backend
):
    """The log is read as one line per table, its ids joined: none may be lost or run
    together, however many there are."""
    feed = ChangeFeed(backend)
    outside(
        "INSERT INTO comments (post_id, body) WITH RECURSIVE n(i) AS "
        "(SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000) SELECT ?, 'c' || i FROM n",
        post.id,
    )
    outside("UPDATE posts SET title = 'Theirs' WHERE id = ?", post.id)
    comments = {row[0] for row in backend.execute("SELECT id FROM comments")}

    changes = feed.poll()

    assert len(comments) == 3000
    assert changes == ChangeSet(posts=frozenset({post.id}), comments=frozenset(comments))
    assert feed.poll() == ChangeSet()


@ONLY_POSTGRESQL
def test_a_transaction_that_commits_after_a_later_one_is_not_missed(repo, post, backend, empty_url):
    """Transaction ids are handed out at the first write, commits come in any order."""
    import psycopg

    feed = ChangeFeed(backend)
    other = repo.create_post(post.user_id, "Other", "Text")
    feed.poll()
    with psycopg.connect(empty_url) as early, psycopg.connect(empty_url, autocommit=True) as late:
        early.execute("UPDATE posts SET title = 'Early' WHERE id = %s", (post.id,))
        late.execute("UPDATE posts SET title = 'Late' WHERE id = %s", (other.id,))
        assert feed.poll() == ChangeSet(posts=frozenset({other.id}))
        early.commit()
    assert feed.poll() == ChangeSet(posts=frozenset({post.id}))


# -- notifications ------------------------------------------------------------------------------


class Heard:
    def __init__(self) -> None:
        self.news = threading.Event()
        self.state: list[bool] = []
        self.decided = threading.Event()

    def on_state(self, working: bool) -> None:
        self.state.append(working)
        self.decided.set()


@ONLY_POSTGRESQL
def test_an_outside_change_is_notified(repo, post, empty_url):
    import psycopg

    heard = Heard()
    listener = NotificationListener(parse_url(empty_url), heard.news.set, heard.on_state)
    listener.start()
    try:
        assert heard.decided.wait(10)
        assert heard.state == [True]
        with psycopg.connect(empty_url, autocommit=True) as conn:
            conn.execute("UPDATE posts SET title = 'psql' WHERE id = %s", (post.id,))
        assert heard.news.wait(10)
    finally:
        listener.stop()
    assert heard.state[-1] is False  # stopped: the caller would poll from now on


@ONLY_POSTGRESQL
def test_a_burst_is_told_as_a_few_pieces_of_news_the_last_after_its_end(repo, post, empty_url):
    """1,000 statements are 1,000 notifications: the listener tells of them a few times,
    and once more for the last statement, so its change is read too."""
    import psycopg

    burst = 1000
    sent = 0
    told: list[int] = []  # how many statements had been sent at each piece of news
    after_the_last = threading.Event()

    def on_news() -> None:
        told.append(sent)
        if sent == burst:
            after_the_last.set()

    heard = Heard()
    listener = NotificationListener(parse_url(empty_url), on_news, heard.on_state)
    listener.start()
    try:
        assert heard.decided.wait(10)
        assert heard.state == [True]
        with psycopg.connect(empty_url, autocommit=True) as conn:
            for n in range(burst):
                sent = n + 1  # before the statement: its news may come before execute returns
                conn.execute("UPDATE posts SET title = %s WHERE id = %s", (f"psql {n}", post.id))
        assert after_the_last.wait(10)
    finally:
        listener.stop()
    assert 1 <= len(told) < burst // 4, told


@ONLY_POSTGRESQL
def test_a_listener_whose_receiver_is_gone_ends_quietly(empty_url, monkeypatch):
    """A window that quit without stopping its listener: the Qt signal it calls back raises
    RuntimeError (its source was deleted); the thread must end without a traceback."""
    called = threading.Event()
    unhandled: list[object] = []

    def gone(*_args: object) -> None:
        called.set()
        raise RuntimeError("the signal's source was deleted")

    monkeypatch.setattr(threading, "excepthook", unhandled.append)
    listener = NotificationListener(parse_url(empty_url), gone, gone)
    listener.start()
    assert called.wait(30)
    listener.stop()  # its last word (False) goes to the gone receiver too
    assert not listener._thread.is_alive()
    assert unhandled == []


@ONLY_POSTGRESQL
def test_through_a_transaction_pooler_notifications_are_known_not_to_work(
    repo, post, empty_url, pgbouncer
):
    heard = Heard()
    listener = NotificationListener(parse_url(pgbouncer(empty_url)), heard.news.set, heard.on_state)
    listener.start()
    try:
        assert heard.decided.wait(15)
        assert heard.state[0] is False
    finally:
        listener.stop()


@ONLY_POSTGRESQL
def test_the_feed_works_through_a_pooler_too(repo, post, empty_url, pgbouncer):
    from desktop.store.connection import open_database

    with open_database(pgbouncer(empty_url), migrate=False, create=False) as pooled:
        feed = ChangeFeed(pooled)
        Repository(pooled).update_post(post.id, "Pooled", "Text")
        repo.update_post(post.id, "Direct", "Text")
        assert feed.poll() == ChangeSet(posts=frozenset({post.id}))


def test_a_bulk_load_is_logged_once_per_table_and_later_changes_as_ever(
    repo, outside, post, backend, empty_url
):
    from desktop.store.connection import open_database
    from desktop.store.seeding import GeneratePlan, generate

    with open_database(empty_url, migrate=False, create=False) as watcher:
        feed = ChangeFeed(watcher)  # another connection, as another window's
        logged_before = backend.execute("SELECT count(*) FROM change_log")[0][0]
        generate(backend, GeneratePlan(50, 2, 2))
        assert feed.poll() == ChangeSet(
            users=frozenset({0}), posts=frozenset({0}), comments=frozenset({0})
        )
        assert backend.execute("SELECT count(*) FROM change_log")[0][0] == logged_before + 3
        outside("UPDATE posts SET title = 'After' WHERE id = ?", post.id)
        repo.create_user("Grace Hopper", "grace@example.com")
        changes = feed.poll()
    assert changes.posts == frozenset({post.id}) and len(changes.users) == 1
