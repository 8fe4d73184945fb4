"""Every order of every list, each way, against a fresh Python-sorted reference: keyset pages
across page boundaries, jumps to any position (from either end) and each record's position,
with ties and a filter."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from desktop.store.connection import open_database
from desktop.store.records import Order
from desktop.store.repository import Repository
from tests.support.dbtools import add_tied_users, all_pages, run, sqlite_steps

# ASCII letters of one case: Python and any database collation agree on their order.
NAMES = ["bob", "ann", "bob", "cid", "bob", "dee", "ann", "eve", "ann"]
TITLES = ["post b", "post a", "post b", "post c", "post a", "post b", "other", "post d"]


def _ids(items: list[Any]) -> list[int]:
    return [item.id for item in items]


def _check_list(listed: list[Any], expected: list[Any], pages: Any, at: Any, where: Any) -> None:
    assert _ids(listed) == _ids(expected)
    total = len(expected)
    for limit in (1, 3):
        for position in range(total + 1):
            want = _ids(expected[position : position + limit])
            for known in (None, total):  # from the start, and from whichever end is nearer
                page = at(position, limit, known)
                assert _ids(page.items) == want, (position, limit, known)
                more = position + limit < total
                assert (page.after is not None) == more, (position, limit, known)
                if more:  # the page's cursor continues by keyset where it ended
                    rest = pages(limit=total, after=page.after)
                    assert _ids(rest.items) == _ids(expected[position + limit :])
    for index, record in enumerate(expected):
        assert where(record.id) == index


@pytest.fixture
def users(repo: Any) -> list[Any]:
    made = [repo.create_user(name, f"{name}{n}@example.com") for n, name in enumerate(NAMES)]
    for n, user in enumerate(made):
        for _ in range(n % 3):  # ties on the number of posts
            repo.create_post(user.id, "hello", "text")
    return [repo.get_user(user.id) for user in made]


USER_KEYS = {
    "name": lambda user: (user.name, user.id),
    "email": lambda user: (user.email, user.id),
    "posts": lambda user: (user.post_count, user.id),
}


@pytest.mark.parametrize("descending", [False, True], ids=["ascending", "descending"])
@pytest.mark.parametrize("key", USER_KEYS)
@pytest.mark.parametrize("text", ["", "ann", "B"])
def test_users_in_every_order(repo, users, key, descending, text):
    order = Order(key, descending)
    matching = [u for u in users if text.lower() in u.name or text.lower() in u.email]
    expected = sorted(matching, key=USER_KEYS[key], reverse=descending)
    listed, sizes = all_pages(lambda **kw: repo.list_users(text, order=order, **kw), limit=2)
    assert max(sizes) <= 2
    _check_list(
        listed,
        expected,
        lambda **kw: repo.list_users(text, order=order, **kw),
        lambda position, limit, total: repo.users_at(
            position, text, limit, order=order, total=total
        ),
        lambda user_id: repo.user_position(user_id, text, order=order),
    )
    assert repo.user_position(10**6, text, order=order) is None


def test_an_unknown_order_is_refused(repo):
    with pytest.raises(ValueError, match="name, email, posts"):
        repo.list_users(order=Order("height"))


@pytest.fixture
def posts(repo: Any, backend: Any) -> tuple[Any, list[Any]]:
    ann = repo.create_user("ann", "ann@example.com")
    other = repo.create_user("bob", "bob@example.com")
    repo.create_post(other.id, "post a", "someone else's")
    start = datetime(2026, 1, 1, tzinfo=UTC)
    mark = "?" if backend.dialect == "sqlite" else "%s"
    made = []
    for n, title in enumerate(TITLES):
        post = repo.create_post(ann.id, title, "text")
        # Ties on the date, and two posts another program stored without one.
        stamp = None if n in (2, 5) else backend.time_to_db(start + timedelta(days=n % 3))
        run(backend, f"UPDATE posts SET created_at = {mark} WHERE id = {mark}", (stamp, post.id))
        made.append(repo.get_post(post.id))
    return ann, made


def _by_date(posts: list[Any], descending: bool) -> list[Any]:
    dated = sorted(
        (p for p in posts if p.created_at is not None),
        key=lambda p: (p.created_at, p.id),
        reverse=descending,
    )
    undated = sorted((p for p in posts if p.created_at is None), key=lambda p: p.id)
    return dated + (undated[::-1] if descending else undated)  # undated last either way


@pytest.mark.parametrize("descending", [False, True], ids=["ascending", "descending"])
@pytest.mark.parametrize("key", ["title", "date"])
@pytest.mark.parametrize("text", ["", "post", "B"])
def test_posts_in_every_order(repo, posts, key, descending, text):
    ann, made = posts
    order = Order(key, descending)
    matching = [p for p in made if text.lower() in p.title]
    if key == "title":
        expected = sorted(matching, key=lambda p: (p.title, p.id), reverse=descending)
    else:
        expected = _by_date(matching, descending)
    listed, _ = all_pages(lambda **kw: repo.list_posts(ann.id, text, order=order, **kw), 2)
    _check_list(
        listed,
        expected,
        lambda **kw: repo.list_posts(ann.id, text, order=order, **kw),
        lambda position, limit, total: repo.posts_at(
            ann.id, position, text, limit, order=order, total=total
        ),
        lambda post_id: repo.post_position(post_id, ann.id, text, order=order),
    )


@pytest.mark.parametrize("descending", [False, True], ids=["as written", "latest first"])
def test_comments_either_way(repo, descending):
    ann = repo.create_user("ann", "ann@example.com")
    post = repo.create_post(ann.id, "hello", "text")
    elsewhere = repo.create_post(ann.id, "other", "text")
    made = []
    for n in range(7):
        made.append(repo.create_comment(post.id, f"c{n}"))
        repo.create_comment(elsewhere.id, f"o{n}")
    order = Order("written", descending)
    expected = made[::-1] if descending else made
    listed, _ = all_pages(lambda **kw: repo.list_comments(post.id, order=order, **kw), 3)
    _check_list(
        listed,
        expected,
        lambda **kw: repo.list_comments(post.id, order=order, **kw),
        lambda position, limit, total: repo.comments_at(
            post.id, position, limit, order=order, total=total
        ),
        lambda comment_id: repo.comment_position(comment_id, post.id, order=order),
    )


TIED = 3000  # users with the same number of posts, as most users of a real list are


@pytest.mark.parametrize("descending", [False, True], ids=["ascending", "descending"])
def test_users_by_posts_cost_the_same_anywhere_among_equal_counts(
    make_database: Any, descending: bool
) -> None:
    """A page of users by number of posts read deep inside a run of users with as many
    posts costs about what it costs at its start, and a place near the start counts a few
    users: SQLite bounded the row value `(post_count, user_id)` by its first column alone
    and walked the whole run (9 ms a page on the benchmark's 100,000 users)."""
    # SQLite's steps are counted; PostgreSQL bounds a row value by both of its columns.
    with open_database(make_database("sqlite"), create=True) as backend:
        _users_by_posts_among_equal_counts(backend, Repository(backend), descending)


def _users_by_posts_among_equal_counts(backend: Any, repo: Any, descending: bool) -> None:
    add_tied_users(backend, TIED)
    order = Order("posts", descending)
    ids = [user.id for user in repo.list_users(order=order, limit=TIED).items]
    assert len(ids) == TIED
    near, deep = (ids[5], ids[6]), (ids[TIED - 10], ids[TIED - 9])

    def page_after(pair: tuple[int, int]) -> Any:
        cursor = repo.list_users(order=order, limit=pair_index(pair)).after
        return lambda: repo.list_users(order=order, limit=3, after=cursor)

    def pair_index(pair: tuple[int, int]) -> int:
        return ids.index(pair[0]) + 1

    pages = [sqlite_steps(backend, page_after(pair)) for pair in (near, deep)]
    assert pages[1] <= pages[0] + 2, pages
    # A place counts the users before it, no more: near the run's start, a few.
    place = sqlite_steps(backend, lambda: repo.user_position(near[1], order=order))
    assert place <= 2, place
