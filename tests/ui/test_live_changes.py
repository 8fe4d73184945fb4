"""Other people's changes appear without pressing F5: another connection (as psql or the
sqlite3 shell would) adds, edits and deletes users, posts and comments while the window is
open, and the lists, counts and open records follow, keeping the person's selection and
scroll position, and never touching a form with unsaved edits."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QLineEdit

from desktop.store.connection import open_database
from desktop.store.seeding import GeneratePlan, generate
from desktop.ui import live
from desktop.ui.editing import Kind
from tests.support.outside import Outside, outside_connection
from tests.ui.conftest import Bot, Desk, MakeDesk, cells, peek, type_into, wait_idle
from tests.ui.test_main_window import (
    LEFT,
    heading,
    select_post,
    select_user,
    selected_rows,
    shown_post,
    shown_user,
)

# Changes show within a second; the margin is for a loaded test machine.
LIVE_MS = 5000


@pytest.fixture
def outside(seeded_url: str, dialect: str) -> Iterator[Outside]:
    """Statements committed by a raw connection of its own, as psql would."""
    with outside_connection(seeded_url, dialect) as run:
        yield run


def user_id(desk: Desk, name: str) -> int:
    with peek(desk.url) as repo:
        return next(u.id for u in repo.list_users(name).items if u.name == name)


def current_id(desk: Desk, kind: Kind) -> int | None:
    table = desk.table(kind)
    record = table.paged_model.record(table.current_row())
    return None if record is None else record.id


# -- lists, counts and the open record follow --------------------------------------------------


def test_an_outside_edit_shows_in_the_list_and_the_open_form(
    desk: Desk, qtbot: Bot, outside: Outside
) -> None:
    select_user(qtbot, desk, "Alan Turing")
    alan = shown_user(desk)
    form = desk.form(Kind.USER)

    outside("UPDATE users SET name = 'Alan M. Turing' WHERE id = ?", alan.id)

    qtbot.waitUntil(lambda: "Alan M. Turing" in cells(desk.table(Kind.USER)), timeout=LIVE_MS)
    qtbot.waitUntil(lambda: form.values()["name"] == "Alan M. Turing", timeout=LIVE_MS)
    assert not form.is_dirty()
    assert current_id(desk, Kind.USER) == alan.id
    assert shown_user(desk).version == 2
    assert cells(desk.table(Kind.POST))  # the posts pane was not reset to nothing


def test_an_outside_change_repaints_only_the_text_that_changed(
    desk: Desk, qtbot: Bot, outside: Outside
) -> None:
    """A rename repaints the name of that one row; a new version of a post whose title and
    date stay the same repaints nothing of the posts list (each repaint costs the window)."""
    select_user(qtbot, desk, "Alan Turing")
    alan = shown_user(desk)
    users, posts = desk.window.users, desk.window.posts
    painted: dict[str, list[tuple[int, int, int, int]]] = {"users": [], "posts": []}
    for name, model in (("users", users), ("posts", posts)):
        model.dataChanged.connect(
            lambda first, last, _roles=None, name=name: painted[name].append(
                (first.row(), first.column(), last.row(), last.column())
            )
        )
    row = users.row_of(alan.id)
    post = posts.record(0)
    assert row is not None and post is not None

    outside("UPDATE users SET name = 'Alan M. Turing' WHERE id = ?", alan.id)
    outside("UPDATE posts SET content = content || ' (revised)' WHERE id = ?", post.id)

    qtbot.waitUntil(lambda: "Alan M. Turing" in cells(desk.table(Kind.USER)), timeout=LIVE_MS)
    def revised() -> bool:
        now = posts.record(0)
        return now is not None and now.version > post.version

    qtbot.waitUntil(revised, timeout=LIVE_MS)
    wait_idle(qtbot, desk.worker)
    assert (row, 0, row, 0) in painted["users"]
    assert all(
        first_column == last_column == 0 for _r, first_column, _l, last_column in painted["users"]
    ), painted
    assert painted["posts"] == []


def test_users_added_and_deleted_outside_move_the_rows_but_not_the_selection(
    desk: Desk, qtbot: Bot, outside: Outside
) -> None:
    select_user(qtbot, desk, "Alan Turing")
    alan = shown_user(desk)

    outside("INSERT INTO users (name, email) VALUES ('Aaron Swartz', 'aaron@example.com')")

    qtbot.waitUntil(lambda: heading(desk, Kind.USER) == "Users (4)", timeout=LIVE_MS)
    assert cells(desk.table(Kind.USER))[0] == "Aaron Swartz"
    assert current_id(desk, Kind.USER) == alan.id
    assert selected_rows(desk.table(Kind.USER)) == [2]
    assert shown_user(desk).id == alan.id

    outside("DELETE FROM users WHERE email = 'aaron@example.com'")

    qtbot.waitUntil(lambda: heading(desk, Kind.USER) == "Users (3)", timeout=LIVE_MS)
    assert "Aaron Swartz" not in cells(desk.table(Kind.USER))
    assert selected_rows(desk.table(Kind.USER)) == [1]
    assert current_id(desk, Kind.USER) == alan.id


def test_posts_and_comments_follow_with_their_counts(
    desk: Desk, qtbot: Bot, outside: Outside
) -> None:
    select_user(qtbot, desk, "Ada Lovelace")
    select_post(qtbot, desk, "On Bernoulli numbers")
    ada, post = shown_user(desk), shown_post(desk)
    users, posts = desk.table(Kind.USER), desk.table(Kind.POST)

    outside(
        "INSERT INTO posts (user_id, title, content) VALUES (?, 'Sketch of the Engine', 'x')",
        ada.id,
    )
    qtbot.waitUntil(
        lambda: heading(desk, Kind.POST) == "Posts by Ada Lovelace (3)", timeout=LIVE_MS
    )
    assert cells(posts)[0] == "Sketch of the Engine"  # the newest comes first
    assert current_id(desk, Kind.POST) == post.id
    qtbot.waitUntil(lambda: cells(users, 2)[0] == "3", timeout=LIVE_MS)  # Ada's posts

    outside("INSERT INTO comments (post_id, body) VALUES (?, 'From psql')", post.id)
    qtbot.waitUntil(lambda: "From psql" in cells(desk.table(Kind.COMMENT)), timeout=LIVE_MS)
    assert heading(desk, Kind.COMMENT).endswith("(2)")

    outside("UPDATE posts SET title = 'Bernoulli numbers, revised' WHERE id = ?", post.id)
    qtbot.waitUntil(
        lambda: desk.form(Kind.POST).values()["title"] == "Bernoulli numbers, revised",
        timeout=LIVE_MS,
    )
    assert "Bernoulli numbers, revised" in cells(posts)
    assert current_id(desk, Kind.POST) == post.id

    outside("DELETE FROM comments WHERE body = 'From psql'")
    qtbot.waitUntil(lambda: heading(desk, Kind.COMMENT).endswith("(1)"), timeout=LIVE_MS)

    outside("DELETE FROM comments WHERE post_id = ?", post.id)
    outside("DELETE FROM posts WHERE id = ?", post.id)
    qtbot.waitUntil(lambda: desk.window.editing.current_post is None, timeout=LIVE_MS)
    qtbot.waitUntil(
        lambda: heading(desk, Kind.POST) == "Posts by Ada Lovelace (2)", timeout=LIVE_MS
    )
    assert not desk.form(Kind.POST).active


def test_rows_added_above_the_screen_keep_the_rows_on_screen_in_place(
    empty_url: str, dialect: str, make_desk: MakeDesk, qtbot: Bot
) -> None:
    with open_database(empty_url) as backend:
        generate(backend, GeneratePlan(600, 0, 0))
    desk = make_desk(empty_url)
    table, model = desk.table(Kind.USER), desk.window.users
    bar = table.verticalScrollBar()
    bar.setValue(300)
    qtbot.waitUntil(lambda: model.record(table.visible_rows()[1]) is not None)
    wait_idle(qtbot, desk.worker)
    first, last = table.visible_rows()
    top = model.record(first)
    chosen_row = (first + last) // 2
    qtbot.mouseClick(
        table.viewport(), LEFT, pos=table.visualRect(model.index(chosen_row, 0)).center()
    )
    wait_idle(qtbot, desk.worker)
    chosen = shown_user(desk)
    assert top is not None and chosen == model.record(chosen_row)

    with open_database(empty_url, migrate=False, create=False) as other, other.transaction():
        for n in range(5):  # names that sort before every generated one
            other.execute(
                "INSERT INTO users (name, email) VALUES (?, ?)"
                if dialect == "sqlite"
                else "INSERT INTO users (name, email) VALUES (%s, %s)",
                (f"  Early {n}", f"early{n}@example.com"),
            )
        # and one from the end of the list, below the screen
        other.execute(
            "DELETE FROM users WHERE id = "
            "(SELECT id FROM users ORDER BY name DESC, id DESC LIMIT 1)"
        )

    qtbot.waitUntil(lambda: model.total == 604, timeout=LIVE_MS)
    assert model.record(table.visible_rows()[0]) == top  # the same user at the top
    assert table.visible_rows()[0] == first + 5
    assert current_id(desk, Kind.USER) == chosen.id
    assert selected_rows(table) == [chosen_row + 5]
    assert shown_user(desk).id == chosen.id


def test_rows_added_above_keep_the_last_rows_on_screen_at_the_end_of_the_list(
    empty_url: str, dialect: str, make_desk: MakeDesk, qtbot: Bot
) -> None:
    """Scrolled to the very end: the scroll that keeps the rows on screen in place goes
    beyond the list's old length, so the new rows must be laid out first (Qt lays them out
    later by itself, and clamped the scroll to the old end: the rows on screen moved)."""
    with open_database(empty_url) as backend:
        generate(backend, GeneratePlan(200, 0, 0))
    desk = make_desk(empty_url)
    table, model = desk.table(Kind.USER), desk.window.users
    bar = table.verticalScrollBar()
    qtbot.waitUntil(lambda: model.total == 200)
    bar.setValue(bar.maximum())
    qtbot.waitUntil(lambda: model.record(table.visible_rows()[1]) is not None)
    wait_idle(qtbot, desk.worker)
    first, _last = table.visible_rows()
    top = model.record(first)

    with open_database(empty_url, migrate=False, create=False) as other, other.transaction():
        mark = "?" if dialect == "sqlite" else "%s"
        for n in range(3):  # names that sort before every generated one
            other.execute(
                f"INSERT INTO users (name, email) VALUES ({mark}, {mark})",
                (f"  Early {n}", f"early{n}@example.com"),
            )

    qtbot.waitUntil(lambda: model.total == 203, timeout=LIVE_MS)
    wait_idle(qtbot, desk.worker)
    assert table.visible_rows()[0] == first + 3
    assert model.record(table.visible_rows()[0]) == top  # the same user at the top


def test_the_lists_follow_together_once_the_worker_has_read_them_all(
    desk: Desk, qtbot: Bot, seeded_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What the worker reads again is shown once all of it is read: a list repainted while
    the worker built the next list's records waited for Python's GIL at every cell."""
    select_user(qtbot, desk, "Ada Lovelace")
    ada = shown_user(desk)
    users, posts = desk.window.users, desk.window.posts
    follower = desk.window.editing.follower
    reading_posts, release = threading.Event(), threading.Event()
    read_posts_window = posts.read_window

    def held(*args: Any) -> Any:  # on the worker: the posts' read waits for the test
        reading_posts.set()
        assert release.wait(LIVE_MS / 1000)
        return read_posts_window(*args)

    answered: list[bool] = []
    answer = follower._answered

    def answered_too(step: Any) -> None:  # on the GUI thread: a read's answer is in
        answered.append(True)
        answer(step)

    monkeypatch.setattr(posts, "read_window", held)
    monkeypatch.setattr(follower, "_answered", answered_too)
    with open_database(seeded_url, migrate=False, create=False) as other, other.transaction():
        mark = "?" if other.dialect == "sqlite" else "%s"
        other.execute(f"UPDATE users SET name = 'Ada King' WHERE id = {mark}", (ada.id,))
        other.execute(
            f"INSERT INTO posts (user_id, title, content) VALUES ({mark}, 'Sketch', 'x')",
            (ada.id,),
        )
    try:
        qtbot.waitUntil(lambda: reading_posts.is_set() and bool(answered), timeout=LIVE_MS)
        for _turn in range(5):
            QCoreApplication.processEvents()
        assert "Ada King" not in cells(desk.table(Kind.USER))  # read, and kept back
    finally:
        release.set()
    qtbot.waitUntil(lambda: "Ada King" in cells(desk.table(Kind.USER)), timeout=LIVE_MS)
    assert "Sketch" in cells(desk.table(Kind.POST))
    assert users.row_of(ada.id) is not None


