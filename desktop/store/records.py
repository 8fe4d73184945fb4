"""Typed records the store hands out, and the keyset cursors that page through them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, TypeVar


@dataclass(frozen=True, slots=True)
class User:
    id: int
    name: str
    email: str
    created_at: datetime | None
    post_count: int = 0
    # Bumped by a trigger on every UPDATE, whoever makes it: saving compares it.
    version: int = 1


@dataclass(frozen=True, slots=True)
class Post:
    id: int
    user_id: int
    title: str
    content: str
    created_at: datetime | None
    comment_count: int = 0
    version: int = 1


@dataclass(frozen=True, slots=True)
class Comment:
    id: int
    post_id: int
    body: str
    version: int = 1


@dataclass(frozen=True, slots=True)
class Order:
    """How a list is sorted: by one of its columns (`key`), ascending or descending; records
    with equal values go by id, the same way, so the order is total and pages never skip or
    repeat a record."""

    key: str
    descending: bool = False


USER_ORDER_KEYS = ("name", "email", "posts")
POST_ORDER_KEYS = ("title", "date")
COMMENT_ORDER_KEYS = ("written",)
USERS_BY_NAME = Order("name")
POSTS_NEWEST_FIRST = Order("date", descending=True)
COMMENTS_AS_WRITTEN = Order("written")


@dataclass(frozen=True, slots=True)
class KeyCursor:
    """Position after a record in an order by one column (its value there), then id."""

    value: str | int
    id: int


@dataclass(frozen=True, slots=True)
class UserCursor:
    """Position after a user in name order."""

    name: str
    id: int


@dataclass(frozen=True, slots=True)
class PostCursor:
    """Position after a post in newest-first order (created_at None: among the undated
    posts, which follow every dated one)."""

    created_at: datetime | None
    id: int
    # created_at exactly as the database holds it. The next page compares against this, so
    # a time another program stored in another form (microseconds, +00:00) cannot make a
    # page start at its own last post again.
    stored: Any = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class CommentCursor:
    """Position after a comment in id order."""

    id: int


# Covariant: a page of one kind of cursor is a page of a union of cursors.
R = TypeVar("R", covariant=True)
C = TypeVar("C", covariant=True)


@dataclass(frozen=True, slots=True)
class Page(Generic[R, C]):
    """One page of a list; `after` continues it, None when this is the last page."""

    items: list[R]
    after: C | None


@dataclass(frozen=True, slots=True)
class DeleteReport:
    """What deleting a record takes with it: how many posts and comments and, from the
    repository, which ones (`ids`: the sums of the posts' and of the comments' ids).

    Equality compares the counts, what a person is told; `names_same` also compares the
    ids, so a post put in the place of another is not taken for it.
    """

    posts: int
    comments: int
    ids: tuple[int, int] | None = field(default=None, compare=False)

    def names_same(self, other: DeleteReport) -> bool:
        """The same counts and, where both know them, the same records."""
        known = self.ids is not None and other.ids is not None
        return self == other and (not known or self.ids == other.ids)
