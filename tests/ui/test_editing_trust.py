"""Editing that loses nothing: text typed while a save is on its way, records placed where a
fresh query lists them, Ctrl+S that always saves something or says why not, the keyboard
focus kept in the pane the person was in, and the real question dialogs."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QLineEdit, QMenu, QMessageBox, QPushButton

from desktop.store.connection import open_database
from desktop.store.repository import Repository
from desktop.store.urls import parse_url
from desktop.ui import prompts
from desktop.ui.editing import Kind
from desktop.ui.models import PagedModel
from tests.ui.conftest import (
    Bot,
    Desk,
    MakeDesk,
    Prompts,
    cells,
    click_row,
    open_and_wait,
    peek,
    seed,
    type_into,
    wait_idle,
)
from tests.ui.test_main_window import (
    CTRL,
    LEFT,
    select_post,
    select_user,
    selected_rows,
    shown_post,
    shown_user,
    wait_filtered,
)

# -- text typed while a save is on its way ----------------------------------------------------


@contextmanager
def writes_held(url: str, post_id: int) -> Iterator[None]:
    """Another connection holds the post (PostgreSQL: its row; SQLite: the write lock) until
    the block ends, so a save of it waits."""
    with open_database(url, migrate=False, create=False) as other:
        if other.dialect == "sqlite":
            other.execute("BEGIN IMMEDIATE")
        else:
            other.execute("BEGIN")
            other.execute("SELECT id FROM posts WHERE id = %s FOR UPDATE", (post_id,))
        try:
            yield
        finally:
            other.execute("COMMIT")


def test_text_typed_while_saving_stays_in_the_form_unsaved(desk: Desk, qtbot: Bot) -> None:
    select_user(qtbot, desk, "Ada Lovelace")
    select_post(qtbot, desk, "On Bernoulli numbers")
    form = desk.form(Kind.POST)
    title = form.editor("title")
    assert isinstance(title, QLineEdit)
    post_id = shown_post(desk).id
    type_into(qtbot, title, "First")

    with writes_held(desk.url, post_id):
        qtbot.mouseClick(form.save_button, LEFT)
        assert form.saving
        title.setFocus()
        qtbot.keyClick(title, Qt.Key.Key_End)
        qtbot.keyClicks(title, " and more")
    wait_idle(qtbot, desk.worker)

    assert title.text() == "First and more"
    assert form.is_dirty() and desk.window.isWindowModified()
    assert form.save_button.isEnabled()
    with peek(desk.url) as repo:
        assert repo.get_post(post_id).title == "First"
    assert form.record.title == "First"  # the stored record is what the next save builds on

    qtbot.keyClick(title, Qt.Key.Key_S, CTRL)  # and the rest saves without a conflict
    wait_idle(qtbot, desk.worker)
    with peek(desk.url) as repo:
        assert repo.get_post(post_id).title == "First and more"
    assert not form.is_dirty()


# -- records placed where a fresh query lists them ---------------------------------------------

MANY = 300


@pytest.fixture
def many_users_url(empty_url: str) -> str:
    with open_database(empty_url) as backend:
        repo = Repository(backend)
        for n in range(MANY):
            repo.create_user(f"User {n:03d}", f"user{n:03d}@example.com")
    return empty_url


def assert_rows_match_a_fresh_query(desk: Desk) -> None:
    """Every loaded row of the users list is the user a fresh query lists there."""
    model: PagedModel[Any] = desk.window.users
    with peek(desk.url) as repo:
        total = repo.count_users()
        fresh = repo.users_at(0, "", total + 1).items
    assert model.rowCount() == total == len(fresh)
    for row in range(model.rowCount()):
        record = model.record(row)
        if record is not None:
            assert record.id == fresh[row].id, f"row {row}: {record.name} != {fresh[row].name}"


def test_records_land_where_a_fresh_query_lists_them(
    many_users_url: str, make_desk: MakeDesk, qtbot: Bot, answers: Prompts
) -> None:
    desk = make_desk(many_users_url)
    users = desk.table(Kind.USER)
    assert desk.window.users.loaded_count < MANY  # only the first page is there
    form = desk.form(Kind.USER)

    for name in ["User 150a", "Aardvark", "User 299a", "Zed"]:  # among unloaded rows, ends
        users.setFocus()
        qtbot.keyClick(users, Qt.Key.Key_N, CTRL)
        type_into(qtbot, form.editor("name"), name)
        type_into(qtbot, form.editor("email"), f"{name.replace(' ', '').lower()}@example.com")
        qtbot.mouseClick(form.save_button, LEFT)
        wait_idle(qtbot, desk.worker)
        assert_rows_match_a_fresh_query(desk)
        assert shown_user(desk).name == name
        row = selected_rows(users)
        record = desk.window.users.record(row[0]) if len(row) == 1 else None
        assert record is not None and record.name == name

    # A rename that moves a loaded user into the unloaded middle, then one at the end.
    click_row(qtbot, users, 1)
    wait_idle(qtbot, desk.worker)
    type_into(qtbot, form.editor("name"), "User 200b")
    qtbot.mouseClick(form.save_button, LEFT)
    wait_idle(qtbot, desk.worker)
    assert_rows_match_a_fresh_query(desk)
    assert shown_user(desk).name == "User 200b"

    qtbot.keyClick(users, Qt.Key.Key_End, CTRL)  # load the tail, then delete from it
    wait_idle(qtbot, desk.worker)
    users.setFocus()
    answers.delete_answers.append(True)
    qtbot.keyClick(users, Qt.Key.Key_Delete)
    wait_idle(qtbot, desk.worker)
    assert_rows_match_a_fresh_query(desk)


def test_a_saved_user_that_leaves_the_filter_leaves_the_list(desk: Desk, qtbot: Bot) -> None:
    box = desk.window.panes[Kind.USER].filter
    assert box is not None
    type_into(qtbot, box, "a")
    wait_filtered(qtbot, desk, Kind.USER, "a")
    select_user(qtbot, desk, "Grace Hopper")
    form = desk.form(Kind.USER)
    type_into(qtbot, form.editor("name"), "Grce Hopper")
    type_into(qtbot, form.editor("email"), "grce@exmple.com")
    qtbot.mouseClick(form.save_button, LEFT)
    wait_idle(qtbot, desk.worker)
    assert cells(desk.table(Kind.USER)) == ["Ada Lovelace", "Alan Turing"]
    assert desk.window.users.total == 2
    assert shown_user(desk).name == "Grce Hopper"  # still in the form, saved


# -- the filter keeps the chosen user when it still lists them ---------------------------------


def test_filtering_keeps_the_selected_user_when_still_listed(desk: Desk, qtbot: Bot) -> None:
    select_user(qtbot, desk, "Alan Turing")
    select_post(qtbot, desk, "Morphogenesis")
    box = desk.window.panes[Kind.USER].filter
    assert box is not None

    type_into(qtbot, box, "tur")
    wait_filtered(qtbot, desk, Kind.USER, "tur")
    assert cells(desk.table(Kind.USER)) == ["Alan Turing"]
    assert shown_user(desk).name == "Alan Turing"
    assert selected_rows(desk.table(Kind.USER)) == [0]
    assert shown_post(desk).title == "Morphogenesis"  # nothing below was reset

    type_into(qtbot, box, "grace")
    wait_filtered(qtbot, desk, Kind.USER, "grace")
    assert desk.window.editing.current_user is None
    assert selected_rows(desk.table(Kind.USER)) == []


def test_a_filtered_list_shows_its_first_rows_before_it_is_counted(
    empty_url: str, make_desk: MakeDesk, qtbot: Bot
) -> None:
    """Counting a filtered list tries the filter on every row: its first page is shown
    first and the count comes after, as for any filter, whether a user is shown or not."""
    with open_database(empty_url) as backend:
        repo = Repository(backend)
        for n in range(250):
            repo.create_user(f"User {n:03d}", f"user{n:03d}@example.com")
    desk = make_desk(empty_url)
    model = desk.window.users
    qtbot.waitUntil(lambda: model.total == 250)
    box = desk.window.panes[Kind.USER].filter
    assert box is not None
    for chosen, text in ((None, "user"), ("User 001", "@example")):
        if chosen is not None:
            select_user(qtbot, desk, chosen)
        totals_at_first_rows: list[int | None] = []
        seen = totals_at_first_rows.append
        model.rows_loaded.connect(lambda *_rows, seen=seen: seen(model.total))
        type_into(qtbot, box, text)
        wait_filtered(qtbot, desk, Kind.USER, text)
        model.rows_loaded.disconnect()
        assert totals_at_first_rows[:1] == [None], text
        assert model.total == 250
        if chosen is not None:
            assert shown_user(desk).name == chosen


# -- Ctrl+S ----------------------------------------------------------------------------------


def status(desk: Desk) -> str:
    return desk.window.statusBar().currentMessage()


def test_ctrl_s_saves_the_form_with_changes_wherever_the_focus_is(
    desk: Desk, qtbot: Bot
) -> None:
    select_user(qtbot, desk, "Ada Lovelace")
    select_post(qtbot, desk, "On Bernoulli numbers")
    post_id = shown_post(desk).id
    type_into(qtbot, desk.form(Kind.POST).editor("title"), "On Bernoulli's numbers")
    users = desk.table(Kind.USER)
    users.setFocus()
    qtbot.keyClick(users, Qt.Key.Key_S, CTRL)
    wait_idle(qtbot, desk.worker)
    with peek(desk.url) as repo:
        assert repo.get_post(post_id).title == "On Bernoulli's numbers"
    assert status(desk) == "Saved the post."

    qtbot.keyClick(users, Qt.Key.Key_S, CTRL)
    assert status(desk) == "Nothing to save: no form has unsaved changes."


# -- where the keyboard focus goes -------------------------------------------------------------


@pytest.mark.parametrize("how", ["list", "button"])
def test_after_a_delete_the_focus_stays_on_the_list_at_the_next_row(
    desk: Desk, qtbot: Bot, answers: Prompts, how: str
) -> None:
    select_user(qtbot, desk, "Alan Turing")
    posts = desk.table(Kind.POST)
    select_post(qtbot, desk, "Morphogenesis")  # the newest of three
    answers.delete_answers.append(True)
    if how == "list":
        posts.setFocus()
        qtbot.keyClick(posts, Qt.Key.Key_Delete)
    else:
        button = desk.form(Kind.POST).delete_button
        button.setFocus()
        qtbot.keyClick(button, Qt.Key.Key_Space)
    wait_idle(qtbot, desk.worker)
    assert QApplication.focusWidget() is posts
    assert shown_post(desk).title == "Computing Machinery and Intelligence"
    assert selected_rows(posts) == [0]


def test_after_a_database_switch_the_focus_stays_in_its_pane(
    desk: Desk, qtbot: Bot, make_database: Any
) -> None:
    other = make_database("sqlite")
    seed(other)
    select_user(qtbot, desk, "Alan Turing")
    select_post(qtbot, desk, "Morphogenesis")
    desk.form(Kind.POST).editor("title").setFocus()
    open_and_wait(qtbot, desk.window, parse_url(other))
    assert QApplication.focusWidget() is desk.table(Kind.POST)


# -- the Edit menu -----------------------------------------------------------------------------


def test_the_edit_menu_names_each_new_record_once(desk: Desk, qtbot: Bot) -> None:
    edit = next(
        top.menu() for top in desk.window.menuBar().actions() if top.text() == "&Edit"
    )
    assert isinstance(edit, QMenu)
    desk.window.activateWindow()  # focus goes to a widget of the active window only
    for kind in Kind:
        desk.table(kind).setFocus()

        def focused(kind: Kind = kind) -> bool:
            return desk.window.active_kind() is kind

        qtbot.waitUntil(focused)
        visible = [
            action.text().replace("&", "")
            for action in edit.actions()
            if action.isVisible() and action.text()
        ]
        assert len(visible) == len(set(visible)), visible
        assert sum(text.startswith("New ") for text in visible) == 3


# -- the real question dialogs, answered with the keyboard -------------------------------------


def answer_when_shown(qtbot: Bot, button_text: str) -> list[str]:
    """Click `button_text` in the next message box as soon as it is shown; returns the
    texts the box asked (filled in when it was answered)."""
    asked: list[str] = []

    def answer() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(10, answer)
            return
        asked.append(box.text())
        for button in box.findChildren(QPushButton):
            if button.text().replace("&", "") == button_text:
                button.setFocus()
                qtbot.keyClick(button, Qt.Key.Key_Space)
                return
        raise AssertionError(f"no button {button_text!r} in {box.text()!r}")

    QTimer.singleShot(0, answer)
    return asked


# Taken when this module is imported, before any test puts its stand-ins in their place.
REAL_ASK_SAVE_CHANGES = prompts.ask_save_changes
REAL_CONFIRM_DELETE = prompts.confirm_delete


@pytest.fixture
def real_prompts(answers: Prompts, monkeypatch: pytest.MonkeyPatch) -> None:
    """The question dialogs as a person sees them, not the tests' stand-ins."""
    monkeypatch.setattr(prompts, "ask_save_changes", REAL_ASK_SAVE_CHANGES)
    monkeypatch.setattr(prompts, "confirm_delete", REAL_CONFIRM_DELETE)


