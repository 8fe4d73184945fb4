"""A database built straight from the specification, as another project would build it: the
DDL of spec_schema.<dialect>.sql beside this file and rows written through the plain driver
(sqlite3 or psycopg), never through Postdesk's code."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent

# Posts of the first user, by title: an explicit older time in the form each backend's
# own client writes, or None for the column's default (CURRENT_TIMESTAMP, NOW()).
OLD = datetime(2020, 1, 1, 10, 0, tzinfo=UTC)
POSTS = ("Written now", "Early today", "Years ago")


@dataclass(frozen=True)
class SpecDatabase:
    url: str
    dialect: str
    midnight: datetime  # today's 00:00:00.001 UTC: older than "Written now", the same day


def spec_ddl(dialect: str) -> str:
    return (HERE / f"spec_schema.{dialect}.sql").read_text(encoding="utf-8")


def build_spec_database(
    url: str, dialect: str, *, with_rows: bool = True, ddl: str | None = None
) -> SpecDatabase:
    """The specification's schema at `url` (an empty database), with a few rows; `ddl`
    replaces spec_ddl(dialect) to build it with other spellings."""
    midnight = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=1000)
    if dialect == "sqlite":
        conn = sqlite3.connect(url)
        try:
            conn.executescript(ddl or spec_ddl(dialect))
            if with_rows:
                _sqlite_rows(conn, midnight)
            conn.commit()
        finally:
            conn.close()
    else:
        import psycopg

        with psycopg.connect(url, autocommit=True) as pg:
            pg.execute((ddl or spec_ddl(dialect)).encode())
            if with_rows:
                _postgres_rows(pg, midnight)
    return SpecDatabase(url, dialect, midnight)


def _sqlite_rows(conn: sqlite3.Connection, midnight: datetime) -> None:
    conn.execute("INSERT INTO users (name, email) VALUES ('Ada Lovelace', 'ada@example.com')")
    conn.execute(
        "INSERT INTO users (name, email, created_at) "
        "VALUES ('Alan Turing', 'alan@example.com', '2019-06-23 08:30:00')"
    )
    # The older post of today in the form Postdesk writes, as if a Postdesk had added it:
    # as text it sorts above the CURRENT_TIMESTAMP post although it is older.
    early = midnight.strftime("%Y-%m-%dT%H:%M:%S.") + "001Z"
    conn.execute("INSERT INTO posts (user_id, title, content) VALUES (1, ?, 'now')", (POSTS[0],))
    conn.execute(
        "INSERT INTO posts (user_id, title, content, created_at) VALUES (1, ?, 'x', ?)",
        (POSTS[1], early),
    )
    conn.execute(
        "INSERT INTO posts (user_id, title, content, created_at) VALUES (1, ?, 'x', ?)",
        (POSTS[2], OLD.strftime("%Y-%m-%d %H:%M:%S")),
    )
    conn.execute(
        "INSERT INTO posts (user_id, title, content, created_at) VALUES (2, 'Undated', 'x', NULL)"
    )
    conn.execute("INSERT INTO comments (post_id, body) VALUES (1, 'First!')")


def _postgres_rows(pg: Any, midnight: datetime) -> None:
    pg.execute("INSERT INTO users (name, email) VALUES ('Ada Lovelace', 'ada@example.com')")
    pg.execute(
        "INSERT INTO users (name, email, created_at) "
        "VALUES ('Alan Turing', 'alan@example.com', '2019-06-23 08:30:00')"
    )
    pg.execute("INSERT INTO posts (user_id, title, content) VALUES (1, %s, 'now')", (POSTS[0],))
    for title, when in ((POSTS[1], midnight), (POSTS[2], OLD)):
        pg.execute(
            "INSERT INTO posts (user_id, title, content, created_at) VALUES (1, %s, 'x', %s)",
            (title, when.replace(tzinfo=None)),
        )
    pg.execute(
        "INSERT INTO posts (user_id, title, content, created_at) VALUES (2, 'Undated', 'x', NULL)"
    )
    pg.execute("INSERT INTO comments (post_id, body) VALUES (1, 'First!')")