# -- a form with unsaved edits is never touched -------------------------------------------------


def edit_user_outside(desk: Desk, qtbot: Bot, outside: Outside) -> QLineEdit:
    select_user(qtbot, desk, "Alan Turing")
    name = desk.form(Kind.USER).editor("name")
    assert isinstance(name, QLineEdit)
    type_into(qtbot, name, "Alan Mine")
    outside("UPDATE users SET email = 'turing@example.com' WHERE id = ?", shown_user(desk).id)
    bar = desk.form(Kind.USER).changed_bar
    qtbot.waitUntil(lambda: bar.message.startswith("Changed by someone else"), timeout=LIVE_MS)
    assert name.text() == "Alan Mine"
    assert desk.form(Kind.USER).values()["email"] == "alan@example.com"  # not touched
    return name


def test_keep_mine_saves_over_the_other_version_deliberately(
    desk: Desk, qtbot: Bot, outside: Outside
) -> None:
    name = edit_user_outside(desk, qtbot, outside)
    form, bar = desk.form(Kind.USER), desk.form(Kind.USER).changed_bar
    assert "Alan M" not in cells(desk.table(Kind.USER))  # the list shows what is stored

    qtbot.mouseClick(bar.second, LEFT)  # Keep Mine
    assert bar.isHidden()
    assert name.text() == "Alan Mine" and form.is_dirty()
    qtbot.mouseClick(form.save_button, LEFT)
    wait_idle(qtbot, desk.worker)

    assert desk.answers.take_errors() == []
    with peek(desk.url) as repo:
        stored = repo.get_user(shown_user(desk).id)
    # The form's email was the old one: keeping mine means all of mine.
    assert (stored.name, stored.email) == ("Alan Mine", "alan@example.com")