def test_the_real_save_question_saves_on_its_save_button(
    desk: Desk, qtbot: Bot, real_prompts: None
) -> None:
    select_user(qtbot, desk, "Ada Lovelace")
    select_post(qtbot, desk, "On Bernoulli numbers")
    post_id = shown_post(desk).id
    type_into(qtbot, desk.form(Kind.POST).editor("title"), "Bernoulli, again")
    asked = answer_when_shown(qtbot, "Save")
    notes = desk.row_of(Kind.POST, "Notes on the Analytical Engine")
    click_row(qtbot, desk.table(Kind.POST), notes)
    qtbot.waitUntil(lambda: bool(asked))
    wait_idle(qtbot, desk.worker)
    assert asked == ["Do you want to save the changes to the post “On Bernoulli numbers”?"]
    with peek(desk.url) as repo:
        assert repo.get_post(post_id).title == "Bernoulli, again"
    qtbot.waitUntil(lambda: shown_post(desk).title == "Notes on the Analytical Engine")


def test_the_real_delete_question_deletes_on_its_delete_button(
    desk: Desk, qtbot: Bot, real_prompts: None
) -> None:
    select_user(qtbot, desk, "Grace Hopper")
    users = desk.table(Kind.USER)
    users.setFocus()
    asked = answer_when_shown(qtbot, "Delete")
    qtbot.keyClick(users, Qt.Key.Key_Delete)
    qtbot.waitUntil(lambda: bool(asked))
    wait_idle(qtbot, desk.worker)
    assert asked == ["Delete Grace Hopper?"]
    with peek(desk.url) as repo:
        assert repo.count_users() == 2
    assert cells(users) == ["Ada Lovelace", "Alan Turing"]


