"""Create, read, update and delete users, posts and comments; keyset-paged lists and counts.

Every write runs in one transaction: it happens whole or not at all. Validation errors,
missing records and delete reports are raised as the errors of desktop.store.errors.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypeAlias, TypeVar

from desktop.store import sorting
from desktop.store.backend import Backend
from desktop.store.errors import (
    DeleteChangedError,
    HasChildrenError,
    NotFoundError,
    StaleRecordError,
    ValidationError,
)
from desktop.store.queries import send
from desktop.store.query_types import CommentRow, PostRow, SearchRow, UserRow
from desktop.store.records import (
    COMMENT_ORDER_KEYS,
    COMMENTS_AS_WRITTEN,
    POST_ORDER_KEYS,
    POSTS_NEWEST_FIRST,
    USERS_BY_NAME,
    Comment,
    CommentCursor,
    DeleteReport,
    KeyCursor,
    Order,
    Page,
    Post,
    PostCursor,
    User,
    UserCursor,
)
from desktop.store.sorting import Later
from desktop.store.validation import (
    clean_comment,
    clean_post,
    clean_user,
    like_pattern,
    trimmed,
)

if TYPE_CHECKING:  # imported by the search methods: opening a window never searches
    from desktop.store import search

DEFAULT_PAGE = 100
R = TypeVar("R")
C = TypeVar("C")
# The first page of a list and the list's length, read together.
Counted: TypeAlias = tuple[Page[R, C], int]
_END_OF_TIME = datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC)


def _check_limit(limit: int) -> None:
    if limit < 1:
        raise ValueError(f"A page holds at least one row, not {limit}.")


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _comment(row: CommentRow) -> Comment:
    comment_id, post_id, body, version = row
    return Comment(comment_id, post_id, body, version)


def _comments_page(rows: list[CommentRow], limit: int) -> Page[Comment, CommentCursor]:
    comments = [_comment(row) for row in rows[:limit]]
    more = len(rows) > limit
    return Page(comments, CommentCursor(comments[-1].id) if more else None)


def _user_changed(user: User, now: DeleteReport, asked: DeleteReport) -> str:
    what = f"{_plural(now.posts, 'post')} and {_plural(now.comments, 'comment')}"
    if now == asked:  # as many as before, but not the same ones
        return (
            f"Since you were asked, someone else replaced posts or comments of {user.name} "
            f"(there are still {what}); nothing was deleted."
        )
    return f"Since you were asked, {user.name} now has {what}; nothing was deleted."


def _post_changed(post: Post, now: DeleteReport, asked: DeleteReport) -> str:
    what = _plural(now.comments, "comment")
    if now == asked:
        return (
            f"Since you were asked, someone else replaced comments of the post “{post.title}” "
            f"(there are still {what}); nothing was deleted."
        )
    return f"Since you were asked, the post “{post.title}” now has {what}; nothing was deleted."


class Repository:
    """The app's one way to the data, over an open Backend."""

    def __init__(self, backend: Backend) -> None:
        self.db = backend
        self.q = backend.queries
        # Every order but the ones each list began with (below).
        self.sorted = sorting.SortedLists(backend, self._user, self._post, _comment)

    # -- several reads in one round trip ----------------------------------------------------
    def reading(self) -> AbstractContextManager[None]:
        """Around the start_* reads and their answers: errors as StoreError."""
        return self.db.reading()

    def together(self) -> AbstractContextManager[None]:
        """Inside reading(): the start_* reads started in this block travel to a server
        together, one round trip for all (PostgreSQL's pipeline mode); call what they
        return after the block. Elsewhere each read runs as it is started."""
        return self.db.pipeline()

    @property
    def reads_travel_together(self) -> bool:
        """Whether together() saves round trips, so that a read that may not be needed is
        worth starting with the others."""
        return self.db.dialect == "postgresql"

    # -- users ------------------------------------------------------------------------------
    def list_users(
        self,
        filter_text: str = "",
        limit: int = DEFAULT_PAGE,
        after: UserCursor | KeyCursor | None = None,
        *,
        order: Order = USERS_BY_NAME,
    ) -> Page[User, UserCursor | KeyCursor]:
        """Users by name (or in `order`) whose name or email contains `filter_text` (any
        case)."""
        _check_limit(limit)
        if order != USERS_BY_NAME:
            assert after is None or isinstance(after, KeyCursor)
            everyone = not trimmed(filter_text)
            pattern = like_pattern(filter_text)
            return self.sorted.list_users(order, pattern, everyone, limit, after)
        assert after is None or isinstance(after, UserCursor)
        with self.db.reading():
            return self._start_users(filter_text, limit, after)()

    def start_first_users(
        self, filter_text: str, limit: int, order: Order = USERS_BY_NAME
    ) -> Later[Page[User, UserCursor | KeyCursor]]:
        """list_users' first page, started now and read when called (see together())."""
        _check_limit(limit)
        if order != USERS_BY_NAME:
            everyone = not trimmed(filter_text)
            pattern = like_pattern(filter_text)
            return self.sorted.start_first_users(order, pattern, everyone, limit)
        return self._start_users(filter_text, limit, None)

    def _start_users(
        self, filter_text: str, limit: int, after: UserCursor | None
    ) -> Later[Page[User, UserCursor]]:
        start = after or UserCursor("", 0)
        rows = send(
            self.q.list_users,
            self.db.conn,
            pattern=like_pattern(filter_text),
            after_name=start.name,
            after_id=start.id,
            limit=limit + 1,
        )
        return lambda: self._users_page(rows(), limit)

    def first_users(self, limit: int = DEFAULT_PAGE) -> Counted[User, UserCursor]:
        """The first page of all users and how many there are, in one round trip.
        (Only without a filter: then the count is cheap, while a filter's count can take
        far longer than its first page, which should not wait for it.)"""
        with self.db.reading():
            with self.db.pipeline():
                counted = self.start_counted_users(limit)
            return counted()

    def start_counted_users(self, limit: int = DEFAULT_PAGE) -> Later[Counted[User, UserCursor]]:
        """first_users, started now and read when called (inside reading(); with other
        reads in together(), or with an open's checks)."""
        _check_limit(limit)
        page = self._start_users("", limit, None)
        total = self.start_count_users()
        return lambda: (page(), total())

    def _users_page(self, rows: list[UserRow], limit: int) -> Page[User, UserCursor]:
        users = [self._user(row) for row in rows[:limit]]
        more = len(rows) > limit
        return Page(users, UserCursor(users[-1].name, users[-1].id) if more else None)

    def users_at(
        self,
        position: int,
        filter_text: str = "",
        limit: int = DEFAULT_PAGE,
        *,
        order: Order = USERS_BY_NAME,
        total: int | None = None,
    ) -> Page[User, UserCursor | KeyCursor]:
        """The users from `position` (0-based) in list_users' order, for a jump into a long
        list; `after` continues with list_users from there. With the list's `total`, a
        position in its second half is read from the end (Ctrl+End: one page, where an
        OFFSET from the start read every user before it)."""
        _check_limit(limit)
        everyone = not trimmed(filter_text)
        pattern = like_pattern(filter_text)
        page = self.sorted.users_at(order, pattern, everyone, position, limit, total)
        if order != USERS_BY_NAME or page.after is None:
            return page
        # By name, list_users goes on from a UserCursor.
        return Page(page.items, UserCursor(str(page.after.value), page.after.id))

    def count_users(self, filter_text: str = "") -> int:
        with self.db.reading():
            return self.start_count_users(filter_text)()

    def start_count_users(self, filter_text: str = "") -> Later[int]:
        if not trimmed(filter_text):
            found = send(self.q.count_all_users, self.db.conn)
        else:
            found = send(self.q.count_users, self.db.conn, pattern=like_pattern(filter_text))
        return lambda: int(found())

    def get_user(self, user_id: int) -> User:
        with self.db.reading():
            return self._get_user(user_id)

    def create_user(self, name: str, email: str, *, unless_exists: bool = False) -> User:
        """Add a user. With `unless_exists`, an identical user already stored is returned
        instead: a save whose first attempt may have reached the server lands once."""
        name, email = clean_user(name, email)
        with self.db.transaction():
            if unless_exists:
                holder = self.q.user_id_by_email(self.db.conn, email=email)
                if holder is not None:
                    existing = self._get_user(holder)
                    if (existing.name, existing.email) == (name, email):
                        return existing
            self._check_email_free(email, None)
            user_id = self.q.insert_user(self.db.conn, name=name, email=email)
            return self._get_user(user_id)

    def update_user(
        self, user_id: int, name: str, email: str, *, expected: User | None = None
    ) -> User:
        """Change a user. With `expected` (the user as read), a user someone else changed
        meanwhile is not overwritten: StaleRecordError carries what is stored now."""
        name, email = clean_user(name, email)
        with self.db.transaction():
            self._check_email_free(email, user_id)
            if expected is None:
                changed = self.q.update_user(self.db.conn, id=user_id, name=name, email=email)
            else:
                changed = self.q.update_user_if_unchanged(
                    self.db.conn,
                    id=user_id,
                    name=name,
                    email=email,
                    old_version=expected.version,
                )
            current = self._get_user(user_id)
            if not changed and (current.name, current.email) != (name, email):
                raise StaleRecordError("user", current)
            return current

    def user_delete_report(self, user_id: int) -> DeleteReport:
        """What deleting the user would take with it: what to ask the person, and what to
        hand back to delete_user as `expected`."""
        with self.db.reading():
            self._get_user(user_id)
            return self._user_children(user_id)

    def delete_user(
        self, user_id: int, *, cascade: bool = False, expected: DeleteReport | None = None
    ) -> DeleteReport:
        """Delete a user; with `cascade`, their posts and those posts' comments go too.
        Returns what was deleted.

        With `expected` (the user_delete_report the person was asked about), nothing is
        deleted unless exactly that would go: otherwise DeleteChangedError carries what
        would go now. The user and their posts stay locked from that check to the delete,
        so nobody can add a post or a comment in between.
        """
        with self.db.transaction():
            if self.q.lock_user(self.db.conn, id=user_id) is None:
                raise NotFoundError("user", user_id)
            self.q.lock_posts_of_user(self.db.conn, user_id=user_id)
            user = self._get_user(user_id)
            report = self._user_children(user_id)
            if expected is not None and not report.names_same(expected):
                raise DeleteChangedError(_user_changed(user, report, expected), report)
            if report.posts and not cascade:
                raise HasChildrenError(
                    f"{user.name} has {_plural(report.posts, 'post')} with "
                    f"{_plural(report.comments, 'comment')}; they would be deleted too.",
                    report.posts,
                    report.comments,
                )
            self.q.delete_comments_of_user(self.db.conn, user_id=user_id)
            self.q.delete_posts_of_user(self.db.conn, user_id=user_id)
            self.q.delete_user(self.db.conn, id=user_id)
            return report

    def _get_user(self, user_id: int) -> User:
        row = self.q.get_user(self.db.conn, id=user_id)
        if row is None:
            raise NotFoundError("user", user_id)
        return self._user(row)

    def _user_children(self, user_id: int) -> DeleteReport:
        posts, post_ids, comments, comment_ids = self.q.user_delete_counts(
            self.db.conn, user_id=user_id
        )
        return DeleteReport(int(posts), int(comments), (int(post_ids), int(comment_ids)))

    def _check_email_free(self, email: str, own_id: int | None) -> None:
        holder = self.q.user_id_by_email(self.db.conn, email=email)
        if holder is not None and holder != own_id:
            raise ValidationError.single("email", f"Another user already has the email {email}.")

    def _user(self, row: UserRow) -> User:
        user_id, name, email, created_at, post_count, version = row
        created = self.db.time_from_db(created_at)
        return User(user_id, name, email, created, int(post_count), int(version))

    # -- posts ------------------------------------------------------------------------------
    def list_posts(
        self,
        user_id: int,
        filter_text: str = "",
        limit: int = DEFAULT_PAGE,
        after: PostCursor | KeyCursor | None = None,
        *,
        order: Order = POSTS_NEWEST_FIRST,
    ) -> Page[Post, PostCursor | KeyCursor]:
        """A user's posts, newest first (or in `order`), whose title contains `filter_text`
        (any case). Posts without a created_at (only another program writes those) come
        last, whichever way the dates go."""
        _check_limit(limit)
        pattern = like_pattern(filter_text)
        if order != POSTS_NEWEST_FIRST:
            sorting.check_order(order, POST_ORDER_KEYS)
            if order.key == "title":
                assert after is None or isinstance(after, KeyCursor)
                everyone = not trimmed(filter_text)
                return self.sorted.list_posts_by_title(
                    order, user_id, pattern, everyone, limit, after
                )
            assert after is None or isinstance(after, PostCursor)
            return self.sorted.list_posts_oldest_first(user_id, pattern, limit, after)
        assert after is None or isinstance(after, PostCursor)
        with self.db.reading():
            if after is None or after.created_at is not None:
                return self._start_newest_posts(user_id, pattern, after, limit)()
            rows = self.q.list_undated_posts(
                self.db.conn,
                user_id=user_id,
                pattern=pattern,
                after_id=after.id,
                limit=limit + 1,
            )
        return self.sorted.dated_page(rows, limit)

    def start_first_posts(
        self, user_id: int, filter_text: str, limit: int, order: Order = POSTS_NEWEST_FIRST
    ) -> Later[Page[Post, PostCursor | KeyCursor]]:
        """list_posts' first page, started now and read when called (see together()); by
        date, oldest first, it is read when called (two reads, the second when the first
        falls short)."""
        _check_limit(limit)
        pattern = like_pattern(filter_text)
        if order == POSTS_NEWEST_FIRST:
            return self._start_newest_posts(user_id, pattern, None, limit)
        sorting.check_order(order, POST_ORDER_KEYS)
        if order.key == "title":
            everyone = not trimmed(filter_text)
            return self.sorted.start_first_posts_by_title(order, user_id, pattern, everyone, limit)
        return lambda: self.sorted.list_posts_oldest_first(user_id, pattern, limit, None)

    def _start_newest_posts(
        self, user_id: int, pattern: str, after: PostCursor | None, limit: int
    ) -> Later[Page[Post, PostCursor]]:
        both = send(
            self.q.list_posts_then_undated,
            self.db.conn,
            **self._dated_then_undated(user_id, pattern, after, limit + 1),
        )
        return lambda: self._dated_then_undated_page(both(), limit)

    def first_posts(self, user_id: int, limit: int = DEFAULT_PAGE) -> Counted[Post, PostCursor]:
        """The first page of all of a user's posts and how many there are, in one round
        trip (see first_users)."""
        _check_limit(limit)
        with self.db.reading():
            with self.db.pipeline():
                page = self._start_newest_posts(user_id, like_pattern(""), None, limit)
                total = self.start_count_posts(user_id)
            return page(), total()

    def _dated_then_undated(
        self, user_id: int, pattern: str, after: PostCursor | None, limit: int
    ) -> dict[str, Any]:
        """The parameters of list_posts_then_undated: dated posts after `after`, then the
        undated ones, in one statement (one round trip)."""
        start = after or PostCursor(_END_OF_TIME, 0)
        after_created = start.stored
        if after_created is None:
            assert start.created_at is not None
            after_created = self.db.time_to_db(start.created_at)
        return {
            "user_id": user_id,
            "pattern": pattern,
            "after_created": after_created,
            "after_id": start.id,
            "limit": limit,
        }

    def _dated_then_undated_page(self, both: list[PostRow], limit: int) -> Page[Post, PostCursor]:
        # UNION ALL promises no order: put it back (at most twice a page of rows).
        dated = sorted(
            (row for row in both if row[4] is not None),
            key=lambda row: (row[4], row[0]),
            reverse=True,
        )
        undated = sorted(
            (row for row in both if row[4] is None), key=lambda row: row[0], reverse=True
        )
        return self.sorted.dated_page(dated + undated, limit)

    def posts_at(
        self,
        user_id: int,
        position: int,
        filter_text: str = "",
        limit: int = DEFAULT_PAGE,
        *,
        order: Order = POSTS_NEWEST_FIRST,
        total: int | None = None,
    ) -> Page[Post, PostCursor | KeyCursor]:
        """A user's posts from `position` in list_posts' order (see users_at)."""
        _check_limit(limit)
        pattern = like_pattern(filter_text)
        if order != POSTS_NEWEST_FIRST:
            sorting.check_order(order, POST_ORDER_KEYS)
            if order.key == "title":
                everyone = not trimmed(filter_text)
                return self.sorted.posts_by_title_at(
                    order, user_id, pattern, everyone, position, limit, total
                )
            return self.sorted.posts_oldest_first_at(user_id, pattern, position, limit)
        filtered = bool(trimmed(filter_text))

        def fetch(way: Order, offset: int, count: int) -> list[PostRow]:
            # One statement either way: the dated posts and the undated ones after them
            # (newest first), or from the end the undated ones and the dated ones before.
            q, conn, from_end = self.q, self.db.conn, not way.descending
            if filtered:
                query = q.posts_from_end_then_dated if from_end else q.posts_at_then_undated
                rows = query(conn, user_id=user_id, pattern=pattern, offset=offset, limit=count)
            else:
                every = q.all_posts_from_end_then_dated if from_end else q.all_posts_at_then_undated
                rows = every(conn, user_id=user_id, offset=offset, limit=count)
            return rows[:count]

        with self.db.reading():
            rows, more = sorting.page_at(fetch, POSTS_NEWEST_FIRST, position, limit, total)
        return self.sorted.dated_rows_page(rows, more)

    def count_posts(self, user_id: int, filter_text: str = "") -> int:
        with self.db.reading():
            return self.start_count_posts(user_id, filter_text)()

    def start_count_posts(self, user_id: int, filter_text: str = "") -> Later[int]:
        conn = self.db.conn
        if not trimmed(filter_text):
            found = send(self.q.count_all_posts, conn, user_id=user_id)
        else:
            pattern = like_pattern(filter_text)
            found = send(self.q.count_posts, conn, user_id=user_id, pattern=pattern)
        return lambda: int(found())

    def get_post(self, post_id: int) -> Post:
        with self.db.reading():
            return self._get_post(post_id)

    def create_post(
        self, user_id: int, title: str, content: str, *, unless_exists: bool = False
    ) -> Post:
        """Add a post. With `unless_exists`, an identical post of the same author already
        stored is returned instead (see create_user)."""
        title, content = clean_post(title, content)
        with self.db.transaction():
            self._require_author(user_id)
            post_id = None
            if unless_exists:
                post_id = self.q.find_post(
                    self.db.conn, user_id=user_id, title=title, content=content
                )
            if post_id is None:
                post_id = self.q.insert_post(
                    self.db.conn, user_id=user_id, title=title, content=content
                )
            return self._get_post(post_id)

    def update_post(
        self,
        post_id: int,
        title: str,
        content: str,
        *,
        user_id: int | None = None,
        expected: Post | None = None,
    ) -> Post:
        """Change a post's text and, when `user_id` is given, its author. With `expected`
        (the post as read), a post someone else changed meanwhile is not overwritten."""
        title, content = clean_post(title, content)
        with self.db.transaction():
            stored = self._get_post(post_id)
            author = stored.user_id if user_id is None else user_id
            self._require_author(author)
            if expected is None:
                self.q.update_post(
                    self.db.conn, id=post_id, user_id=author, title=title, content=content
                )
            elif not self.q.update_post_if_unchanged(
                self.db.conn,
                id=post_id,
                user_id=author,
                title=title,
                content=content,
                old_version=expected.version,
            ) and (stored.user_id, stored.title, stored.content) != (author, title, content):
                raise StaleRecordError("post", stored)
            return self._get_post(post_id)

    def post_delete_report(self, post_id: int) -> DeleteReport:
        """What deleting the post would take with it (see user_delete_report)."""
        with self.db.reading():
            self._get_post(post_id)
            return self._post_children(post_id)

    def delete_post(
        self, post_id: int, *, cascade: bool = False, expected: DeleteReport | None = None
    ) -> DeleteReport:
        """Delete a post; with `cascade`, its comments go too. Returns what was deleted;
        `expected` as in delete_user (the post stays locked, so no comment is added)."""
        with self.db.transaction():
            if self.q.lock_post(self.db.conn, id=post_id) is None:
                raise NotFoundError("post", post_id)
            post = self._get_post(post_id)
            report = self._post_children(post_id)
            if expected is not None and not report.names_same(expected):
                raise DeleteChangedError(_post_changed(post, report, expected), report)
            if report.comments and not cascade:
                raise HasChildrenError(
                    f"The post “{post.title}” has {_plural(report.comments, 'comment')}; "
                    "they would be deleted too.",
                    0,
                    report.comments,
                )
            self.q.delete_comments_of_post(self.db.conn, post_id=post_id)
            self.q.delete_post(self.db.conn, id=post_id)
            return report

    def _post_children(self, post_id: int) -> DeleteReport:
        comments, comment_ids = self.q.post_delete_counts(self.db.conn, post_id=post_id)
        return DeleteReport(0, int(comments), (0, int(comment_ids)))

    def _require_author(self, user_id: int) -> None:
        if self.q.get_user(self.db.conn, id=user_id) is None:
            raise ValidationError.single(
                "user_id", f"The author (user #{user_id}) does not exist; choose another."
            )

    def _get_post(self, post_id: int) -> Post:
        row = self.q.get_post(self.db.conn, id=post_id)
        if row is None:
            raise NotFoundError("post", post_id)
        return self._post(row)

    def _post(self, row: PostRow) -> Post:
        post_id, user_id, title, content, created_at, comment_count, version = row
        created = self.db.time_from_db(created_at)
        return Post(post_id, user_id, title, content, created, int(comment_count), int(version))

    # -- comments ---------------------------------------------------------------------------
    def list_comments(
        self,
        post_id: int,
        limit: int = DEFAULT_PAGE,
        after: CommentCursor | None = None,
        *,
        order: Order = COMMENTS_AS_WRITTEN,
    ) -> Page[Comment, CommentCursor]:
        """A post's comments in the order they were written (descending: the latest first)."""
        _check_limit(limit)
        sorting.check_order(order, COMMENT_ORDER_KEYS)
        if order.descending:
            return self.sorted.list_comments_latest_first(post_id, limit, after)
        with self.db.reading():
            return self._start_comments(post_id, limit, after)()

    def start_first_comments(
        self, post_id: int, limit: int, order: Order = COMMENTS_AS_WRITTEN
    ) -> Later[Page[Comment, CommentCursor]]:
        """list_comments' first page, started now and read when called (see together())."""
        _check_limit(limit)
        sorting.check_order(order, COMMENT_ORDER_KEYS)
        if order.descending:
            return self.sorted.start_first_comments_latest_first(post_id, limit)
        return self._start_comments(post_id, limit, None)

    def _start_comments(
        self, post_id: int, limit: int, after: CommentCursor | None
    ) -> Later[Page[Comment, CommentCursor]]:
        after_id = after.id if after else 0
        rows = send(
            self.q.list_comments, self.db.conn, post_id=post_id, after_id=after_id, limit=limit + 1
        )
        return lambda: _comments_page(rows(), limit)

    def first_comments(
        self, post_id: int, limit: int = DEFAULT_PAGE
    ) -> Counted[Comment, CommentCursor]:
        """The first page of a post's comments and how many there are, in one round trip
        (see first_users)."""
        _check_limit(limit)
        with self.db.reading():
            with self.db.pipeline():
                page = self._start_comments(post_id, limit, None)
                total = self.start_count_comments(post_id)
            return page(), total()

    def comments_at(
        self,
        post_id: int,
        position: int,
        limit: int = DEFAULT_PAGE,
        *,
        order: Order = COMMENTS_AS_WRITTEN,
        total: int | None = None,
    ) -> Page[Comment, CommentCursor]:
        """A post's comments from `position` in list_comments' order (see users_at)."""
        _check_limit(limit)
        if order.descending or total is not None:
            return self.sorted.comments_at(order, post_id, position, limit, total)
        with self.db.reading():
            rows = list(
                self.q.comments_at(
                    self.db.conn, post_id=post_id, offset=max(0, position), limit=limit + 1
                )
            )
        comments = [_comment(row) for row in rows[:limit]]
        more = len(rows) > limit
        return Page(comments, CommentCursor(comments[-1].id) if more else None)

    def count_comments(self, post_id: int) -> int:
        with self.db.reading():
            return self.start_count_comments(post_id)()

    def start_count_comments(self, post_id: int) -> Later[int]:
        found = send(self.q.count_comments, self.db.conn, post_id=post_id)
        return lambda: int(found())

    def get_comment(self, comment_id: int) -> Comment:
        with self.db.reading():
            return self._get_comment(comment_id)

    def create_comment(self, post_id: int, body: str, *, unless_exists: bool = False) -> Comment:
        """Add a comment. With `unless_exists`, an identical comment on the post already
        stored is returned instead (see create_user)."""
        body = clean_comment(body)
        with self.db.transaction():
            if self.q.get_post(self.db.conn, id=post_id) is None:
                raise ValidationError.single(
                    "post_id", f"The post #{post_id} does not exist any more."
                )
            comment_id = None
            if unless_exists:
                comment_id = self.q.find_comment(self.db.conn, post_id=post_id, body=body)
            if comment_id is None:
                comment_id = self.q.insert_comment(self.db.conn, post_id=post_id, body=body)
            return self._get_comment(comment_id)

    def update_comment(
        self, comment_id: int, body: str, *, expected: Comment | None = None
    ) -> Comment:
        """Change a comment's text; `expected` as in update_post."""
        body = clean_comment(body)
        with self.db.transaction():
            if expected is None:
                changed = self.q.update_comment(self.db.conn, id=comment_id, body=body)
            else:
                changed = self.q.update_comment_if_unchanged(
                    self.db.conn, id=comment_id, body=body, old_version=expected.version
                )
            current = self._get_comment(comment_id)
            if not changed and current.body != body:
                raise StaleRecordError("comment", current)
            return current

    def delete_comment(self, comment_id: int) -> None:
        with self.db.transaction():
            if self.q.delete_comment(self.db.conn, id=comment_id) == 0:
                raise NotFoundError("comment", comment_id)

    def _get_comment(self, comment_id: int) -> Comment:
        row = self.q.get_comment(self.db.conn, id=comment_id)
        if row is None:
            raise NotFoundError("comment", comment_id)
        return _comment(row)

    # -- whole database ---------------------------------------------------------------------
    def table_counts(self) -> dict[str, int]:
        with self.db.reading():
            users, posts, comments = self.q.table_counts(self.db.conn)
        return {"users": int(users), "posts": int(posts), "comments": int(comments)}

    # -- where a record stands in its list ------------------------------------------------
    def user_position(
        self, user_id: int, filter_text: str = "", *, order: Order = USERS_BY_NAME
    ) -> int | None:
        """How many users come before this one in list_users' order with this filter;
        None when the filtered list does not hold the user (or the user is gone)."""
        with self.db.reading():
            return self.start_user_position(user_id, filter_text, order=order)()

    def start_user_position(
        self, user_id: int, filter_text: str = "", *, order: Order = USERS_BY_NAME
    ) -> Later[int | None]:
        everyone = not trimmed(filter_text)
        pattern = like_pattern(filter_text)
        return self.sorted.start_user_position(order, user_id, pattern, everyone)

    def post_position(
        self,
        post_id: int,
        user_id: int,
        filter_text: str = "",
        *,
        order: Order = POSTS_NEWEST_FIRST,
    ) -> int | None:
        """The same for a post in list_posts(user_id, filter_text)."""
        with self.db.reading():
            return self.start_post_position(post_id, user_id, filter_text, order=order)()

    def start_post_position(
        self,
        post_id: int,
        user_id: int,
        filter_text: str = "",
        *,
        order: Order = POSTS_NEWEST_FIRST,
    ) -> Later[int | None]:
        sorting.check_order(order, POST_ORDER_KEYS)
        pattern, everyone = like_pattern(filter_text), not trimmed(filter_text)
        if order.key == "title":
            sort = self.sorted
            return sort.start_post_position_by_title(order, post_id, user_id, pattern, everyone)
        if not order.descending:
            return self.sorted.start_post_position_oldest_first(post_id, user_id, pattern, everyone)
        conn = self.db.conn
        if everyone:
            found = send(self.q.all_post_position, conn, id=post_id, user_id=user_id)
        else:
            found = send(self.q.post_position, conn, id=post_id, user_id=user_id, pattern=pattern)
        return lambda: sorting.position_or_none(found())

    def comment_position(
        self, comment_id: int, post_id: int, *, order: Order = COMMENTS_AS_WRITTEN
    ) -> int | None:
        """The same for a comment in list_comments(post_id)."""
        with self.db.reading():
            return self.start_comment_position(comment_id, post_id, order=order)()

    def start_comment_position(
        self, comment_id: int, post_id: int, *, order: Order = COMMENTS_AS_WRITTEN
    ) -> Later[int | None]:
        sorting.check_order(order, COMMENT_ORDER_KEYS)
        if order.descending:
            return self.sorted.start_comment_position_latest_first(comment_id, post_id)
        found = send(self.q.comment_position, self.db.conn, id=comment_id, post_id=post_id)
        return lambda: sorting.position_or_none(found())

    # -- full-text search -----------------------------------------------------------------
    def search_posts(
        self,
        text: str,
        limit: int = DEFAULT_PAGE,
        after: search.SearchCursor | None = None,
    ) -> Page[search.SearchHit, search.SearchCursor]:
        """Posts whose title and content, or one of whose comments, hold every word typed
        (desktop/store/search.py says what that means), highest id first. Anything typed is
        a search: text with no word finds nothing."""
        from desktop.store import search

        _check_limit(limit)
        query = search.parse(text)
        if query.empty or query.impossible:
            return Page([], None)
        start = after or search.FIRST_PAGE
        posts_match, comments_match = self._search_matches(query)
        with self.db.reading():
            with self._search_pipeline():
                found = send(
                    self.q.search_posts,
                    self.db.conn,
                    posts_match=posts_match,
                    comments_match=comments_match,
                    after_id=start.post_id,
                    limit=limit + 1,
                    window=search.NEWEST_FIRST_WINDOW,
                )
            rows = found()
        hits = [self._search_hit(row, query) for row in rows[:limit]]
        more = len(rows) > limit
        return Page(hits, search.SearchCursor(hits[-1].post_id) if more else None)

    def count_search(self, text: str, at_most: int | None = None) -> int:
        """How many posts search_posts finds in all; given `at_most`, counted no further:
        above it the answer is at_most + 1 ("more than at_most"), found without reading
        every match of a common word."""
        from desktop.store import search

        bound = search.COUNT_ALL if at_most is None else at_most
        query = search.parse(text)
        if query.empty or query.impossible:
            return 0
        posts_match, comments_match = self._search_matches(query)
        with self.db.reading():
            with self._search_pipeline():
                found = send(
                    self.q.count_search,
                    self.db.conn,
                    posts_match=posts_match,
                    comments_match=comments_match,
                    at_most=bound,
                )
            return min(int(found()), bound + 1)

    @contextmanager
    def _search_pipeline(self) -> Iterator[None]:
        """A search's query, sent in one round trip behind the settings it is planned with
        (db/queries/search.postgresql.sql: no JIT compiler)."""
        with self.db.pipeline():
            send(self.q.search_settings, self.db.conn)
            yield

    def _search_matches(self, query: search.SearchQuery) -> tuple[str, str]:
        from desktop.store import search

        return search.backend_matches(self.db.dialect, query, self._indexed_words)

    def _indexed_words(self, prefix: str) -> tuple[list[str] | None, list[str] | None]:
        """The words the posts' and the comments' search indexes hold that start with
        `prefix`, each None where they are more than search.WORDS_PER_PREFIX."""
        from desktop.store import search

        at_most = search.WORDS_PER_PREFIX
        with self.db.reading():
            rows = self.q.search_words(self.db.conn, prefix=prefix, at_most=at_most)
        found: dict[str, list[str]] = {"posts": [], "comments": []}
        for source, word in rows:
            found[source].append(word)
        posts, comments = found["posts"], found["comments"]
        return (
            posts if len(posts) <= at_most else None,
            comments if len(comments) <= at_most else None,
        )

    def _search_hit(self, row: SearchRow, query: search.SearchQuery) -> search.SearchHit:
        from desktop.store import search

        post_id, title, created_at, user_id, name, email, comment_id, text = row
        found = search.snippet(text, query)
        if comment_id is None and not found.marks:
            found = search.snippet(title, query)
        return search.SearchHit(
            post_id,
            title,
            self.db.time_from_db(created_at),
            user_id,
            name,
            email,
            comment_id,
            found,
        )
