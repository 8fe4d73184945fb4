"""Adopting a database built straight from the specification, on both backends: offered
instead of refused, done in one transaction, every time made the instant it is; anything
else refused with its differences named, untouched."""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from desktop import paths
from desktop.store import adoption
from desktop.store.adoption import AdoptionOffered, ForeignDatabaseError, adopt, plan_adoption
from desktop.store.connection import connect, open_database
from desktop.store.errors import StoreError
from desktop.store.migrations import MigrationRunner
from desktop.store.repository import Repository
from desktop.store.urls import parse_url
from tests.support.dbtools import assert_recent_utc, schema_of, snapshot
from tests.support.spec_database import (
    OLD,
    POSTS,
    SpecDatabase,
    build_spec_database,
    spec_ddl,
)


@pytest.fixture
def spec(empty_url: str, dialect: str) -> SpecDatabase:
    return build_spec_database(empty_url, dialect)


def untouched(url: str, dialect: str) -> Callable[[], object]:
    """What must not change when a database is refused: the file's bytes (SQLite), or the
    schema and data (PostgreSQL)."""
    if dialect == "sqlite":
        folder = Path(url).parent
        name = Path(url).name
        return lambda: {
            p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.iterdir())
            if p.name.startswith(name)
        }

    def state() -> object:
        with connect(url) as backend:
            return snapshot(backend)

    return state


def offered(url: str) -> AdoptionOffered:
    with pytest.raises(AdoptionOffered) as offer:
        open_database(url)
    return offer.value


def test_the_specification_schema_is_offered_for_adoption_and_left_untouched(
    spec: SpecDatabase, dialect: str
) -> None:
    before = untouched(spec.url, dialect)()

    offer = offered(spec.url)

    updates = plan_updates(spec.url)
    assert offer.plan.updates == tuple(updates)
    # SQLite: the CURRENT_TIMESTAMP texts (2 users, 2 posts); PostgreSQL: every TIMESTAMP.
    assert offer.plan.timestamps == (4 if dialect == "sqlite" else 5)
    assert offer.plan.summary() == (
        "Postdesk will record this database as at version 001, convert "
        f"{offer.plan.timestamps} timestamps to UTC and apply {len(updates)} "
        f"update{'s' if len(updates) > 1 else ''}."
    )
    assert "--adopt" in str(offer)
    assert untouched(spec.url, dialect)() == before


def test_adopting_orders_posts_by_the_instant_they_were_written(
    spec: SpecDatabase, dialect: str
) -> None:
    if dialect == "sqlite":  # the fault being fixed: as text, the newest post sorts below
        raw = sqlite3.connect(spec.url)
        titles = [t for (t,) in raw.execute(
            "SELECT title FROM posts WHERE user_id = 1 ORDER BY created_at DESC")]  # fmt: skip
        raw.close()
        assert titles == [POSTS[1], POSTS[0], POSTS[2]]

    with connect(spec.url) as backend:
        done = adopt(backend)
    assert done.timestamps == (4 if dialect == "sqlite" else 5)
    assert [m.version for m in done.applied] == list(plan_updates(spec.url))

    with open_database(spec.url) as backend:
        repo = Repository(backend)
        posts = repo.list_posts(1).items
        assert [p.title for p in posts] == list(POSTS)
        assert_recent_utc(posts[0].created_at)
        assert posts[1].created_at == spec.midnight
        assert posts[2].created_at == OLD
        alan = repo.get_user(2)
        assert alan.created_at == datetime(2019, 6, 23, 8, 30, tzinfo=UTC)
        assert [p.created_at for p in repo.list_posts(2).items] == [None]
        assert [c.body for c in repo.list_comments(1).items] == ["First!"]
        # New rows get the schema's own default and ids go on where they were.
        post = repo.create_post(1, "After adoption", "x")
        assert post.id == 5
        assert repo.list_posts(1).items[0].title == "After adoption"
        assert_recent_utc(post.created_at)
        status = MigrationRunner(backend).status()
        assert not status.pending
        assert status.applied[0].checksum == MigrationRunner(backend).known()[0].checksum


def plan_updates(url: str) -> list[str]:
    with connect(url) as backend:
        return [m.version for m in MigrationRunner(backend).known()][1:]


