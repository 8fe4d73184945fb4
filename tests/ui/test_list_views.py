"""How the list panes look and move as their lists change."""

from __future__ import annotations

from desktop.ui.editing import Kind
from tests.ui.conftest import Bot, Desk, MakeDesk, click_row, wait_idle


def select_user(qtbot: Bot, desk: Desk, name: str) -> None:
    click_row(qtbot, desk.table(Kind.USER), desk.row_of(Kind.USER, name))
    wait_idle(qtbot, desk.worker)


def test_the_columns_stay_put_between_a_short_list_and_a_long_one(
    empty_url: str, make_desk: MakeDesk, qtbot: Bot
) -> None:
    """The scroll bar is always there: a list that fills the screen after one that did not
    neither narrows the columns nor lays the window out again."""
    from desktop.store.connection import open_database
    from desktop.store.repository import Repository

    with open_database(empty_url) as backend:
        repo = Repository(backend)
        few = repo.create_user("Few", "few@example.com")
        many = repo.create_user("Many", "many@example.com")
        repo.create_post(few.id, "only one", "text")
        for n in range(120):
            repo.create_post(many.id, f"post {n}", "text")
    desk = make_desk(empty_url)
    posts = desk.table(Kind.POST)
    select_user(qtbot, desk, "Few")
    qtbot.waitUntil(lambda: desk.window.posts.total == 1)
    width = posts.viewport().width()
    select_user(qtbot, desk, "Many")
    qtbot.waitUntil(lambda: desk.window.posts.total == 120)
    assert posts.verticalScrollBar().isVisible()
    assert posts.viewport().width() == width
