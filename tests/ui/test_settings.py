"""What is remembered between launches: the recent list holds each database once, however
its address was written, newest first."""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop.store.urls import DatabaseUrl, parse_url
from desktop.ui.settings import MAX_RECENT, Settings

# One database, written the ways people and the Connect dialog write it.
SAME_SERVER_DATABASE = [
    "postgresql://ann@db.example.com/app",
    "host=db.example.com user=ann dbname=app",
    "dbname=app user=ann host=db.example.com port=5432",
    "postgres://ann:s3cret@DB.example.com:5432/app?sslmode=require",
    "host=db.example.com port=5432 dbname=app user=ann sslmode=prefer password='x y'",
]


def test_one_database_written_many_ways_is_listed_once(settings: Settings) -> None:
    other = parse_url("postgresql://ann@db.example.com/other")
    settings.remember_database(other)
    for text in SAME_SERVER_DATABASE:
        settings.remember_database(parse_url(text))
    recent = settings.recent()
    assert len(recent) == 2, [url.target for url in recent]
    # The newest way of writing it is kept, without its password, and comes first.
    assert recent[0] == DatabaseUrl(
        "postgresql", parse_url(SAME_SERVER_DATABASE[-1]).redacted()
    )
    assert recent[1].identity() == other.identity()


def test_defaults_spelled_out_or_not_name_the_same_database(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for variable in ("PGUSER", "PGPORT", "PGHOST", "PGDATABASE"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("USER", "ann")
    monkeypatch.setenv("LOGNAME", "ann")
    same = {
        parse_url(text).identity()
        for text in ("postgresql:///ann", "dbname=ann", "user=ann", "postgresql://ann@:5432/ann")
    }
    assert len(same) == 1, same
    different = {
        parse_url(text).identity()
        for text in ("dbname=app", "dbname=app port=5433", "dbname=app host=db", "service=app")
    }
    assert len(different) == 4


def test_a_file_named_two_ways_is_one_database(settings: Settings, tmp_path: Path) -> None:
    path = tmp_path / "app.sqlite3"
    settings.remember_database(DatabaseUrl("sqlite", str(path)))
    settings.remember_database(DatabaseUrl("sqlite", str(tmp_path / "sub" / ".." / "app.sqlite3")))
    assert len(settings.recent()) == 1


def test_duplicates_stored_by_an_older_version_are_shown_once(settings: Settings) -> None:
    settings.store.setValue(
        "database/recent",
        [
            "postgresql|user=ann host=db.example.com dbname=app",
            "sqlite|/tmp/a.sqlite3",
            "postgresql|host=db.example.com user=ann dbname=app",
        ],
    )
    recent = settings.recent()
    assert [url.dialect for url in recent] == ["postgresql", "sqlite"]
    assert recent[0].target == "user=ann host=db.example.com dbname=app"  # the newest


def test_the_list_keeps_its_limit(settings: Settings, tmp_path: Path) -> None:
    for number in range(MAX_RECENT + 3):
        settings.remember_database(DatabaseUrl("sqlite", str(tmp_path / f"{number}.sqlite3")))
        settings.remember_database(parse_url(f"host=h dbname=db{number}"))
    assert len(settings.recent()) == MAX_RECENT