def test_an_adopted_database_has_exactly_the_schema_of_a_migrated_one(
    spec: SpecDatabase, dialect: str, make_database: Callable[[str], str]
) -> None:
    with connect(spec.url) as backend:
        adopt(backend)
    assert_same_schema(spec.url, make_database(dialect), dialect)


OTHER_SPELLINGS = {
    "sqlite": [
        ("id INTEGER PRIMARY KEY AUTOINCREMENT", "id INTEGER PRIMARY KEY"),
        ("TIMESTAMP DEFAULT CURRENT_TIMESTAMP", "DATETIME DEFAULT (datetime('now'))"),
    ],
    "postgresql": [
        ("SERIAL PRIMARY KEY", "INTEGER GENERATED ALWAYS AS IDENTITY PRIMARY KEY"),
        ("TIMESTAMP DEFAULT NOW()", "TIMESTAMPTZ DEFAULT CURRENT_TIMESTAMP"),
    ],
}


def test_other_spellings_of_the_specification_are_adopted_to_the_same_schema(
    empty_url: str, dialect: str, make_database: Callable[[str], str]
) -> None:
    """No AUTOINCREMENT and datetime('now') on SQLite; an identity that is ALWAYS generated
    and TIMESTAMPTZ on PostgreSQL."""
    ddl = spec_ddl(dialect)
    for old, new in OTHER_SPELLINGS[dialect]:
        assert old in ddl
        ddl = ddl.replace(old, new)
    spec = build_spec_database(empty_url, dialect, ddl=ddl)
    adoption.adopt_database(parse_url(spec.url))
    with open_database(spec.url) as backend:
        repo = Repository(backend)
        assert [p.title for p in repo.list_posts(1).items] == list(POSTS)
        assert repo.create_post(1, "Next", "x").id == 5
        assert repo.list_posts(1).items[0].title == "Next"
    assert_same_schema(spec.url, make_database(dialect), dialect)


def assert_same_schema(adopted_url: str, fresh_url: str, dialect: str) -> None:
    with open_database(fresh_url) as migrated, connect(adopted_url) as adopted:
        want, got = schema_of(migrated), schema_of(adopted)
    if dialect == "postgresql":  # constraint names are the specification's own
        for schema in (want, got):
            for info in schema["tables"].values():
                info["constraints"] = sorted(info["constraints"].values())
    assert got == want


