"""The window-less commands, run as a person runs them: `python -m desktop ...`."""

import json
import subprocess
import sys

import pytest

from desktop import paths
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
    newest = sorted(p.name[:3] for p in paths.migrations_dir().glob("*.sql"))[-1]
    assert f"schema version {newest}" in second.stdout


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
        versions = {p.name[:3] for p in paths.migrations_dir().glob("*.sql")}
        assert f"{len(versions)} pending" in status.stdout
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


# -- without a display ---------------------------------------------------------------------------


def without_display(tmp_path) -> dict[str, str]:
    """The environment of a console with no graphical session: no DISPLAY, no Wayland, no
    QT_QPA_PLATFORM (which the tests themselves set)."""
    import os

    hidden = {"DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"}
    env = {key: value for key, value in os.environ.items() if key not in hidden}
    env["HOME"] = str(tmp_path)
    return env


def test_the_app_without_a_display_says_so_in_one_line_and_exits_2(tmp_path):
    ran = subprocess.run(
        [sys.executable, "-m", "desktop", "--database", str(tmp_path / "x.sqlite3")],
        capture_output=True,
        text=True,
        timeout=120,
        env=without_display(tmp_path),
    )
    assert ran.returncode == 2
    lines = ran.stderr.strip().splitlines()
    assert len(lines) == 1, ran.stderr
    assert lines[0].startswith(
        "Postdesk needs a graphical display; none was found (DISPLAY is not set)"
    )
    assert "xcb" not in ran.stderr
    assert not (tmp_path / "x.sqlite3").exists()


def test_self_check_works_without_a_display(tmp_path):
    ran = subprocess.run(
        [sys.executable, "-m", "desktop", "--self-check"],
        capture_output=True,
        text=True,
        timeout=120,
        env=without_display(tmp_path),
    )
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert "Display:" in ran.stdout and "none found" in ran.stdout
    assert "Qt platform plugin:  offscreen" in ran.stdout
    assert ran.stdout.rstrip().endswith("self-check passed")


def test_a_malformed_server_address_is_refused_in_our_own_words():
    ran = postdesk("migrate", "--database", "postgres://::::")
    assert ran.returncode == 1
    assert ran.stderr.strip() == (
        "postdesk: This server address is not valid: the port must be a number from 1 to 65535."
    )


