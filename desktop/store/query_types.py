"""The typed surface of the named queries in db/queries/*.sql: one method per query.

`Backend.queries` is typed as `Queries`, so mypy checks every call's query name, its
parameters and what it returns; at run time the calls go to the queries loaded from the
files (desktop.store.queries). tests/store/test_queries.py proves the two agree: every
query in the files has a method here with the same parameters in the same order, a return
type of the shape its suffix promises, and no method lacks its query.

What a suffix returns: none, a list of rows; `^`, one row, or None when there is none (an
aggregate always has one); `$`, the first value of that row; `!`, the number of rows changed.
Every parameter is keyword-only, as the SQL names it.
"""

from __future__ import annotations

from typing import Any, Protocol, TypeAlias

# A timestamp as the backend stores it: ISO-8601 text on SQLite, a datetime on PostgreSQL.
# Only Backend.time_from_db reads it and only Backend.time_to_db makes one.
Stored: TypeAlias = Any
# The open driver connection (sqlite3.Connection or psycopg.Connection).
Connection: TypeAlias = object

# id, name, email, created_at, post_count
UserRow: TypeAlias = tuple[int, str, str, Stored, int]
# id, user_id, title, content, created_at, comment_count
PostRow: TypeAlias = tuple[int, int, str, str, Stored, int]
# id, post_id, body
CommentRow: TypeAlias = tuple[int, int, str]
# version, name, checksum, applied_at, duration_ms
HistoryRow: TypeAlias = tuple[str, str, str, str, int]
# users, posts, comments
TableCounts: TypeAlias = tuple[int, int, int]
# posts, sum of their ids, comments, sum of their ids
DeleteCounts: TypeAlias = tuple[int, int, int, int]
# comments, sum of their ids
CommentCounts: TypeAlias = tuple[int, int]
# an email as given, its key under the unique index's rule, the id of the user holding it
EmailUse: TypeAlias = tuple[str, str, int | None]
# post id, title, created_at, user id, name, email, matching comment id (None: the post
# itself matched), the text the match was found in
SearchRow: TypeAlias = tuple[int, str, Stored, int, str, str, int | None, str]


