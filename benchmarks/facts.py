"""Which rows the scale benchmark uses, and where they sit in the app's lists.

The heavy user and heavy post are the first ones the generator made (benchmarks/dataset.py).
A typical user is the heavy user's neighbour in the users list (name order) with the
ordinary number of posts; a typical post is the heavy post's neighbour in the heavy user's
posts (newest first) with the ordinary number of comments. Positions are 0-based rows of
those lists, worked out with the app's own keyset order.
"""

from __future__ import annotations

from typing import Any

from desktop.store.connection import open_database
from desktop.store.repository import Repository

FILTER_PREFIX = "mar"  # the start of a first name (Margaret), half-way down the alphabet
FILTER_SUBSTRING = "ijk"  # the middle of a surname (Dijkstra)


def gather(url: str, heavy_user: int, heavy_post: int) -> dict[str, Any]:
    with open_database(url, create=False) as backend:
        repo = Repository(backend)
        run = backend.execute
        mark = "?" if backend.dialect == "sqlite" else "%s"
        user = repo.get_user(heavy_user)
        (user_pos,) = run(
            f"SELECT count(*) FROM users WHERE name < {mark} OR (name = {mark} AND id < {mark})",
            (user.name, user.name, user.id),
        )[0]
        neighbours = repo.list_users(limit=3, after=_user_cursor(user))
        typical_user = next(u for u in neighbours.items if u.post_count < user.post_count)
        (typical_user_pos,) = run(
            f"SELECT count(*) FROM users WHERE name < {mark} OR (name = {mark} AND id < {mark})",
            (typical_user.name, typical_user.name, typical_user.id),
        )[0]
        post = repo.get_post(heavy_post)
        stored = run(f"SELECT created_at FROM posts WHERE id = {mark}", (post.id,))[0][0]
        (post_pos,) = run(
            f"SELECT count(*) FROM posts WHERE user_id = {mark} "
            f"AND (created_at > {mark} OR (created_at = {mark} AND id > {mark}))",
            (post.user_id, stored, stored, post.id),
        )[0]
        following = repo.list_posts(post.user_id, limit=3, after=_post_cursor(post, stored))
        typical_post = next(p for p in following.items if p.comment_count < post.comment_count)
        return {
            "url": str(url),
            "dialect": backend.dialect,
            "heavy_user": user.id,
            "heavy_user_posts": user.post_count,
            "heavy_user_pos": int(user_pos),
            "typical_user": typical_user.id,
            "typical_user_posts": typical_user.post_count,
            "typical_user_pos": int(typical_user_pos),
            "heavy_post": post.id,
            "heavy_post_comments": post.comment_count,
            "heavy_post_pos": int(post_pos),
            "typical_post": typical_post.id,
            "typical_post_comments": typical_post.comment_count,
            "typical_post_pos": int(post_pos) + 1 + following.items.index(typical_post),
            "filter_prefix": FILTER_PREFIX,
            "filter_substring": FILTER_SUBSTRING,
            "users": repo.table_counts()["users"],
        }


def _user_cursor(user: Any) -> Any:
    from desktop.store.records import UserCursor

    return UserCursor(user.name, user.id)


def _post_cursor(post: Any, stored: Any) -> Any:
    from desktop.store.records import PostCursor

    return PostCursor(post.created_at, post.id, stored=stored)
