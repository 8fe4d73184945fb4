"""Helpers for data-layer tests: raw SQL with one placeholder style, and schema/data snapshots.

Snapshots read the catalogue directly (sqlite_master and PRAGMAs; information_schema and
pg_catalog), not through the code under test, so a test comparing two snapshots sees what
the database really holds.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from desktop.store.backend import HISTORY_TABLE, Backend


def run(backend: Backend, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    """One statement outside any transaction; write `?` for parameters on both backends."""
    if backend.dialect == "postgresql":
        sql = sql.replace("?", "%s")
    return backend.execute(sql, params)


def refuse_deletes(backend: Backend, table: str) -> None:
    """A trigger that makes every delete from `table` fail, as a late error would."""
    if backend.dialect == "sqlite":
        backend.execute(
            f"CREATE TRIGGER keep_{table} BEFORE DELETE ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{table} are kept'); END"
        )
    else:
        backend.execute(
            f"CREATE FUNCTION keep_{table}() RETURNS trigger LANGUAGE plpgsql AS "
            f"$$ BEGIN RAISE EXCEPTION '{table} are kept'; END $$"
        )
        backend.execute(
            f"CREATE TRIGGER keep_{table} BEFORE DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION keep_{table}()"
        )


def normalise_sql(sql: str | None) -> str | None:
    """SQL text compared loosely: keyword case, whitespace runs, spaces around punctuation.

    String literals keep their case: '%Y' and '%y' are different formats.
    """
    if sql is None:
        return None
    parts = re.findall(r"'(?:[^']|'')*'|[^']+", re.sub(r"\s+", " ", sql).strip())
    text = "".join(p if p.startswith("'") else p.lower() for p in parts)
    return re.sub(r"\s*([(),=])\s*", r"\1", text)


# -- full schema, for drift and "nothing changed" checks ---------------------------------------


def schema_of(backend: Backend, *, include_history: bool = False) -> dict[str, Any]:
    """Everything the catalogue says about the tables, indexes and other objects."""
    if backend.dialect == "sqlite":
        return _sqlite_schema(backend, include_history)
    return _postgres_schema(backend, include_history)


def _sqlite_schema(backend: Backend, include_history: bool) -> dict[str, Any]:
    tables: dict[str, Any] = {}
    indexes: dict[str, Any] = {}
    others: dict[str, Any] = {}
    objects = backend.execute(
        "SELECT type, name, tbl_name, sql FROM sqlite_master "
        "WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY type, name"
    )
    for kind, name, table, sql in objects:
        if table == HISTORY_TABLE and not include_history:
            continue
        if kind == "table":
            tables[name] = _sqlite_table(backend, name, sql)
        elif kind == "index":
            info = backend.execute(f'PRAGMA index_xinfo("{name}")')
            unique = any(row[1] == name and row[2] for row in _index_list(backend, table))
            indexes[name] = {
                "table": table,
                "unique": unique,
                # seqno, cid, name, desc, collation, key: expressions show as cid -2
                "columns": [(row[2], row[3], row[4]) for row in info if row[5]],
                "sql": normalise_sql(sql),
            }
        else:
            others[f"{kind} {name}"] = (table, normalise_sql(sql))
    return {"tables": tables, "indexes": indexes, "others": others}


def _index_list(backend: Backend, table: str) -> list[tuple[Any, ...]]:
    # seq, name, unique, origin ('c' CREATE INDEX, 'u' UNIQUE, 'pk'), partial
    return backend.execute(f'PRAGMA index_list("{table}")')


def _sqlite_table(backend: Backend, name: str, sql: str) -> dict[str, Any]:
    columns = [
        {
            "name": col_name,
            "type": col_type.upper(),
            "notnull": bool(notnull),
            "default": normalise_sql(default),
            "pk": pk,
        }
        for _cid, col_name, col_type, notnull, default, pk, _hidden in backend.execute(
            f'PRAGMA table_xinfo("{name}")'
        )
    ]
    foreign_keys = sorted(
        tuple(row[2:]) for row in backend.execute(f'PRAGMA foreign_key_list("{name}")')
    )
    uniques = sorted(
        tuple(row[2] for row in backend.execute(f'PRAGMA index_info("{entry[1]}")'))
        for entry in _index_list(backend, name)
        if entry[3] == "u"
    )
    return {
        "columns": columns,
        "primary_key": [c["name"] for c in sorted(columns, key=lambda c: c["pk"]) if c["pk"]],
        "autoincrement": "AUTOINCREMENT" in sql.upper(),
        "foreign_keys": foreign_keys,
        "unique": uniques,
    }


def _postgres_schema(backend: Backend, include_history: bool) -> dict[str, Any]:
    def keep(table: str) -> bool:
        return include_history or table != HISTORY_TABLE

    tables: dict[str, Any] = {}
    for (
        table,
        column,
        data_type,
        nullable,
        default,
        identity,
        generation,
        collation,
    ) in backend.execute(
        "SELECT table_name, column_name, data_type, is_nullable, column_default, "
        "is_identity, identity_generation, collation_name "
        "FROM information_schema.columns WHERE table_schema = current_schema() "
        "ORDER BY table_name, ordinal_position"
    ):
        if keep(table):
            tables.setdefault(table, {"columns": [], "constraints": {}})["columns"].append(
                {
                    "name": column,
                    "type": data_type,
                    "notnull": nullable == "NO",
                    "default": default,
                    "identity": (identity, generation),
                    "collation": collation,
                }
            )
    for table, name, kind, definition in backend.execute(
        "SELECT cl.relname, co.conname, co.contype, pg_get_constraintdef(co.oid) "
        "FROM pg_constraint co JOIN pg_class cl ON cl.oid = co.conrelid "
        "WHERE cl.relnamespace = current_schema()::regnamespace"
    ):
        if keep(table):
            tables[table]["constraints"][name] = (kind, definition)
    indexes = {
        name: {"table": table, "definition": definition}
        for table, name, definition in backend.execute(
            "SELECT tablename, indexname, indexdef FROM pg_indexes "
            "WHERE schemaname = current_schema()"
        )
        if keep(table)
    }
    others: dict[str, Any] = {}
    for name, kind in backend.execute(
        "SELECT relname, relkind::text FROM pg_class "
        "WHERE relnamespace = current_schema()::regnamespace AND relkind NOT IN ('r', 'i')"
    ):
        others[f"relation {kind} {name}"] = kind
    for name, table, definition in backend.execute(
        "SELECT tgname, tgrelid::regclass::text, pg_get_triggerdef(oid) FROM pg_trigger "
        "WHERE NOT tgisinternal"
    ):
        if keep(table):
            others[f"trigger {name}"] = definition
    for name, definition in backend.execute(
        "SELECT proname, pg_get_functiondef(oid) FROM pg_proc "
        "WHERE pronamespace = current_schema()::regnamespace"
    ):
        others[f"function {name}"] = definition
    return {"tables": tables, "indexes": indexes, "others": others}


# -- the specification's view, the same shape on both backends ---------------------------------


@dataclass
class SpecView:
    """Columns, keys and indexes in dialect-neutral terms."""

    not_null: dict[str, dict[str, bool]] = field(default_factory=dict)
    has_default: set[tuple[str, str]] = field(default_factory=set)
    primary_keys: dict[str, tuple[str, ...]] = field(default_factory=dict)
    unique: set[tuple[str, tuple[str, ...]]] = field(default_factory=set)
    foreign_keys: set[tuple[str, str, str, str]] = field(default_factory=set)
    indexes: dict[str, tuple[str, tuple[str, ...], bool]] = field(default_factory=dict)


def spec_view(backend: Backend) -> SpecView:
    schema = schema_of(backend)
    view = SpecView()
    if backend.dialect == "sqlite":
        for table, info in schema["tables"].items():
            view.not_null[table] = {c["name"]: c["notnull"] or c["pk"] > 0 for c in info["columns"]}
            view.has_default |= {(table, c["name"]) for c in info["columns"] if c["default"]}
            view.primary_keys[table] = tuple(info["primary_key"])
            view.unique |= {(table, cols) for cols in info["unique"]}
            # each: referenced table, from, to, on update, on delete, match
            view.foreign_keys |= {(table, fk[1], fk[0], fk[2]) for fk in info["foreign_keys"]}
        for name, index in schema["indexes"].items():
            columns = tuple(c[0] if c[0] is not None else "<expression>" for c in index["columns"])
            view.indexes[name] = (index["table"], columns, index["unique"])
        return view
    for table, info in schema["tables"].items():
        view.not_null[table] = {c["name"]: c["notnull"] for c in info["columns"]}
        view.has_default |= {
            (table, c["name"]) for c in info["columns"] if c["default"] or c["identity"][0] == "YES"
        }
    for table, name, kind, columns, ref_table, ref_columns in backend.execute(
        "SELECT cl.relname, co.conname, co.contype::text, "
        "  array(SELECT a.attname::text FROM unnest(co.conkey) WITH ORDINALITY k(n, i) "
        "        JOIN pg_attribute a ON a.attrelid = co.conrelid AND a.attnum = k.n ORDER BY k.i), "
        "  rf.relname, "
        "  array(SELECT a.attname::text FROM unnest(co.confkey) WITH ORDINALITY k(n, i) "
        "        JOIN pg_attribute a ON a.attrelid = co.confrelid AND a.attnum = k.n ORDER BY k.i) "
        "FROM pg_constraint co JOIN pg_class cl ON cl.oid = co.conrelid "
        "LEFT JOIN pg_class rf ON rf.oid = co.confrelid "
        "WHERE cl.relnamespace = current_schema()::regnamespace AND cl.relname <> %s",
        (HISTORY_TABLE,),
    ):
        del name
        if kind == "p":
            view.primary_keys[table] = tuple(columns)
        elif kind == "u":
            view.unique.add((table, tuple(columns)))
        elif kind == "f":
            for column, ref_column in zip(columns, ref_columns, strict=True):
                view.foreign_keys.add((table, column, ref_table, ref_column))
    for name, table, unique, columns in backend.execute(
        "SELECT i.relname, t.relname, ix.indisunique, "
        "  array(SELECT pg_get_indexdef(ix.indexrelid, k + 1, true) "
        "        FROM generate_series(0, ix.indnkeyatts - 1) k ORDER BY k) "
        "FROM pg_index ix JOIN pg_class i ON i.oid = ix.indexrelid "
        "JOIN pg_class t ON t.oid = ix.indrelid "
        "WHERE t.relnamespace = current_schema()::regnamespace "
        "  AND NOT ix.indisprimary AND t.relname <> %s "
        "  AND NOT EXISTS (SELECT 1 FROM pg_constraint co WHERE co.conindid = ix.indexrelid)",
        (HISTORY_TABLE,),
    ):
        plain = tuple(c if re.fullmatch(r"\w+", c) else "<expression>" for c in columns)
        view.indexes[name] = (table, plain, unique)
    return view


# -- data ---------------------------------------------------------------------------------------


def data_of(backend: Backend) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table (the migration history included), in a stable order."""
    return {
        table: sorted(backend.execute(f"SELECT * FROM {table}"), key=repr)
        for table in sorted(backend.table_names())
    }


