"""Where a record stands in its list: the count a fresh query would put before it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tests.support.dbtools import all_pages


def _ids(items: list[Any]) -> list[int]:
    return [item.id for item in items]


def test_a_users_position_is_its_index_in_a_fresh_list(repo):
    for name in ["Mia", "Ann", "Zoe", "ann", "Bob", "Ann", "Émile", "Ωmega"]:
        repo.create_user(name, f"{name.lower()}{repo.count_users()}@example.com")
    for text in ["", "an", "o", "nobody"]:
        listed, _ = all_pages(lambda text=text, **kw: repo.list_users(text, **kw), limit=3)
        for index, user in enumerate(listed):
            assert repo.user_position(user.id, text) == index
        for user in all_pages(repo.list_users, limit=50)[0]:
            if user.id not in _ids(listed):
                assert repo.user_position(user.id, text) is None
    assert repo.user_position(999) is None


def test_a_posts_position_counts_dated_posts_newest_first_then_undated(repo, backend):
    ann = repo.create_user("Ann", "ann@example.com")
    other = repo.create_user("Bob", "bob@example.com")
    start = datetime(2026, 1, 1, tzinfo=UTC)
    for n in range(6):
        post = repo.create_post(ann.id, f"Post {n % 3}", "text")
        stamp = backend.time_to_db(start + timedelta(days=n % 4))  # ties on created_at
        backend.execute(_set_created(backend), (stamp, post.id))
    for _ in range(2):  # stored by another program without a date
        post = repo.create_post(ann.id, "Undated", "text")
        backend.execute(_set_created(backend), (None, post.id))
    moved = repo.create_post(other.id, "Post 1", "elsewhere")
    for text in ["", "1", "undated"]:
        listed, _ = all_pages(lambda text=text, **kw: repo.list_posts(ann.id, text, **kw), 4)
        assert listed, text
        for index, post in enumerate(listed):
            assert repo.post_position(post.id, ann.id, text) == index
    assert repo.post_position(moved.id, ann.id) is None  # another user's list
    assert repo.post_position(listed[0].id, ann.id, "no such title") is None


def test_a_comments_position_is_its_index_in_written_order(repo):
    ann = repo.create_user("Ann", "ann@example.com")
    post = repo.create_post(ann.id, "Hello", "text")
    other = repo.create_post(ann.id, "Other", "text")
    for n in range(5):
        repo.create_comment(post.id, f"c{n}")
        repo.create_comment(other.id, f"o{n}")
    listed, _ = all_pages(lambda **kw: repo.list_comments(post.id, **kw), 2)
    for index, comment in enumerate(listed):
        assert repo.comment_position(comment.id, post.id) == index
        assert repo.comment_position(comment.id, other.id) is None


def _set_created(backend: Any) -> str:
    mark = "?" if backend.dialect == "sqlite" else "%s"
    return f"UPDATE posts SET created_at = {mark} WHERE id = {mark}"
