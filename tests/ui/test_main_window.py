"""The main window, driven through its widgets as a person would, on SQLite and PostgreSQL.

Every change the window makes is checked through a separate connection to the database
(`peek`). The questions the window asks are answered by the `answers` fixture.
"""

from __future__ import annotations

import itertools
import socket
import sqlite3
import time
from pathlib import Path
from typing import TypeVar

import pytest
from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QDialog,
    QLabel,
    QLineEdit,
    QMenu,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QTextEdit,
    QWidget,
)

from desktop import paths
from desktop.store.connection import open_database
from desktop.store.migrations import discover
from desktop.store.records import POSTS_NEWEST_FIRST, Post, User
from desktop.store.seeding import GeneratePlan, generate
from desktop.store.urls import DatabaseUrl, conninfo_parts, parse_url
from desktop.ui.editing import Kind
from desktop.ui.main_window import MainWindow
from desktop.ui.models import PAGE_SIZE, Query
from desktop.ui.prompts import Choice
from desktop.ui.settings import Settings
from tests.conftest import MakeDatabase
from tests.ui.conftest import (
    USER_NAMES,
    WAIT_MS,
    Bot,
    Desk,
    MakeDesk,
    Prompts,
    SeedPost,
    cells,
    click_row,
    field_text,
    open_and_wait,
    peek,
    seed,
    type_into,
    user_by_name,
    wait_idle,
)

CTRL = Qt.KeyboardModifier.ControlModifier
LEFT = Qt.MouseButton.LeftButton
SEED_COUNTS = {"users": 3, "posts": 5, "comments": 4}


# -- helpers ------------------------------------------------------------------------------------


def select_user(qtbot: Bot, desk: Desk, name: str) -> None:
    click_row(qtbot, desk.table(Kind.USER), desk.row_of(Kind.USER, name))
    wait_idle(qtbot, desk.worker)
    assert shown_user(desk).name == name


def select_post(qtbot: Bot, desk: Desk, title: str) -> None:
    click_row(qtbot, desk.table(Kind.POST), desk.row_of(Kind.POST, title))
    wait_idle(qtbot, desk.worker)
    assert shown_post(desk).title == title


def shown_user(desk: Desk) -> User:
    user = desk.window.editing.current_user
    assert user is not None, "no user is shown"
    return user


def shown_post(desk: Desk) -> Post:
    post = desk.window.editing.current_post
    assert post is not None, "no post is shown"
    return post


W = TypeVar("W", bound=QObject)


def child(parent: QObject, kind: type[W], name: str) -> W:
    found = parent.findChild(kind, name)
    assert found is not None, f"no {kind.__name__} named {name!r}"
    return found


def selected_rows(table: QAbstractItemView) -> list[int]:
    return sorted(index.row() for index in table.selectionModel().selectedRows())


def heading(desk: Desk, kind: Kind) -> str:
    return desk.window.panes[kind].heading.text()


def menu_action(window: MainWindow, menu_title: str, text: str) -> QAction:
    """An action of the menu bar, found by the words a person reads."""
    for top in window.menuBar().actions():
        menu = top.menu()
        if not isinstance(menu, QMenu) or top.text().replace("&", "") != menu_title:
            continue
        for action in menu.actions():
            if action.text().replace("&", "") == text:
                return action
    raise AssertionError(f"no {menu_title} ▸ {text} in the menu bar")


def wait_filtered(qtbot: Bot, desk: Desk, kind: Kind, text: str) -> None:
    """Until the filter box's text (after its typing delay) has been answered."""
    model = desk.window.panes[kind].table.paged_model
    qtbot.waitUntil(lambda: model.query is not None and model.query.filter_text == text)
    wait_idle(qtbot, desk.worker)


def wait_asked(qtbot: Bot, desk: Desk, questions: int) -> None:
    """Until the window has asked `questions` save-or-discard questions, and acted on them."""
    qtbot.waitUntil(lambda: len(desk.answers.save_questions) == questions)
    wait_idle(qtbot, desk.worker)