def test_reload_shows_what_is_stored(desk: Desk, qtbot: Bot, outside: Outside) -> None:
    name = edit_user_outside(desk, qtbot, outside)
    form, bar = desk.form(Kind.USER), desk.form(Kind.USER).changed_bar

    qtbot.mouseClick(bar.first, LEFT)  # Reload
    wait_idle(qtbot, desk.worker)

    assert bar.isHidden()
    assert name.text() == "Alan Turing"
    assert form.values()["email"] == "turing@example.com"
    assert not form.is_dirty()


def test_an_open_post_deleted_outside_can_be_saved_as_new(
    desk: Desk, qtbot: Bot, outside: Outside
) -> None:
    select_user(qtbot, desk, "Alan Turing")
    select_post(qtbot, desk, "Morphogenesis")
    post = shown_post(desk)
    form = desk.form(Kind.POST)
    title = form.editor("title")
    assert isinstance(title, QLineEdit)
    type_into(qtbot, title, "Morphogenesis, second thoughts")

    outside("DELETE FROM posts WHERE id = ?", post.id)

    bar = form.changed_bar
    qtbot.waitUntil(lambda: bar.message.startswith("Deleted by someone else"), timeout=LIVE_MS)
    assert title.text() == "Morphogenesis, second thoughts"
    qtbot.waitUntil(lambda: "Morphogenesis" not in cells(desk.table(Kind.POST)), timeout=LIVE_MS)

    qtbot.mouseClick(bar.first, LEFT)  # Save as New
    wait_idle(qtbot, desk.worker)
    with peek(desk.url) as repo:
        titles = [p.title for p in repo.list_posts(post.user_id).items]
    assert "Morphogenesis, second thoughts" in titles
    assert shown_post(desk).id != post.id