def snapshot(backend: Backend) -> tuple[dict[str, Any], dict[str, list[tuple[Any, ...]]]]:
    """The whole database: schema (history table included) and data."""
    return schema_of(backend, include_history=True), data_of(backend)


# -- records -------------------------------------------------------------------------------------


def assert_recent_utc(value: datetime | None) -> None:
    """A timezone-aware UTC time of the last half minute."""
    assert value is not None
    assert value.tzinfo is not None
    assert value.utcoffset() == timedelta(0)
    now = datetime.now(UTC)
    assert now - timedelta(seconds=30) <= value <= now + timedelta(seconds=5)


def all_pages(list_page: Callable[..., Any], limit: int) -> tuple[list[Any], list[int]]:
    """Walk a keyset-paged list to its end; the items and the size of each page."""
    items: list[Any] = []
    sizes: list[int] = []
    after = None
    for _ in range(100):
        page = list_page(limit=limit, after=after)
        items += page.items
        sizes.append(len(page.items))
        after = page.after
        if after is None:
            return items, sizes
    raise AssertionError("the list never ended")


def sqlite_steps(backend: Backend, read: Callable[[], Any]) -> int:
    """SQLite's virtual-machine steps, in thousands, for one read on `backend` (SQLite):
    how much work it was, the same on every run, unlike a time."""
    steps = [0]

    def step() -> int:
        steps[0] += 1
        return 0

    backend.conn.set_progress_handler(step, 1000)
    try:
        read()
    finally:
        backend.conn.set_progress_handler(None, 0)
    return steps[0]