# -- a delete takes exactly what the question named --------------------------------------------


def confirm_after_a_change(
    monkeypatch: pytest.MonkeyPatch, change: Callable[[], None], second_answer: bool
) -> list[str]:
    """Answer Delete to the first delete question, while someone else makes `change` before
    the delete runs, then `second_answer`; returns the questions asked."""
    asked: list[str] = []

    def confirm(_parent: object, question: str) -> bool:
        asked.append(question)
        if len(asked) == 1:
            change()
            return True
        return second_answer

    monkeypatch.setattr(prompts, "confirm_delete", confirm)
    return asked


def test_a_delete_asks_again_when_more_would_go_than_was_named(
    desk: Desk, qtbot: Bot, answers: Prompts, monkeypatch: pytest.MonkeyPatch
) -> None:
    select_user(qtbot, desk, "Ada Lovelace")
    ada = shown_user(desk)

    def another_post() -> None:
        with peek(desk.url) as repo:
            repo.create_post(ada.id, "Written meanwhile", "by another client")

    asked = confirm_after_a_change(monkeypatch, another_post, True)
    users = desk.table(Kind.USER)
    users.setFocus()
    qtbot.keyClick(users, Qt.Key.Key_Delete)
    qtbot.waitUntil(lambda: len(asked) == 2)
    wait_idle(qtbot, desk.worker)
    assert asked == [
        "Delete Ada Lovelace, with 2 posts and their 3 comments?",
        "Delete Ada Lovelace, with 3 posts and their 3 comments?",
    ]
    with peek(desk.url) as repo:
        assert repo.table_counts() == {"users": 2, "posts": 3, "comments": 1}
    assert cells(users) == ["Alan Turing", "Grace Hopper"]


