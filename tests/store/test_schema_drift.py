"""Migrating an empty database gives exactly the canonical schema files, on both backends."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from desktop import paths
from desktop.store.backend import Backend
from desktop.store.connection import connect, open_database
from tests.support.dbtools import schema_of, spec_view

SCHEMA_FILES = {
    "sqlite": paths.db_dir() / "schema.sql",
    "postgresql": paths.db_dir() / "schema.postgresql.sql",
}


def apply_schema_file(url: str, dialect: str, schema: Path) -> Backend:
    """Load a schema file with the plain driver (not the code under test), then open it."""
    text = schema.read_text(encoding="utf-8")
    if dialect == "sqlite":
        raw = sqlite3.connect(url)
        try:
            raw.executescript(text)
        finally:
            raw.close()
    else:
        import psycopg

        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(text.encode())
    return connect(url, create=False)


@pytest.fixture
def migrated(empty_url: str):
    backend = open_database(empty_url)
    yield backend
    backend.close()


@pytest.fixture
def from_schema_file(make_database, dialect: str):
    backend = apply_schema_file(make_database(dialect), dialect, SCHEMA_FILES[dialect])
    yield backend
    backend.close()


def test_migrations_add_up_to_the_schema_file(migrated, from_schema_file):
    want = schema_of(from_schema_file)
    got = schema_of(migrated)
    assert set(got["tables"]) == set(want["tables"])
    for table in want["tables"]:
        assert got["tables"][table] == want["tables"][table], f"table {table} drifted"
    assert got["indexes"] == want["indexes"]
    assert got["others"] == want["others"]
    assert got == want


def test_the_comparison_sees_a_missing_index_and_a_changed_default(
    migrated, from_schema_file, dialect
):
    """The drift check is only worth something if it notices a drift."""
    before = schema_of(from_schema_file)
    from_schema_file.execute("DROP INDEX idx_comments_post")
    assert schema_of(from_schema_file) != before
    assert schema_of(migrated) != schema_of(from_schema_file)
    if dialect == "postgresql":
        migrated.execute(
            "ALTER TABLE posts ALTER COLUMN created_at SET DEFAULT now() - interval '1 second'"
        )
        assert schema_of(migrated)["tables"]["posts"] != before["tables"]["posts"]


def test_only_the_history_table_is_left_out(migrated):
    assert "schema_migrations" in migrated.table_names()
    assert "schema_migrations" not in schema_of(migrated)["tables"]
    assert "schema_migrations" in schema_of(migrated, include_history=True)["tables"]


def test_the_specification_is_all_there(migrated):
    """db/schema.sql's spec (seeds/database-design.txt): tables, constraints, named indexes."""
    view = spec_view(migrated)
    spec_tables = {"users", "posts", "comments"}
    # Migration 003 adds each record's version, which triggers bump on every update.
    assert {table: view.not_null[table] for table in spec_tables} == {
        "users": {"id": True, "name": True, "email": True, "created_at": False, "version": True},
        "posts": {
            "id": True,
            "user_id": True,
            "title": True,
            "content": True,
            "created_at": False,
            "version": True,
        },
        "comments": {"id": True, "post_id": True, "body": True, "version": True},
    }
    assert {table: view.primary_keys[table] for table in spec_tables} == {
        "users": ("id",),
        "posts": ("id",),
        "comments": ("id",),
    }
    assert ("users", ("email",)) in view.unique
    assert view.foreign_keys == {
        ("posts", "user_id", "users", "id"),
        ("comments", "post_id", "posts", "id"),
        # Migration 008: each user's number of posts, gone with the user.
        ("user_post_counts", "user_id", "users", "id"),
    }
    assert {("users", "created_at"), ("posts", "created_at")} <= view.has_default
    assert view.indexes["idx_users_email"] == ("users", ("email",), False)
    assert view.indexes["idx_posts_user"] == ("posts", ("user_id",), False)


def test_ids_are_generated_and_never_reused(backend, dialect):
    """PK AUTOINCREMENT: a deleted last id is not handed out again."""
    first = backend.execute("INSERT INTO users (name, email) VALUES ('a', 'a@x.org') RETURNING id")
    backend.execute(f"DELETE FROM users WHERE id = {first[0][0]}")
    second = backend.execute("INSERT INTO users (name, email) VALUES ('b', 'b@x.org') RETURNING id")
    assert second[0][0] > first[0][0]


def test_schema_file_and_migrations_name_the_same_objects():
    """The two canonical files describe the same tables and indexes (by name), but for the
    full-text index, which each backend builds its own way (FTS5 and fts5vocab tables and
    triggers; GIN indexes on expressions)."""
    import re

    def names(path: Path) -> set[str]:
        text = path.read_text(encoding="utf-8")
        return set(re.findall(r"CREATE (?:UNIQUE |VIRTUAL )?(?:TABLE|INDEX) (\w+)", text))

    # Each backend builds the full-text index its own way (FTS5 tables and triggers, and
    # fts5vocab tables listing their words; GIN indexes on expressions); SQLite numbers its
    # changes with a counter row, PostgreSQL uses transaction ids.
    search_objects = {
        "sqlite": {
            "posts_search",
            "comments_search",
            "posts_search_words",
            "comments_search_words",
        },
        "postgresql": {"idx_posts_search", "idx_comments_search"},
    }
    assert names(SCHEMA_FILES["sqlite"]) - {"change_counter"} - search_objects["sqlite"] == (
        names(SCHEMA_FILES["postgresql"]) - search_objects["postgresql"]
    )
    for dialect, objects in search_objects.items():
        assert objects <= names(SCHEMA_FILES[dialect])
    assert {"users", "posts", "comments", "idx_users_email", "idx_posts_user"} <= names(
        SCHEMA_FILES["sqlite"]
    )
