"""Changes made from outside the app, as psql or the sqlite3 shell would make them: one raw
driver connection of its own, each statement committed at once."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

Outside = Callable[..., None]


@contextmanager
def outside_connection(url: str, dialect: str) -> Iterator[Outside]:
    """outside(sql, *params): one statement committed by another connection (`?` marks
    its parameters on both backends)."""
    if dialect == "sqlite":
        raw = sqlite3.connect(url, isolation_level=None)
        raw.execute("PRAGMA foreign_keys = ON")

        def run_sqlite(sql: str, *params: Any) -> None:
            raw.execute(sql, params)

        try:
            yield run_sqlite
        finally:
            raw.close()
        return
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:

        def run(sql: str, *params: Any) -> None:
            conn.execute(sql.replace("?", "%s"), params)

        yield run