class Queries(Protocol):
    # -- users.sql -----------------------------------------------------------------------------
    def list_users(
        self, conn: Connection, *, pattern: str, after_name: str, after_id: int, limit: int
    ) -> list[UserRow]: ...
    def count_users(self, conn: Connection, *, pattern: str) -> int: ...
    def get_user(self, conn: Connection, *, id: int) -> UserRow | None: ...
    def user_id_by_email(self, conn: Connection, *, email: str) -> int | None: ...
    def insert_user(self, conn: Connection, *, name: str, email: str) -> int: ...
    def update_user(self, conn: Connection, *, id: int, name: str, email: str) -> int: ...
    def user_delete_counts(self, conn: Connection, *, user_id: int) -> DeleteCounts: ...
    def delete_comments_of_user(self, conn: Connection, *, user_id: int) -> int: ...
    def delete_posts_of_user(self, conn: Connection, *, user_id: int) -> int: ...
    def delete_user(self, conn: Connection, *, id: int) -> int: ...
    def update_user_if_unchanged(
        self, conn: Connection, *, id: int, name: str, email: str, old_name: str, old_email: str
    ) -> int: ...
    def users_at(
        self, conn: Connection, *, pattern: str, offset: int, limit: int
    ) -> list[UserRow]: ...
    def count_all_users(self, conn: Connection) -> int: ...
    def all_users_at(self, conn: Connection, *, offset: int, limit: int) -> list[UserRow]: ...

    # -- posts.sql -----------------------------------------------------------------------------
    def list_posts(
        self,
        conn: Connection,
        *,
        user_id: int,
        pattern: str,
        after_created: Stored,
        after_id: int,
        limit: int,
    ) -> list[PostRow]: ...
    def count_posts(self, conn: Connection, *, user_id: int, pattern: str) -> int: ...
    def get_post(self, conn: Connection, *, id: int) -> PostRow | None: ...
    def insert_post(self, conn: Connection, *, user_id: int, title: str, content: str) -> int: ...
    def update_post(
        self, conn: Connection, *, id: int, user_id: int, title: str, content: str
    ) -> int: ...
    def post_delete_counts(self, conn: Connection, *, post_id: int) -> CommentCounts: ...
    def delete_comments_of_post(self, conn: Connection, *, post_id: int) -> int: ...
    def delete_post(self, conn: Connection, *, id: int) -> int: ...
    def update_post_if_unchanged(
        self,
        conn: Connection,
        *,
        id: int,
        user_id: int,
        title: str,
        content: str,
        old_user_id: int,
        old_title: str,
        old_content: str,
    ) -> int: ...
    def find_post(
        self, conn: Connection, *, user_id: int, title: str, content: str
    ) -> int | None: ...
    def list_undated_posts(
        self, conn: Connection, *, user_id: int, pattern: str, after_id: int, limit: int
    ) -> list[PostRow]: ...
    def posts_at(
        self, conn: Connection, *, user_id: int, pattern: str, offset: int, limit: int
    ) -> list[PostRow]: ...
    def count_dated_posts(self, conn: Connection, *, user_id: int, pattern: str) -> int: ...
    def undated_posts_at(
        self, conn: Connection, *, user_id: int, pattern: str, offset: int, limit: int
    ) -> list[PostRow]: ...
    def count_all_posts(self, conn: Connection, *, user_id: int) -> int: ...
    def all_posts_at(
        self, conn: Connection, *, user_id: int, offset: int, limit: int
    ) -> list[PostRow]: ...
    def list_posts_then_undated(
        self,
        conn: Connection,
        *,
        user_id: int,
        pattern: str,
        after_created: Stored,
        after_id: int,
        limit: int,
    ) -> list[PostRow]: ...

    # -- comments.sql --------------------------------------------------------------------------
    def list_comments(
        self, conn: Connection, *, post_id: int, after_id: int, limit: int
    ) -> list[CommentRow]: ...
    def count_comments(self, conn: Connection, *, post_id: int) -> int: ...
    def get_comment(self, conn: Connection, *, id: int) -> CommentRow | None: ...
    def insert_comment(self, conn: Connection, *, post_id: int, body: str) -> int: ...
    def update_comment(self, conn: Connection, *, id: int, body: str) -> int: ...
    def delete_comment(self, conn: Connection, *, id: int) -> int: ...
    def update_comment_if_unchanged(
        self, conn: Connection, *, id: int, body: str, old_body: str
    ) -> int: ...
    def find_comment(self, conn: Connection, *, post_id: int, body: str) -> int | None: ...
    def comments_at(
        self, conn: Connection, *, post_id: int, offset: int, limit: int
    ) -> list[CommentRow]: ...

    # -- locks.<dialect>.sql -------------------------------------------------------------------
    def lock_user(self, conn: Connection, *, id: int) -> int | None: ...
    def lock_posts_of_user(self, conn: Connection, *, user_id: int) -> int: ...
    def lock_post(self, conn: Connection, *, id: int) -> int | None: ...

    # -- positions.sql -------------------------------------------------------------------------
    def user_position(self, conn: Connection, *, id: int, pattern: str) -> int | None: ...
    def post_position(
        self, conn: Connection, *, id: int, user_id: int, pattern: str
    ) -> int | None: ...
    def comment_position(self, conn: Connection, *, id: int, post_id: int) -> int | None: ...

    # -- counts.sql, seeds.sql -----------------------------------------------------------------
    def table_counts(self, conn: Connection) -> TableCounts: ...
    def post_id_by_title(self, conn: Connection, *, user_id: int, title: str) -> int | None: ...
    def comment_id_by_body(self, conn: Connection, *, post_id: int, body: str) -> int | None: ...
    def max_ids(self, conn: Connection) -> TableCounts: ...

    # -- importing.<dialect>.sql --------------------------------------------------------------
    def emails_in_use(self, conn: Connection, *, emails: str) -> list[EmailUse]: ...

    # -- search.<dialect>.sql -----------------------------------------------------------------
    def search_posts(
        self,
        conn: Connection,
        *,
        posts_match: str,
        comments_match: str,
        after_id: int,
        limit: int,
    ) -> list[SearchRow]: ...
    def count_search(self, conn: Connection, *, posts_match: str, comments_match: str) -> int: ...

    # -- history.sql ---------------------------------------------------------------------------
    def create_history_table(self, conn: Connection) -> int: ...
    def applied_migrations(self, conn: Connection) -> list[HistoryRow]: ...
    def record_migration(
        self,
        conn: Connection,
        *,
        version: str,
        name: str,
        checksum: str,
        applied_at: str,
        duration_ms: int,
    ) -> int: ...
