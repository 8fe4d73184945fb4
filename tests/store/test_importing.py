"""Importing users or posts from CSV: every problem named with its line, nothing written by
the preview, and then all rows in one transaction or none of them."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from desktop.store.backend import Backend
from desktop.store.errors import StoreError, ValidationError
from desktop.store.exporting import ListSpec, export_list
from desktop.store.importing import (
    PROGRESS_EVERY,
    ImportCancelled,
    ImportChangedError,
    Problem,
    preview_import,
    run_import,
)
from desktop.store.repository import Repository


def write(tmp_path: Path, text: str, name: str = "in.csv", bom: bool = False) -> Path:
    path = tmp_path / name
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
    return path


def counts(backend: Backend) -> dict[str, int]:
    return Repository(backend).table_counts()


def test_a_clean_file_of_users_is_added_whole(backend, tmp_path):
    path = write(
        tmp_path,
        "Name,E-mail\r\n"
        "  Zoë Núñez ,zoe@example.com\r\n"
        '"Lovelace, Ada",ada@example.com\r\n'
        "\r\n"
        ",\r\n"
        "李小龍,li@example.com\r\n",
        bom=True,
    )
    plan = preview_import(backend, path, "users")
    assert plan.problems == [] and plan.ready and plan.rows == 3
    assert plan.first_rows[1] == ["Lovelace, Ada", "ada@example.com"]
    assert counts(backend)["users"] == 0, "the preview writes nothing"
    report = run_import(backend, plan)
    assert report.rows == 3
    users = Repository(backend).list_users().items
    assert [(u.name, u.email) for u in users] == [
        ("Lovelace, Ada", "ada@example.com"),
        ("Zoë Núñez", "zoe@example.com"),  # trimmed, as a form would store it
        ("李小龍", "li@example.com"),
    ]
    assert all(u.created_at is not None for u in users)
    # Ids continue after the imported ones.
    assert Repository(backend).create_user("After", "after@example.com").id == 4


def test_every_problem_is_named_with_its_line(backend, tmp_path):
    Repository(backend).create_user("Stored", "Stored@Example.com")
    path = write(
        tmp_path,
        "name,email\n"
        "Good,good@example.com\n"  # 2
        "Bad,not-an-email\n"  # 3
        '"Two\nlines",two@example.com\n'  # 4-5: a quoted line break
        ",empty@example.com\n"  # 6
        "Again,GOOD@example.com\n"  # 7: the same as line 2, another case
        "Taken,stored@example.com\n"  # 8: already in the database
        "Short\n"  # 9
        "Last,bad\n",  # 10
    )
    plan = preview_import(backend, path, "users")
    assert [(p.line, p.text) for p in plan.problems] == [
        (3, "“not-an-email” is not an email address; write it like name@example.com."),
        (6, "The name cannot be empty."),
        (7, "The email GOOD@example.com is already on line 2."),
        (8, "A user with the email stored@example.com already exists."),
        (
            9,
            "This row has 1 values; the first line names 2 columns (a value holding a comma "
            "must be in double quotes).",
        ),
        (10, "“bad” is not an email address; write it like name@example.com."),
    ]
    assert plan.rows == 8 and not plan.ready
    assert str(plan.problems[0]).startswith("Line 3: ")
    with pytest.raises(ValidationError):
        run_import(backend, plan)
    assert counts(backend)["users"] == 1


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", [(1, "The file is empty; its first line must name the columns.")]),
        ("name,email\n", [(2, "The file has no rows below its first line.")]),
        (
            "name,mail\nA,a@example.com\n",
            [
                (
                    1,
                    "The first line names no “email” column. A file of users needs the "
                    "columns name, email (optional ones may be left out), named in its first line.",
                )
            ],
        ),
        (
            'name,email\nA,a@example.com\n"B,b@example.com\n',
            [(3, "A quoted value is not closed, or has text right after its closing quote.")],
        ),
    ],
)
def test_problems_of_the_whole_file(backend, tmp_path, text, expected):
    plan = preview_import(backend, write(tmp_path, text), "users")
    assert [(p.line, p.text) for p in plan.problems] == expected


def test_a_file_that_is_not_utf8_names_the_line(backend, tmp_path):
    path = tmp_path / "latin1.csv"
    path.write_bytes("name,email\nA,a@example.com\nZoë,z@example.com\n".encode("latin-1"))
    plan = preview_import(backend, path, "users")
    assert [p.line for p in plan.problems] == [3]
    assert "UTF-8" in plan.problems[0].text


def test_posts_need_known_authors_and_real_dates(backend, tmp_path):
    repo = Repository(backend)
    ada = repo.create_user("Ada", "ada@example.com")
    path = write(
        tmp_path,
        "author_email,title,content,created_at\n"
        "ADA@example.com,Dated,body one,2026-03-01T12:00:00.250Z\n"  # 2
        "ada@example.com,Undated,body two,\n"  # 3
        "nobody@example.com,Orphan,body,\n"  # 4
        "ada@example.com,Bad date,body,yesterday\n"  # 5
        "ada@example.com,   ,body,\n",  # 6
    )
    plan = preview_import(backend, path, "posts")
    assert plan.problems == [
        Problem(4, "No user has the email nobody@example.com; add the author first."),
        Problem(
            5, "“yesterday” is not a date; write it like 2026-12-04T14:30:00Z or 2026-12-04 14:30."
        ),
        Problem(6, "The title cannot be empty."),
    ]
    fixed = write(
        tmp_path,
        "Author,Title,Content,Created At\n"
        'ADA@example.com,Dated,"body, one",2026-03-01T12:00:00.250Z\n'
        "ada@example.com,Naive,body two,2026-03-02 08:30\n"
        "ada@example.com,Undated,body three,\n",
        name="fixed.csv",
    )
    plan = preview_import(backend, fixed, "posts")
    assert plan.ready, plan.problems
    before = datetime.now(UTC)
    run_import(backend, plan)
    posts = {p.title: p for p in repo.list_posts(ada.id).items}
    assert posts["Dated"].created_at == datetime(2026, 3, 1, 12, 0, 0, 250000, tzinfo=UTC)
    assert posts["Dated"].content == "body, one"
    assert posts["Naive"].created_at == datetime(2026, 3, 2, 8, 30, tzinfo=UTC)
    undated = posts["Undated"].created_at
    assert undated is not None and undated >= before.replace(microsecond=0)


def test_what_export_writes_import_reads_back(backend, tmp_path):
    repo = Repository(backend)
    ada = repo.create_user("Ada, “the first”", "ada@example.com")
    repo.create_post(ada.id, "Multi\nline", 'Content with "quotes",\r\ncommas and 李')
    users, posts = tmp_path / "users.csv", tmp_path / "posts.csv"
    export_list(repo, ListSpec("users"), "csv", users)
    export_list(repo, ListSpec("posts", user_id=ada.id), "csv", posts)
    # Into an emptied database: the same rows come back.
    with backend.transaction():
        backend.execute("DELETE FROM posts")
        backend.execute("DELETE FROM users")
    run_import(backend, preview_import(backend, users, "users"))
    run_import(backend, preview_import(backend, posts, "posts"))
    (again,) = repo.list_users().items
    assert (again.name, again.email) == (ada.name, ada.email)
    (post,) = repo.list_posts(again.id).items
    assert (post.title, post.content) == ("Multi\nline", 'Content with "quotes",\r\ncommas and 李')


def test_a_user_added_since_the_preview_stops_the_whole_import(backend, tmp_path):
    path = write(tmp_path, "name,email\nA,a@example.com\nB,b@example.com\n")
    plan = preview_import(backend, path, "users")
    assert plan.ready
    Repository(backend).create_user("Someone Else", "B@EXAMPLE.COM")
    with pytest.raises(ImportChangedError) as caught:
        run_import(backend, plan)
    assert caught.value.problems == [
        Problem(3, "A user with the email b@example.com already exists.")
    ]
    assert "nothing was added" in str(caught.value)
    assert counts(backend)["users"] == 1


def test_an_author_deleted_since_the_preview_stops_the_whole_import(backend, tmp_path):
    repo = Repository(backend)
    repo.create_user("Keeps", "keeps@example.com")
    gone = repo.create_user("Goes", "goes@example.com")
    path = write(
        tmp_path, "author_email,title,content\nkeeps@example.com,T,C\ngoes@example.com,T,C\n"
    )
    plan = preview_import(backend, path, "posts")
    assert plan.ready
    repo.delete_user(gone.id)
    with pytest.raises(ImportChangedError):
        run_import(backend, plan)
    assert counts(backend)["posts"] == 0


def test_cancel_in_the_middle_adds_nothing(backend, tmp_path):
    rows = 3 * PROGRESS_EVERY
    lines = "".join(f"User {i},u{i}@example.com\n" for i in range(rows))
    plan = preview_import(backend, write(tmp_path, "name,email\n" + lines), "users")
    assert plan.ready
    seen: list[int] = []
    with pytest.raises(ImportCancelled):
        run_import(
            backend, plan, progress=lambda d, _t: seen.append(d), cancelled=lambda: bool(seen)
        )
    assert seen == [PROGRESS_EVERY]
    assert counts(backend)["users"] == 0
    # The same plan goes in whole afterwards: the failed attempt left nothing in the way.
    assert run_import(backend, plan).rows == rows


def refuse_insert_of(backend: Backend, email: str) -> None:
    """A trigger that makes the database refuse one user, as a late error would."""
    if backend.dialect == "sqlite":
        backend.execute(
            "CREATE TRIGGER refuse_one BEFORE INSERT ON users "
            f"WHEN NEW.email = '{email}' BEGIN SELECT RAISE(ABORT, 'refused'); END"
        )
        return
    backend.execute(
        "CREATE FUNCTION refuse_one() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        f"IF NEW.email = '{email}' THEN RAISE EXCEPTION 'refused'; END IF; RETURN NEW; END $$"
    )
    backend.execute(
        "CREATE TRIGGER refuse_one BEFORE INSERT ON users "
        "FOR EACH ROW EXECUTE FUNCTION refuse_one()"
    )


def test_a_database_refusal_in_the_middle_adds_nothing(backend, tmp_path):
    """The rows arrive in bulk, statement after statement; when the database refuses the
    last one, the rows before it are undone with it."""
    rows = 2 * PROGRESS_EVERY
    lines = "".join(f"User {i},u{i}@example.com\n" for i in range(rows))
    plan = preview_import(backend, write(tmp_path, "name,email\n" + lines), "users")
    assert plan.ready
    refuse_insert_of(backend, f"u{rows - 1}@example.com")
    seen: list[int] = []
    with pytest.raises(StoreError):
        run_import(backend, plan, progress=lambda done, _total: seen.append(done))
    assert seen[:1] == [PROGRESS_EVERY], "rows were on their way before the refusal"
    assert counts(backend)["users"] == 0


@pytest.mark.slow
def test_a_hundred_thousand_users_in_one_go(backend, tmp_path):
    rows = 100_000
    lines = "".join(f"Zoë Núñez {i},zoe{i}@example.com\n" for i in range(rows))
    path = write(tmp_path, "name,email\n" + lines, bom=True)
    reports: list[int] = []
    plan = preview_import(backend, path, "users")
    assert plan.ready
    report = run_import(backend, plan, progress=lambda done, _total: reports.append(done))
    assert report.rows == rows and counts(backend)["users"] == rows
    assert reports[-1] == rows and len(reports) >= rows // PROGRESS_EVERY
    print(
        f"\n{backend.dialect}: checked in {plan.seconds:.2f} s, "
        f"added in {report.seconds:.2f} s ({report.rows_per_second:,.0f} rows/s)"
    )


def test_the_email_check_answers_each_email_once_in_order(backend):
    Repository(backend).create_user("Holder", "Holder@example.com")
    emails = ["x@example.com", "HOLDER@example.com", "Ärger@example.com"]
    answer = backend.queries.emails_in_use(backend.conn, emails=json.dumps(emails))
    assert [row[0] for row in answer] == emails
    assert answer[1][2] is not None and answer[0][2] is None and answer[2][2] is None
    assert answer[0][1] == "x@example.com" and answer[1][1] == "holder@example.com"


@pytest.mark.postgres
@pytest.mark.parametrize("dialect", ["postgresql"])
def test_the_planner_knows_the_imported_rows(backend, tmp_path):
    """Without fresh statistics PostgreSQL planned every page of the grown list on guesses,
    and compiled each with JIT: 100 ms a page, an export of 100,000 users took 10 s."""
    rows = 2_000
    lines = "".join(f"User {i},u{i}@example.com\n" for i in range(rows))
    run_import(backend, preview_import(backend, write(tmp_path, "name,email\n" + lines), "users"))
    (estimate,) = backend.execute("SELECT reltuples FROM pg_class WHERE oid = 'users'::regclass")
    assert estimate[0] == rows


@pytest.mark.postgres
def test_import_and_export_through_a_transaction_pooler(pgbouncer, make_database, tmp_path):
    """A team's server behind PgBouncer (transaction pooling): the import's lock, check,
    COPY and statistics run in its one transaction; the export's pages in any session."""
    from desktop.store.connection import open_database

    url = pgbouncer(make_database("postgresql"))
    lines = "".join(f"User {i},u{i}@example.com\n" for i in range(3000))
    with open_database(url) as backend:
        plan = preview_import(backend, write(tmp_path, "name,email\n" + lines), "users")
        assert run_import(backend, plan).rows == 3000
        out = tmp_path / "users.json"
        report = export_list(Repository(backend), ListSpec("users", "u29"), "json", out)
    assert report.rows == len(json.loads(out.read_text("utf-8"))) == 111  # u29, u290.., u2900..
