"""The named-query loader: the format of db/queries, parameters never in the text."""

import sqlite3

import pytest

from desktop import paths
from desktop.store.queries import QueryFileError, load, parse

TEXT = """
-- A file comment.
-- name: find(name, pattern)
-- What it does.
SELECT id, '50% :off' AS note FROM t WHERE name = :name AND note LIKE :pattern ESCAPE '\\';

-- name: one(id)^
SELECT id, name FROM t WHERE id = :id;

-- name: value()$
SELECT count(*) FROM t;

-- name: change(id, name)!
UPDATE t SET name = :name WHERE id = :id;
"""


def test_every_query_in_db_queries_loads_for_both_styles():
    for style in ("named", "pyformat"):
        queries = load(paths.queries_dir(), style)
        assert "list_users" in queries.names() and "record_migration" in queries.names()


def test_parameters_become_the_drivers_style_outside_literals_only():
    find = {q.name: q for q in parse(TEXT, "pyformat")}["find"]
    assert "name = %(name)s" in find.sql and "LIKE %(pattern)s" in find.sql
    assert "'50% :off'" in find.sql  # a literal is left exactly as written
    named = {q.name: q for q in parse(TEXT, "named")}["find"]
    assert "name = :name" in named.sql and "What it does" not in named.sql


def test_suffixes_say_what_a_call_returns():
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, note TEXT)")
    conn.execute("INSERT INTO t (name, note) VALUES ('a', 'x'), ('b', 'y')")
    queries = {q.name: q for q in parse(TEXT, "named")}
    assert queries["value"](conn) == 2
    assert queries["one"](conn, id=2) == (2, "b")
    assert queries["one"](conn, id=9) is None
    assert queries["change"](conn, id=1, name="z") == 1
    assert queries["find"](conn, name="z", pattern="%") == [(1, "50% :off")]
    with pytest.raises(TypeError):
        queries["one"](conn, identifier=1)


@pytest.mark.parametrize(
    "text",
    [
        "-- name: broken\nSELECT 1;",  # no parameter list
        "-- name: empty()\n",  # no SQL
        "-- name: undeclared()\nSELECT :x;",  # uses what it does not declare
        "-- name: unused(x)\nSELECT 1;",  # declares what it does not use
    ],
)
def test_a_query_file_breaking_the_format_is_refused(text):
    with pytest.raises(QueryFileError):
        parse(text, "named")
