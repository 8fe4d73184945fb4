"""Sorting the lists: a header click (with its arrow) or Ctrl+Alt+n, the database sorting,
the shown record kept selected, and each list's order remembered across launches."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QHeaderView

from desktop.store.records import Order
from desktop.ui.editing import Kind
from desktop.ui.models import Query
from desktop.ui.settings import Settings
from tests.ui.conftest import Bot, Desk, MakeDesk, cells, click_row, wait_idle

LEFT = Qt.MouseButton.LeftButton
CTRL_ALT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier
ASCENDING, DESCENDING = Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder


def click_header(qtbot: Bot, header: QHeaderView, section: int) -> None:
    middle = header.sectionViewportPosition(section) + header.sectionSize(section) // 2
    qtbot.mouseClick(header.viewport(), LEFT, pos=QPoint(middle, header.height() // 2))


def arrow(header: QHeaderView) -> tuple[int, Qt.SortOrder]:
    return header.sortIndicatorSection(), header.sortIndicatorOrder()


def select_user(qtbot: Bot, desk: Desk, name: str) -> None:
    click_row(qtbot, desk.table(Kind.USER), desk.row_of(Kind.USER, name))
    wait_idle(qtbot, desk.worker)


def test_a_header_click_sorts_by_that_column_each_way(desk: Desk, qtbot: Bot) -> None:
    table = desk.table(Kind.USER)
    header = table.horizontalHeader()
    assert header.isSortIndicatorShown() and header.sectionsClickable()
    assert arrow(header) == (0, ASCENDING)  # by name, as ever

    click_header(qtbot, header, 2)  # Posts
    wait_idle(qtbot, desk.worker)
    assert desk.window.users.order == Order("posts")
    assert arrow(header) == (2, ASCENDING)
    assert cells(table) == ["Grace Hopper", "Ada Lovelace", "Alan Turing"]  # 0, 2, 3 posts

    click_header(qtbot, header, 2)
    wait_idle(qtbot, desk.worker)
    assert arrow(header) == (2, DESCENDING)
    assert cells(table) == ["Alan Turing", "Ada Lovelace", "Grace Hopper"]
    assert desk.window.statusBar().currentMessage() == "Users sorted by Posts, descending."

    select_user(qtbot, desk, "Alan Turing")
    posts = desk.table(Kind.POST)
    click_header(qtbot, posts.horizontalHeader(), 0)  # Title
    wait_idle(qtbot, desk.worker)
    assert cells(posts) == [
        "Computing Machinery and Intelligence",
        "Morphogenesis",
        "On Computable Numbers",
    ]


def test_the_keyboard_sorts_and_the_shown_record_stays_selected(desk: Desk, qtbot: Bot) -> None:
    select_user(qtbot, desk, "Grace Hopper")
    table = desk.table(Kind.USER)
    table.setFocus()
    assert [action.text() for action in table.sort_actions] == [
        "Sort by Name",
        "Sort by Email",
        "Sort by Posts",
    ]
    qtbot.keyClick(table, Qt.Key.Key_3, CTRL_ALT)  # by number of posts: Grace has none
    wait_idle(qtbot, desk.worker)
    assert arrow(table.horizontalHeader()) == (2, ASCENDING)
    qtbot.waitUntil(lambda: table.current_row() == 0)
    qtbot.keyClick(table, Qt.Key.Key_3, CTRL_ALT)  # again: the other way
    wait_idle(qtbot, desk.worker)
    assert arrow(table.horizontalHeader()) == (2, DESCENDING)
    qtbot.waitUntil(lambda: table.current_row() == 2)
    assert table.currentIndex().data() == "Grace Hopper"
    assert desk.window.editing.current_user is not None
    assert desk.window.editing.current_user.name == "Grace Hopper"  # still shown, not reopened


def test_each_lists_order_is_remembered(
    seeded_url: str, make_desk: MakeDesk, settings: Settings, qtbot: Bot
) -> None:
    first = make_desk(seeded_url)
    click_header(qtbot, first.table(Kind.POST).horizontalHeader(), 0)  # no user shown yet
    click_header(qtbot, first.table(Kind.USER).horizontalHeader(), 1)
    click_header(qtbot, first.table(Kind.USER).horizontalHeader(), 1)
    wait_idle(qtbot, first.worker)
    first.window.close()

    second = make_desk(seeded_url, settings)
    assert second.window.users.order == Order("email", descending=True)
    assert second.window.posts.order == Order("title")
    assert arrow(second.table(Kind.USER).horizontalHeader()) == (1, DESCENDING)
    assert cells(second.table(Kind.USER), 1) == [
        "grace@example.com",
        "alan@example.com",
        "ada@example.com",
    ]
    select_user(qtbot, second, "Ada Lovelace")
    assert cells(second.table(Kind.POST)) == [
        "Notes on the Analytical Engine",
        "On Bernoulli numbers",
    ]


def test_with_nothing_chosen_the_record_at_the_top_stays_at_the_top(
    empty_url: str, make_desk: MakeDesk, qtbot: Bot
) -> None:
    from desktop.store.connection import open_database
    from desktop.store.repository import Repository

    with open_database(empty_url) as backend:
        repo = Repository(backend)
        for n in range(300):
            # Names ascend as emails descend: the two orders put a user far apart.
            repo.create_user(f"User {n:03d}", f"{999 - n:03d}@example.com")
    desk = make_desk(empty_url)
    table = desk.table(Kind.USER)
    model = desk.window.users
    qtbot.waitUntil(lambda: model.total == 300)
    table.scrollTo(model.index(120, 0), table.ScrollHint.PositionAtTop)
    qtbot.waitUntil(lambda: model.record(table.visible_rows()[0]) is not None)
    top = model.record(table.visible_rows()[0])
    assert top is not None and top.name == "User 120"
    assert desk.window.editing.current_user is None

    click_header(qtbot, table.horizontalHeader(), 1)  # Email
    wait_idle(qtbot, desk.worker)

    def same_top() -> bool:
        record = model.record(table.visible_rows()[0])
        return record is not None and record.id == top.id

    qtbot.waitUntil(same_top)
    assert table.visible_rows()[0] == 179  # "879@…": emails 700 to 878 come before it


def test_a_new_order_replaces_the_old_rows_at_once_with_the_chosen_record_in_place(
    empty_url: str, make_desk: MakeDesk, qtbot: Bot
) -> None:
    """The old rows stay until the new list is read: one reset, after which the chosen
    record's row already holds it (no empty list or placeholder rows painted between)."""
    from desktop.store.connection import open_database
    from desktop.store.repository import Repository

    with open_database(empty_url) as backend:
        repo = Repository(backend)
        for n in range(300):
            repo.create_user(f"User {n:03d}", f"{999 - n:03d}@example.com")
    desk = make_desk(empty_url)
    model, table = desk.window.users, desk.table(Kind.USER)
    qtbot.waitUntil(lambda: model.total == 300)
    table.scrollTo(model.index(40, 0))
    qtbot.waitUntil(lambda: model.record(40) is not None)
    click_row(qtbot, table, 40)
    wait_idle(qtbot, desk.worker)
    chosen = model.record(40)
    assert chosen is not None and chosen.name == "User 040"

    seen: list[tuple[int, object]] = []
    model.modelReset.connect(lambda: seen.append((model.rowCount(), model.record(259))))
    before = model.record(0)
    qtbot.keyClick(table, Qt.Key.Key_2, CTRL_ALT)  # by email: "959@…" is row 259 of 300
    assert model.record(0) is before  # the old rows stay while the new order is read
    wait_idle(qtbot, desk.worker)
    assert seen == [(300, chosen)]
    assert table.current_row() == 259
    assert table.currentIndex().data() == "User 040"



def test_a_new_order_of_a_counted_list_is_not_counted_again(
    desk: Desk, qtbot: Bot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A sort lists the same rows: their number is known, and counting them again cost a
    server a scan of the whole list at every sort. A new filter lists other rows."""
    users = desk.window.users
    counted: list[Query] = []
    start_count = type(users).start_count

    def spy(model: Any, repo: Any, query: Query) -> Any:
        counted.append(query)
        return start_count(model, repo, query)

    monkeypatch.setattr(type(users), "start_count", spy)
    header = desk.table(Kind.USER).horizontalHeader()
    for _ in range(2):  # by number of posts, each way
        click_header(qtbot, header, 2)
        wait_idle(qtbot, desk.worker)
        assert users.total == 3 and not counted
    assert cells(desk.table(Kind.USER)) == ["Alan Turing", "Ada Lovelace", "Grace Hopper"]

    box = desk.window.panes[Kind.USER].filter
    assert box is not None
    box.setText("grace")
    qtbot.keyClick(box, Qt.Key.Key_Return)
    wait_idle(qtbot, desk.worker)
    assert users.total == 1  # other rows: their own number, not the one known before