def test_adoption_is_one_transaction(
    spec: SpecDatabase, dialect: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An update after 001 that fails undoes the history row and the conversions too."""
    folder = tmp_path / "migrations"
    folder.mkdir()
    for path in paths.migrations_dir().glob("*.sql"):
        shutil.copy(path, folder)
    (folder / "900_breaks.sql").write_text("CREATE TABLE users (id INTEGER);\n")
    monkeypatch.setattr(paths, "migrations_dir", lambda: folder)
    state = untouched(spec.url, dialect)
    before = state()

    with connect(spec.url) as backend, pytest.raises(StoreError, match="nothing was changed"):
        adopt(backend)

    assert state() == before


REFUSALS = {
    "a missing column": (
        "ALTER TABLE comments DROP COLUMN body",
        "comments has no column body",
    ),
    "an extra table": (
        "CREATE TABLE tags (id INTEGER PRIMARY KEY, label TEXT)",
        "an extra table tags",
    ),
    "an extra column": (
        "ALTER TABLE users ADD COLUMN age INTEGER",
        "users has an extra column age",
    ),
    "a missing index": (
        "DROP INDEX idx_posts_user",
        "no index idx_posts_user on posts (user_id)",
    ),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(REFUSALS))
def test_what_differs_is_refused_by_name_and_left_untouched(
    spec: SpecDatabase, dialect: str, case: str
) -> None:
    statement, named = REFUSALS[case]
    if dialect == "sqlite":
        raw = sqlite3.connect(spec.url)
        raw.execute(statement)
        raw.close()
    else:
        with connect(spec.url) as backend:
            backend.execute(statement)
    state = untouched(spec.url, dialect)
    before = state()

    with pytest.raises(ForeignDatabaseError) as refusal:
        open_database(spec.url)
    with connect(spec.url) as backend, pytest.raises(ForeignDatabaseError):
        adopt(backend)

    assert named in str(refusal.value)
    assert "already holds tables of another program" in str(refusal.value)
    assert state() == before


@pytest.mark.postgres
def test_a_different_type_on_the_server_is_named_and_left_untouched(
    make_database: Callable[[str], str],
) -> None:
    spec = build_spec_database(make_database("postgresql"), "postgresql")
    with connect(spec.url) as backend:
        backend.execute("ALTER TABLE posts ALTER COLUMN title TYPE varchar(200)")
    state = untouched(spec.url, "postgresql")
    before = state()
    with pytest.raises(ForeignDatabaseError) as refusal:
        open_database(spec.url)
    assert "posts.title is character varying(200), not text" in str(refusal.value)
    assert state() == before


def test_a_different_type_in_a_file_is_named(make_database: Callable[[str], str]) -> None:
    url = make_database("sqlite")
    raw = sqlite3.connect(url)
    raw.executescript(build_ddl_with("title TEXT NOT NULL", "title VARCHAR(200) NOT NULL"))
    raw.close()
    with pytest.raises(ForeignDatabaseError) as refusal:
        open_database(url)
    assert "posts.title is VARCHAR(200), not TEXT" in str(refusal.value)


def build_ddl_with(old: str, new: str) -> str:
    from tests.support.spec_database import spec_ddl

    text = spec_ddl("sqlite")
    assert old in text
    return text.replace(old, new)


def test_a_time_that_is_not_a_time_is_refused(make_database: Callable[[str], str]) -> None:
    url = make_database("sqlite")
    spec = build_spec_database(url, "sqlite")
    raw = sqlite3.connect(spec.url)
    raw.execute("UPDATE posts SET created_at = 'last Tuesday' WHERE id = 3")
    raw.commit()
    raw.close()
    with pytest.raises(ForeignDatabaseError) as refusal:
        open_database(url)
    assert "posts.created_at holds 1 value that is not a time (such as 'last Tuesday')" in str(
        refusal.value
    )


def test_an_empty_specification_database_is_adopted_too(empty_url: str, dialect: str) -> None:
    build_spec_database(empty_url, dialect, with_rows=False)
    offer = offered(empty_url)
    assert offer.plan.timestamps == 0
    assert "convert" not in offer.plan.summary()
    with connect(empty_url) as backend:
        adopt(backend)
    with open_database(empty_url) as backend:
        assert Repository(backend).create_user("Grace", "grace@example.com").id == 1


def test_a_database_adopted_meanwhile_is_not_adopted_twice(spec: SpecDatabase) -> None:
    with connect(spec.url) as first, connect(spec.url) as second:
        plan = plan_adoption(second)
        adopt(first)
        with pytest.raises(StoreError, match="adopted meanwhile"):
            adopt(second)
    assert plan.updates


def test_the_expected_schema_is_what_migration_001_makes(empty_url: str, dialect: str) -> None:
    """The description adoption compares with is migration 001, not a copy that drifted."""
    with connect(empty_url) as backend:
        first = MigrationRunner(backend).known()[0]
        with backend.transaction():
            backend.run_script(first.sql())
        found = adoption.examine(backend)
        assert adoption.differences(backend, found) == []


@pytest.mark.postgres
def test_adopting_through_a_transaction_pooler(
    make_database: Callable[[str], str], pgbouncer: Callable[[str], str]
) -> None:
    """One transaction and a transaction-level lock: nothing depends on the session."""
    direct = make_database("postgresql")
    build_spec_database(direct, "postgresql")
    url = pgbouncer(direct)
    with pytest.raises(AdoptionOffered):
        open_database(url)
    adoption.adopt_database(parse_url(url))
    with open_database(url) as backend:
        assert [p.title for p in Repository(backend).list_posts(1).items] == list(POSTS)


def test_a_database_adopted_by_another_postdesk_meanwhile_is_simply_opened(
    spec: SpecDatabase,
) -> None:
    with connect(spec.url) as backend:
        plan_adoption(backend)
    adoption.adopt_database(parse_url(spec.url))
    assert adoption.adopt_database(parse_url(spec.url)).applied == []
    with open_database(spec.url) as backend:
        assert not MigrationRunner(backend).status().pending
