"""A full disk while saving (SQLite), simulated with `PRAGMA max_page_count` on the window's
own connection: saving a 1 MB post fails with a clear message, the form keeps its text and
the database stays consistent; once there is room again, the save lands exactly once."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from PySide6.QtWidgets import QLineEdit, QPlainTextEdit

from desktop.store.repository import Repository
from desktop.ui.editing import Kind
from tests.conftest import MakeDatabase
from tests.faults.conftest import Ledger
from tests.ui.conftest import (
    WAIT_MS,
    Bot,
    Desk,
    MakeDesk,
    Prompts,
    field_text,
    peek,
    seed,
    wait_idle,
)
from tests.ui.test_main_window import select_post, select_user

pytestmark = pytest.mark.fault

# 1 MB (in characters) of text a person might paste: accents, symbols, emoji, lines.
MEGABYTE = ("Große Daten ✓ 数据 🚀 — line of a long paste\n" * 30_000)[:1_000_000]
ROOM = 1_073_741_823  # SQLite's largest max_page_count


def on_worker(qtbot: Bot, desk: Desk, operation: Callable[[Repository], Any]) -> Any:
    """Run `operation` on the window's own database thread and connection; its result."""
    results: list[Any] = []
    desk.worker.submit(operation, results.append, lambda error: results.append(error))
    qtbot.waitUntil(lambda: bool(results), timeout=WAIT_MS)
    return results[0]


def save(qtbot: Bot, desk: Desk) -> None:
    form = desk.form(Kind.POST)
    assert form.save_button.isEnabled()
    form.save_button.click()
    wait_idle(qtbot, desk.worker)


@pytest.mark.parametrize("how", ["edit a post", "new post"])
def test_a_full_disk_while_saving_a_large_post(
    make_database: MakeDatabase,
    make_desk: MakeDesk,
    qtbot: Bot,
    answers: Prompts,
    ledger: Ledger,
    how: str,
) -> None:
    url = make_database("sqlite")
    seed(url)
    desk = make_desk(url)
    select_user(qtbot, desk, "Alan Turing")
    form = desk.form(Kind.POST)
    if how == "edit a post":
        select_post(qtbot, desk, "Morphogenesis")
        old = field_text(form, "content")
    else:
        desk.window.editing.new(Kind.POST)
        title_edit = form.editor("title")
        assert isinstance(title_edit, QLineEdit)
        title_edit.insert("The long one")
    with peek(url) as repo:
        before = repo.table_counts()

    pages = on_worker(qtbot, desk, lambda repo: repo.db.execute("PRAGMA page_count")[0][0])
    on_worker(qtbot, desk, lambda repo: repo.db.execute(f"PRAGMA max_page_count = {pages + 2}"))
    content = form.editor("content")
    assert isinstance(content, QPlainTextEdit)
    content.selectAll()
    content.insertPlainText(MEGABYTE)
    save(qtbot, desk)

    [(title, message)] = answers.take_errors()
    assert title == "Not Saved"
    assert "disk is full" in message and "space" in message
    assert "still in the form" in message
    assert "Traceback" not in message and "sqlite3" not in message
    assert field_text(form, "content") == MEGABYTE  # the form kept every character
    assert form.is_dirty() and form.save_button.isEnabled()
    with peek(url) as repo:
        assert repo.db.execute("PRAGMA integrity_check") == [("ok",)]
        assert repo.table_counts() == before
        if how == "edit a post":
            post = desk.window.editing.current_post
            assert post is not None
            assert repo.get_post(post.id).content == old

    on_worker(qtbot, desk, lambda repo: repo.db.execute(f"PRAGMA max_page_count = {ROOM}"))
    save(qtbot, desk)

    assert answers.take_errors() == []
    assert not form.is_dirty()
    added = 1 if how == "new post" else 0
    with peek(url) as repo:
        assert repo.db.execute("PRAGMA integrity_check") == [("ok",)]
        after = repo.table_counts()
        big = repo.db.execute("SELECT count(*) FROM posts WHERE content = ?", (MEGABYTE,))[0][0]
    ledger.check_rows(1, big, "the 1 MB post (stored once)")
    for table, count in before.items():
        ledger.check_rows(count + (added if table == "posts" else 0), after[table], table)
