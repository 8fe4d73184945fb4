"""The synthetic data generator's fast path: indexes and foreign keys set aside during a
large load come back exactly as they were; a failed load leaves nothing behind."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from desktop.store.backend import Backend
from desktop.store.connection import open_database
from desktop.store.errors import StoreError
from desktop.store.repository import Repository
from desktop.store.seeding import GeneratePlan, generate, time_texts
from desktop.store.sqlite import FTS5_HASHSIZE, format_time
from tests.support.dbtools import run, schema_of

PLAN = GeneratePlan(
    users=30, posts_per_user=3, comments_per_post=2, heavy_user_posts=250, heavy_post_comments=70
)


def counts(backend: Backend) -> dict[str, int]:
    return Repository(backend).table_counts()


def test_indexes_set_aside_come_back_exactly(backend):
    before = schema_of(backend)
    report = generate(backend, PLAN, set_indexes_aside=True)
    assert schema_of(backend) == before
    assert counts(backend) == {
        "users": PLAN.users,
        "posts": PLAN.total_posts,
        "comments": PLAN.total_comments,
    }
    assert report.rows == PLAN.total_rows
    # The recreated keys hold: a comment on a post that does not exist is refused.
    with pytest.raises(StoreError):
        Repository(backend).create_comment(10**6, "orphan")


def test_the_heavy_user_and_post_are_the_first_ones(backend):
    generate(backend, PLAN, set_indexes_aside=True)
    repo = Repository(backend)
    assert repo.count_posts(1) == PLAN.heavy_user_posts
    assert repo.count_posts(2) == PLAN.posts_per_user
    assert repo.count_comments(1) == PLAN.heavy_post_comments
    assert repo.count_comments(2) == PLAN.comments_per_post
    stamps = [post.created_at for post in repo.list_posts(1, limit=5).items]
    assert all(stamps) and stamps == sorted(filter(None, stamps), reverse=True)


def test_a_second_load_adds_after_the_first(backend):
    generate(backend, PLAN, set_indexes_aside=True)
    generate(backend, PLAN, set_indexes_aside=False)
    assert counts(backend)["users"] == 2 * PLAN.users
    user = Repository(backend).create_user("After Both", "after.both@example.com")
    assert user.id == 2 * PLAN.users + 1


@pytest.mark.parametrize("set_aside", [True, False], ids=["set-aside", "in-place"])
def test_the_search_index_holds_every_row_after_a_load(backend, set_aside):
    """Rows there before, rows loaded (SQLite's FTS5 triggers set aside and the index
    filled once at the end), rows added after: each found once, the triggers back."""
    repo = Repository(backend)
    user = repo.create_user("Before", "before@example.com")
    repo.create_comment(repo.create_post(user.id, "zither early", "text").id, "a zither")
    generate(backend, PLAN, set_indexes_aside=set_aside)
    late = repo.create_post(user.id, "zither late", "text")
    generate(backend, PLAN, set_indexes_aside=set_aside)
    assert repo.count_search("zither") == 2
    assert [hit.post_id for hit in repo.search_posts("zither late").items] == [late.id]
    # Every loaded comment is in the index: the generator writes "Agreed." as one of them.
    (agreed,) = run(backend, "SELECT count(DISTINCT post_id) FROM comments WHERE body = 'Agreed.'")
    assert repo.count_search("agreed") == agreed[0] > 0


@pytest.mark.parametrize("set_aside", [True, False], ids=["set-aside", "in-place"])
def test_a_failed_load_leaves_nothing(backend, monkeypatch, set_aside):
    before = schema_of(backend)
    real = backend.bulk_insert

    def fail_on_comments(table, columns, rows):
        if table == "comments":
            raise StoreError("the disk filled up")
        real(table, columns, rows)

    monkeypatch.setattr(backend, "bulk_insert", fail_on_comments)
    with pytest.raises(StoreError, match="disk"):
        generate(backend, PLAN, set_indexes_aside=set_aside)
    assert counts(backend) == {"users": 0, "posts": 0, "comments": 0}
    assert schema_of(backend) == before


def test_sqlite_full_text_fills_give_back_their_gathering_size(make_database):
    """A fill of the FTS5 tables (migration 009's, a large load's) gathers 16 MiB before it
    writes; afterwards everyone's small writes gather FTS5's default again."""
    with open_database(make_database("sqlite"), create=True) as backend:
        generate(backend, PLAN, set_indexes_aside=True)
        for table in ("posts_search", "comments_search"):
            rows = run(backend, f"SELECT v FROM {table}_config WHERE k = 'hashsize'")
            assert rows in ([], [(FTS5_HASHSIZE,)]), table


def test_sqlite_page_cache_is_given_back(make_database):
    with open_database(make_database("sqlite"), create=True) as backend:
        before = run(backend, "PRAGMA cache_size")
        generate(backend, PLAN)
        assert run(backend, "PRAGMA cache_size") == before


AWKWARD = [
    "tab\there",
    "new\nline",
    "back\\slash",
    "carriage\rreturn",
    "\\N",
    "None",
    "ünïcödé 👍",
    "quote ' and \"",
]


def test_bulk_insert_keeps_awkward_text_exactly(backend):
    """Text that COPY's text format would need escaped goes in unchanged."""
    rows = [(n + 1, name, f"u{n}@example.org", None) for n, name in enumerate(AWKWARD)]
    with backend.transaction():
        backend.bulk_insert("users", ["id", "name", "email", "created_at"], iter(rows))
    stored = run(backend, "SELECT id, name, created_at FROM users ORDER BY id")
    assert stored == [(n + 1, name, None) for n, name in enumerate(AWKWARD)]


def test_bulk_insert_refuses_rows_of_the_wrong_width(backend):
    with pytest.raises(ValueError, match="3 values"), backend.transaction():
        backend.bulk_insert("comments", ["id", "post_id", "body"], iter([(1, 1)]))


def test_time_texts_are_what_format_time_writes():
    rng = random.Random(7)
    for _ in range(20):
        moment = datetime(1990, 1, 1, tzinfo=UTC) + timedelta(microseconds=rng.randrange(10**15))
        offsets = [rng.randrange(-(10**9), 10**9) for _ in range(200)]
        expected = [format_time(moment + timedelta(seconds=s)) for s in offsets]
        assert time_texts(moment, offsets) == expected