def test_a_delete_that_is_declined_the_second_time_deletes_nothing(
    desk: Desk, qtbot: Bot, answers: Prompts, monkeypatch: pytest.MonkeyPatch
) -> None:
    select_user(qtbot, desk, "Ada Lovelace")
    select_post(qtbot, desk, "On Bernoulli numbers")
    post = shown_post(desk)

    def another_comment() -> None:
        with peek(desk.url) as repo:
            repo.create_comment(post.id, "Written meanwhile")

    asked = confirm_after_a_change(monkeypatch, another_comment, False)
    posts = desk.table(Kind.POST)
    posts.setFocus()
    qtbot.keyClick(posts, Qt.Key.Key_Delete)
    qtbot.waitUntil(lambda: len(asked) == 2)
    wait_idle(qtbot, desk.worker)
    assert asked == [
        "Delete the post “On Bernoulli numbers” and its 1 comment?",
        "Delete the post “On Bernoulli numbers” and its 2 comments?",
    ]
    with peek(desk.url) as repo:
        assert repo.count_comments(post.id) == 2
    assert shown_post(desk).id == post.id


def test_the_shown_record_stays_in_its_row_when_a_long_scroll_drops_rows_around_it(
    many_users_url: str, make_desk: MakeDesk, qtbot: Bot, answers: Prompts
) -> None:
    desk = make_desk(many_users_url)
    users, model = desk.table(Kind.USER), desk.window.users
    model.page_size, model.keep_rows = 10, 40  # so that 300 rows are a long list
    click_row(qtbot, users, 1)
    wait_idle(qtbot, desk.worker)
    chosen = shown_user(desk)
    bar = users.verticalScrollBar()
    while bar.value() < bar.maximum():
        bar.setValue(bar.value() + bar.pageStep())
        wait_rows_on_screen(qtbot, desk)
    assert model.record(0) is None and model.loaded_count < MANY // 2  # rows were dropped
    assert model.row_of(chosen.id) == 1

    form = desk.form(Kind.USER)
    type_into(qtbot, form.editor("name"), "User 001 renamed")  # its row stays where it is
    qtbot.mouseClick(form.save_button, LEFT)
    wait_idle(qtbot, desk.worker)
    assert_rows_match_a_fresh_query(desk)
    answers.delete_answers.append(True)
    qtbot.mouseClick(form.delete_button, LEFT)
    wait_idle(qtbot, desk.worker)
    assert_rows_match_a_fresh_query(desk)

    bar.setValue(0)  # back at the top, the dropped rows are read again
    wait_rows_on_screen(qtbot, desk)
    assert_rows_match_a_fresh_query(desk)


def wait_rows_on_screen(qtbot: Bot, desk: Desk) -> None:
    """Until every row the users list shows has its record."""
    table, model = desk.table(Kind.USER), desk.window.users

    def loaded() -> bool:
        first, last = table.visible_rows()
        return all(model.record(row) is not None for row in range(first, last + 1))

    qtbot.waitUntil(loaded)
    wait_idle(qtbot, desk.worker)
