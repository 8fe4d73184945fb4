"""A migration that fills a table from another (006 builds its search index so, 009 builds
it again with prefix indexes) runs in id ranges: progress between them, and a cancel
between them undoes the migration whole."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from desktop import paths
from desktop.store import migrations as migrations_module
from desktop.store.backend import Backend
from desktop.store.connection import open_database
from desktop.store.errors import MigrationCancelledError
from desktop.store.migrations import FillProgress, LockWait, MigrationRunner
from desktop.store.repository import Repository
from desktop.store.sqlite import FTS5_HASHSIZE
from tests.conftest import MakeDatabase

SEARCH_VERSION = "006"
PREFIX_VERSION = "009"


def migrations_before(tmp_path: Path, version: str) -> Path:
    folder = Path(shutil.copytree(paths.migrations_dir(), tmp_path / f"before_{version}"))
    for path in folder.glob("*.sql"):
        if path.name[:3] >= version:
            path.unlink()
    return folder


@pytest.fixture
def before_search(tmp_path: Path) -> Path:
    return migrations_before(tmp_path, SEARCH_VERSION)


def _filled(url: str, before_search: Path, posts: int) -> None:
    with open_database(url, create=True, migrations_dir=before_search) as backend:
        repo = Repository(backend)
        user = repo.create_user("Ada", "ada@example.org")
        for n in range(posts):
            post = repo.create_post(user.id, f"loom {n}", "text")
            repo.create_comment(post.id, f"shuttle {n}")


def test_the_index_build_reports_rows_and_can_be_cancelled(
    tmp_path: Path, before_search: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLite's 006 fills its FTS5 tables from posts and comments (PostgreSQL's builds two
    GIN indexes, one statement each)."""
    sqlite_url = str(tmp_path / "fill.sqlite3")
    monkeypatch.setattr(migrations_module, "FILL_BATCH_IDS", 2)
    _filled(sqlite_url, before_search, 7)
    heard: list[FillProgress] = []
    with open_database(sqlite_url, migrate=False) as backend:
        runner = MigrationRunner(backend)
        stop = LockWait(cancelled=lambda: len(heard) >= 3)
        with pytest.raises(MigrationCancelledError):
            runner.migrate(lock=stop, rows=heard.append)
        assert runner.status().current_version == "003"
        assert "posts_search" not in backend.table_names()
        assert [(p.table, p.done) for p in heard] == [("posts", 2), ("posts", 4), ("posts", 6)]

        heard.clear()
        runner.migrate(rows=heard.append)
        assert runner.status().current_version == runner.known()[-1].version
        by_table: dict[tuple[str, str], list[int]] = {}
        for p in heard:
            by_table.setdefault((p.migration.version, p.table), []).append(p.done)
        assert by_table == {
            (version, table): [2, 4, 6, 7]
            for version in (SEARCH_VERSION, PREFIX_VERSION)
            for table in ("posts", "comments")
        }
        assert all(p.total == 7 and p.seconds_left is not None for p in heard)
        assert heard[-1].seconds_left == 0
        repo = Repository(backend)
        assert repo.count_search("loom") == 7
        assert repo.count_search("shuttle") == 7


def _search_table_sql(backend: Backend, name: str) -> str:
    return str(backend.execute("SELECT sql FROM sqlite_master WHERE name = ?", (name,))[0][0])


def test_a_cancelled_prefix_index_rebuild_leaves_the_search_working(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """009 drops 006's FTS5 tables and fills new ones: a cancel half-way through must give
    back the old tables whole, still finding every post, and a later run finish the job."""
    sqlite_url = str(tmp_path / "prefix.sqlite3")
    monkeypatch.setattr(migrations_module, "FILL_BATCH_IDS", 2)
    _filled(sqlite_url, migrations_before(tmp_path, PREFIX_VERSION), 7)
    heard: list[FillProgress] = []
    with open_database(sqlite_url, migrate=False) as backend:
        runner = MigrationRunner(backend)
        stop = LockWait(cancelled=lambda: len(heard) >= 5)  # inside the comments' fill
        with pytest.raises(MigrationCancelledError):
            runner.migrate(lock=stop, rows=heard.append)
        assert runner.status().current_version == "008"
        assert "prefix" not in _search_table_sql(backend, "posts_search")
        assert "prefix" not in _search_table_sql(backend, "comments_search")
        for table, word in (("posts_search", "loom"), ("comments_search", "shuttle")):
            matched = f"SELECT count(*) FROM {table} WHERE {table} MATCH ?"  # 006's whole
            assert backend.execute(matched, (word,)) == [(7,)]

        runner.migrate()
        assert runner.status().current_version == runner.known()[-1].version
        for table in ("posts_search", "comments_search"):
            assert "prefix = '2 3'" in _search_table_sql(backend, table)
            gathering = f"SELECT v FROM {table}_config WHERE k = 'hashsize'"
            assert backend.execute(gathering) == [(FTS5_HASHSIZE,)]  # the fill's set back
        repo = Repository(backend)
        found = [repo.count_search(text) for text in ("lo", "shu", "sh 6")]
        assert found == [7, 7, 1]


@pytest.mark.postgres
def test_the_search_index_rebuilt_by_010_reads_each_word_whole(
    tmp_path: Path, make_database: MakeDatabase
) -> None:
    """A server database indexed by 006's expression finds `c` in `0e0c`; 010 rebuilds both
    indexes so that the posts and comments written before it are found as SQLite finds them."""
    url = make_database("postgresql")
    with open_database(url, migrations_dir=migrations_before(tmp_path, "010")) as backend:
        repo = Repository(backend)
        user = repo.create_user("Ada", "ada@example.org")
        post = repo.create_post(user.id, "Build 0e0c", "of 3e4e5")
        comment = repo.create_comment(post.id, "after 0e0c")
        old_words = "to_tsvector('simple', regexp_replace(body, '[^[:alnum:]]+', ' ', 'g'))"
        found = f"SELECT count(*) FROM comments WHERE {old_words} @@ CAST('c' AS tsquery)"
        assert backend.execute(found) == [(1,)]  # how 006's index reads `0e0c`

    with open_database(url) as backend:
        repo = Repository(backend)
        runner = MigrationRunner(backend)
        assert runner.status().current_version == runner.known()[-1].version
        searches = ("c", "e5", "0e0c", '"0e0c of"')  # the phrase would run title to content
        assert [repo.count_search(text) for text in searches] == [0, 0, 1, 0]
        assert repo.count_search('"build 0e0c"') == 1
        assert [hit.comment_id for hit in repo.search_posts('"after 0e0c"').items] == [comment.id]