def test_an_open_comment_deleted_outside_can_be_discarded(
    desk: Desk, qtbot: Bot, outside: Outside
) -> None:
    select_user(qtbot, desk, "Ada Lovelace")
    select_post(qtbot, desk, "Notes on the Analytical Engine")
    comments = desk.table(Kind.COMMENT)
    qtbot.mouseClick(
        comments.viewport(), LEFT, pos=comments.visualRect(comments.model().index(0, 0)).center()
    )
    wait_idle(qtbot, desk.worker)
    form = desk.form(Kind.COMMENT)
    comment = form.record
    assert comment is not None
    type_into(qtbot, form.editor("body"), "Brilliant, and more")

    outside("DELETE FROM comments WHERE id = ?", comment.id)

    bar = form.changed_bar
    qtbot.waitUntil(lambda: bar.message.startswith("Deleted by someone else"), timeout=LIVE_MS)
    assert form.values()["body"] == "Brilliant, and more"
    qtbot.mouseClick(bar.second, LEFT)  # Discard
    assert form.values()["body"] == ""
    assert form.record is None
    qtbot.waitUntil(lambda: heading(desk, Kind.COMMENT).endswith("(1)"), timeout=LIVE_MS)


def test_a_clean_form_of_a_user_deleted_outside_closes(
    desk: Desk, qtbot: Bot, outside: Outside
) -> None:
    select_user(qtbot, desk, "Grace Hopper")
    grace = shown_user(desk)
    outside("DELETE FROM users WHERE id = ?", grace.id)
    qtbot.waitUntil(lambda: desk.window.editing.current_user is None, timeout=LIVE_MS)
    qtbot.waitUntil(lambda: heading(desk, Kind.USER) == "Users (2)", timeout=LIVE_MS)
    assert not desk.form(Kind.USER).active
    assert selected_rows(desk.table(Kind.USER)) == []