@pytest.mark.postgres
def test_migrate_says_while_it_waits_for_another_postdesk(make_database):
    import psycopg

    from desktop.store.postgres import MIGRATION_LOCK_KEY

    url = make_database("postgresql")  # empty: both migrations pending
    with psycopg.connect(url) as holder:
        holder.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK_KEY,))
        process = subprocess.Popen(
            [sys.executable, "-m", "desktop", "migrate", "--database", url],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert process.stderr is not None
        seen = ""
        while "Another Postdesk is updating this database" not in seen:
            letter = process.stderr.read(1)
            assert letter, f"migrate ended without saying it waits: {seen!r}"
            seen += letter
        holder.commit()  # the other Postdesk is done
        out, err = process.communicate(timeout=60)
    assert process.returncode == 0, seen + err
    assert "applied  001" in out and "applied  002" in out


# -- adopting a database built from the specification -------------------------------------


def test_migrate_refuses_a_specification_database_and_names_adopt(empty_url, dialect):
    from tests.support.spec_database import build_spec_database

    build_spec_database(empty_url, dialect)
    result = postdesk("migrate", "--database", empty_url)
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1
    assert "migrate --adopt" in result.stderr
    assert "Postdesk will record this database as at version 001" in result.stderr


def test_migrate_adopt_adopts_and_prints_what_it_did(empty_url, dialect):
    from tests.support.spec_database import POSTS, build_spec_database

    build_spec_database(empty_url, dialect)
    result = postdesk("migrate", "--adopt", "--database", empty_url)
    assert result.returncode == 0, result.stderr
    timestamps = 4 if dialect == "sqlite" else 5
    assert "Postdesk will record this database as at version 001" in result.stdout
    assert "recorded 001  create_users_posts_comments" in result.stdout
    assert "applied  002  list_and_lookup_indexes" in result.stdout
    assert f"converted {timestamps} timestamps to UTC" in result.stdout
    assert "is now at schema version" in result.stdout
    with open_database(empty_url) as backend:
        assert [p.title for p in Repository(backend).list_posts(1).items] == list(POSTS)
    again = postdesk("migrate", "--adopt", "--database", empty_url)
    assert again.returncode == 0, again.stderr
    assert "needs no adopting" in again.stdout
    assert "Nothing to migrate" in again.stdout


def test_migrate_adopt_refuses_what_differs_by_name(empty_url, dialect):
    from desktop.store.connection import connect
    from tests.support.spec_database import build_spec_database

    build_spec_database(empty_url, dialect)
    with connect(empty_url) as backend:
        backend.execute("DROP INDEX idx_users_email")
    result = postdesk("migrate", "--adopt", "--database", empty_url)
    assert result.returncode == 1
    assert "no index idx_users_email on users (email)" in result.stderr
    with connect(empty_url) as backend:
        assert "schema_migrations" not in backend.table_names()


# -- export and import ---------------------------------------------------------------------------


def test_export_writes_each_list_and_says_how_fast(empty_url, tmp_path):
    assert postdesk("seed", "--database", empty_url).returncode == 0
    with open_database(empty_url) as backend:
        repo = Repository(backend)
        author = repo.list_users().items[0]
        post = repo.list_posts(author.id).items[0]
        expected_posts = repo.count_posts(author.id)
        expected_comments = repo.count_comments(post.id)
    users = tmp_path / "users.csv"
    result = postdesk(
        "export", "--database", empty_url, "--list", "users", "--format", "csv",
        "--output", str(users),
    )
    assert result.returncode == 0, result.stderr
    assert "rows/s" in result.stdout
    assert users.read_bytes().startswith(b"\xef\xbb\xbfid,name,email")
    posts = tmp_path / "posts.json"
    result = postdesk(
        "export", "--database", empty_url, "--list", "posts",
        "--user-email", author.email.upper(), "--format", "json", "--output", str(posts),
    )
    assert result.returncode == 0, result.stderr
    assert len(json.loads(posts.read_text("utf-8"))) == expected_posts
    comments = tmp_path / "comments.csv"
    result = postdesk(
        "export", "--database", empty_url, "--list", "comments", "--post-id", str(post.id),
        "--format", "csv", "--output", str(comments),
    )
    assert result.returncode == 0, result.stderr
    assert comments.read_bytes().count(b"\r\n") >= expected_comments + 1
    refused = postdesk(
        "export", "--database", empty_url, "--list", "posts", "--user-email",
        "nobody@example.com", "--format", "csv", "--output", str(tmp_path / "x.csv"),
    )
    assert refused.returncode == 1
    assert refused.stderr == "postdesk: No user has the email nobody@example.com.\n"


def test_import_shows_problems_with_lines_and_writes_nothing(empty_url, tmp_path):
    postdesk("migrate", "--database", empty_url)
    path = tmp_path / "users.csv"
    path.write_text("name,email\nGood,good@example.com\nBad,nope\nTwin,GOOD@example.com\n")
    result = postdesk("import", "--database", empty_url, "--kind", "users", "--input", str(path))
    assert result.returncode == 1
    assert "3 users, 2 problems" in result.stdout
    assert "Line 3: “nope” is not an email address" in result.stderr
    assert "Line 4: The email GOOD@example.com is already on line 2." in result.stderr
    with open_database(empty_url) as backend:
        assert Repository(backend).table_counts()["users"] == 0


def test_import_asks_first_and_adds_all_rows_with_yes(empty_url, tmp_path):
    postdesk("migrate", "--database", empty_url)
    path = tmp_path / "users.csv"
    path.write_text("name,email\n" + "".join(f"U {i},u{i}@example.com\n" for i in range(500)))
    unasked = postdesk("import", "--database", empty_url, "--kind", "users", "--input", str(path))
    assert unasked.returncode == 1, "no terminal to confirm on: nothing is added"
    assert "500 users ready to add" in unasked.stdout and "--yes" in unasked.stdout
    dry = postdesk(
        "import", "--database", empty_url, "--kind", "users", "--input", str(path), "--dry-run"
    )
    assert dry.returncode == 0 and "nothing was added" in dry.stdout
    with open_database(empty_url) as backend:
        assert Repository(backend).table_counts()["users"] == 0
    done = postdesk(
        "import", "--database", empty_url, "--kind", "users", "--input", str(path), "--yes"
    )
    assert done.returncode == 0, done.stderr
    assert "Imported 500 users" in done.stdout and "rows/s" in done.stdout
    with open_database(empty_url) as backend:
        assert Repository(backend).table_counts()["users"] == 500


def test_import_of_posts_then_export_with_a_filter(empty_url, tmp_path):
    postdesk("migrate", "--database", empty_url)
    with open_database(empty_url) as backend:
        Repository(backend).create_user("Ada", "ada@example.com")
    posts = tmp_path / "posts.csv"
    posts.write_text(
        "author_email,title,content,created_at\n"
        "ada@example.com,Engine notes,\"first, with a comma\",2026-01-02T10:00:00Z\n"
        "ADA@example.com,Bernoulli,second,\n"
        "grace@example.com,Orphan,third,\n",
        encoding="utf-8",
    )
    refused = postdesk(
        "import", "--database", empty_url, "--kind", "posts", "--input", str(posts), "--yes"
    )
    assert refused.returncode == 1
    assert "Line 4: No user has the email grace@example.com" in refused.stderr
    posts.write_text(posts.read_text().rsplit("grace", 1)[0], encoding="utf-8")
    added = postdesk(
        "import", "--database", empty_url, "--kind", "posts", "--input", str(posts), "--yes"
    )
    assert added.returncode == 0, added.stderr
    assert "Imported 2 posts" in added.stdout
    out = tmp_path / "engine.json"
    exported = postdesk(
        "export", "--database", empty_url, "--list", "posts", "--user-email", "ada@example.com",
        "--filter", "ENGINE", "--format", "json", "--output", str(out),
    )
    assert exported.returncode == 0, exported.stderr
    (record,) = json.loads(out.read_text("utf-8"))
    assert record["title"] == "Engine notes" and record["content"] == "first, with a comma"
    assert record["created_at"] == "2026-01-02T10:00:00.000Z"


def _searchable(url: str) -> tuple[int, int]:
    with open_database(url) as backend:
        repo = Repository(backend)
        ada = repo.create_user("Ada", "ada@example.org")
        old = repo.create_post(ada.id, "Analytical\tEngine\nnotes", "On the loom.")
        new = repo.create_post(ada.id, "Other", "Nothing here.")
        repo.create_comment(new.id, "An analysis of Дом and 中文字.")
    return old.id, new.id


def test_search_prints_id_email_and_title_one_a_line(empty_url):
    old, new = _searchable(empty_url)
    result = postdesk("search", "--database", empty_url, "analy")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        f"{new}\tada@example.org\tOther",
        f"{old}\tada@example.org\tAnalytical Engine notes",
    ]
    limited = postdesk("search", "--database", empty_url, "--limit", "1", "ANALY")
    assert limited.stdout.splitlines() == [f"{new}\tada@example.org\tOther"]
    words = postdesk("search", "--database", empty_url, "дом", "中文字")
    assert words.stdout.splitlines() == [f"{new}\tada@example.org\tOther"]


