"""The named-query loader: the format of db/queries, parameters never in the text, and the
typed surface (desktop.store.query_types.Queries) in step with the files."""

import inspect
import sqlite3
import types
import typing
from collections import defaultdict

import pytest

from desktop import paths
from desktop.store.queries import (
    NamedQuery,
    ParamStyle,
    QueryFileError,
    load,
    parse,
    query_files,
)
from desktop.store.query_types import Queries
from desktop.store.urls import Dialect

DIALECTS: dict[Dialect, ParamStyle] = {"sqlite": "named", "postgresql": "pyformat"}

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


def test_every_query_in_db_queries_loads_for_both_dialects():
    for dialect, style in DIALECTS.items():
        queries = load(paths.queries_dir(), style, dialect)
        assert "list_users" in queries.names() and "record_migration" in queries.names()
        assert "lock_user" in queries.names()


def loaded(dialect: Dialect) -> dict[str, NamedQuery]:
    folder = load(paths.queries_dir(), DIALECTS[dialect], dialect)
    return {name: getattr(folder, name) for name in folder.names()}


def protocol_methods() -> dict[str, inspect.Signature]:
    return {
        name: inspect.signature(member)
        for name, member in vars(Queries).items()
        if inspect.isfunction(member) and not name.startswith("_")
    }


def test_the_protocol_names_every_query_and_nothing_else():
    for dialect in DIALECTS:
        assert sorted(protocol_methods()) == sorted(loaded(dialect)), dialect


@pytest.mark.parametrize("dialect", DIALECTS)
def test_each_method_takes_its_querys_parameters_by_keyword(dialect):
    methods = protocol_methods()
    for name, query in loaded(dialect).items():
        self, conn, *rest = methods[name].parameters.values()
        assert (self.name, conn.name) == ("self", "conn"), name
        assert conn.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD, name
        assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in rest), name
        assert tuple(p.name for p in rest) == query.params, name


def shape(annotation: object) -> str:
    """What a return annotation promises, in the terms of a query's suffix."""
    parts = typing.get_args(annotation) if isinstance(annotation, types.UnionType) else ()
    optional = type(None) in parts
    if optional:
        [annotation] = [part for part in parts if part is not type(None)]
    origin = typing.get_origin(annotation)
    if origin is list:
        return "rows"
    if origin is tuple:
        return "row or None" if optional else "row"
    return "value or None" if optional else f"value {getattr(annotation, '__name__', '?')}"


SHAPES = {
    "": {"rows"},
    "^": {"row or None", "row"},  # an aggregate always has its one row
    "$": {"value or None", "value int", "value str"},
    "!": {"value int"},
}


def test_each_method_returns_what_its_suffix_says():
    hints = {name: typing.get_type_hints(getattr(Queries, name)) for name in protocol_methods()}
    for name, query in loaded("sqlite").items():
        assert shape(hints[name]["return"]) in SHAPES[query.kind], name


def test_a_dialects_own_file_has_a_twin_with_the_same_queries():
    by_stem: dict[str, dict[str, list[tuple[str, tuple[str, ...], str]]]] = defaultdict(dict)
    for dialect, style in DIALECTS.items():
        for path in query_files(paths.queries_dir(), dialect):
            stem, _, rest = path.name.partition(".")
            if rest == f"{dialect}.sql":
                queries = parse(path.read_text(encoding="utf-8"), style, path.name)
                by_stem[stem][dialect] = [(q.name, q.params, q.kind) for q in queries]
    assert by_stem, "no dialect's own query file found"
    for stem, both in by_stem.items():
        assert set(both) == set(DIALECTS), stem
        assert both["sqlite"] == both["postgresql"], stem


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


def test_a_folder_builds_each_query_when_first_used(tmp_path):
    """An open uses a handful of the queries: the rest are not checked or restyled then
    (the whole folder cost the first open of a session about 7 ms). A broken one still
    says so, when used; test_every_query_in_db_queries_loads_for_both_dialects uses all."""
    (tmp_path / "some.sql").write_text(
        "-- name: fine(x)$\nSELECT :x;\n\n-- name: unused(x)\nSELECT 1;\n", encoding="utf-8"
    )
    folder = load(tmp_path, "named", "sqlite")
    assert folder.names() == ["fine", "unused"]
    assert folder.fine(sqlite3.connect(":memory:"), x=7) == 7
    with pytest.raises(QueryFileError):
        folder.unused  # noqa: B018 - built, and refused, on first use
