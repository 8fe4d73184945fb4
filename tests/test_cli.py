"""The window-less commands, run as a person runs them: `python -m desktop ...`."""

import subprocess
import sys

import pytest

from desktop.store.connection import open_database
from desktop.store.repository import Repository


def postdesk(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "desktop", *args], capture_output=True, text=True, timeout=120
    )


def test_migrate_applies_then_reports_nothing_pending(empty_url):
    first = postdesk("migrate", "--database", empty_url)
    assert first.returncode == 0, first.stderr
    assert "applied  001  create_users_posts_comments" in first.stdout
    assert "applied  002" in first.stdout
    assert "applied  003" in first.stdout
    second = postdesk("migrate", "--database", empty_url)
    assert second.returncode == 0, second.stderr
    assert "Nothing to migrate" in second.stdout
    assert "schema version 003" in second.stdout


def test_migrate_status_changes_nothing(empty_url):
    postdesk("migrate", "--database", empty_url)
    status = postdesk("migrate", "--status", "--database", empty_url)
    assert status.returncode == 0, status.stderr
    assert "applied  001" in status.stdout
    assert "0 pending" in status.stdout


def test_migrate_status_on_fresh_database_lists_pending(empty_url):
    status = postdesk("migrate", "--status", "--database", empty_url)
    if status.returncode == 0:
        assert "pending  001" in status.stdout
        assert "3 pending" in status.stdout
        with open_database(empty_url, migrate=False) as backend:
            assert "schema_migrations" not in backend.table_names()
    else:  # a SQLite file that does not exist yet is not created by --status
        assert "There is no database file" in status.stderr


def test_migrate_failure_is_one_line_and_non_zero(tmp_path):
    result = postdesk("migrate", "--database", str(tmp_path / "missing" / "x.sqlite3"))
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1
    assert "does not exist" in result.stderr


def test_seed_demo_twice_gives_the_same_counts(empty_url):
    first = postdesk("seed", "--database", empty_url)
    assert first.returncode == 0, first.stderr
    with open_database(empty_url) as backend:
        counts = Repository(backend).table_counts()
    assert counts["users"] >= 5 and counts["posts"] >= 5 and counts["comments"] >= 5
    second = postdesk("seed", "--database", empty_url)
    assert second.returncode == 0, second.stderr
    assert "added 0 users, 0 posts, 0 comments" in second.stdout
    with open_database(empty_url) as backend:
        assert Repository(backend).table_counts() == counts


def test_seed_generator_makes_the_asked_counts(empty_url):
    result = postdesk(
        "seed", "--database", empty_url, "--users", "40", "--posts-per-user", "3",
        "--comments-per-post", "2", "--heavy-user-posts", "25", "--heavy-post-comments", "9",
    )
    assert result.returncode == 0, result.stderr
    assert "rows/s" in result.stdout
    posts = 25 + 39 * 3
    comments = 9 + (posts - 1) * 2
    with open_database(empty_url) as backend:
        repo = Repository(backend)
        assert repo.table_counts() == {"users": 40, "posts": posts, "comments": comments}
        # Ids continue after generated rows: a normal insert still works.
        user = repo.create_user("After Seed", "after.seed@example.com")
        assert user.id == 41


def test_database_before_subcommand_is_honoured(empty_url, tmp_path):
    result = postdesk("--database", empty_url, "migrate")
    assert result.returncode == 0, result.stderr
    assert "applied  001" in result.stdout


@pytest.mark.parametrize("bad", ["mysql://x/y", "sqlite://x.db"])
def test_unknown_address_is_refused_plainly(bad):
    result = postdesk("migrate", "--database", bad)
    assert result.returncode == 1
    assert "postdesk:" in result.stderr
