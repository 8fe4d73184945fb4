"""Time left is said in the same words by the copy and by a migration's fill."""

from __future__ import annotations

from pathlib import Path

from desktop.store.migrations import FillProgress, Migration, fill_message
from desktop.store.progress import time_left


def test_time_left_in_seconds_then_minutes() -> None:
    assert time_left(0.2) == "about 1 s left"
    assert time_left(40.4) == "about 40 s left"
    assert time_left(89) == "about 89 s left"
    assert time_left(200) == "about 3 min left"


def test_a_long_fill_says_minutes_as_the_copy_does() -> None:
    migration = Migration("006", "full_text_search", Path("006_full_text_search.sql"), "")
    fill = FillProgress(migration, "comments", 1_000_000, 5_000_000, 480.0)
    assert fill_message(fill) == (
        "Updating the database (migration 006): 1,000,000 of 5,000,000 comments, "
        "about 8 min left…"
    )
    assert "left" not in fill_message(FillProgress(migration, "comments", 0, 10, None))