def closed_port() -> int:
    """A local TCP port nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


# -- 1. selecting -------------------------------------------------------------------------------


def test_selecting_a_user_lists_their_posts_newest_first(desk: Desk, qtbot: Bot) -> None:
    assert cells(desk.table(Kind.USER)) == USER_NAMES
    assert heading(desk, Kind.USER) == "Users (3)"
    assert heading(desk, Kind.POST) == "Posts"

    select_user(qtbot, desk, "Alan Turing")

    titles = cells(desk.table(Kind.POST))
    assert titles == [
        "Morphogenesis",
        "Computing Machinery and Intelligence",
        "On Computable Numbers",
    ]
    assert heading(desk, Kind.POST) == "Posts by Alan Turing (3)"
    with peek(desk.url) as repo:
        alan = user_by_name(repo, "Alan Turing")
        assert titles == [post.title for post in repo.list_posts(alan.id).items]
    user_form = desk.form(Kind.USER)
    assert field_text(user_form, "name") == "Alan Turing"
    assert field_text(user_form, "email") == "alan@example.com"
    assert selected_rows(desk.table(Kind.USER)) == [1]
    assert desk.window.editing.current_post is None
    assert not desk.form(Kind.POST).editor("title").isEnabled()

    select_user(qtbot, desk, "Grace Hopper")
    assert cells(desk.table(Kind.POST)) == []
    assert heading(desk, Kind.POST) == "Posts by Grace Hopper (0)"


# -- 2. editing a post --------------------------------------------------------------------------


@pytest.mark.parametrize("how", ["button", "ctrl+s"])
def test_edited_post_title_is_saved_and_updated_in_place(desk: Desk, qtbot: Bot, how: str) -> None:
    window, form, posts = desk.window, desk.form(Kind.POST), desk.table(Kind.POST)
    select_user(qtbot, desk, "Alan Turing")
    select_post(qtbot, desk, "Computing Machinery and Intelligence")
    row = posts.currentIndex().row()
    post_id = shown_post(desk).id
    title = form.editor("title")
    assert field_text(form, "title") == "Computing Machinery and Intelligence"
    assert not form.save_button.isEnabled()
    assert not window.isWindowModified()

    type_into(qtbot, title, "Can machines think?")
    assert form.is_dirty()
    assert form.save_button.isEnabled()
    assert window.isWindowModified()

    if how == "button":
        qtbot.mouseClick(form.save_button, LEFT)
    else:
        qtbot.keyClick(title, Qt.Key.Key_S, CTRL)
    wait_idle(qtbot, desk.worker)

    with peek(desk.url) as repo:
        stored = repo.get_post(post_id)
    assert stored.title == "Can machines think?"
    assert stored.content == "About computing machinery and intelligence."
    assert posts.model().index(row, 0).data() == "Can machines think?"
    assert posts.model().rowCount() == 3
    assert posts.currentIndex().row() == row
    assert selected_rows(posts) == [row]
    assert shown_post(desk).title == "Can machines think?"
    assert field_text(form, "title") == "Can machines think?"
    assert not form.is_dirty()
    assert not form.save_button.isEnabled()
    assert not window.isWindowModified()
    # The focus stays in the post form: had it moved on to the comments list (as the Save
    # button was disabled), that list would have opened its first comment unasked.
    focused = QApplication.focusWidget()
    assert focused is not None and form.isAncestorOf(focused)
    assert desk.form(Kind.COMMENT).is_new
    assert not desk.table(Kind.COMMENT).currentIndex().isValid()


# -- 3. validation ------------------------------------------------------------------------------


def test_invalid_or_taken_email_is_shown_next_to_the_field_and_not_stored(
    desk: Desk, qtbot: Bot
) -> None:
    form, users = desk.form(Kind.USER), desk.table(Kind.USER)
    select_user(qtbot, desk, "Ada Lovelace")
    email = form.editor("email")

    type_into(qtbot, email, "ada at example dot com")
    qtbot.mouseClick(form.save_button, LEFT)
    wait_idle(qtbot, desk.worker)
    assert "is not an email address" in form.error_text("email")
    assert form.error_text("name") == ""
    assert form.is_dirty() and desk.window.isWindowModified()

    type_into(qtbot, email, "ALAN@Example.com")  # Alan's address, in other letters
    qtbot.mouseClick(form.save_button, LEFT)
    wait_idle(qtbot, desk.worker)
    assert "already has" in form.error_text("email")
    assert "not an email address" not in form.error_text("email")
    # The person's text stays in the field for them to fix.
    assert field_text(form, "email") == "ALAN@Example.com"

    with peek(desk.url) as repo:
        ada = user_by_name(repo, "Ada Lovelace")
        assert ada.email == "ada@example.com"
        assert repo.table_counts() == SEED_COUNTS
    assert cells(users, 1)[desk.row_of(Kind.USER, "Ada Lovelace")] == "ada@example.com"


def test_empty_post_title_is_refused_with_a_message(desk: Desk, qtbot: Bot) -> None:
    form = desk.form(Kind.POST)
    select_user(qtbot, desk, "Ada Lovelace")
    select_post(qtbot, desk, "On Bernoulli numbers")
    type_into(qtbot, form.editor("title"), "   ")
    qtbot.keyClick(form.editor("title"), Qt.Key.Key_S, CTRL)
    wait_idle(qtbot, desk.worker)
    assert form.error_text("title") == "The title cannot be empty."
    assert QApplication.focusWidget() is form.editor("title")
    with peek(desk.url) as repo:
        assert repo.get_post(shown_post(desk).id).title == "On Bernoulli numbers"


# -- 4. comments --------------------------------------------------------------------------------


def test_comment_is_created_and_deleted(desk: Desk, qtbot: Bot, answers: Prompts) -> None:
    form, comments = desk.form(Kind.COMMENT), desk.table(Kind.COMMENT)
    select_user(qtbot, desk, "Ada Lovelace")
    select_post(qtbot, desk, "Notes on the Analytical Engine")
    post_id = shown_post(desk).id
    assert cells(comments) == ["Brilliant.", "Translate more!"]
    assert heading(desk, Kind.COMMENT) == "Comments (2)"
    body = form.editor("body")
    assert body.isEnabled() and form.is_new
    assert not form.save_button.isEnabled()

    type_into(qtbot, body, "It weaves algebraic patterns")
    qtbot.keyClick(body, Qt.Key.Key_Return)
    qtbot.keyClicks(body, "as the loom weaves flowers.")
    qtbot.mouseClick(form.save_button, LEFT)
    wait_idle(qtbot, desk.worker)

    written = "It weaves algebraic patterns\nas the loom weaves flowers."
    with peek(desk.url) as repo:
        stored = repo.list_comments(post_id).items
    assert [c.body for c in stored] == ["Brilliant.", "Translate more!", written]
    assert cells(comments) == ["Brilliant.", "Translate more!", "It weaves algebraic patterns"]
    assert heading(desk, Kind.COMMENT) == "Comments (3)"
    assert selected_rows(comments) == [2]
    assert form.record is not None and form.record.id == stored[-1].id
    assert form.delete_button.isEnabled()

    answers.delete_answers.append(True)
    qtbot.mouseClick(form.delete_button, LEFT)
    wait_idle(qtbot, desk.worker)
    assert answers.delete_questions == ["Delete this comment?"]
    with peek(desk.url) as repo:
        assert [c.body for c in repo.list_comments(post_id).items] == [
            "Brilliant.",
            "Translate more!",
        ]
        assert repo.table_counts() == SEED_COUNTS
    assert cells(comments) == ["Brilliant.", "Translate more!"]
    assert heading(desk, Kind.COMMENT) == "Comments (2)"


# -- 5. deleting a user -------------------------------------------------------------------------


def test_deleting_a_user_names_what_goes_with_them(
    desk: Desk, qtbot: Bot, answers: Prompts
) -> None:
    form = desk.form(Kind.USER)
    select_user(qtbot, desk, "Ada Lovelace")

    answers.delete_answers.append(False)
    qtbot.mouseClick(form.delete_button, LEFT)
    wait_idle(qtbot, desk.worker)
    assert answers.delete_questions == ["Delete Ada Lovelace, with 2 posts and their 3 comments?"]
    with peek(desk.url) as repo:
        assert repo.table_counts() == SEED_COUNTS
    assert cells(desk.table(Kind.USER)) == USER_NAMES

    answers.delete_answers.append(True)
    qtbot.mouseClick(form.delete_button, LEFT)
    wait_idle(qtbot, desk.worker)
    assert len(answers.delete_questions) == 2
    with peek(desk.url) as repo:
        assert user_by_name(repo, "Ada Lovelace") is None
        assert repo.table_counts() == {"users": 2, "posts": 3, "comments": 1}
    assert cells(desk.table(Kind.USER)) == ["Alan Turing", "Grace Hopper"]
    assert heading(desk, Kind.USER) == "Users (2)"
    assert desk.window.editing.current_user is None or (shown_user(desk).name != "Ada Lovelace")


# -- 6. unsaved edits when switching records ----------------------------------------------------


def test_switching_posts_with_unsaved_edits_asks_first(
    desk: Desk, qtbot: Bot, answers: Prompts
) -> None:
    form, posts = desk.form(Kind.POST), desk.table(Kind.POST)
    title = form.editor("title")
    select_user(qtbot, desk, "Alan Turing")
    select_post(qtbot, desk, "Morphogenesis")
    type_into(qtbot, title, "Morphogenesis, a draft")

    # Cancel: nothing moves, the text stays.
    answers.save_answers.append(Choice.CANCEL)
    click_row(qtbot, posts, 1)
    wait_asked(qtbot, desk, 1)
    assert answers.save_questions == ["the post “Morphogenesis”"]
    assert posts.currentIndex().row() == 0 and selected_rows(posts) == [0]
    assert shown_post(desk).title == "Morphogenesis"
    assert field_text(form, "title") == "Morphogenesis, a draft"
    assert form.is_dirty()

    # Discard: the other post opens, nothing stored.
    answers.save_answers.append(Choice.DISCARD)
    click_row(qtbot, posts, 1)
    wait_asked(qtbot, desk, 2)
    qtbot.waitUntil(lambda: posts.currentIndex().row() == 1)
    wait_idle(qtbot, desk.worker)
    assert posts.currentIndex().row() == 1 and selected_rows(posts) == [1]
    assert field_text(form, "title") == "Computing Machinery and Intelligence"
    assert not form.is_dirty()
    assert cells(posts)[0] == "Morphogenesis"

    # Save: stored, then the other post opens.
    type_into(qtbot, title, "Computing Machinery, revised")
    answers.save_answers.append(Choice.SAVE)
    click_row(qtbot, posts, 2)
    wait_asked(qtbot, desk, 3)
    qtbot.waitUntil(lambda: posts.currentIndex().row() == 2)
    wait_idle(qtbot, desk.worker)
    assert answers.save_questions[-1] == "the post “Computing Machinery and Intelligence”"
    assert posts.currentIndex().row() == 2 and selected_rows(posts) == [2]
    assert field_text(form, "title") == "On Computable Numbers"
    assert cells(posts) == [
        "Morphogenesis",
        "Computing Machinery, revised",
        "On Computable Numbers",
    ]
    assert not desk.window.isWindowModified()
    with peek(desk.url) as repo:
        alan = user_by_name(repo, "Alan Turing")
        assert [p.title for p in repo.list_posts(alan.id).items] == cells(posts)


def test_switching_users_with_an_unsaved_post_asks_first(
    desk: Desk, qtbot: Bot, answers: Prompts
) -> None:
    users = desk.table(Kind.USER)
    select_user(qtbot, desk, "Alan Turing")
    select_post(qtbot, desk, "Morphogenesis")
    type_into(qtbot, desk.form(Kind.POST).editor("content"), "Rewritten.")
    answers.save_answers.append(Choice.CANCEL)
    click_row(qtbot, users, desk.row_of(Kind.USER, "Ada Lovelace"))
    wait_asked(qtbot, desk, 1)
    assert answers.save_questions == ["the post “Morphogenesis”"]
    assert selected_rows(users) == [desk.row_of(Kind.USER, "Alan Turing")]
    assert shown_user(desk).name == "Alan Turing"
    assert field_text(desk.form(Kind.POST), "content") == "Rewritten."


# -- 7. switching databases through the File menu -----------------------------------------------


def test_switch_from_file_to_server_and_back(
    make_desk: MakeDesk,
    make_database: MakeDatabase,
    pg_admin_url: str,
    qtbot: Bot,
    answers: Prompts,
) -> None:
    file_url = make_database("sqlite")
    seed(file_url)
    server_url = make_database("postgresql")
    seed(server_url, {("Edsger Dijkstra", "ewd@example.com"): (SeedPost("Go To", 1),)})
    desk = make_desk(file_url)
    window = desk.window

    menu_action(window, "File", "Connect to Server…").trigger()
    qtbot.waitUntil(lambda: window.findChild(QDialog, "connectDialog") is not None)
    dialog = child(window, QDialog, "connectDialog")
    assert dialog.isVisible()
    parts = conninfo_parts(server_url)
    type_into(qtbot, child(dialog, QLineEdit, "host"), parts["host"])
    type_into(qtbot, child(dialog, QSpinBox, "port"), parts["port"])
    type_into(qtbot, child(dialog, QLineEdit, "dbname"), parts["dbname"])
    type_into(qtbot, child(dialog, QLineEdit, "user"), parts["user"])
    connect = next(b for b in dialog.findChildren(QPushButton) if b.accessibleName() == "Connect")
    assert connect.isEnabled()
    with qtbot.waitSignal(window.switcher.opened, timeout=WAIT_MS):
        qtbot.mouseClick(connect, LEFT)
    wait_idle(qtbot, desk.worker)

    assert window.url is not None and window.url.dialect == "postgresql"
    assert cells(desk.table(Kind.USER)) == ["Edsger Dijkstra"]
    where = f"{parts['user']}@{parts['host']}:{parts['port']}/{parts['dbname']}"
    label = window.database_label.text()
    newest = discover(paths.migrations_dir(), "postgresql")[-1].version
    assert where in label and f"schema {newest}" in label and label.startswith("PostgreSQL")
    qtbot.waitUntil(lambda: window.findChild(QDialog, "connectDialog") is None)
    select_user(qtbot, desk, "Edsger Dijkstra")
    assert cells(desk.table(Kind.POST)) == ["Go To"]

    answers.existing_files.append(Path(file_url))
    with qtbot.waitSignal(window.switcher.opened, timeout=WAIT_MS):
        menu_action(window, "File", "Open Local Database…").trigger()
    wait_idle(qtbot, desk.worker)
    assert window.url == DatabaseUrl("sqlite", file_url)
    assert cells(desk.table(Kind.USER)) == USER_NAMES
    newest = discover(paths.migrations_dir(), "sqlite")[-1].version
    assert window.database_label.text() == f"SQLite: {file_url} · schema {newest}"
    assert desk.form(Kind.USER).record is None and cells(desk.table(Kind.POST)) == []


# -- 8. a failed open leaves the open database alone ---------------------------------------------


@pytest.mark.parametrize("target", ["closed-port", "not-sqlite"])
def test_failed_open_keeps_the_previous_database(
    desk: Desk, qtbot: Bot, answers: Prompts, tmp_path: Path, target: str
) -> None:
    window = desk.window
    before = window.url
    label = window.database_label.text()
    assert before is not None
    if target == "closed-port":
        port = closed_port()
        with qtbot.waitSignal(window.switcher.failed, timeout=WAIT_MS):
            window.open_database(
                DatabaseUrl("postgresql", f"postgresql://postgres@127.0.0.1:{port}/postgres")
            )
        expected = f"Nothing answers at 127.0.0.1:{port}"
    else:
        notes = tmp_path / "notes.sqlite3"
        notes.write_text("These are my notes, not a database.\n" * 100)
        answers.existing_files.append(notes)
        with qtbot.waitSignal(window.switcher.failed, timeout=WAIT_MS):
            menu_action(window, "File", "Open Local Database…").trigger()
        expected = f"{notes} is not a SQLite database"
        assert notes.read_text() == "These are my notes, not a database.\n" * 100

    [(title, message)] = answers.take_errors()
    assert title == "Could Not Open Database"
    assert expected in message
    assert message.endswith(f"{before.display()} is still open.")
    for noise in ("Traceback", "psycopg", "sqlite3.", "Error:", "OperationalError"):
        assert noise not in message
    assert window.url == before
    assert window.database_label.text() == label
    select_user(qtbot, desk, "Alan Turing")
    assert len(cells(desk.table(Kind.POST))) == 3


# -- 9. paging --------------------------------------------------------------------------------


def test_scrolling_a_long_user_list_fetches_pages_as_needed(
    empty_url: str, make_desk: MakeDesk, qtbot: Bot
) -> None:
    with open_database(empty_url) as backend:
        generate(backend, GeneratePlan(5000, 0, 0))
    desk = make_desk(empty_url)
    model, table = desk.window.users, desk.table(Kind.USER)
    wait_idle(qtbot, desk.worker)
    # The scroll bar knows the whole length from the start; only what is seen is loaded.
    assert model.rowCount() == 5000
    assert model.total == 5000
    assert heading(desk, Kind.USER) == "Users (5,000)"
    assert PAGE_SIZE <= model.loaded_count <= 2 * PAGE_SIZE

    table.verticalScrollBar().setValue(table.verticalScrollBar().value() + 60)
    qtbot.waitUntil(lambda: model.record(table.visible_rows()[1]) is not None)
    wait_idle(qtbot, desk.worker)
    with peek(desk.url) as repo:
        expected = [user.id for user in repo.list_users("", 3 * PAGE_SIZE).items]
    head = [model.record(row) for row in range(len(expected))]
    loaded = [user.id for user in head if user is not None]
    assert loaded == expected[: len(loaded)]  # in name order, none twice, none skipped
    assert all(user is not None for user in head[: table.visible_rows()[1] + 1])

    click_row(qtbot, table, 0)
    wait_idle(qtbot, desk.worker)
    qtbot.keyClick(table, Qt.Key.Key_End, CTRL)  # straight to the last user
    assert table.currentIndex().row() == 4999
    qtbot.waitUntil(lambda: model.record(4999) is not None)
    wait_idle(qtbot, desk.worker)
    with peek(desk.url) as repo:
        last = repo.users_at(4999, "", 1).items[0]
    assert model.record(4999) == last
    assert desk.window.editing.current_user == last  # the form shows it once it came
    assert model.loaded_count < 5 * PAGE_SIZE  # never the whole table


def test_end_with_no_row_chosen_goes_to_the_last_row(desk: Desk, qtbot: Bot) -> None:
    table = desk.table(Kind.USER)
    table.setFocus()
    assert not table.currentIndex().isValid()
    qtbot.keyClick(table, Qt.Key.Key_End)
    wait_idle(qtbot, desk.worker)
    assert table.currentIndex().row() == table.model().rowCount() - 1
    assert shown_user(desk).name == "Grace Hopper"
    qtbot.keyClick(table, Qt.Key.Key_Home)
    wait_idle(qtbot, desk.worker)
    assert shown_user(desk).name == "Ada Lovelace"


# -- 10. a slow database never freezes the window -------------------------------------------------


def test_window_stays_responsive_while_the_database_is_slow(
    desk: Desk, qtbot: Bot, dialect: str
) -> None:
    window, worker = desk.window, desk.worker
    ticks: list[float] = []
    timer = QTimer()
    timer.setTimerType(Qt.TimerType.PreciseTimer)
    timer.setInterval(10)
    timer.timeout.connect(lambda: ticks.append(time.monotonic()))
    done: list[object] = []

    if dialect == "postgresql":
        timer.start()
        worker.submit(lambda repo: repo.db.execute("SELECT pg_sleep(1.5)"), done.append)
    else:
        # Another program holds the write lock: the person's save waits for it.
        select_user(qtbot, desk, "Alan Turing")
        select_post(qtbot, desk, "Morphogenesis")
        form = desk.form(Kind.POST)
        type_into(qtbot, form.editor("title"), "Morphogenesis (2nd ed.)")
        holder = sqlite3.connect(desk.url, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        QTimer.singleShot(1500, lambda: holder.execute("COMMIT"))
        worker.busy_changed.connect(lambda busy: None if busy else done.append(True))
        timer.start()
        qtbot.mouseClick(form.save_button, LEFT)

    try:
        qtbot.waitUntil(window.busy_bar.isVisible, timeout=1400)
        assert worker.busy
        qtbot.waitUntil(lambda: bool(done), timeout=WAIT_MS)
    finally:
        timer.stop()
    wait_idle(qtbot, worker)
    assert not window.busy_bar.isVisible()
    gaps = [later - earlier for earlier, later in itertools.pairwise(ticks)]
    assert ticks[-1] - ticks[0] > 1.3
    assert max(gaps) < 0.2, f"the GUI thread stalled for {max(gaps):.3f} s"
    if dialect == "sqlite":
        holder.close()
        with peek(desk.url) as repo:
            post = repo.get_post(shown_post(desk).id)
        assert post.title == "Morphogenesis (2nd ed.)"
        assert not desk.form(Kind.POST).is_dirty()


# -- 11. unsaved edits when quitting or switching databases ---------------------------------------


def test_quitting_and_switching_database_ask_about_unsaved_edits(
    desk: Desk, qtbot: Bot, answers: Prompts, make_database: MakeDatabase, dialect: str
) -> None:
    window, form = desk.window, desk.form(Kind.USER)
    select_user(qtbot, desk, "Ada Lovelace")
    type_into(qtbot, form.editor("name"), "Ada King")

    answers.save_answers.append(Choice.CANCEL)
    window.close()
    assert answers.save_questions == ["the user “Ada Lovelace”"]
    assert window.isVisible()
    assert field_text(form, "name") == "Ada King"

    other = make_database(dialect)
    seed(other, {("Hedy Lamarr", "hedy@example.com"): ()})
    before = window.url
    answers.save_answers.append(Choice.CANCEL)
    window.open_database(parse_url(other))
    assert len(answers.save_questions) == 2
    assert not window.switcher.busy
    assert window.url == before and field_text(form, "name") == "Ada King"

    answers.save_answers.append(Choice.SAVE)
    with qtbot.waitSignal(window.switcher.opened, timeout=WAIT_MS):
        window.open_database(parse_url(other))
    wait_idle(qtbot, desk.worker)
    assert window.url == parse_url(other)
    assert cells(desk.table(Kind.USER)) == ["Hedy Lamarr"]
    with peek(desk.url) as repo:
        assert user_by_name(repo, "Ada King") is not None
        assert user_by_name(repo, "Ada Lovelace") is None

    select_user(qtbot, desk, "Hedy Lamarr")
    type_into(qtbot, form.editor("email"), "hedy@example.org")
    answers.save_answers.append(Choice.DISCARD)
    window.close()
    assert answers.save_questions[-1] == "the user “Hedy Lamarr”"
    qtbot.waitUntil(lambda: not window.isVisible())
    with peek(other) as repo:
        assert user_by_name(repo, "Hedy Lamarr").email == "hedy@example.com"


# -- 12. filters --------------------------------------------------------------------------------


def test_filter_boxes_are_answered_by_the_database(desk: Desk, qtbot: Bot) -> None:
    users_filter = desk.window.panes[Kind.USER].filter
    posts_filter = desk.window.panes[Kind.POST].filter
    assert users_filter is not None and posts_filter is not None
    users = desk.table(Kind.USER)

    for text, names in [
        ("LOVE", ["Ada Lovelace"]),
        ("example.com", USER_NAMES),
        ("an", ["Alan Turing"]),
        ("%", []),
    ]:
        type_into(qtbot, users_filter, text)
        wait_filtered(qtbot, desk, Kind.USER, text)
        with peek(desk.url) as repo:
            assert repo.count_users(text) == len(names)
        assert cells(users) == names, text
        assert desk.window.users.total == len(names)
        assert heading(desk, Kind.USER) == f"Users ({len(names)})"

    type_into(qtbot, users_filter, "")
    wait_filtered(qtbot, desk, Kind.USER, "")
    assert cells(users) == USER_NAMES

    select_user(qtbot, desk, "Alan Turing")
    type_into(qtbot, posts_filter, "COMPUT")
    wait_filtered(qtbot, desk, Kind.POST, "COMPUT")
    assert cells(desk.table(Kind.POST)) == [
        "Computing Machinery and Intelligence",
        "On Computable Numbers",
    ]
    assert desk.window.posts.query == Query(shown_user(desk).id, "COMPUT", POSTS_NEWEST_FIRST)
    assert heading(desk, Kind.POST) == "Posts by Alan Turing (2)"
    with peek(desk.url) as repo:
        assert repo.count_posts(shown_user(desk).id, "COMPUT") == 2


def test_a_filter_that_leaves_out_the_selected_user_reads_the_list_once(
    desk: Desk, qtbot: Bot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The read that finds the selected user is not in the filtered list brings that list's
    first page along, on SQLite as on a server: the list shows it, not a second read made
    after the selection is dropped (the first filter of a session cost twice the others)."""
    users = desk.window.users
    select_user(qtbot, desk, "Grace Hopper")
    reads: list[Query] = []
    read_listing = users.read_listing

    def counted(query: Query, *args: object, **kwargs: object) -> None:
        reads.append(query)
        read_listing(query, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(users, "read_listing", counted)
    users_filter = desk.window.panes[Kind.USER].filter
    assert users_filter is not None
    type_into(qtbot, users_filter, "LOVE")
    wait_filtered(qtbot, desk, Kind.USER, "LOVE")
    assert [query.filter_text for query in reads] == ["LOVE"]
    assert cells(desk.table(Kind.USER)) == ["Ada Lovelace"]
    assert desk.window.editing.current_user is None
    assert field_text(desk.form(Kind.USER), "name") == ""
    assert cells(desk.table(Kind.POST)) == []


# -- 13. keyboard and accessibility ---------------------------------------------------------------


def test_ctrl_n_in_the_users_pane_starts_a_new_user(desk: Desk, qtbot: Bot) -> None:
    users, form = desk.table(Kind.USER), desk.form(Kind.USER)
    click_row(qtbot, users, 0)
    wait_idle(qtbot, desk.worker)
    assert QApplication.focusWidget() is users

    qtbot.keyClick(users, Qt.Key.Key_N, CTRL)
    assert form.is_new
    assert QApplication.focusWidget() is form.editor("name")
    assert selected_rows(users) == []
    assert cells(desk.table(Kind.POST)) == []

    qtbot.keyClicks(form.editor("name"), "Barbara Liskov")
    qtbot.keyClick(form.editor("name"), Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is form.editor("email")
    qtbot.keyClicks(form.editor("email"), "barbara@example.com")
    qtbot.keyClick(form.editor("email"), Qt.Key.Key_S, CTRL)
    wait_idle(qtbot, desk.worker)

    with peek(desk.url) as repo:
        barbara = user_by_name(repo, "Barbara Liskov")
    assert barbara is not None and barbara.email == "barbara@example.com"
    assert cells(users) == ["Ada Lovelace", "Alan Turing", "Barbara Liskov", "Grace Hopper"]
    assert selected_rows(users) == [2]
    assert heading(desk, Kind.USER) == "Users (4)"
    assert heading(desk, Kind.POST) == "Posts by Barbara Liskov (0)"


def test_every_control_has_a_name_for_assistive_technology(desk: Desk, qtbot: Bot) -> None:
    window = desk.window
    select_user(qtbot, desk, "Ada Lovelace")
    select_post(qtbot, desk, "On Bernoulli numbers")
    buddies = {id(label.buddy()) for label in window.findChildren(QLabel) if label.buddy()}
    kinds = (
        QLineEdit,
        QPlainTextEdit,
        QTextEdit,
        QComboBox,
        QAbstractSpinBox,
        QAbstractButton,
        QAbstractItemView,
    )
    controls = [
        widget
        for widget in window.findChildren(QWidget)
        if isinstance(widget, kinds)
        and widget.isVisibleTo(window)
        and widget.focusPolicy() != Qt.FocusPolicy.NoFocus
        and not isinstance(widget.parentWidget(), QLineEdit | QAbstractSpinBox)  # clear buttons
    ]
    assert len(controls) >= 15
    nameless = [
        f"{type(w).__name__} {w.objectName() or ''}".strip()
        for w in controls
        if not w.accessibleName().strip() and id(w) not in buddies
    ]
    assert nameless == []
    editors = [
        desk.form(kind).editor(key).accessibleName()
        for kind, key in [
            (Kind.USER, "name"),
            (Kind.USER, "email"),
            (Kind.POST, "title"),
            (Kind.POST, "content"),
            (Kind.COMMENT, "body"),
        ]
    ]
    assert editors == ["User name", "User email", "Post title", "Post content", "Comment"]


def test_moving_the_focus_into_a_list_opens_nothing(
    desk: Desk, qtbot: Bot, answers: Prompts
) -> None:
    users, posts, comments = (desk.table(kind) for kind in Kind)
    select_user(qtbot, desk, "Alan Turing")
    qtbot.keyClick(users, Qt.Key.Key_2, CTRL)  # Go ▸ Posts
    assert QApplication.focusWidget() is posts
    assert desk.window.editing.current_post is None
    assert not posts.currentIndex().isValid()
    qtbot.keyClick(posts, Qt.Key.Key_Down)  # the arrow keys choose
    wait_idle(qtbot, desk.worker)
    assert shown_post(desk).title == "Morphogenesis" and selected_rows(posts) == [0]

    select_post(qtbot, desk, "Computing Machinery and Intelligence")
    body = desk.form(Kind.COMMENT).editor("body")
    type_into(qtbot, body, "A draft")
    qtbot.keyClick(body, Qt.Key.Key_Backtab, Qt.KeyboardModifier.ShiftModifier)
    assert QApplication.focusWidget() is comments
    assert answers.save_questions == []
    assert not comments.currentIndex().isValid()
    assert field_text(desk.form(Kind.COMMENT), "body") == "A draft"


def test_tab_from_the_users_table_reaches_the_user_form(desk: Desk, qtbot: Bot) -> None:
    users, form = desk.table(Kind.USER), desk.form(Kind.USER)
    click_row(qtbot, users, 0)
    wait_idle(qtbot, desk.worker)
    assert QApplication.focusWidget() is users
    qtbot.keyClick(users, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is form.editor("name")
    qtbot.keyClick(form.editor("name"), Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is form.editor("email")


# -- 14. what is remembered -----------------------------------------------------------------------


def test_layout_and_last_database_are_remembered_without_passwords(
    seeded_url: str,
    make_database: MakeDatabase,
    make_desk: MakeDesk,
    pg_admin_url: str,
    settings: Settings,
    settings_path: Path,
    qtbot: Bot,
) -> None:
    first = make_desk(seeded_url).window
    screen = first.screen().availableGeometry()
    assert screen.width() > 760 and screen.height() > 560  # the restored size fits on it
    first.setGeometry(screen.x() + 30, screen.y() + 40, 740, 540)
    first.splitter.setSizes([260, 200, 260])
    qtbot.waitUntil(lambda: first.size().width() == 740)
    sizes = first.splitter.sizes()
    first.close()

    second = make_desk(seeded_url, settings).window
    assert (second.width(), second.height()) == (740, 540)
    assert second.splitter.sizes() == sizes
    assert settings.last_database() == parse_url(seeded_url)

    parts = conninfo_parts(make_database("postgresql"))
    with_password = (
        f"postgresql://{parts['user']}:secret@{parts['host']}:{parts['port']}/{parts['dbname']}"
    )
    open_and_wait(qtbot, second, DatabaseUrl("postgresql", with_password))
    assert second.url == DatabaseUrl("postgresql", with_password)  # this session may reconnect
    second.close()
    settings.store.sync()
    stored = settings_path.read_text()
    assert "secret" not in stored
    assert parts["dbname"] in stored
    last = settings.last_database()
    assert last is not None and "secret" not in last.target
    assert last.display() == f"{parts['user']}@{parts['host']}:{parts['port']}/{parts['dbname']}"
    assert "secret" not in "".join(url.target for url in settings.recent())


def test_an_opened_database_is_asked_for_its_first_users_before_anything_else(
    desk: Desk, qtbot: Bot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The database reads the first page while the window does the rest of an open
    (remembering it, the read-only state, following its changes): about 5 ms sooner."""
    loading_then: list[bool] = []
    remember = desk.settings.remember_database

    def remember_database(url: DatabaseUrl) -> None:
        loading_then.append(desk.window.users.loading)
        remember(url)

    monkeypatch.setattr(desk.settings, "remember_database", remember_database)
    open_and_wait(qtbot, desk.window, desk.database_url)
    assert loading_then == [True]
