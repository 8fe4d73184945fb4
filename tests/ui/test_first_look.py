"""The users an open reads with its checks (one round trip to a server, not two) are shown
only where they are the list on screen, and following other people's changes starts
before they were read: nothing changed in between is missed."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt

from desktop.store.repository import Repository
from desktop.ui.editing import Kind
from desktop.ui.models import UsersModel
from tests.support.outside import outside_connection
from tests.ui.conftest import USER_NAMES, Bot, MakeDesk, cells, open_and_wait, type_into

# Changes show within a second; the margin is for a loaded test machine.
LIVE_MS = 5000


def test_a_change_made_right_after_the_open_read_the_users_is_shown(
    seeded_url: str, dialect: str, make_desk: MakeDesk, qtbot: Bot, monkeypatch: pytest.MonkeyPatch
) -> None:
    start_first_rows = UsersModel.start_first_rows
    renamed: list[bool] = []

    def then_renamed(model: UsersModel, repo: Repository) -> Any:
        rows = start_first_rows(model, repo)

        def read() -> Any:
            found = rows()
            if not renamed:  # another program renames a user the moment after
                with outside_connection(seeded_url, dialect) as outside:
                    outside("UPDATE users SET name = 'Alan M. Turing' WHERE name = 'Alan Turing'")
                renamed.append(True)
            return found

        return read

    monkeypatch.setattr(UsersModel, "start_first_rows", then_renamed)
    desk = make_desk(seeded_url)

    assert renamed
    qtbot.waitUntil(lambda: "Alan M. Turing" in cells(desk.table(Kind.USER)), timeout=LIVE_MS)


def test_the_users_read_with_the_checks_are_not_shown_for_a_filter_on_screen(
    seeded_url: str, make_desk: MakeDesk, qtbot: Bot
) -> None:
    desk = make_desk(seeded_url)
    box = desk.window.panes[Kind.USER].filter
    assert box is not None
    type_into(qtbot, box, "grace")
    qtbot.keyClick(box, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: cells(desk.table(Kind.USER)) == ["Grace Hopper"])

    open_and_wait(qtbot, desk.window, desk.database_url)

    assert cells(desk.table(Kind.USER)) == ["Grace Hopper"]
    assert desk.window.users.total == 1


def test_the_users_read_with_the_checks_are_not_shown_for_another_order(
    seeded_url: str, make_desk: MakeDesk, qtbot: Bot
) -> None:
    desk = make_desk(seeded_url)
    backwards = list(reversed(USER_NAMES))
    desk.window.users.sort(0, Qt.SortOrder.DescendingOrder)
    qtbot.waitUntil(lambda: cells(desk.table(Kind.USER)) == backwards)

    open_and_wait(qtbot, desk.window, desk.database_url)

    assert cells(desk.table(Kind.USER)) == backwards


def test_a_change_made_right_after_the_first_users_were_read_without_a_look_is_shown(
    seeded_url: str, dialect: str, make_desk: MakeDesk, qtbot: Bot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An open that read no first rows with its checks (a database it migrated, a look
    whose reads failed): the window reads them, and following starts before that read."""
    desk = make_desk(seeded_url)
    desk.window.switcher.look = None  # as when the look's answer could not be used
    fetch_counted = UsersModel.fetch_counted
    renamed: list[bool] = []

    def then_renamed(model: UsersModel, repo: Repository, query: Any, limit: int) -> Any:
        found = fetch_counted(model, repo, query, limit)
        if not renamed:  # another program renames a user the moment after
            with outside_connection(seeded_url, dialect) as outside:
                outside("UPDATE users SET name = 'Alan M. Turing' WHERE name = 'Alan Turing'")
            renamed.append(True)
        return found

    monkeypatch.setattr(UsersModel, "fetch_counted", then_renamed)
    open_and_wait(qtbot, desk.window, desk.database_url)

    assert renamed
    qtbot.waitUntil(lambda: "Alan M. Turing" in cells(desk.table(Kind.USER)), timeout=LIVE_MS)
