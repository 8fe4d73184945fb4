"""How the list panes look and move as their lists change."""

from __future__ import annotations

from collections.abc import Callable

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


def test_rows_on_show_are_not_repainted_when_the_next_read_starts(
    empty_url: str, make_desk: MakeDesk, qtbot: Bot
) -> None:
    """Starting a read (a sort, a filter) changes nothing a list with rows shows; only an
    empty list says "loading" (a whole viewport's paint at every click before)."""
    from PySide6.QtCore import QCoreApplication, QEvent, QObject

    from desktop.store.connection import open_database
    from desktop.store.repository import Repository

    with open_database(empty_url) as backend:
        repo = Repository(backend)
        for n in range(5):
            repo.create_user(f"User {n}", f"user{n}@example.com")
    desk = make_desk(empty_url)
    users = desk.table(Kind.USER)
    qtbot.waitUntil(lambda: desk.window.users.total == 5)
    wait_idle(qtbot, desk.worker)
    qtbot.waitUntil(lambda: not users.viewport().visibleRegion().isEmpty())

    class Paints(QObject):
        count = 0

        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.Paint:
                self.count += 1
            return False

    def painted_after(start_reading: Callable[[], None]) -> int:
        paints.count = 0
        start_reading()
        # A repaint asked for is a posted update request: sent now, it paints now.
        QCoreApplication.sendPostedEvents()
        QCoreApplication.processEvents()
        return paints.count

    paints = Paints()
    users.viewport().installEventFilter(paints)
    model = desk.window.users
    assert painted_after(lambda: model.loading_changed.emit(True)) == 0
    model.set_query(None)  # empty: the pane says whether it is loading
    QCoreApplication.processEvents()
    assert painted_after(lambda: model.loading_changed.emit(True)) > 0
