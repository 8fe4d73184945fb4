"""The migration runner: history, order, atomic failure, refusals, file rules, concurrency."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from desktop import paths
from desktop.store.connection import open_database
from desktop.store.errors import (
    ChecksumMismatchError,
    MigrationError,
    MigrationFilesError,
    SchemaTooNewError,
)
from desktop.store.migrations import MigrationRunner, checksum_of, discover
from desktop.store.repository import Repository
from desktop.store.sqlite import split_statements
from desktop.store.urls import Dialect
from tests.support.dbtools import run, snapshot

REPO_ROOT = paths.bundle_root()
HISTORY_SQL = (
    "SELECT version, name, checksum, applied_at, duration_ms FROM schema_migrations "
    "ORDER BY version"
)


@pytest.fixture
def opened(empty_url):
    """The empty database opened as the app opens it, but not migrated."""
    backend = open_database(empty_url, migrate=False)
    yield backend
    backend.close()


@pytest.fixture
def migrations(tmp_path) -> Path:
    """A private copy of db/migrations/ to add to or spoil."""
    return Path(shutil.copytree(paths.migrations_dir(), tmp_path / "migrations"))


def shipped_versions(dialect: Dialect) -> list[str]:
    return [m.version for m in discover(paths.migrations_dir(), dialect)]


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def history(backend) -> list[tuple[Any, ...]]:
    return run(backend, HISTORY_SQL)


# -- applying ------------------------------------------------------------------------------------


def test_a_fresh_database_gets_every_migration_with_its_history(opened, dialect):
    known = discover(paths.migrations_dir(), dialect)
    assert [m.version for m in known][:2] == ["001", "002"]
    before = datetime.now(UTC)

    applied = MigrationRunner(opened).migrate()

    assert applied == known
    rows = history(opened)
    assert [row[0] for row in rows] == [m.version for m in known]
    for (version, name, checksum, applied_at, duration_ms), migration in zip(
        rows, known, strict=True
    ):
        assert version == migration.version
        assert name == migration.name
        assert checksum == migration.checksum == checksum_of(migration.path)
        assert len(checksum) == 64
        when = datetime.fromisoformat(applied_at)
        assert when.utcoffset() == timedelta(0)
        assert before - timedelta(seconds=2) <= when <= datetime.now(UTC) + timedelta(seconds=2)
        assert isinstance(duration_ms, int)
        assert duration_ms >= 0
    assert {"users", "posts", "comments"} <= opened.table_names()
    status = MigrationRunner(opened).status()
    assert status.pending == []
    assert status.current_version == known[-1].version


def test_the_right_dialect_file_is_applied(dialect):
    known = {m.version: m for m in discover(paths.migrations_dir(), dialect)}
    assert known["001"].path.name == f"001_create_users_posts_comments.{dialect}.sql"
    assert known["002"].path.name == "002_list_and_lookup_indexes.sql"


def test_a_second_run_is_a_no_op(opened, empty_url):
    MigrationRunner(opened).migrate()
    before = snapshot(opened)

    assert MigrationRunner(opened).migrate() == []
    again = open_database(empty_url)  # a new connection, as on the app's next start
    again.close()

    assert snapshot(opened) == before


def test_pending_migrations_apply_in_order(opened, migrations, dialect):
    MigrationRunner(opened).migrate()
    # 004 needs the table 003 makes: applied in the wrong order, it would fail.
    write(migrations, "904_tag_data.sql", "INSERT INTO tags (label) VALUES ('first');\n")
    write(migrations, "903_tags.sql", "CREATE TABLE tags (label TEXT NOT NULL);\n")
    runner = MigrationRunner(opened, migrations)
    assert [m.version for m in runner.status().pending] == ["903", "904"]
    seen: list[tuple[str, int, int]] = []

    applied = runner.migrate(lambda m, done, total: seen.append((m.version, done, total)))

    assert [m.version for m in applied] == ["903", "904"]
    everything = [*shipped_versions(dialect), "903", "904"]
    total = len(everything)
    assert seen == [(version, n, total) for n, version in enumerate(everything, start=1)]
    assert [row[0] for row in history(opened)] == everything
    assert run(opened, "SELECT label FROM tags") == [("first",)]
    assert runner.status().pending == []


def test_open_database_applies_a_given_migrations_folder(empty_url, migrations, dialect):
    write(migrations, "903_tags.sql", "CREATE TABLE tags (label TEXT NOT NULL);\n")
    backend = open_database(empty_url, migrations_dir=migrations)
    try:
        assert "tags" in backend.table_names()
        assert [row[0] for row in history(backend)] == [*shipped_versions(dialect), "903"]
    finally:
        backend.close()


HALF_WAY = """\
CREATE TABLE half (x INTEGER NOT NULL);
INSERT INTO half (x) VALUES (1);
INSERT INTO users (name, email) VALUES ('Half', 'half@example.com');
THIS IS NOT SQL;
CREATE TABLE never (x INTEGER);
"""


def test_a_migration_failing_half_way_is_undone_whole(opened, migrations):
    MigrationRunner(opened).migrate()
    Repository(opened).create_user("Kept", "kept@example.com")
    write(migrations, "903_half_way.sql", HALF_WAY)
    before = snapshot(opened)
    runner = MigrationRunner(opened, migrations)

    with pytest.raises(MigrationError) as failure:
        runner.migrate()

    assert type(failure.value) is MigrationError
    assert "903" in str(failure.value)
    assert "half_way" in str(failure.value)
    assert snapshot(opened) == before  # no table half, no row in it, no user Half
    assert {"half", "never"}.isdisjoint(opened.table_names())
    assert runner.status().current_version == shipped_versions(opened.dialect)[-1]

    # Once the file is fixed, it applies: nothing was left over to trip it up.
    write(migrations, "903_half_way.sql", HALF_WAY.replace("THIS IS NOT SQL;\n", ""))
    assert [m.version for m in runner.migrate()] == ["903"]
    assert run(opened, "SELECT x FROM half") == [(1,)]


def test_a_failing_first_migration_leaves_no_tables(opened, tmp_path):
    folder = tmp_path / "broken"
    folder.mkdir()
    write(folder, "001_start.sql", "CREATE TABLE start (x INTEGER);\nNOT SQL AT ALL;\n")

    with pytest.raises(MigrationError, match="001"):
        MigrationRunner(opened, folder).migrate()

    # The history table is made in the first migration's transaction: undone with it.
    assert opened.table_names() == set()


def test_open_database_reports_a_failing_migration(empty_url, migrations, dialect):
    write(migrations, "903_half_way.sql", HALF_WAY)
    with pytest.raises(MigrationError, match="903"):
        open_database(empty_url, migrations_dir=migrations)
    backend = open_database(empty_url)  # the shipped migrations still apply cleanly
    try:
        assert [row[0] for row in history(backend)] == shipped_versions(dialect)
    finally:
        backend.close()


# -- refusals ------------------------------------------------------------------------------------


def test_a_changed_migration_is_refused(opened, migrations, dialect):
    MigrationRunner(opened, migrations).migrate()
    edited = migrations / "002_list_and_lookup_indexes.sql"
    edited.write_text(edited.read_text() + "\nCREATE INDEX idx_extra ON posts (title);\n")
    write(migrations, "903_pending.sql", "CREATE TABLE pending (x INTEGER);\n")
    before = snapshot(opened)
    runner = MigrationRunner(opened, migrations)

    with pytest.raises(ChecksumMismatchError) as refused:
        runner.migrate()
    assert refused.value.version == "002"
    assert "002" in str(refused.value)
    with pytest.raises(ChecksumMismatchError):
        runner.status()
    assert snapshot(opened) == before  # 003 was not applied either


def test_editing_the_other_dialects_file_is_no_change(opened, migrations, dialect):
    MigrationRunner(opened, migrations).migrate()
    other = "postgresql" if dialect == "sqlite" else "sqlite"
    edited = migrations / f"001_create_users_posts_comments.{other}.sql"
    edited.write_text(edited.read_text() + "\n-- edited\n")
    mine = migrations / f"001_create_users_posts_comments.{dialect}.sql"

    assert MigrationRunner(opened, migrations).migrate() == []

    mine.write_text(mine.read_text() + "\n-- edited\n")
    with pytest.raises(ChecksumMismatchError) as refused:
        MigrationRunner(opened, migrations).migrate()
    assert refused.value.version == "001"


def test_a_database_from_a_newer_app_is_refused(opened, empty_url, migrations, tmp_path):
    write(migrations, "903_newer.sql", "CREATE TABLE newer (x INTEGER);\n")
    MigrationRunner(opened, migrations).migrate()
    # This app knows 001, 002 and its own 004, but not the 003 in the history.
    ours = Path(shutil.copytree(paths.migrations_dir(), tmp_path / "ours"))
    write(ours, "904_other.sql", "CREATE TABLE other (x INTEGER);\n")
    before = snapshot(opened)
    runner = MigrationRunner(opened, ours)

    with pytest.raises(SchemaTooNewError) as refused:
        runner.migrate()
    assert refused.value.version == "903"
    assert "903" in str(refused.value)
    with pytest.raises(SchemaTooNewError):
        runner.status()
    with pytest.raises(SchemaTooNewError):
        open_database(empty_url)
    assert snapshot(opened) == before
    assert "other" not in opened.table_names()


# -- the files' rules ------------------------------------------------------------------------------

BAD_FILE_SETS = {
    "mixed styles": ["001_a.sql", "20240101120000_b.sql"],
    "repeated version": ["001_a.sql", "001_b.sql"],
    "repeated version across dialects": ["001_a.sqlite.sql", "001_b.postgresql.sql"],
    "shared and dialect file": ["001_a.sql", "001_a.sqlite.sql", "001_a.postgresql.sql"],
    "sqlite file without postgresql": ["001_a.sqlite.sql"],
    "postgresql file without sqlite": ["001_a.sql", "002_b.postgresql.sql"],
    "hyphen": ["001-a.sql"],
    "upper case": ["001_Add.sql"],
    "one digit": ["1_a.sql"],
    "four digits": ["0001_a.sql"],
    "no version": ["add_users.sql"],
    "no description": ["001_.sql"],
    "unknown dialect": ["001_a.mysql.sql"],
    "spaces": ["001_add users.sql"],
}


@pytest.mark.parametrize("dialect_name", ["sqlite", "postgresql"])
@pytest.mark.parametrize("files", BAD_FILE_SETS.values(), ids=BAD_FILE_SETS.keys())
def test_broken_migration_files_are_refused(tmp_path, files, dialect_name):
    for name in files:
        write(tmp_path, name, "SELECT 1;\n")
    with pytest.raises(MigrationFilesError) as refused:
        discover(tmp_path, dialect_name)
    message = str(refused.value)
    assert message.endswith(".")
    assert any(part in message for part in ("001", "002", *files))


def test_broken_files_are_refused_before_touching_the_database(opened, migrations):
    MigrationRunner(opened).migrate()
    write(migrations, "903_tags.sql", "CREATE TABLE tags (x INTEGER);\n")
    write(migrations, "903_labels.sql", "CREATE TABLE labels (x INTEGER);\n")
    before = snapshot(opened)
    with pytest.raises(MigrationFilesError, match="903"):
        MigrationRunner(opened, migrations).migrate()
    assert snapshot(opened) == before


def test_timestamp_versions_and_other_files(tmp_path, dialect):
    write(tmp_path, "20240102030405_b.sql", "SELECT 1;\n")
    write(tmp_path, "20231231235959_a.sql", "SELECT 1;\n")
    write(tmp_path, "README.md", "# conventions\n")
    write(tmp_path, "notes.txt", "not a migration\n")
    assert [m.version for m in discover(tmp_path, dialect)] == [
        "20231231235959",
        "20240102030405",
    ]


def test_crlf_line_endings_give_the_same_checksum(opened, migrations, dialect):
    MigrationRunner(opened).migrate()
    lf = {m.version: m.checksum for m in discover(migrations, dialect)}
    for path in migrations.glob("*.sql"):
        path.write_bytes(path.read_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"))
    assert b"\r\n" in (migrations / "002_list_and_lookup_indexes.sql").read_bytes()

    crlf = {m.version: m.checksum for m in discover(migrations, dialect)}

    assert crlf == lf
    assert (
        crlf["002"]
        != hashlib.sha256((migrations / "002_list_and_lookup_indexes.sql").read_bytes()).hexdigest()
    )
    runner = MigrationRunner(opened, migrations)
    assert runner.status().pending == []
    assert runner.migrate() == []


def file_state(url: str) -> dict[str, str]:
    """sha256 of a SQLite file and its -wal/-shm companions."""
    state = {}
    for suffix in ("", "-wal", "-shm"):
        path = Path(url + suffix)
        if path.exists():
            state[suffix] = hashlib.sha256(path.read_bytes()).hexdigest()
    return state


def test_status_changes_nothing(opened, empty_url, migrations, dialect):
    # A fresh database: status lists everything as pending and creates no history table.
    runner = MigrationRunner(opened)
    status = runner.status()
    assert status.applied == []
    assert status.current_version is None
    assert [m.version for m in status.pending] == shipped_versions(dialect)
    assert opened.table_names() == set()

    # Half-way: only 001 applied.
    for later in migrations.glob("*.sql"):
        if not later.name.startswith("001_"):
            later.unlink()
    MigrationRunner(opened, migrations).migrate()
    before = snapshot(opened)
    files = file_state(empty_url) if dialect == "sqlite" else {}

    status = runner.status()

    assert [row.version for row in status.applied] == ["001"]
    assert [m.version for m in status.pending] == shipped_versions(dialect)[1:]
    assert snapshot(opened) == before
    if dialect == "sqlite":
        assert file_state(empty_url) == files


# -- statements the SQLite splitter must keep whole ------------------------------------------------

TRICKY_TEXT = """\
-- A comment; with a semicolon, and 'a quote.
CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL);
/* a block comment; with one too */
INSERT INTO notes (id, body) VALUES (1, 'first; second');
INSERT INTO notes (id, body) VALUES (2, 'it''s 50% off -- really; truly');
INSERT INTO notes (id, body) VALUES (3, ';');
INSERT INTO notes (id, body) VALUES (4, 'no semicolon after the last statement')
"""


def test_semicolons_inside_literals_and_comments(opened, migrations):
    MigrationRunner(opened).migrate()
    write(migrations, "903_notes.sql", TRICKY_TEXT)

    MigrationRunner(opened, migrations).migrate()

    assert run(opened, "SELECT id, body FROM notes ORDER BY id") == [
        (1, "first; second"),
        (2, "it's 50% off -- really; truly"),
        (3, ";"),
        (4, "no semicolon after the last statement"),
    ]


AUDIT_SQLITE = """\
CREATE TABLE audit (user_id INTEGER NOT NULL, note TEXT NOT NULL);
CREATE TRIGGER users_audit AFTER INSERT ON users
BEGIN
    INSERT INTO audit (user_id, note) VALUES (new.id, 'created; by a trigger');
    INSERT INTO audit (user_id, note) VALUES (new.id, 'second statement');