def columns_read_from_rows(
    backend: Backend, query: Any, params: dict[str, Any], table: str
) -> set[str]:
    """The columns of `table` that SQLite's program for a named query reads from the table's
    rows (not from an index): what each row it passes over costs a read of its page for."""
    from desktop.store.queries import NamedQuery

    assert isinstance(query, NamedQuery)
    conn = backend.conn
    (root,) = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = ?", (table,)).fetchone()
    names = {c[0]: c[1] for c in conn.execute(f"PRAGMA table_info({table})")}
    program = conn.execute("EXPLAIN " + query.sql, params).fetchall()
    cursors = {op[2] for op in program if op[1] == "OpenRead" and op[3] == root}
    assert cursors, f"the query reads no row of {table}"
    return {names[op[3]] for op in program if op[1] == "Column" and op[2] in cursors}


def add_tied_users(backend: Backend, count: int) -> None:
    """`count` users with no posts, in one statement."""
    run(
        backend,
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?) "
        "INSERT INTO users (name, email) SELECT 'tied ' || i, 'tied' || i || '@example.com' FROM n",
        (count,),
    )


def add_posts(backend: Backend, user_id: int, count: int) -> None:
    """`count` posts of one user, in one statement."""
    run(
        backend,
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?) "
        "INSERT INTO posts (user_id, title, content) SELECT ?, 'post ' || i, 'text' FROM n",
        (count, user_id),
    )