@pytest.mark.parametrize("typed", ['"analy', "NEAR(", "*", "' OR 1=1 --", "x" * 10_000, "...:^-"])
def test_search_of_anything_typed_is_results_or_no_match(empty_url, typed):
    _searchable(empty_url)
    result = postdesk("search", "--database", empty_url, typed)
    assert result.returncode == 0, result.stderr
    if not result.stdout:
        assert result.stderr == "No posts match.\n"


def test_search_refuses_a_limit_below_one(empty_url):
    result = postdesk("search", "--database", empty_url, "--limit", "0", "loom")
    assert result.returncode == 2
    assert "1 or more" in result.stderr


MERGE_PAIRS = [
    pytest.param(("sqlite", "postgresql"), id="sqlite-to-postgresql", marks=pytest.mark.postgres),
    pytest.param(("postgresql", "sqlite"), id="postgresql-to-sqlite", marks=pytest.mark.postgres),
]


@pytest.mark.parametrize("pair", MERGE_PAIRS)
def test_merge_dry_run_lists_conflicts_then_merge_takes_the_names_chosen(make_database, pair):
    source, destination = make_database(pair[0]), make_database(pair[1])
    with open_database(destination) as backend:
        Repository(backend).create_user("Ann Here", "ann@example.com")
    with open_database(source) as backend:
        repo = Repository(backend)
        ann = repo.create_user("Ann There", "Ann@Example.com")
        repo.create_comment(repo.create_post(ann.id, "Hello", "world").id, "hi")
        repo.create_user("Bob", "bob@example.com")
    merge = ("merge", "--from", source, "--to", destination)
    dry = postdesk(*merge, "--dry-run")
    assert dry.returncode == 0, dry.stderr
    lines = dry.stdout.splitlines()
    assert lines[0] == (
        "name differs: Ann@Example.com: here 'Ann Here', in the source 'Ann There'; "
        "would keep this name"
    )
    assert lines[1] == "Dry run: nothing was written."
    assert lines[2].startswith(
        "would merge: users added=1 matched=1, posts added=1 skipped=0, "
        "comments added=1 skipped=0 in "
    )
    with open_database(destination) as backend:
        assert Repository(backend).table_counts() == {"users": 1, "posts": 0, "comments": 0}
    done = postdesk(*merge, "--take-names", "ann@example.com")
    assert done.returncode == 0, done.stderr
    assert "took the source's name" in done.stdout
    assert done.stdout.splitlines()[-1].startswith(
        "merged: users added=1 matched=1, posts added=1 skipped=0, comments added=1 skipped=0 in "
    )
    again = postdesk(*merge)
    assert again.stdout.splitlines()[-1].startswith(
        "merged: users added=0 matched=2, posts added=0 skipped=1, comments added=0 skipped=1 in "
    )
    with open_database(destination) as backend:
        repo = Repository(backend)
        assert repo.table_counts() == {"users": 2, "posts": 1, "comments": 1}
        assert backend.execute("SELECT name FROM users ORDER BY id") == [("Ann There",), ("Bob",)]


def test_merge_refusal_is_one_line_and_non_zero(make_database):
    url = make_database("sqlite")
    open_database(url).close()
    result = postdesk("merge", "--from", url, "--to", url)
    assert result.returncode == 1
    assert result.stderr == "postdesk: The source and the destination are the same database.\n"