# -- PostgreSQL: notifications, and the poll where they cannot arrive --------------------------

ONLY_POSTGRESQL = pytest.mark.parametrize(
    "dialect", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True
)


@ONLY_POSTGRESQL
def test_notifications_are_heard_on_a_direct_connection(desk: Desk, qtbot: Bot) -> None:
    qtbot.waitUntil(lambda: desk.window.live.hearing, timeout=LIVE_MS)


@ONLY_POSTGRESQL
def test_without_notifications_the_log_is_polled(
    seeded_url: str,
    make_desk: MakeDesk,
    qtbot: Bot,
    outside: Outside,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(live.LiveChanges, "use_notifications", False)
    desk = make_desk(seeded_url)
    assert not desk.window.live.hearing
    select_user(qtbot, desk, "Grace Hopper")

    outside("UPDATE users SET name = 'Grace B. M. Hopper' WHERE email = 'grace@example.com'")

    qtbot.waitUntil(lambda: "Grace B. M. Hopper" in cells(desk.table(Kind.USER)), timeout=LIVE_MS)
    qtbot.waitUntil(
        lambda: desk.form(Kind.USER).values()["name"] == "Grace B. M. Hopper", timeout=LIVE_MS
    )
    assert not desk.window.live.hearing


@ONLY_POSTGRESQL
def test_switching_from_a_server_waits_for_no_listener_and_hears_the_next_one(
    desk: Desk, make_database: Any, qtbot: Bot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Opening another database stops the server's notification listener without waiting
    for its thread (the window froze for a quarter second at every switch, longer while
    the thread was busy), and what the old listener says as it ends ("not hearing") is not
    taken for the new one's."""
    from desktop.store import changes
    from desktop.store.urls import parse_url

    qtbot.waitUntil(lambda: desk.window.live.hearing, timeout=LIVE_MS)
    old = desk.window.live._listener
    assert old is not None
    holding, release = threading.Event(), threading.Event()
    notified = changes._notified

    def busy_while_held(pgconn: Any, timeout: float) -> bool:
        if threading.current_thread() is old._thread:
            holding.set()
            release.wait()  # the old listener is busy until the test lets it go
            return False
        return notified(pgconn, timeout)

    monkeypatch.setattr(changes, "_notified", busy_while_held)
    try:
        # Busy from its next wait step on: waiting for it would block the window for the
        # whole of its join's timeout (7 s), past LIVE_MS.
        qtbot.waitUntil(holding.is_set, timeout=LIVE_MS)
        desk.window.open_database(parse_url(make_database("postgresql")))

        def hearing_the_next() -> bool:
            live_now = desk.window.live
            return live_now._listener not in (None, old) and live_now.hearing

        qtbot.waitUntil(hearing_the_next, timeout=LIVE_MS)
        assert old._thread.is_alive()  # still busy: the window went on without it
    finally:
        release.set()
    qtbot.waitUntil(lambda: not old._thread.is_alive(), timeout=LIVE_MS)
    for _ in range(3):  # its last word, "not hearing", is delivered
        QCoreApplication.processEvents()
    assert desk.window.live.hearing