END;
CREATE INDEX idx_audit_user ON audit (user_id);
"""

AUDIT_POSTGRESQL = """\
CREATE TABLE audit (user_id INTEGER NOT NULL, note TEXT NOT NULL);
CREATE FUNCTION users_audit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO audit (user_id, note) VALUES (NEW.id, 'created; by a trigger');
    INSERT INTO audit (user_id, note) VALUES (NEW.id, 'second statement');
    RETURN NEW;
END;
$$;
CREATE TRIGGER users_audit AFTER INSERT ON users FOR EACH ROW EXECUTE FUNCTION users_audit();
CREATE INDEX idx_audit_user ON audit (user_id);
"""


def test_a_trigger_with_several_statements(opened, migrations):
    MigrationRunner(opened).migrate()
    write(migrations, "903_audit.sqlite.sql", AUDIT_SQLITE)
    write(migrations, "903_audit.postgresql.sql", AUDIT_POSTGRESQL)

    MigrationRunner(opened, migrations).migrate()
    user = Repository(opened).create_user("Ann", "ann@example.com")

    assert run(opened, "SELECT user_id, note FROM audit ORDER BY note") == [
        (user.id, "created; by a trigger"),
        (user.id, "second statement"),
    ]


def test_split_statements_cuts_only_between_statements():
    script = AUDIT_SQLITE + "INSERT INTO audit VALUES (1, 'a;b');\n\n-- the end\n"

    statements = split_statements(script)

    # Nothing lost; a trailing comment may get an (empty, harmless) statement's ';'.
    assert "".join(statements) in (script, script + ";")
    assert [s.split()[:2] for s in statements] == [
        ["CREATE", "TABLE"],
        ["CREATE", "TRIGGER"],
        ["CREATE", "INDEX"],
        ["INSERT", "INTO"],
        ["--", "the"],
    ]
    assert statements[1].rstrip().endswith("END;")
    assert statements[3].strip() == "INSERT INTO audit VALUES (1, 'a;b');"


# -- several processes at once -------------------------------------------------------------------


class Workers:
    """Processes that each migrate the database they are sent, all at the same moment."""

    def __init__(self, count: int) -> None:
        self.processes = [
            subprocess.Popen(
                [sys.executable, "-m", "tests.support.migrate_worker"],
                cwd=REPO_ROOT,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
            )
            for _ in range(count)
        ]
        for process in self.processes:  # the barrier: everyone imported and waiting
            assert process.stdout is not None
            assert process.stdout.readline().strip() == "ready"

    def migrate(self, url: str, folder: Path) -> list[dict[str, list[str] | str]]:
        for process in self.processes:
            assert process.stdin is not None
            process.stdin.write(f"{url}\t{folder}\n")
            process.stdin.flush()
        answers = []
        for process in self.processes:
            assert process.stdout is not None
            answers.append(json.loads(process.stdout.readline()))
        return answers

    def close(self) -> None:
        for process in self.processes:
            assert process.stdin is not None
            process.stdin.close()
        for process in self.processes:
            assert process.wait(timeout=30) == 0


@pytest.fixture
def workers():
    pool = Workers(4)
    yield pool
    pool.close()


# A third migration of our own, whose row shows in the data how often it ran.
ONE_ROW = "CREATE TABLE filler (n INTEGER NOT NULL);\nINSERT INTO filler (n) VALUES (1);\n"


def test_processes_migrating_one_fresh_database_at_once(
    dialect, make_database, migrations, workers
):
    write(migrations, "903_filler.sql", ONE_ROW)
    expected = [*shipped_versions(dialect), "903"]
    for _attempt in range(4):
        url = make_database(dialect)

        answers = workers.migrate(url, migrations)

        assert [a for a in answers if "error" in a] == []
        applied = sorted(version for a in answers for version in a["applied"])
        assert applied == expected  # each migration exactly once, by one of them
        backend = open_database(url, migrations_dir=migrations)
        try:
            assert [row[0] for row in history(backend)] == expected
            assert run(backend, "SELECT n FROM filler") == [(1,)]
        finally:
            backend.close()
