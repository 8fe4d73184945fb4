"""The lists in every order but the ones they began with (db/queries/sort_orders.sql).

Each order of each list has three ways in, as the models use them: a keyset page after a
cursor, a page from a position (a jump), and a record's position (placing a saved record).
Repository keeps the original orders (users by name, posts newest first, comments as
written) on their own queries and hands the others here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from desktop.store.backend import Backend
from desktop.store.queries import send
from desktop.store.query_types import CommentRow, PostRow, UserRow
from desktop.store.records import (
    COMMENT_ORDER_KEYS,
    USER_ORDER_KEYS,
    Comment,
    CommentCursor,
    KeyCursor,
    Order,
    Page,
    Post,
    PostCursor,
    User,
)

Row = TypeVar("Row")
R = TypeVar("R")
C = TypeVar("C")
T = TypeVar("T")
# A read started and answered later: calling it reads the answer (desktop.store.queries.send).
Later = Callable[[], T]
# Starts the rows of an order from an offset: (order, offset, limit) -> their answer.
Fetch = Callable[[Order, int, int], Later[Any]]


def now(fetch: Fetch) -> Callable[[Order, int, int], Any]:
    """`fetch`, answered at once (page_at reads rows one query after another)."""
    return lambda order, offset, limit: fetch(order, offset, limit)()


def position_or_none(found: Any) -> int | None:
    return None if found is None else int(found)


def paged(items: list[R], limit: int, more: bool, cursor: Callable[[R], C]) -> Page[R, C]:
    """A page of `items[:limit]`, continued after its last item when more follow (`more`,
    or more items than `limit`)."""
    kept = items[:limit]
    more = more or len(items) > limit
    return Page(kept, cursor(kept[-1]) if more and kept else None)


def check_order(order: Order, keys: Sequence[str]) -> None:
    if order.key not in keys:
        raise ValueError(f"This list sorts by {', '.join(keys)}, not {order.key!r}.")


def _way(order: Order) -> str:
    return "desc" if order.descending else "asc"


def _reverse(order: Order) -> Order:
    return Order(order.key, not order.descending)


def page_at(
    fetch: Callable[[Order, int, int], Sequence[Row]],
    order: Order,
    position: int,
    limit: int,
    total: int | None,
) -> tuple[list[Row], bool]:
    """The rows from `position` in `order`, and whether more follow. A position in the
    second half of a list of `total` rows is read from the other end in the reverse order:
    an OFFSET costs as many rows as it skips, so the last page (Ctrl+End) costs one page."""
    position = max(0, position)
    if total is None or position <= total // 2 or position >= total:
        rows = list(fetch(order, position, limit + 1))
        return rows[:limit], len(rows) > limit
    offset = max(0, total - position - limit)
    rows = list(fetch(_reverse(order), offset, total - position - offset))
    rows.reverse()
    return rows, offset > 0


class SortedLists:
    """The queries of every order of the three lists, over one backend."""

    def __init__(
        self,
        backend: Backend,
        user: Callable[[UserRow], User],
        post: Callable[[PostRow], Post],
        comment: Callable[[CommentRow], Comment],
    ) -> None:
        self.db = backend
        self.q = backend.queries
        self._user, self._post, self._comment = user, post, comment

    def _named(self, name: str) -> Callable[..., Any]:
        # The names are made from the order; tests/store/test_queries.py proves each exists.
        query: Callable[..., Any] = getattr(self.q, name)
        return query

    # -- users --------------------------------------------------------------------------------
    def user_value(self, user: User, order: Order) -> str | int:
        if order.key == "posts":
            return user.post_count
        return user.email if order.key == "email" else user.name

    def _users_at(self, pattern: str, everyone: bool) -> Fetch:
        def fetch(order: Order, offset: int, limit: int) -> Later[Any]:
            conn = self.db.conn
            if order.key == "name" and not order.descending:
                if everyone:
                    return send(self.q.all_users_at, conn, offset=offset, limit=limit)
                return send(self.q.users_at, conn, pattern=pattern, offset=offset, limit=limit)
            name = f"users_by_{order.key}_at_{_way(order)}"
            if everyone:
                return send(self._named(f"all_{name}"), conn, offset=offset, limit=limit)
            return send(self._named(name), conn, pattern=pattern, offset=offset, limit=limit)

        return fetch

    def list_users(
        self, order: Order, pattern: str, everyone: bool, limit: int, after: KeyCursor | None
    ) -> Page[User, KeyCursor]:
        check_order(order, USER_ORDER_KEYS)
        with self.db.reading():
            if after is None:
                return self.start_first_users(order, pattern, everyone, limit)()
            rows = self._named(f"list_users_by_{order.key}_{_way(order)}")(
                self.db.conn,
                pattern=pattern,
                after_value=after.value,
                after_id=after.id,
                limit=limit + 1,
            )
        return paged([self._user(row) for row in rows], limit, False, self._user_cursor(order))

    def start_first_users(
        self, order: Order, pattern: str, everyone: bool, limit: int
    ) -> Later[Page[User, KeyCursor]]:
        """The first page of list_users, started now and read when called (inside a read)."""
        check_order(order, USER_ORDER_KEYS)
        rows = self._users_at(pattern, everyone)(order, 0, limit + 1)
        cursor = self._user_cursor(order)
        return lambda: paged([self._user(row) for row in rows()], limit, False, cursor)

    def users_at(
        self,
        order: Order,
        pattern: str,
        everyone: bool,
        position: int,
        limit: int,
        total: int | None,
    ) -> Page[User, KeyCursor]:
        check_order(order, USER_ORDER_KEYS)
        with self.db.reading():
            fetch = now(self._users_at(pattern, everyone))
            rows, more = page_at(fetch, order, position, limit, total)
        return paged([self._user(row) for row in rows], limit, more, self._user_cursor(order))

    def _user_cursor(self, order: Order) -> Callable[[User], KeyCursor]:
        return lambda user: KeyCursor(self.user_value(user, order), user.id)

    def start_user_position(
        self, order: Order, user_id: int, pattern: str, everyone: bool = False
    ) -> Later[int | None]:
        check_order(order, USER_ORDER_KEYS)
        name = "user_position" if order.key == "name" else f"user_position_by_{order.key}"

        def total() -> Later[Any]:
            return send(self.q.count_users, self.db.conn, pattern=pattern)

        return self._start_position(name, order, pattern, everyone, total, id=user_id)

    def _start_position(
        self,
        name: str,
        order: Order,
        pattern: str,
        everyone: bool,
        total: Callable[[], Later[Any]],
        **keys: int,
    ) -> Later[int | None]:
        """Where a record stands, by the named position query, started now and read when
        called. `everyone` (no filter): the rows before it in the list's own direction are
        counted on the order's index, one count (`all_NAME`, `all_NAME_desc`). With a
        filter it is counted from the start, and descending the rest are: the list's
        length (`total()` starts its count) less it (the order is total, so the one is the
        other turned round)."""
        if everyone:
            way = "_desc" if order.descending else ""
            found = send(self._named(f"all_{name}{way}"), self.db.conn, **keys)
            return lambda: position_or_none(found())
        before = send(self._named(name), self.db.conn, pattern=pattern, **keys)
        if not order.descending:
            return lambda: position_or_none(before())
        length = total()

        def turned() -> int | None:
            found, counted = before(), length()
            return None if found is None else int(counted) - 1 - int(found)

        return turned

    # -- posts by title ---------------------------------------------------------------------
    def _posts_at(self, user_id: int, pattern: str, everyone: bool) -> Fetch:
        def fetch(order: Order, offset: int, limit: int) -> Later[Any]:
            name = f"posts_by_title_at_{_way(order)}"
            if everyone:
                return send(
                    self._named(f"all_{name}"),
                    self.db.conn,
                    user_id=user_id,
                    offset=offset,
                    limit=limit,
                )
            return send(
                self._named(name),
                self.db.conn,
                user_id=user_id,
                pattern=pattern,
                offset=offset,
                limit=limit,
            )

        return fetch

    def list_posts_by_title(
        self,
        order: Order,
        user_id: int,
        pattern: str,
        everyone: bool,
        limit: int,
        after: KeyCursor | None,
    ) -> Page[Post, KeyCursor]:
        with self.db.reading():
            if after is None:
                return self.start_first_posts_by_title(order, user_id, pattern, everyone, limit)()
            rows = self._named(f"list_posts_by_title_{_way(order)}")(
                self.db.conn,
                user_id=user_id,
                pattern=pattern,
                after_value=after.value,
                after_id=after.id,
                limit=limit + 1,
            )
        return paged([self._post(row) for row in rows], limit, False, _title_cursor)

    def start_first_posts_by_title(
        self, order: Order, user_id: int, pattern: str, everyone: bool, limit: int
    ) -> Later[Page[Post, KeyCursor]]:
        """The first page of list_posts_by_title, started now and read when called."""
        rows = self._posts_at(user_id, pattern, everyone)(order, 0, limit + 1)
        return lambda: paged([self._post(row) for row in rows()], limit, False, _title_cursor)

    def posts_by_title_at(
        self,
        order: Order,
        user_id: int,
        pattern: str,
        everyone: bool,
        position: int,
        limit: int,
        total: int | None,
    ) -> Page[Post, KeyCursor]:
        fetch = now(self._posts_at(user_id, pattern, everyone))
        with self.db.reading():
            rows, more = page_at(fetch, order, position, limit, total)
        return paged([self._post(row) for row in rows], limit, more, _title_cursor)

    def start_post_position_by_title(
        self, order: Order, post_id: int, user_id: int, pattern: str, everyone: bool = False
    ) -> Later[int | None]:
        def total() -> Later[Any]:
            return send(self.q.count_posts, self.db.conn, user_id=user_id, pattern=pattern)

        name = "post_position_by_title"
        return self._start_position(
            name, order, pattern, everyone, total, id=post_id, user_id=user_id
        )

    # -- posts oldest first (undated ones still last) ---------------------------------------
    def list_posts_oldest_first(
        self, user_id: int, pattern: str, limit: int, after: PostCursor | None
    ) -> Page[Post, PostCursor]:
        with self.db.reading():
            if after is None:
                rows = self._dated_at(user_id, pattern, 0, limit + 1)
            elif after.created_at is not None:
                stored = after.stored
                if stored is None:
                    stored = self.db.time_to_db(after.created_at)
                rows = self.q.list_posts_by_date_asc(
                    self.db.conn,
                    user_id=user_id,
                    pattern=pattern,
                    after_created=stored,
                    after_id=after.id,
                    limit=limit + 1,
                )
            else:
                rows = []
            rows = list(rows)
            if len(rows) <= limit:  # the dated posts ran out: the undated ones follow
                rows += self.q.list_undated_posts_asc(
                    self.db.conn,
                    user_id=user_id,
                    pattern=pattern,
                    after_id=after.id if after is not None and after.created_at is None else 0,
                    limit=limit + 1 - len(rows),
                )
        return self.dated_page(rows, limit)

    def posts_oldest_first_at(
        self, user_id: int, pattern: str, position: int, limit: int
    ) -> Page[Post, PostCursor]:
        position = max(0, position)
        with self.db.reading():
            rows = self._dated_at(user_id, pattern, position, limit + 1)
            if len(rows) <= limit:
                if rows:
                    undated_from = 0
                else:
                    dated = self.q.count_dated_posts(self.db.conn, user_id=user_id, pattern=pattern)
                    undated_from = max(0, position - int(dated))
                rows += self.q.undated_posts_at_asc(
                    self.db.conn,
                    user_id=user_id,
                    pattern=pattern,
                    offset=undated_from,
                    limit=limit + 1 - len(rows),
                )
        return self.dated_page(rows, limit)

    def start_post_position_oldest_first(
        self, post_id: int, user_id: int, pattern: str, everyone: bool = False
    ) -> Later[int | None]:
        conn = self.db.conn
        if everyone:
            found = send(self.q.all_post_position_by_date_asc, conn, id=post_id, user_id=user_id)
        else:
            found = send(
                self.q.post_position_by_date_asc, conn, id=post_id, user_id=user_id, pattern=pattern
            )
        return lambda: position_or_none(found())

    def _dated_at(self, user_id: int, pattern: str, offset: int, limit: int) -> list[PostRow]:
        return list(
            self.q.posts_by_date_at_asc(
                self.db.conn, user_id=user_id, pattern=pattern, offset=offset, limit=limit
            )
        )

    def dated_page(self, rows: list[PostRow], limit: int) -> Page[Post, PostCursor]:
        """A page of posts by date (undated ones last), continued from its last row."""
        return self.dated_rows_page(rows[:limit], len(rows) > limit)

    def dated_rows_page(self, rows: list[PostRow], more: bool) -> Page[Post, PostCursor]:
        """As dated_page, of these rows, continued when `more` follow."""
        posts = [self._post(row) for row in rows]
        if not more or not rows:
            return Page(posts, None)
        last = rows[-1]
        if last[4] is None:
            return Page(posts, PostCursor(None, last[0]))
        return Page(posts, PostCursor(self.db.time_from_db(last[4]), last[0], stored=last[4]))

    # -- comments, the latest first -----------------------------------------------------------
    def list_comments_latest_first(
        self, post_id: int, limit: int, after: CommentCursor | None
    ) -> Page[Comment, CommentCursor]:
        with self.db.reading():
            if after is None:
                return self.start_first_comments_latest_first(post_id, limit)()
            rows = self.q.list_comments_desc(
                self.db.conn, post_id=post_id, after_id=after.id, limit=limit + 1
            )
        return paged([self._comment(row) for row in rows], limit, False, _comment_cursor)

    def start_first_comments_latest_first(
        self, post_id: int, limit: int
    ) -> Later[Page[Comment, CommentCursor]]:
        conn = self.db.conn
        rows = send(self.q.comments_at_desc, conn, post_id=post_id, offset=0, limit=limit + 1)
        return lambda: paged([self._comment(r) for r in rows()], limit, False, _comment_cursor)

    def comments_at(
        self, order: Order, post_id: int, position: int, limit: int, total: int | None
    ) -> Page[Comment, CommentCursor]:
        check_order(order, COMMENT_ORDER_KEYS)

        def fetch(way: Order, offset: int, count: int) -> list[CommentRow]:
            if way.descending:
                return self.q.comments_at_desc(
                    self.db.conn, post_id=post_id, offset=offset, limit=count
                )
            return self.q.comments_at(self.db.conn, post_id=post_id, offset=offset, limit=count)

        with self.db.reading():
            rows, more = page_at(fetch, order, position, limit, total)
        return paged([self._comment(row) for row in rows], limit, more, _comment_cursor)

    def start_comment_position_latest_first(
        self, comment_id: int, post_id: int
    ) -> Later[int | None]:
        before = send(self.q.comment_position, self.db.conn, id=comment_id, post_id=post_id)
        length = send(self.q.count_comments, self.db.conn, post_id=post_id)

        def turned() -> int | None:
            found, counted = before(), length()
            return None if found is None else int(counted) - 1 - int(found)

        return turned


def _title_cursor(post: Post) -> KeyCursor:
    return KeyCursor(post.title, post.id)


def _comment_cursor(comment: Comment) -> CommentCursor:
    return CommentCursor(comment.id)
