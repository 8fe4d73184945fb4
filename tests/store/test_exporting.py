"""Exporting a list: what the list shows (its filter, its order), page by page, as RFC 4180
CSV with a byte-order mark or as JSON; the file appears whole or not at all. One slow test
has LibreOffice open the CSV and checks the non-ASCII text arrived intact."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import pytest

from desktop.store.connection import open_database
from desktop.store.exporting import (
    PAGE,
    ExportCancelled,
    ListSpec,
    export_list,
    time_text,
    user_id_by_email,
)
from desktop.store.repository import Repository

TRICKY = [
    ("Zoë “Quotes” Núñez", "zoe@example.com"),
    ('Comma, "and quote"', "comma@example.com"),
    ("李小龍 Søren", "li@example.com"),
    ("Ada Lovelace", "ada@example.com"),
]


def csv_rows(path: Path) -> list[list[str]]:
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf"), "a UTF-8 byte-order mark first"
    return list(csv.reader(io.StringIO(data[3:].decode("utf-8"), newline="")))


def test_users_csv_is_rfc_4180_with_a_byte_order_mark(repo: Repository, tmp_path):
    for name, email in TRICKY:
        repo.create_user(name, email)
    post = repo.create_post(1, "Line one\nline two", "Body with\r\nCRLF and , commas")
    out = tmp_path / "users.csv"
    report = export_list(repo, ListSpec("users"), "csv", out)
    assert report.rows == 4
    data = out.read_bytes()
    # Every record ends in CRLF, and only quoted fields hold a line break of their own.
    assert data.endswith(b"\r\n") and data.count(b"\r\n") == 5
    assert b'"Comma, ""and quote"""' in data
    rows = csv_rows(out)
    assert rows[0] == ["id", "name", "email", "created_at", "post_count"]
    listed = repo.list_users().items
    assert [row[:3] for row in rows[1:]] == [[str(u.id), u.name, u.email] for u in listed]
    assert [row[3] for row in rows[1:]] == [time_text(u.created_at) for u in listed]

    posts = tmp_path / "posts.csv"
    export_list(repo, ListSpec("posts", user_id=1), "csv", posts)
    assert csv_rows(posts)[1][:4] == [str(post.id), "zoe@example.com", post.title, post.content]


def test_json_holds_the_same_values(repo: Repository, tmp_path):
    for name, email in TRICKY:
        repo.create_user(name, email)
    out = tmp_path / "users.json"
    export_list(repo, ListSpec("users"), "json", out)
    assert not out.read_bytes().startswith(b"\xef\xbb\xbf")  # RFC 8259: no mark
    records = json.loads(out.read_text("utf-8"))
    assert [(r["name"], r["email"]) for r in records] == [
        (u.name, u.email) for u in repo.list_users().items
    ]
    empty = tmp_path / "none.json"
    export_list(repo, ListSpec("users", "nobody matches this"), "json", empty)
    assert json.loads(empty.read_text("utf-8")) == []


def test_the_lists_filter_and_parent_are_honoured(repo: Repository, tmp_path):
    ada = repo.create_user("Ada Lovelace", "ada@example.com")
    grace = repo.create_user("Grace Hopper", "grace@example.com")
    engine = repo.create_post(ada.id, "The Engine", "notes")
    repo.create_post(ada.id, "Bernoulli", "numbers")
    repo.create_post(grace.id, "Engine of COBOL", "other author")
    for body in ("first", "second, with a comma", "third"):
        repo.create_comment(engine.id, body)

    out = tmp_path / "out.json"
    export_list(repo, ListSpec("users", "GRACE"), "json", out)
    assert [r["email"] for r in json.loads(out.read_text())] == ["grace@example.com"]
    export_list(repo, ListSpec("posts", "engine", user_id=ada.id), "json", out)
    assert [r["title"] for r in json.loads(out.read_text())] == ["The Engine"]
    export_list(repo, ListSpec("comments", post_id=engine.id), "json", out)
    assert [r["body"] for r in json.loads(out.read_text())] == [
        "first",
        "second, with a comma",
        "third",
    ]
    assert user_id_by_email(repo, " ADA@example.com ") == ada.id


def test_a_long_list_goes_page_by_page_in_the_lists_order(repo: Repository, tmp_path):
    total = 2 * PAGE + 7
    with repo.db.transaction():
        repo.db.bulk_insert(
            "users",
            ["name", "email"],
            ((f"User {i % 97:02d}", f"u{i}@example.com") for i in range(total)),
        )
    reports: list[tuple[int, int]] = []
    out = tmp_path / "many.csv"
    report = export_list(
        repo, ListSpec("users"), "csv", out, progress=lambda d, t: reports.append((d, t))
    )
    assert report.rows == total
    assert reports == [(PAGE, total), (2 * PAGE, total), (total, total)]
    ids = [int(row[0]) for row in csv_rows(out)[1:]]
    listed = []
    page = repo.list_users(limit=500)
    listed += page.items
    while page.after is not None:
        page = repo.list_users(limit=500, after=page.after)
        listed += page.items
    assert ids == [user.id for user in listed]


def test_a_cancelled_export_leaves_the_old_file_and_no_leftovers(repo: Repository, tmp_path):
    with repo.db.transaction():
        repo.db.bulk_insert(
            "users", ["name", "email"], ((f"U{i}", f"u{i}@example.com") for i in range(PAGE + 1))
        )
    out = tmp_path / "kept.csv"
    out.write_text("what was there before")
    with pytest.raises(ExportCancelled):
        export_list(repo, ListSpec("users"), "csv", out, cancelled=lambda: True)
    assert out.read_text() == "what was there before"
    assert os.listdir(tmp_path) == ["kept.csv"]


def _xlsx_strings(path: Path) -> list[str]:
    """The text cells of an .xlsx file, in the order the workbook stores them."""
    spreadsheet = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    with zipfile.ZipFile(path) as book:
        root = ElementTree.fromstring(book.read("xl/sharedStrings.xml"))
    return ["".join(t.text or "" for t in item.iter(f"{spreadsheet}t")) for item in root]


@pytest.mark.slow
def test_libreoffice_reads_the_csv_with_its_non_ascii_text_intact(make_database, tmp_path):
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.skip("LibreOffice is not installed (Debian: libreoffice-calc-nogui)")
    out = tmp_path / "users.csv"
    # One backend is enough: the file is the same from both (the tests above show it).
    with open_database(make_database("sqlite")) as backend:
        repo = Repository(backend)
        for name, email in TRICKY:
            repo.create_user(name, email)
        export_list(repo, ListSpec("users"), "csv", out)
    # As a person opens it: comma-separated, double quotes, character set UTF-8 (76). Without
    # that option LibreOffice 7.4's headless conversion reads any CSV as Windows-1252, byte-
    # order mark or not (measured); its Text Import dialog lets the person choose.
    profile = (tmp_path / "profile").as_uri()
    result = subprocess.run(
        [
            soffice,
            f"-env:UserInstallation={profile}",
            "--headless",
            "--infilter=CSV:44,34,76",
            "--convert-to",
            "xlsx",
            "--outdir",
            str(tmp_path),
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )
    converted = tmp_path / "users.xlsx"
    assert converted.exists(), f"LibreOffice wrote no xlsx: {result.stdout} {result.stderr}"
    strings = _xlsx_strings(converted)
    for name, email in TRICKY:
        assert name in strings and email in strings
    assert strings[:2] == ["id", "name"]  # the header, and the mark not taken for text
